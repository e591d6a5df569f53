"""Part "broadcast": the product's broadcast worker (`bot.broadcaster.Broadcaster.run`) through
the real Telegram Application on the in-process fake Bot API (bench.harness.bcastworld).

(a) N subscribers at rate=2000 with PTB's overall limiter lifted: the ledger phase (one row per
    recipient) and the delivery phase (send, then record) timed apart, achieved ÷ limit at the
    large N, and the worker's memory for a small and a large N, each size in a fresh
    interpreter.
(b) The real rate (rate=30) for a minute, with more recipients than it can reach: achieved rate
    ÷ limit, the worker cancelled at the end and its `sent` rows counted.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import ROOT
from bench.harness.bcastworld import new_broadcast, populate, real_rate
from bench.harness.core import Options, Section, Table, fmt, part
from bench.harness.db import databases, prepare_catalogs, reset_pg
from bench.targets import FAST_RATE_RATIO, MEMORY_GROWTH, RATE_RATIO
from storage.db import create_engine

FAST_RATE = 2000.0
REAL_RATE = 30.0
SUBPROCESS_TIMEOUT_S = 1800  # the code before the ledger took over 600 s for 100,000 on PostgreSQL
# The part's own PostgreSQL database, emptied at each size (BENCH_BROADCAST_DB names another).
PG_BROADCAST_DB = os.environ.get("BENCH_BROADCAST_DB", "bench_broadcast")


def sizes(opts: Options) -> tuple[int, int]:
    return (1_000, 10_000) if opts.quick else (1_000, 100_000)


def trace_window(opts: Options) -> int:
    """Messages delivered under tracemalloc at the large size (it makes the worker 2.6× slower:
    the ledger phase is traced whole, the delivery phase until this many messages)."""
    return 2_000 if opts.quick else 5_000


def real_seconds(opts: Options) -> float:
    return 8.0 if opts.quick else 60.0


@dataclass
class Store:
    backend: str
    url: str
    sender: int
    size: int


async def _prepare(backend: str, size: int, tmp: Path) -> Store:
    """A database with `size` subscribers and one announcement to all of them, due now."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'broadcast-{size}.db'}"
    else:
        url = await reset_pg(PG_BROADCAST_DB)
    engine = create_engine(url)
    try:
        sender = await populate(engine, size)
        await new_broadcast(engine, sender)
    finally:
        await engine.dispose()
    return Store(backend, url, sender, size)


async def _requeue(store: Store) -> None:
    engine = create_engine(store.url)
    try:
        await new_broadcast(engine, store.sender)
    finally:
        await engine.dispose()


async def _worker(store: Store, traced: bool = False, window: int | None = None) -> dict:
    """One run of the worker in a fresh interpreter (python -m bench.harness.bcastworld)."""
    args = [sys.executable, "-m", "bench.harness.bcastworld", store.url, "--rate", str(FAST_RATE)]
    if traced:
        args += ["--traced"] + (["--window", str(window)] if window else [])
    proc = await asyncio.create_subprocess_exec(*args, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), SUBPROCESS_TIMEOUT_S)
    if proc.returncode != 0:
        raise RuntimeError(f"broadcast worker run failed: {err.decode()[-800:]}")
    return json.loads(out.decode().strip().splitlines()[-1])


async def _memory_runs(backend: str, opts: Options, tmp: Path) -> tuple[dict, Store]:
    """The small size whole (untraced, then traced), the large size traced over its window;
    leaves the large size's store queued again for its untraced run."""
    small, large = sizes(opts)
    runs: dict = {}
    store = await _prepare(backend, small, tmp)
    runs[small] = {"plain": await _worker(store)}
    await _requeue(store)
    runs[small]["traced"] = await _worker(store, traced=True)
    store = await _prepare(backend, large, tmp)
    runs[large] = {"traced": await _worker(store, traced=True, window=trace_window(opts))}
    await _requeue(store)
    return runs, store


async def _real(store: Store, seconds: float) -> dict:
    result = await real_rate(store.url, REAL_RATE, seconds)
    result["recipients"] = store.size
    return result


@part("broadcast", "Broadcasts: messages/s, memory from 1,000 to 100,000, the real rate limit")
async def run(opts: Options) -> Section:
    prepare_catalogs()
    section = Section("broadcast", "Broadcast worker")
    backends = await databases(opts, section)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="sangkien-bench-") as tmp:
        # The real-rate run is idle 97 % of the time: the memory runs (whose speed is not
        # reported) go on beside it; the timed runs of the large size come after, alone.
        # (Alembic's migrations cannot run two at a time in one process: prepare it first.)
        seconds = real_seconds(opts)
        store = await _prepare("sqlite", int(REAL_RATE * seconds * 1.5) + 100, Path(tmp))
        real = asyncio.create_task(_real(store, seconds))
        stores = {}
        try:
            for backend in backends:
                results[backend], stores[backend] = await _memory_runs(backend, opts, Path(tmp))
            real_result = await real
        finally:
            if not real.done():
                real.cancel()
        large = sizes(opts)[1]
        for backend in backends:
            results[backend][large]["plain"] = await _worker(stores[backend])
    _report_fast(section, results, opts)
    _report_real(section, real_result, opts)
    return section


def _label(backend: str) -> str:
    return "SQLite" if backend == "sqlite" else "PostgreSQL"


def _row(backend: str, size: int, plain: dict, traced: dict) -> tuple[list, dict]:
    delivered = plain["delivered"] or 0
    per_s = delivered / plain["delivery_s"] if plain["delivery_s"] else float("nan")
    steady = plain.get("steady_per_s")
    figures = {
        "recipients": size, "delivered": delivered, "rows": plain["rows"],
        "ledger_s": round(plain["ledger_s"], 3),
        "ledger_rows_per_s": round(size / plain["ledger_s"], 0),
        "delivery_s": round(plain["delivery_s"], 2), "messages_per_s": round(per_s, 1),
        "steady_per_s": None if steady is None else round(steady, 1),
        "ratio_after_first_second": None if steady is None else round(steady / FAST_RATE, 4),
        "rss_growth_mb": plain["rss_growth_mb"], "rss_before_mb": plain["rss_before_mb"],
        "tracemalloc_peak_mb": traced["tracemalloc_peak_mb"],
        "traced_messages": traced["api_messages"],
    }
    traced_until = "whole run" if traced["api_messages"] >= size else \
        f"ledger + {traced['api_messages']:,} sent"
    row = [_label(backend), fmt(size), fmt(plain["ledger_s"], 2),
           fmt(size / plain["ledger_s"], 0), fmt(plain["delivery_s"], 1), fmt(per_s, 0),
           fmt(per_s / FAST_RATE, 3), "—" if steady is None else fmt(steady / FAST_RATE, 3),
           fmt(plain["rss_growth_mb"], 1),
           fmt(traced["tracemalloc_peak_mb"], 1), traced_until]
    return row, figures


def _report_fast(section: Section, results: dict, opts: Options) -> None:
    small, large = sizes(opts)
    table = Table(
        f"(a) Broadcaster.run() at rate={FAST_RATE:.0f}, PTB's overall limiter lifted, fake Bot "
        "API answering at once; each size in a fresh interpreter",
        ["database", "recipients", "ledger s", "rows/s", "delivery s", "messages/s",
         "÷ limit", "÷ limit after 1st s", "RSS growth MB", "tracemalloc peak MB", "traced"])
    for backend, runs in results.items():
        section.data[backend] = {}
        for size in (small, large):
            row, figures = _row(backend, size, runs[size]["plain"], runs[size]["traced"])
            table.rows.append(row)
            section.data[backend][size] = figures
            if figures["delivered"] != size or figures["rows"] != {"sent": size}:
                section.notes.append(f"{_label(backend)}, {size:,}: delivered "
                                     f"{figures['delivered']:,}, ledger {figures['rows']}.")
        big, little = section.data[backend][large], section.data[backend][small]
        section.targets.append(FAST_RATE_RATIO.check(
            f"broadcast at rate={FAST_RATE:.0f} from one process, {large:,} recipients: "
            f"achieved ÷ limit, after the first second ({_label(backend)})",
            big["ratio_after_first_second"]))
        where = f"{little['recipients']:,} → {big['recipients']:,} recipients, {_label(backend)}"
        for key, name in (("tracemalloc_peak_mb", "tracemalloc peak"),
                          ("rss_growth_mb", "peak RSS")):
            value = None if big[key] is None or little[key] is None else big[key] - little[key]
            section.targets.append(MEMORY_GROWTH.check(
                f"broadcast: growth of the {name} ({where})",
                None if value is None else round(value, 2)))
    section.tables.append(table)
    section.notes += [
        "Ledger = start_due(): the announcement claimed and one pending row written per "
        "recipient. Delivery = run(): per recipient, the limiter, the send through PTB (its "
        "AIORateLimiter in the path, its 30/s bucket lifted) and the ledger's record, one "
        "prepared statement in autocommit on the ledger's own connection (storage.broadcasts."
        "Ledger; PostgreSQL: synchronous_commit off). messages/s = sent ÷ the delivery phase's "
        "wall time; ÷ limit after 1st s = the messages that reached the API a second or more "
        "after the first, over the time they took, ÷ 2,000 (the figure checked).",
        "RSS growth = VmHWM (reset through /proc/self/clear_refs) − VmRSS before the run, untraced "
        "run. tracemalloc peak = peak of what was allocated since tracing started (worker and "
        f"Application already built); at {large:,} recipients the trace covers the whole ledger "
        f"phase and the first {trace_window(opts):,} messages only (tracemalloc slows the worker "
        "about 2.6×), the RSS figure covers the whole run.",
        "Where a message's time goes: python -m bench.tools.profile_broadcast "
        "[--backend postgresql].",
    ]
    if opts.quick:
        section.notes.append(f"--quick: {small:,} and {large:,} recipients instead of 1,000 and "
                             "100,000, SQLite only, the real rate for "
                             f"{real_seconds(opts):.0f} s instead of 60 s.")


def _max_in_window(times: list[float], width: float = 1.0) -> int:
    best, first = 0, 0
    for last, t in enumerate(times):
        while t - times[first] >= width:
            first += 1
        best = max(best, last - first + 1)
    return best


def _report_real(section: Section, r: dict, opts: Options) -> None:
    sent_rows = r["rows"].get("sent", 0)
    elapsed = r["elapsed_s"]
    times = r["times"]
    steady = [t for t in times if t >= 1.0]
    ratio = sent_rows / elapsed / REAL_RATE
    steady_ratio = len(steady) / (elapsed - 1.0) / REAL_RATE
    section.data["real_rate"] = {
        "rate": REAL_RATE, "recipients": r["recipients"], "seconds": round(elapsed, 2),
        "sent_rows": sent_rows, "api_messages": len(times), "ledger_s": round(r["ledger_s"], 3),
        "ratio": round(ratio, 4), "ratio_after_first_second": round(steady_ratio, 4),
        "max_in_1s": _max_in_window(times), "ran_out": r["finished"],
    }
    section.tables.append(Table(
        f"(b) Broadcaster.run() at rate={REAL_RATE:.0f} for {elapsed:.1f} s (SQLite), then "
        "cancelled",
        ["recipients", "sent rows", "API messages", "messages/s", "÷ limit",
         "÷ limit after 1st s", "most in any 1 s"],
        [[fmt(r["recipients"]), fmt(sent_rows), fmt(len(times)), fmt(sent_rows / elapsed, 2),
          fmt(ratio, 3), fmt(steady_ratio, 3), fmt(_max_in_window(times))]]))
    section.targets.append(RATE_RATIO.check(
        f"broadcast at rate={REAL_RATE:.0f}: achieved ÷ limit, after the first second (SQLite)",
        round(steady_ratio, 4)))
    if r["finished"]:
        section.notes.append("(b) ran out of recipients before the time was up: its rate is low.")
    section.notes.append(
        "(b): ÷ limit = sent rows ÷ elapsed ÷ 30; the worker paces by the rate shared in the "
        "database (bot.broadcaster.SharedRate: a fifth of a second reserved at a time), and its "
        "first second includes the start, so the steady figure (messages sent after the first "
        "second) is the one checked. 'Most in any 1 s' over 30 means a burst above Telegram's "
        "30/s. Run beside the memory runs of (a), which only the loop's timing could disturb.")
