"""Where the broadcast worker's time goes: `python -m bench.tools.profile_broadcast [--backend
sqlite|postgresql] [--recipients 10000] [--top 25]`.

Prints, per message delivered by `Broadcaster.run()` at rate=2000 on the fake Bot API: the SQL
statements (by kind) and aiosqlite thread hops; the wall time spent in the send function (PTB +
the channel + the fake API), waiting for the worker's limiter, and everywhere else (the ledger's
transactions); the same worker with a send that does nothing (the database's share alone) and
PTB's send alone in a loop; the ledger write alone, as today and in cheaper ways
(bench.tools.ledger_variants), and the per-batch queries half-way through the ledger; then a
cProfile of the whole delivery, self time grouped by library (bench.tools.profile_step's groups)."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from collections import defaultdict

from bench.harness.bcastworld import Worker, new_broadcast, populate
from bench.harness.db import prepare_catalogs, reset_pg
from bench.parts.broadcast import PG_BROADCAST_DB
from bench.tools import ledger_variants
from bench.tools.profile_step import Counters, _count, _group, _print_profile
from bot.model import Reply
from storage.db import create_engine


class Timed:
    """Wall time around the worker's send function and its limiter."""

    def __init__(self, worker: Worker):
        self.send_s = self.limiter_s = 0.0
        b = worker.broadcaster
        channel = b.channels["telegram"]
        limiter = b._rate(channel)
        send, acquire = channel.send, limiter.acquire

        async def timed_send(*args):
            t0 = time.perf_counter()
            try:
                return await send(*args)
            finally:
                self.send_s += time.perf_counter() - t0

        async def timed_acquire(*args):
            t0 = time.perf_counter()
            try:
                return await acquire(*args)
            finally:
                self.limiter_s += time.perf_counter() - t0

        channel.send = timed_send
        limiter.acquire = timed_acquire


async def _fresh(url: str, recipients: int) -> None:
    engine = create_engine(url)
    try:
        await new_broadcast(engine, await populate(engine, recipients))
    finally:
        await engine.dispose()


async def breakdown(url: str, recipients: int, profile: cProfile.Profile | None = None,
                    hops: bool = True) -> dict:
    """One delivery of a fresh broadcast, with its statements, hops and wall times counted."""
    await _fresh(url, recipients)
    async with Worker(url, 2000) as worker:
        counters = Counters()
        if hops:
            _count(worker.engine, counters)
        await worker.broadcaster.start_due()
        before = (counters.sql, counters.hops, dict(counters.kinds))
        timed = Timed(worker)
        if profile:
            profile.enable()
        t0 = time.perf_counter()
        sent = await worker.broadcaster.run()
        wall = time.perf_counter() - t0
        if profile:
            profile.disable()
    kinds = {k: (v - before[2].get(k, 0)) / sent for k, v in counters.kinds.items()}
    return {"sent": sent, "wall_s": wall, "per_s": sent / wall,
            "us_per_msg": wall / sent * 1e6, "send_us": timed.send_s / sent * 1e6,
            "limiter_us": timed.limiter_s / sent * 1e6,
            "rest_us": (wall - timed.send_s - timed.limiter_s) / sent * 1e6,
            "sql_per_msg": (counters.sql - before[0]) / sent,
            "hops_per_msg": (counters.hops - before[1]) / sent if hops else None,
            "kinds_per_msg": {k: round(v, 3) for k, v in kinds.items() if v}}


async def db_only(url: str, recipients: int) -> dict:
    """The worker with a send that answers "sent" at once: its database share alone."""
    await _fresh(url, recipients)
    async with Worker(url, 2000) as worker:

        async def nothing(*_args):
            return "sent"

        worker.broadcaster._send_one = nothing
        await worker.broadcaster.start_due()
        t0 = time.perf_counter()
        sent = await worker.broadcaster.run()
        wall = time.perf_counter() - t0
    return {"sent": sent, "per_s": sent / wall, "us_per_msg": wall / sent * 1e6}


async def ptb_only(url: str, messages: int) -> dict:
    """The channel's send in a loop, no database, no limiter: PTB + fake API."""
    async with Worker(url, 2000) as worker:
        channel = worker.app.bot_data["channel"]
        reply = Reply(text="Thông báo thử\n\n— chân trang")
        t0 = time.perf_counter()
        for n in range(messages):
            await channel.send(str(5_000_000 + n), reply)
        wall = time.perf_counter() - t0
    return {"sent": messages, "per_s": messages / wall, "us_per_msg": wall / messages * 1e6}


async def _url(backend: str, tmp: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp}/profile.db"
    return await reset_pg(PG_BROADCAST_DB)


async def main(backend: str, recipients: int, top: int) -> None:
    prepare_catalogs()
    with tempfile.TemporaryDirectory(prefix="sangkien-bench-") as tmp:
        url = await _url(backend, tmp)
        whole = await breakdown(url, recipients)
        url = await _url(backend, tmp + "/db")
        db = await db_only(url, recipients)
        engine = create_engine(url)
        try:
            variants = await ledger_variants.measure(engine, url)
            queries = await ledger_variants.batch_queries(engine)
        finally:
            await engine.dispose()
        ptb = await ptb_only(url, recipients)
        profile = cProfile.Profile()
        url = await _url(backend, tmp + "/prof")
        await breakdown(url, recipients, profile, hops=False)
    print(f"Broadcaster.run(), {recipients:,} recipients, rate=2000, {backend}:")
    print(f"  {whole['per_s']:8.0f} messages/s   {whole['us_per_msg']:7.0f} µs per message")
    print(f"    in send (PTB + channel + fake API)  {whole['send_us']:7.0f} µs")
    print(f"    waiting for the worker's limiter    {whole['limiter_us']:7.0f} µs")
    print(f"    the rest (ledger transactions, loop) {whole['rest_us']:6.0f} µs")
    hops = whole["hops_per_msg"]
    print(f"  SQL statements per message: {whole['sql_per_msg']:.2f} "
          f"{whole['kinds_per_msg']}; aiosqlite hops per message: "
          f"{'—' if hops is None else f'{hops:.1f}'}")
    print(f"  worker with a send that does nothing: {db['per_s']:8.0f} /s "
          f"({db['us_per_msg']:.0f} µs per message)")
    print(f"  PTB's send alone in a loop:           {ptb['per_s']:8.0f} /s "
          f"({ptb['us_per_msg']:.0f} µs per message)")
    print("  the ledger write alone, per message (no send):")
    for label, us in variants:
        print(f"    {label:78} {us:6.0f} µs")
    print(f"  per batch of {ledger_variants.BATCH}, half-way through {queries['rows']:,} rows: "
          f"next_pending {queries['next_pending']:.2f} ms, counts {queries['counts']:.2f} ms "
          "(both read past the rows already sent: O(N) per batch)")
    _print_profile(profile, top)


def grouped(profile: cProfile.Profile) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for (path, _line, name), value in pstats.Stats(profile).stats.items():
        out[_group(path, name)] += value[2]
    return dict(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.tools.profile_broadcast")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(main(args.backend, args.recipients, args.top))
