"""Conversations in progress held by the bot, as production holds them: residents prefilled in
the database mid-flow (bench.harness.prefill), each of whom then sends one step (the title they
were asked for), so that their row is in the dispatcher's SessionCache and their sender in the
flood gate, which is what a process keeps for each conversation in progress.

What loading them costs the process: RSS growth ÷ conversations loaded, after a full collection
on both sides; and the full collector pass over that heap, a pause the event loop meets whenever
Python's collector decides on one (start-up's objects are frozen out of it, these are not)."""

from __future__ import annotations

import gc
import os
import time
import tracemalloc
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.harness.core import Run
from bench.harness.drive import Subject, drive
from bench.harness.prefill import prefill, resident_id
from bench.harness.script import TITLE
from bot.reference import Reference
from storage.tables import users
from testing.fakebotapi import UpdateFactory

_PAGE = os.sysconf("SC_PAGE_SIZE")


def held(subject: Subject) -> int | None:
    """How many rows the dispatcher's session cache holds (None if it cannot say)."""
    sessions = subject.app.bot_data["channel"].dispatcher.sessions
    try:
        return len(sessions)
    except TypeError:
        rows = getattr(sessions, "_rows", None)
        return len(rows) if rows is not None else None


def rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * _PAGE


TRACED = 1_000  # the first conversations of a load, traced by tracemalloc


@dataclass
class Loaded:
    total: int  # conversations in progress now, in all
    added: int  # rows the session cache gained by this call, measured by RSS
    rss_growth: int  # bytes, for those added
    run: Run  # the loading steps (their loop gap included)
    full_gc_ms: float  # one full collection right after
    traced: int = 0  # loaded before, with tracemalloc on
    traced_bytes: int = 0  # what Python still held of their allocations

    @property
    def per_conversation(self) -> float:
        return self.rss_growth / self.added if self.added else float("nan")

    def as_json(self) -> dict:
        return {"conversations": self.total, "loaded": self.added,
                "rss_growth_mb": round(self.rss_growth / 2**20, 1),
                "kb_per_conversation": round(self.per_conversation / 1024, 2),
                "traced": self.traced,
                "python_kb_per_conversation": round(self.traced_bytes / self.traced / 1024, 2)
                if self.traced else None,
                "load_max_loop_gap_ms": round(self.run.max_gap * 1000, 1),
                "load_p50_ms": round(self.run.ms(50), 3),
                "full_gc_ms": round(self.full_gc_ms, 1)}


def _titles(first: int, count: int):
    factory = UpdateFactory(start=2_000_000_000 + first)
    return (factory.text(resident_id(n), TITLE.format(n=n)) for n in range(first, first + count))


async def load(subject: Subject, engine: AsyncEngine, ref: Reference, first: int,
               count: int) -> Loaded:
    """Residents `first` … `first + count - 1` prefilled, then each sends its title: the first
    TRACED of them with tracemalloc on (what Python keeps of them), the others measured by RSS
    and the loop monitor (tracing would slow them)."""
    await prefill(engine, ref, count, first=first)
    traced = min(TRACED, count // 10)
    gc.collect()
    tracemalloc.start()
    await drive(subject.app, _titles(first, traced))
    subject.api.calls.clear()
    gc.collect()
    kept = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    gc.collect()
    before, cached = rss_bytes(), held(subject)
    run = await drive(subject.app, _titles(first + traced, count - traced))
    subject.api.calls.clear()
    gc.collect()
    growth = rss_bytes() - before
    # The cache is bounded: past its size, the oldest rows (finished residents) make room.
    added = count - traced if cached is None else held(subject) - cached
    async with engine.connect() as conn:
        waiting = await conn.scalar(select(func.count()).select_from(users)
                                    .where(users.c.state == "flow:title"))
    if waiting:
        raise RuntimeError(f"{waiting} prefilled residents did not get past the title: "
                           "the flow has changed?")
    t0 = time.perf_counter()
    gc.collect()
    full = (time.perf_counter() - t0) * 1000
    return Loaded(first + count, added, growth, run, full, traced, kept)
