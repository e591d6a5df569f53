"""Part "step": a resident's step through the real Application, against python-telegram-bot's
echo bot (the floor) and the same flow written with ConversationHandler + PicklePersistence."""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import inprogress
from bench.harness.core import Options, Run, Section, Table, fmt, part
from bench.harness.db import databases, fresh_database, prepare_catalogs, settings_for
from bench.harness.drive import Subject, freeze_startup, ours_subject, sent_messages, walk_one
from bench.harness.inprogress import Loaded
from bench.harness.officers import seed_officers
from bench.harness.script import STEPS_PER_RESIDENT, FlowScript
from bench.refbots import bots
from bench.targets import (
    ECHO_P50,
    ECHO_THROUGHPUT,
    LOOP_GAP,
    MEMORY_PER_CONVERSATION,
    PG_ECHO_P50,
    SERIALISATION_COST,
    STEP_P99,
)
from bench.tools import gcpause
from bench.tools.pickle_pause import measure_pauses
from bot.flood import FloodGate
from bot.reference import Reference
from storage.db import DEFAULT_SQLITE_SYNCHRONOUS

# Conversations in progress held by the process while steps are measured (a city office on a
# busy day): PostgreSQL at the first count, SQLite at each (see `in_progress`).
IN_PROGRESS = 10_000
IN_PROGRESS_FULL = (10_000, 100_000)


def sizes(opts: Options) -> tuple[int, int]:
    """(residents per round, rounds): rounds of every bot alternate, so drift hits all alike.
    --quick has 6,000 timed updates a row (its p99 is the 60th slowest; p95 is shown too)."""
    return (250, 2) if opts.quick else (500, 3)


def in_progress(opts: Options) -> tuple[str, tuple[int, ...]]:
    """Which SQLite row holds conversations in progress, and how many (--quick: 10,000; a full
    run: 10,000, then 100,000). Held on synchronous=NORMAL: loading 100,000 one step each with
    FULL's fsync at every commit takes minutes on this machine's disk, and what a conversation
    costs in memory and in collector passes does not depend on how the WAL is synced."""
    return SQLITE_NORMAL, (IN_PROGRESS,) if opts.quick else IN_PROGRESS_FULL


# The SQLite rows: `synchronous` as it runs by default (DEFAULT_SQLITE_SYNCHRONOUS: FULL) under
# the key "sqlite", and the other level beside it.
OTHER_SYNCHRONOUS = "NORMAL"
SQLITE_NORMAL = "sqlite, synchronous=NORMAL"


async def _references(script: FlowScript, pickle_file: Path) -> tuple[Subject, Subject]:
    app, api = await bots.echo()
    echo = Subject("echo", app, api, script, sent_messages(api), STEPS_PER_RESIDENT)
    app, api = await bots.conversation(pickle_file)

    async def entries() -> int:
        return len(app.bot_data.get("entries", {}))

    return echo, Subject("conversation", app, api, script, entries)


async def _phase(ours: Subject, refs: tuple[Subject, ...], users: int, rounds: int) -> Run:
    for _ in range(rounds):
        for subject in (*refs, ours):
            await subject.play(users)
    return ours.take_run()


@dataclass
class Setup:
    holder: str  # the row whose process holds the conversations in progress measured
    officers: int = 0
    loaded: list[Loaded] = field(default_factory=list)


async def _backend(key: str, script: FlowScript, ref: Reference, refs, users, rounds,
                   counts: tuple[int, ...], results: dict[str, Run], setup: Setup,
                   measured: bool) -> None:
    backend = "postgresql" if key == "postgresql" else "sqlite"
    synchronous = OTHER_SYNCHRONOUS if key == SQLITE_NORMAL else DEFAULT_SQLITE_SYNCHRONOUS
    try:
        async with fresh_database(backend, synchronous) as (url, engine):
            ours = await ours_subject(settings_for(url, synchronous), engine, script)
            # As `sangkien run`: what start-up built is frozen once, before the first update.
            freeze_startup()
            try:
                setup.officers = await seed_officers(ours.app, ours.api)
                await walk_one(ours)  # also learns the phone question's skip label
                await ours.play(10, timed=False)
                if backend == "postgresql":
                    await _serialisation(ours, refs, users, rounds, results)
                else:
                    results[key] = await _phase(ours, refs, users, rounds)
                first = 0
                for count in counts:
                    loaded = await inprogress.load(ours, engine, ref, first, count - first)
                    first = count
                    if measured:
                        setup.loaded.append(loaded)
                    run = await _phase(ours, refs, users, rounds)
                    # The loading steps are steps of a busy day too: their pauses count.
                    run.max_gap = max(run.max_gap, loaded.run.max_gap)
                    results[f"{key}+{count // 1000}k"] = run
            finally:
                await bots.stop(ours.app)
    finally:
        # The process of that run ends here: its frozen objects go with it.
        gc.unfreeze()
        gc.collect()


# What several processes on one PostgreSQL database cost a step (issue 11), measured by turning
# it off in the same run, round by round: the per-sender advisory lock (Dispatcher.serialise),
# and that lock with flood control counted in the database (SharedFloodGate) instead of in memory.
SERIALISATION = ("postgresql, one process's way", "postgresql, lock only")


async def _serialisation(ours: Subject, refs, users: int, rounds: int,
                         results: dict[str, Run]) -> None:
    dispatcher = ours.app.bot_data["channel"].dispatcher
    settings = dispatcher.settings
    ways = {SERIALISATION[0]: (False, FloodGate(settings.flood_burst, settings.flood_rate)),
            SERIALISATION[1]: (True, FloodGate(settings.flood_burst, settings.flood_rate)),
            "postgresql": (True, dispatcher.flood)}  # as it runs
    runs = {key: Run() for key in ways}
    for _ in range(rounds):
        for key, (serialise, flood) in ways.items():
            dispatcher.serialise, dispatcher.flood = serialise, flood
            for subject in refs:
                await subject.play(users)
            await ours.play(users)
            runs[key] = runs[key].merge(ours.take_run())
    dispatcher.serialise, dispatcher.flood = ways["postgresql"]
    results.update(runs)


@part("step", "A resident's step: update in, reply out, its answer committed")
async def run(opts: Options) -> Section:
    prepare_catalogs()
    users, rounds = sizes(opts)
    ref = Reference(settings_for("sqlite://"))
    script = FlowScript(ref)
    section = Section("step", "Step")
    holder, counts = in_progress(opts)
    setup = Setup(holder)
    if opts.quick:
        section.notes.append(
            f"--quick: SQLite only; {counts[-1]:,} conversations in progress at most (a full "
            "run: 10,000 and 100,000); "
            f"{users * STEPS_PER_RESIDENT * rounds:,} timed updates a row, so its p99 is the "
            f"{users * STEPS_PER_RESIDENT * rounds // 100}th slowest: read p95 beside it.")
    backends = await databases(opts, section)
    keys = ["sqlite", SQLITE_NORMAL] + [b for b in backends if b != "sqlite"]
    results: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="sangkien-bench-") as tmp:
        echo, conv = await _references(script, Path(tmp) / "conversationbot.pickle")
        try:
            for subject in (echo, conv):
                await subject.play(10, timed=False)
            for key in keys:
                print(f"[bench] step: {key} …", file=sys.stderr, flush=True)
                mine = counts if key == holder else () if key.startswith("sqlite") \
                    else (IN_PROGRESS,)
                await _backend(key, script, ref, (echo, conv), users, rounds, mine, results,
                               setup, measured=key == holder)
        finally:
            conv.app.persistence.on_flush = True  # its per-write dumps are measured below
            for subject in (echo, conv):
                await bots.stop(subject.app)
    echo_run, conv_run = echo.take_run(), conv.take_run()
    _report(section, echo_run, conv_run, results, users, rounds, setup)
    _in_progress_report(section, results, setup)
    _gc_report(section, await asyncio.to_thread(gcpause.measure))
    if not opts.quick:
        started = time.perf_counter()
        pauses = await measure_pauses()
        section.data["pickle_pauses"] = pauses.as_json()
        section.tables.append(pauses.table())
        section.notes += pauses.notes
        section.data["pickle_pauses"]["seconds"] = round(time.perf_counter() - started, 1)
    return section


def _in_progress_report(section: Section, results: dict[str, Run], setup: Setup) -> None:
    """SQLite as it runs, with 10,000 (and 100,000) conversations in progress: the longest
    pause of the loop (the steps' own, the loading steps' included, or a full collection over
    what is held, whichever is longer) and the memory each conversation costs."""
    name, db = _label(setup.holder)
    table = Table(
        f"Conversations in progress ({db}): each prefilled resident sent one step, so the "
        "session cache and the flood gate hold them as in production",
        ["in progress", "RSS growth MB", "KB each", "Python KB each", "loading p50 ms",
         "loop gap ms", "full GC pass ms", "longest pause ms"])
    data = {}
    for loaded in setup.loaded:
        figures = loaded.as_json()
        run = results.get(f"{setup.holder}+{loaded.total // 1000}k")
        gap = run.max_gap * 1000 if run is not None else loaded.run.max_gap * 1000
        figures["max_loop_gap_ms"] = round(gap, 1)
        figures["longest_pause_ms"] = round(max(gap, loaded.full_gc_ms), 1)
        data[str(loaded.total)] = figures
        table.rows.append([fmt(loaded.total), fmt(figures["rss_growth_mb"], 1),
                           fmt(figures["kb_per_conversation"], 2),
                           fmt(figures["python_kb_per_conversation"], 2),
                           fmt(figures["load_p50_ms"], 3), fmt(figures["max_loop_gap_ms"], 1),
                           fmt(figures["full_gc_ms"], 1), fmt(figures["longest_pause_ms"], 1)])
        where = f"{loaded.total:,} conversations in progress"
        section.targets += [
            LOOP_GAP.check(f"longest event-loop pause, {where}", figures["longest_pause_ms"]),
            MEMORY_PER_CONVERSATION.check(f"memory per conversation in progress ({where})",
                                          figures["kb_per_conversation"]),
        ]
    section.data["in_progress"] = data
    section.tables.append(table)
    section.notes.append(
        "Longest pause = the longest loop gap seen while those conversations were loaded and "
        "while the rounds ran beside them, or one full gc.collect() over that heap (start-up's "
        "objects frozen, as `sangkien run` does), whichever is longer: Python's collector makes "
        "that full pass by itself whenever a quarter of the heap is new, so the loop meets it. "
        "KB each = RSS growth (after a full collection) ÷ rows the session cache gained "
        "(the conversations loaded, less what its bound made room for); Python KB "
        f"each = what tracemalloc saw kept of the first {inprogress.TRACED:,} loaded (the "
        "objects alone, without the allocator's and SQLite's share); the RSS one is the "
        "target's.")


def _gc_report(section: Section, probe: dict) -> None:
    passes = probe["full_gc_ms"]
    median = statistics.median(passes)
    section.data["full_gc"] = {**probe, "median_ms": round(median, 2)}
    section.tables.append(Table(
        "Garbage collector: a full pass over a freshly built bot's heap (fresh interpreter, "
        "imports + engine + Application)",
        ["objects", "median ms", "max ms", "after gc.freeze() ms"],
        [[fmt(probe["objects"]), fmt(median, 1), fmt(passes[-1], 1),
          fmt(max(probe["after_freeze_ms"]), 3)]]))
    # `sangkien run` freezes what start-up built (gc.freeze()), so that is the pause it can meet;
    # the unfrozen figure above shows why it does.
    section.targets.append(LOOP_GAP.check("full GC pass after start-up's gc.freeze() (worst of 3)",
                                          round(max(probe["after_freeze_ms"]), 3)))


LABELS = {
    "echo": "PTB echo bot (floor)",
    "conversation": "PTB ConversationHandler + PicklePersistence",
}


def _label(key: str) -> tuple[str, str]:
    if key in LABELS:
        return LABELS[key], "—"
    if key == SERIALISATION[0]:
        return "ours, no per-sender lock, flood in memory", "PostgreSQL"
    if key == SERIALISATION[1]:
        return "ours, per-sender lock, flood in memory", "PostgreSQL"
    backend, _, extra = key.partition("+")
    name = "ours" + (f", {int(extra[:-1]) * 1000:,} in progress" if extra else "")
    if backend == SQLITE_NORMAL:
        return name, f"SQLite, synchronous={OTHER_SYNCHRONOUS}"
    if backend == "sqlite":
        return name, f"SQLite, synchronous={DEFAULT_SQLITE_SYNCHRONOUS}"
    return name, "PostgreSQL"


def _row(key: str, run: Run, echo: Run) -> tuple[list, dict]:
    s = run.summary()
    by_p50 = run.ms(50) / echo.ms(50)
    by_rate = echo.per_second / run.per_second
    name, db = _label(key)
    row = [name, db, fmt(s["per_second"], 0), fmt(s["p50_ms"], 3), fmt(s["p95_ms"], 3),
           fmt(s["p99_ms"], 3),
           fmt(s["max_ms"], 1), fmt(by_p50, 1), fmt(by_rate, 1), fmt(s["max_loop_gap_ms"], 1)]
    return row, {**s, "x_echo_p50": round(by_p50, 2), "x_echo_throughput": round(by_rate, 2)}


def _report(section: Section, echo: Run, conv: Run, results: dict[str, Run], users: int,
            rounds: int, setup: Setup) -> None:
    table = Table(
        f"{users} residents × {STEPS_PER_RESIDENT} updates × {rounds} round(s) per bot "
        f"({users * STEPS_PER_RESIDENT * rounds:,} timed updates a row), interleaved; latency = "
        f"time around Application.process_update; ours with {setup.officers} officers (one per "
        "unit) and the runtime's background work running",
        ["bot", "database", "updates/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "×echo p50",
         "×echo thr", "loop gap ms"],
    )
    data: dict = {"residents": users, "rounds": rounds, "steps": STEPS_PER_RESIDENT,
                  "officers": setup.officers}
    for key, run in [("echo", echo), ("conversation", conv), *results.items()]:
        row, figures = _row(key, run, echo)
        table.rows.append(row)
        data[key] = figures
    section.tables.append(table)
    section.data.update(data)
    for key in results:
        name, db = _label(key)
        where = f"{name}, {db}"
        if key.startswith("sqlite"):
            section.targets += [
                ECHO_P50.check(f"step ×echo by p50 ({where})", data[key]["x_echo_p50"]),
                ECHO_THROUGHPUT.check(f"step ×echo by throughput ({where})",
                                      data[key]["x_echo_throughput"]),
                STEP_P99.check(f"step p99 ({where})", data[key]["p99_ms"]),
            ]
        elif key.startswith("postgresql") and key not in SERIALISATION:
            section.targets.append(PG_ECHO_P50.check(f"step ×echo by p50 ({where})",
                                                     data[key]["x_echo_p50"]))
        section.targets.append(LOOP_GAP.check(f"longest event-loop gap ({where})",
                                              data[key]["max_loop_gap_ms"]))
    if SERIALISATION[0] in data:
        alone = data[SERIALISATION[0]]
        for key, what in ((SERIALISATION[1], "per-sender lock"),
                          ("postgresql", "per-sender lock + flood in the database")):
            cost = round(data[key]["mean_ms"] - alone["mean_ms"], 3)
            data[f"cost of {what}"] = {"mean_ms": cost,
                                       "p50_ms": round(data[key]["p50_ms"] - alone["p50_ms"], 3)}
            section.targets.append(SERIALISATION_COST.check(
                f"what several processes cost a step on PostgreSQL: {what} (mean)", cost))
    section.notes += [
        "×echo = ours / echo by p50 latency, and echo / ours by throughput (how many echo "
        "updates fit in the time of one of ours). Loop gap = longest time between two wake-ups "
        "of a task sleeping 1 ms (1 ms included), the loop handed over between updates as the "
        "network would. The collector runs as in production: what start-up built is frozen "
        "once (gc.freeze(), as `sangkien run` does), everything after is collected as it "
        "comes, so its passes are in the latencies and the gaps.",
        "Officers: one registered in every unit of the map (/dangky with an invite), so a "
        "confirmation writes its notices to the outbox and the runtime delivers them through "
        "the fake Bot API, as in production; the runtime's delivery loop, broadcast worker and "
        "scheduler run throughout (bot.runtime.Runtime.start).",
        f"SQLite runs WAL with synchronous={DEFAULT_SQLITE_SYNCHRONOUS} by default "
        "(SANGKIEN_SQLITE_SYNCHRONOUS): a commit survives a crash of the process, of the "
        "operating system and a power loss; with NORMAL, a crash of the process only (a power "
        "loss or an OS crash may lose the last commits). PostgreSQL syncs every commit.",
        "Ours runs with its AIORateLimiter in the path, but the limiter's overall bucket "
        "(Telegram's 30 messages/s) is lifted: otherwise steps would wait for tokens.",
        "The ConversationHandler row is its in-memory cost: PicklePersistence writes nothing "
        "until update_persistence (every 60 s by default); that write is measured apart "
        "(full run).",
    ]
