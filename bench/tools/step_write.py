"""A plain step's own costs, outside the Application: `python -m bench.tools.step_write
[--users 100000] [--saves 3000]`.

- the SQLite write of a plain step (storage.fastpath.SessionWriter.save: one guarded UPDATE of
  the users row), µs per call awaited on the event loop, and the WAL pages it leaves per step
  (the WAL's growth over the saves, from a truncated WAL, before any checkpoint runs);
- the draft reminders' query (storage.reminders.idle_users) on `--users` rows;
- the session cache (bot.dispatcher.SessionCache) holding `--users` conversations in progress
  as the dispatcher caches them (rows like bench.harness.prefill.draft_row, read back from the
  database): bytes per conversation (tracemalloc) and a full gc.collect() with them.

The same file runs against any checkout (it uses only their public APIs), so a baseline worktree
gives the "before" figures in the same session."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bench.harness.db import settings_for
from bench.harness.prefill import FIRST_ID, draft_row
from bot.dispatcher import SessionCache
from bot.reference import Reference
from storage import reminders
from storage.db import create_engine, migrate
from storage.fastpath import SessionWriter
from storage.tables import users

FRAME = 4096 + 24  # a WAL frame: the page and its header


async def _fill(engine, ref: Reference, count: int, now: datetime) -> None:
    for start in range(0, count, 10_000):
        rows = [{**draft_row(n, ref, now), "version": 0, "interests": {}}
                for n in range(start, min(count, start + 10_000))]
        async with engine.begin() as conn:
            await conn.execute(insert(users), rows)


async def writes(path: Path, count: int, saves: int, rounds: int) -> dict:
    url = f"sqlite:///{path}"
    ref = Reference(settings_for(url))
    engine = create_engine(url)
    await migrate(engine)
    now = datetime.now(UTC)
    await _fill(engine, ref, count, now)
    async with engine.begin() as conn:
        ids = [r[0] for r in await conn.execute(select(users.c.id).order_by(users.c.id))]
    await engine.dispose()
    writer = SessionWriter(url)
    data = draft_row(0, ref, now)["data"]
    versions = dict.fromkeys(ids, 0)
    update_id = 1_000_000
    per_call: list[float] = []
    pages: list[float] = []
    wal = Path(f"{path}-wal")
    import sqlite3
    for r in range(rounds):
        # A truncated WAL, then the saves, all within the checkpointer's first 2 s.
        side = sqlite3.connect(path)
        side.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        side.close()
        before = wal.stat().st_size if wal.exists() else 0
        picked = ids[r * 7919 % len(ids)::max(1, len(ids) // saves)][:saves]
        t_round = time.perf_counter()
        for uid in picked:
            update_id += 1
            values = {"state": "flow:description",
                      "data": {**data, "draft": {**data["draft"], "answers": {
                          **data["draft"]["answers"], "title": f"Tiêu đề {uid}"}}},
                      "updated_at": now + timedelta(seconds=update_id)}
            t0 = time.perf_counter()
            ok = await writer.save(uid, versions[uid], values, update_id)
            per_call.append(time.perf_counter() - t0)
            assert ok, uid
            versions[uid] += 1
        if time.perf_counter() - t_round < 1.8:
            pages.append((wal.stat().st_size - before) / FRAME / len(picked))
    await writer.close()
    engine = create_engine(url)
    async with engine.begin() as conn:
        scans = []
        for _ in range(5):
            t0 = time.perf_counter()
            idle = await reminders.idle_users(conn, now - timedelta(hours=24),
                                              now - timedelta(days=8))
            scans.append((time.perf_counter() - t0) * 1000)
        scan_ms = statistics.median(scans)
    await engine.dispose()
    per_call.sort()
    return {"save_us_p50": per_call[len(per_call) // 2] * 1e6,
            "save_us_mean": statistics.fmean(per_call) * 1e6,
            "save_us_p99": per_call[int(len(per_call) * 0.99)] * 1e6,
            "wal_pages_per_step": statistics.median(pages) if pages else None,
            "idle_users_ms": scan_ms, "idle_users_rows": len(idle)}


async def cached_rows(path: Path, count: int) -> list[dict]:
    """The rows as the dispatcher caches them: read back from the database (`_load`)."""
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    async with engine.begin() as conn:
        rows = [dict(r._mapping) for r in await conn.execute(select(users).limit(count))]
    await engine.dispose()
    return rows


def _full_gc_ms() -> float:
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


async def cache_memory(path: Path, count: int) -> dict:
    without = _full_gc_ms()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    rows = await cached_rows(path, count)
    cache = SessionCache(size=len(rows) + 1)
    for row in rows:
        cache.put((row["channel"], row["external_id"]), row)
    del rows, row  # only the cache holds them now
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    with_cache = _full_gc_ms()
    sample = cache.get(("telegram", str(FIRST_ID + 1)))
    assert sample["data"]["draft"]["kind"] == "idea"
    t0 = time.perf_counter()
    for n in range(10_000):
        cache.get(("telegram", str(FIRST_ID + n)))
    get_us = (time.perf_counter() - t0) / 10_000 * 1e6
    return {"bytes_per_conversation": held / len(cache._rows),
            "full_gc_ms_without_cache": without, "full_gc_ms_with_cache": with_cache,
            "get_us": get_us,
            "gc_objects": len(gc.get_objects())}


async def main(count: int, saves: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "step.db"
        found = await writes(path, count, saves, rounds)
        found.update(await cache_memory(path, count))
    found["checkout"] = os.getcwd()
    print(json.dumps(found, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.tools.step_write")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--saves", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.users, args.saves, args.rounds))
