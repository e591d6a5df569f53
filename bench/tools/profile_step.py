"""Where a step's time goes: `python -m bench.tools.profile_step [--backend sqlite|postgresql]
[--users 200] [--top 25]`.

Prints, for the scripted idea flow through the real Application: per step, its p50, the SQL
statements and (SQLite) aiosqlite thread hops it costs; then a cProfile of the whole round,
self time grouped by library, and the top functions. cProfile sees the event loop's thread only:
time aiosqlite spends in its own thread shows up as the loop waiting in `select`/`epoll`."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import statistics
import time
from collections import defaultdict

import aiosqlite.core
from sqlalchemy import event
from telegram import Update

from bench.harness.core import percentile
from bench.harness.db import fresh_database, prepare_catalogs, settings_for
from bench.harness.drive import ours_subject, walk_one
from bench.harness.script import STEPS_PER_RESIDENT, FlowScript
from bench.tools.decompose import db_variants, layers
from bot.reference import Reference
from storage.fastpath import SessionWriter
from testing.fakebotapi import UpdateFactory

STEP_NAMES = ["/start", "consent", "menu:idea", "ward", "field", "title", "description",
              "skip benefit", "skip files", "skip name", "phone: 'skip' typed", "confirm"]
GROUPS = [  # (label, substring of the file path), first match wins
    ("SQLAlchemy", "/sqlalchemy/"), ("python-telegram-bot", "/telegram/"),
    ("aiosqlite", "/aiosqlite/"), ("asyncpg", "/asyncpg/"), ("aiolimiter", "/aiolimiter/"),
    ("product: handlers", "/handlers/"), ("product: bot", "/bot/"),
    ("product: storage", "/storage/"), ("fake Bot API + harness", "/tests/"),
    ("fake Bot API + harness", "/bench/"), ("babel/gettext", "gettext"),
    ("babel/gettext", "/babel/"), ("json", "/json/"), ("asyncio", "/asyncio/"),
    ("selectors (waiting: thread hops, I/O)", "selectors"),
]


BUILTINS = [  # C functions (path "~"), by a substring of their name
    ("waiting in epoll (for aiosqlite's thread or the PG server)", "epoll"),
    ("SQLAlchemy", "greenlet"),
    ("queue put, socket recv (hops; PG: network)", "SimpleQueue"),
    ("queue put, socket recv (hops; PG: network)", "_socket.socket"),
    ("json", "json"),
]


def _group(path: str, name: str) -> str:
    if path == "~":
        return next((g for g, key in BUILTINS if key in name), "builtins (other)")
    return next((g for g, key in GROUPS if key in path), "stdlib (other)")


class Counters:
    def __init__(self) -> None:
        self.sql = 0
        self.hops = 0
        self.kinds: dict[str, int] = defaultdict(int)


def _count(engine, counters: Counters) -> None:
    def on_execute(conn, cursor, statement, params, context, executemany):
        counters.sql += 1
        counters.kinds[statement.split(None, 1)[0].upper()] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    original = aiosqlite.core.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        counters.hops += 1
        return await original(self, fn, *args, **kwargs)

    aiosqlite.core.Connection._execute = counted


async def _per_step(subject, users: int, counters: Counters) -> list[dict]:
    ids = subject.user_ids(users)
    subject.rounds += 1
    factory = UpdateFactory(start=10_000_000 * subject.rounds)
    updates = subject.script.updates(factory, ids)
    rows = []
    for index in range(STEPS_PER_RESIDENT):
        chunk = [Update.de_json(u, subject.app.bot)
                 for u in updates[index * users:(index + 1) * users]]
        before = (counters.sql, counters.hops, len(subject.api.calls))
        times = []
        for update in chunk:
            t0 = time.perf_counter()
            await subject.app.process_update(update)
            times.append(time.perf_counter() - t0)
        rows.append({"step": STEP_NAMES[index], "p50_ms": percentile(sorted(times), 50) * 1000,
                     "mean_ms": statistics.fmean(times) * 1000,
                     "sql": (counters.sql - before[0]) / users,
                     "hops": (counters.hops - before[1]) / users,
                     "api": (len(subject.api.calls) - before[2]) / users})
    return rows


def _print_steps(rows: list[dict], kinds: dict[str, int]) -> None:
    print(f"{'step':22} {'p50 ms':>7} {'mean ms':>8} {'SQL/step':>8} {'hops':>6} {'API':>5}")
    for r in rows:
        print(f"{r['step']:22} {r['p50_ms']:7.3f} {r['mean_ms']:8.3f} {r['sql']:8.1f} "
              f"{r['hops']:6.1f} {r['api']:5.1f}")
    total = {k: sum(r[k] for r in rows) for k in ("mean_ms", "sql", "hops", "api")}
    print(f"{'whole flow (12 steps)':22} {'':7} {total['mean_ms']:8.2f} {total['sql']:8.1f} "
          f"{total['hops']:6.1f} {total['api']:5.1f}")
    print("statements by kind:", dict(kinds))


def _print_handed_over() -> None:
    """Plain steps whose SQLite write found the database busy on the loop's connection and was
    handed to the writer's thread (storage.fastpath.SessionWriter), since start-up."""
    writers = [o for o in gc.get_objects() if isinstance(o, SessionWriter) and o.sqlite]
    for writer in writers:
        if hasattr(writer, "handed_over"):
            print(f"plain-step writes handed to the writer's thread (database busy): "
                  f"{writer.handed_over}")


def _print_profile(profile: cProfile.Profile, top: int) -> None:
    stats = pstats.Stats(profile)
    total = sum(v[2] for v in stats.stats.values())
    groups: dict[str, float] = defaultdict(float)
    for (path, _line, _name), value in stats.stats.items():
        label = _group(path, _name)
        groups[label] += value[2]
    print(f"\nself time by library ({total:.2f} s profiled, profiler overhead included):")
    for label, seconds in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"  {label:54} {seconds:7.3f} s  {100 * seconds / total:5.1f} %")
    print(f"\ntop {top} functions by self time:")
    stats.sort_stats("tottime").print_stats(top)
    print("\nselected cumulative times:")
    stats.sort_stats("cumulative").print_stats(
        r"(dispatcher|repo|handlers/__init__|telegram/_bot\.py.*send_message|process_update|"
        r"_aioratelimiter|engine/base.py.*_execute_context|_handle|on_update|send_reply)", 30)


def _print_layers(layers: dict, variants: dict) -> None:
    mean = {k: statistics.fmean(r.latencies) * 1000 for k, r in layers.items()}
    print("\na step taken apart (SQLite; mean ms per update over the whole flow):")
    rows = [
        ("echo bot, the floor", mean["echo"]),
        ("ours through the Application", mean["ours"]),
        ("  python-telegram-bot + channel, beyond echo", mean["ours"] - mean["dispatcher"]
         - mean["echo"]),
        ("  Dispatcher.handle alone", mean["dispatcher"]),
        ("    handlers + dispatcher logic (+ confirm's SQL)", mean["dispatcher"] - mean["db"]),
        ("    DB pattern: begin, load_user, save_user, commit", mean["db"]),
    ]
    for label, value in rows:
        print(f"  {label:54} {value:6.3f} ms")
    print("\nthe DB pattern of a plain step, four ways (SQLite):")
    for label, run in variants.items():
        print(f"  {label:52} mean {statistics.fmean(run.latencies) * 1000:6.3f} ms   "
              f"p50 {run.ms(50):6.3f} ms   p99 {run.ms(99):6.3f} ms")


async def take_apart(users: int) -> None:
    async with fresh_database("sqlite") as (url, engine):
        script = FlowScript(Reference(settings_for(url)))
        found = await layers(url, engine, settings_for(url), script, users, rounds=3)
        externals = [str(7_000_000 + i) for i in range(users)]
        variants = await db_variants(url, engine, externals, users * 10)
    _print_layers(found, variants)


async def main(backend: str, users: int, top: int) -> None:
    prepare_catalogs()
    if backend == "sqlite":
        await take_apart(users)
    script = FlowScript(Reference(settings_for("sqlite://")))
    async with fresh_database(backend) as (url, engine):
        subject = await ours_subject(settings_for(url), engine, script)
        await walk_one(subject)
        await subject.play(20, timed=False)
        counters = Counters()
        _count(engine, counters)
        rows = await _per_step(subject, users, counters)
        _print_steps(rows, counters.kinds)
        _print_handed_over()
        profile = cProfile.Profile()
        ids = subject.user_ids(users)
        subject.rounds += 1
        updates = [Update.de_json(u, subject.app.bot) for u in subject.script.updates(
            UpdateFactory(start=10_000_000 * subject.rounds), ids)]
        profile.enable()
        for update in updates:
            await subject.app.process_update(update)
        profile.disable()
        await subject.app.shutdown()
    _print_profile(profile, top)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.tools.profile_step")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(main(args.backend, args.users, args.top))
