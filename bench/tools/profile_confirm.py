"""What a first contact and a confirmation cost: `python -m bench.tools.profile_confirm
[--backend sqlite|postgresql] [--users 200] [--rounds 3]`.

One ward officer in every ward (so a confirmation writes outbox rows and the runtime sends them
right after the step, as in production); residents walk the idea flow of bench/harness/script.py
through `Dispatcher.handle` on the console channel, step by step, interleaved. Timed: the first
contact (`/start` of a chat never seen, its row created) and the confirmation (the step and
`Runtime.deliver_pending`, the notices to the officers included), p50 and p90 in ms. Counted per
step: SQL statements (SQLAlchemy's and the fast path's are not told apart: each is one), and on
PostgreSQL the writes to the server's socket, i.e. round trips (each BEGIN, COMMIT, ping and
statement is one; asyncpg sends a statement's parse, bind and execute in one write).

Run it from another worktree's venv on this file to compare two versions of the product in one
sitting: `/other/.venv/bin/python bench/tools/profile_confirm.py --backend postgresql` (the
PostgreSQL database is `bench_confirm`, emptied at each run)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from asyncio import selector_events
from pathlib import Path

from sqlalchemy import event

from bench.harness.db import reset_pg
from bot.channels.console import ConsoleChannel
from bot.config import Settings
from bot.dispatcher import Dispatcher
from bot.i18n import compile_catalogs
from bot.model import Event
from bot.reference import Reference
from bot.runtime import Runtime
from bot.services import officers as officer_service
from storage.db import create_engine, migrate

ROOT = Path(__file__).resolve().parents[2]
PG_DB = "bench_confirm"


class Count:
    def __init__(self) -> None:
        self.sql = 0
        self.writes = 0
        self.trace: list[str] | None = None  # --show: what the socket was sent, in order


COUNT = Count()
_write = selector_events._SelectorSocketTransport.write


def _counted_write(self, data):
    COUNT.writes += 1
    if COUNT.trace is not None:
        COUNT.trace.append(bytes(data)[:200].decode("latin-1"))
    return _write(self, data)


def _steps(ref: Reference, n: int) -> list[dict]:
    wards = [u.slug for u in ref.wards]
    fields = [f.slug for f in ref.idea_fields]
    return [
        {"text": "/start"}, {"choice": "consent:yes"}, {"choice": "menu:idea"},
        {"choice": f"pick:{wards[n % len(wards)]}"},
        {"choice": f"pick:{fields[n % len(fields)]}"},
        {"text": f"Đèn đường tiết kiệm điện số {n}"},
        {"text": "Lắp cảm biến để đèn đường tự giảm độ sáng khi vắng người qua lại, "
                 f"thử nghiệm tại khu phố {n} trước khi nhân rộng."},
        {"choice": "nav:skip"}, {"choice": "nav:skip"}, {"choice": "nav:skip"},
        {"choice": "nav:skip"}, {"choice": "form:confirm"},
    ]


async def _pg_url() -> str:
    return await reset_pg(PG_DB)


async def run(backend: str, users: int, rounds: int, show: bool = False) -> dict:
    compile_catalogs(ROOT / "locales")
    with tempfile.TemporaryDirectory(prefix="sangkien-confirm-") as tmp:
        url = f"sqlite:///{tmp}/bench.db" if backend == "sqlite" else await _pg_url()
        settings = Settings(database_url=url, flood_burst=10_000_000)
        engine = create_engine(url)
        await migrate(engine)
        dispatcher = Dispatcher(settings, engine)
        sent: list = []
        runtime = Runtime(dispatcher, [ConsoleChannel(lambda to, reply: sent.append(to))])

        def on_execute(*_args):
            COUNT.sql += 1

        event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
        ref = dispatcher.ref
        for i, ward in enumerate(ref.wards):  # one officer in every ward
            async with engine.begin() as conn:
                code, _ = await officer_service.invite(
                    conn, ref, unit=ward.slug, role="ward_officer", name=f"Cán bộ {i}",
                    now=dispatcher.clock())
            await dispatcher.handle(Event(channel="console", user=f"officer-{i}",
                                          text=f"/dangky {code}"))
        await runtime.deliver_pending()
        times: dict[str, list[float]] = {"first contact": [], "confirmation": []}
        counts: dict[str, list[tuple[int, int, float]]] = {"first contact": [],
                                                           "confirmation": []}
        for r in range(rounds + 1):  # round 0 warms up
            ids = [r * users + i for i in range(users)]
            scripts = {n: _steps(ref, n) for n in ids}
            for index in range(12):
                name = {0: "first contact", 11: "confirmation"}.get(index)
                for n in ids:
                    ev = Event(channel="console", user=str(100_000 + n), **scripts[n][index])
                    sql, writes = COUNT.sql, COUNT.writes
                    last = show and r == rounds and n == ids[-1] and name is not None
                    COUNT.trace = [] if last else None
                    t0, c0 = time.perf_counter(), time.process_time()
                    await dispatcher.handle(ev)
                    if dispatcher.pending_channels or getattr(dispatcher, "has_claimed", 0):
                        await runtime.deliver_pending()
                    took = time.perf_counter() - t0
                    cpu = time.process_time() - c0
                    if last:
                        print(f"{name}, what was sent to the server:")
                        for data in COUNT.trace:
                            print("   ", "".join(c if c.isprintable() else "." for c in data))
                    if name and r:
                        times[name].append(took)
                        counts[name].append((COUNT.sql - sql, COUNT.writes - writes, cpu))
        await dispatcher.close()
        await engine.dispose()
    out = {}
    for name, values in times.items():
        values.sort()
        out[name] = {
            "p50_ms": statistics.median(values) * 1000,
            "p90_ms": values[int(len(values) * 0.9)] * 1000,
            "sql": statistics.fmean(c[0] for c in counts[name]),
            "round_trips": statistics.fmean(c[1] for c in counts[name]),
            # This process's CPU (its threads too: aiosqlite's), less moved by other processes'
            # load than the wall clock; the PostgreSQL server's work is not in it.
            "cpu_ms": statistics.fmean(c[2] for c in counts[name]) * 1000,
        }
    out["notices sent"] = len(sent)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tools.profile_confirm")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--show", action="store_true",
                        help="print what the last first contact and confirmation sent (PG)")
    args = parser.parse_args()
    selector_events._SelectorSocketTransport.write = _counted_write
    found = asyncio.run(run(args.backend, args.users, args.rounds, args.show))
    print(f"{args.backend} ({sys.prefix}):")
    for name in ("first contact", "confirmation"):
        f = found[name]
        trips = f"  round trips {f['round_trips']:5.1f}" if args.backend != "sqlite" else ""
        print(f"  {name:14} p50 {f['p50_ms']:6.3f} ms  p90 {f['p90_ms']:6.3f} ms  "
              f"CPU mean {f['cpu_ms']:6.3f} ms  SQL {f['sql']:5.1f}{trips}")
    print(f"  notices sent to officers: {found['notices sent']}")


if __name__ == "__main__":
    main()
