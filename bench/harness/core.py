"""What every part shares: the registry of parts, the shape of their results, timing statistics
and the event-loop monitor."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Options:
    quick: bool = False


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Target:
    """One target of bench/targets.py, checked against one figure of this run."""

    name: str
    value: float | None
    limit: float
    unit: str = ""
    op: str = "<="  # "<=", "<" or ">="
    failed: bool = False  # the figure could not be measured because the product failed

    @property
    def met(self) -> bool | None:
        if self.failed:
            return False
        if self.value is None:
            return None
        if self.op == ">=":
            return self.value >= self.limit
        return self.value <= self.limit if self.op == "<=" else self.value < self.limit

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "limit": self.limit, "op": self.op,
                "unit": self.unit, "met": self.met, "failed": self.failed}


@dataclass
class Section:
    """The result of one part: tables for people, `data` for --json, targets and notes."""

    name: str
    title: str
    tables: list[Table] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class Part:
    name: str
    title: str
    run: Callable[[Options], Awaitable[Section]]


# Filled by the part modules when they are imported (see bench.__main__.PART_MODULES).
PARTS: dict[str, Part] = {}


def part(name: str, title: str):
    def register(run: Callable[[Options], Awaitable[Section]]):
        PARTS[name] = Part(name, title, run)
        return run

    return register


# --- statistics -------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


@dataclass
class Run:
    """Latencies of individual calls (seconds), the wall time around all of them, and the longest
    gap the loop monitor saw while they ran."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    max_gap: float = 0.0

    def merge(self, other: Run) -> Run:
        return Run(self.latencies + other.latencies, self.wall + other.wall,
                   max(self.max_gap, other.max_gap))

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.count / self.wall if self.wall else float("nan")

    def ms(self, q: float) -> float:
        return percentile(sorted(self.latencies), q) * 1000

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.latencies)
        return {
            "count": self.count,
            "per_second": round(self.per_second, 1),
            "p50_ms": round(percentile(ordered, 50) * 1000, 3),
            "p95_ms": round(percentile(ordered, 95) * 1000, 3),
            "p99_ms": round(percentile(ordered, 99) * 1000, 3),
            "max_ms": round(ordered[-1] * 1000, 3) if ordered else None,
            "mean_ms": round(sum(ordered) / len(ordered) * 1000, 3) if ordered else None,
            "max_loop_gap_ms": round(self.max_gap * 1000, 2),
        }


async def time_calls(call: Callable[[], Awaitable[Any]], n: int, warmup: int = 10) -> Run:
    for _ in range(warmup):
        await call()
    run = Run()
    async with LoopMonitor() as monitor:
        start = time.perf_counter()
        for _ in range(n):
            t0 = time.perf_counter()
            await call()
            run.latencies.append(time.perf_counter() - t0)
        run.wall = time.perf_counter() - start
    run.max_gap = monitor.max_gap
    return run


class LoopMonitor:
    """A task that sleeps 1 ms in a loop and records the longest time between two wake-ups:
    how long the event loop was unable to run anything else (the sleep itself included)."""

    def __init__(self, interval: float = 0.001):
        self.interval = interval
        self.max_gap = 0.0
        self._task: asyncio.Task | None = None

    async def _watch(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(self.interval)
            now = time.perf_counter()
            self.max_gap = max(self.max_gap, now - last)
            last = now

    async def __aenter__(self) -> LoopMonitor:
        self._task = asyncio.create_task(self._watch())
        await asyncio.sleep(0)  # let it take its first timestamp
        return self

    async def __aexit__(self, *exc) -> None:
        await asyncio.sleep(self.interval * 3)  # so that a pause that just ended is counted
        assert self._task is not None
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if value != value:  # NaN
            return "—"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
