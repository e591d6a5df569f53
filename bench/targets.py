"""The one table of targets and figures: what each part checks (`Goal`), and the rows of the
README's Performance table, each with how to read it from a run (`ROWS`).

`python -m bench --readme` prints that table from the run it makes, `python -m bench --readme
FILE` from a saved `--json` run; the README is pasted from it, never typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.harness.core import Target, fmt

_SIGNS = {"<": "<", "<=": "≤", ">=": "≥"}


@dataclass(frozen=True)
class Goal:
    """A non-functional target: a figure must be `op` `limit` (in `unit`)."""

    op: str  # "<", "<=" or ">="
    limit: float
    unit: str

    def check(self, name: str, value: float | None, *, failed: bool = False) -> Target:
        return Target(name, value, self.limit, self.unit, self.op, failed)

    def __str__(self) -> str:
        unit = self.unit if self.unit in ("", "×") else f" {self.unit}"
        return f"{_SIGNS[self.op]} {self.limit:g}{unit}"


STEP_P99 = Goal("<", 5.0, "ms")  # a resident's step through the real Application
ECHO_FACTOR = Goal("<=", 6.0, "×")  # that step against PTB's echo handler, by p50 and throughput
LOOP_GAP = Goal("<", 50.0, "ms")  # the longest time the event loop could not run anything else
QUEUE_P99 = Goal("<", 10.0, "ms")  # a page of a ward's queue with five years of entries
STARTUP = Goal("<", 3.0, "s")  # `sangkien run`: process start to the first getUpdates
RATE_RATIO = Goal(">=", 0.97, "×")  # a broadcast at Telegram's 30/s: achieved ÷ limit
FAST_RATE_RATIO = Goal(">=", 0.97, "×")  # the same with the limit at 2,000/s, one process
SERIALISATION_COST = Goal("<", 0.3, "ms")  # a step's cost of being safe with several processes
MEMORY_GROWTH = Goal("<", 50.0, "MB")  # a broadcast's memory from 1,000 to 100,000 recipients
# An announcement with several processes: what they send together ÷ broadcast_rate (the
# setting is the bot's rate in all; Telegram's limit is per bot, not per process).
PROCESSES_RATE = Goal("<=", 1.05, "×")


class Results:
    """A run's `--json` document, read by path; a missing figure reads as None."""

    def __init__(self, doc: dict[str, Any]):
        self.doc = doc

    def get(self, part: str, *path: str) -> Any:
        node: Any = (self.doc.get("parts", {}).get(part) or {}).get("figures")
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def by_size(self, part: str, backend: str) -> tuple[dict | None, dict | None]:
        """The smallest and the largest size of a part measured at several sizes (JSON keys)."""
        sizes = self.get(part, backend)
        if not isinstance(sizes, dict) or not sizes:
            return None, None
        ordered = sorted(sizes, key=int)
        return sizes[ordered[0]], sizes[ordered[-1]]


def _num(value: Any, digits: int, unit: str = "") -> str:
    if value is None:
        return "—"
    return fmt(float(value), digits) + unit


def _step(r: Results) -> str:
    return (f"{_num(r.get('step', 'sqlite', 'p50_ms'), 2, ' ms')} / "
            f"{_num(r.get('step', 'sqlite', 'p99_ms'), 1, ' ms')}")


def _echo(r: Results) -> str:
    echo = (f"echo: {_num(r.get('step', 'echo', 'p50_ms'), 3, ' ms')} p50, "
            f"{_num(r.get('step', 'echo', 'per_second'), 0)} updates/s")
    return (f"{_num(r.get('step', 'sqlite', 'x_echo_p50'), 1, '×')} by p50, "
            f"{_num(r.get('step', 'sqlite', 'x_echo_throughput'), 1, '×')} by throughput "
            f"({echo})")


def _pickle_pauses(r: Results) -> str:
    points = r.get("step", "pickle_pauses", "points") or []
    if not points:
        return "— (full run)"
    counts = " / ".join(fmt(p["conversations"]) for p in points)
    gaps = " / ".join(_num(p["gap_s"], 1, " s") for p in points)
    return f"{gaps} ({counts} conversations)"


def _loop_gap(r: Results) -> str:
    gaps = [r.get("step", key, "max_loop_gap_ms") for key in ("sqlite", "sqlite+10k")]
    gaps = [g for g in gaps if g is not None]
    return _num(max(gaps), 0, " ms") if gaps else "—"


def _full_gc(r: Results) -> str:
    passes = r.get("step", "full_gc", "after_freeze_ms")
    return _num(max(passes), 3, " ms") if passes else "—"


def _queue(r: Results, backend: str) -> str:
    first = r.get("scale", backend, "queue_page: first page", "p99_ms")
    last = r.get("scale", backend, "queue_page: last page", "p99_ms")
    return f"{_num(first, 2)} / {_num(last, 2)} ms"


def _queues(r: Results) -> str:
    entries = r.get("scale", "sqlite", "entries")
    pg = f" ({_queue(r, 'postgresql')})" if r.get("scale", "postgresql") else ""
    return f"{_queue(r, 'sqlite')}{pg}, {_num(entries, 0)} entries"


def _startup(r: Results) -> str:
    return " / ".join(_num(r.get("scale", backend, "startup", "median_s"), 2, " s")
                      for backend in ("sqlite", "postgresql"))


def _fast_rate(r: Results) -> str:
    ratios, rates = [], []
    for backend in ("sqlite", "postgresql"):
        _small, large = r.by_size("broadcast", backend)
        ratios.append(_num(large and large.get("ratio_after_first_second"), 3))
        rates.append(_num(large and large.get("steady_per_s"), 0, "/s"))
    _small, large = r.by_size("broadcast", "sqlite")
    return (f"{' / '.join(ratios)} ({' / '.join(rates)}), "
            f"{_num(large and large.get('recipients'), 0)} recipients")


def _processes_rate(r: Results) -> str:
    ratio = r.get("processes", "3", "broadcast", "ratio_after_first_second")
    return "— (full run, PostgreSQL)" if ratio is None else _num(ratio, 3)


def _memory(r: Results) -> str:
    small, large = r.by_size("broadcast", "sqlite")
    if not small or not large or None in (small["rss_growth_mb"], large["rss_growth_mb"]):
        return "—"
    return (f"{_num(large['rss_growth_mb'] - small['rss_growth_mb'], 1, ' MB')} "
            f"({fmt(small['recipients'])} → {fmt(large['recipients'])})")


def _crash(r: Results) -> str:
    missing, confirmed, kills = (r.get("crashref", key)
                                 for key in ("confirmed_missing", "confirmed", "kills"))
    if confirmed is None:
        return "— (full run)"
    return f"{missing} of {confirmed} ({kills} kills)"


@dataclass(frozen=True)
class Row:
    """One line of the README's Performance table."""

    figure: str
    read: Callable[[Results], str]
    target: Goal | str | None = None

    def target_text(self) -> str:
        return "—" if self.target is None else str(self.target)

    def cells(self, results: Results) -> list[str]:
        return [self.figure, self.read(results), self.target_text()]


ROWS = [
    Row("resident's step, SQLite, through the real PTB `Application` and an in-process fake Bot "
        "API: p50 / p99", _step, f"p99 {STEP_P99}"),
    Row("the same against PTB's echo handler", _echo, ECHO_FACTOR),
    Row("same flow as a `ConversationHandler` with `PicklePersistence` (in memory)",
        lambda r: _num(r.get("step", "conversation", "x_echo_p50"), 1, "× echo by p50")),
    Row("its event-loop pause at each persistence write", _pickle_pauses),
    Row("ours, longest event-loop gap (also with 10,000 conversations in progress)", _loop_gap,
        LOOP_GAP),
    Row("full garbage-collector pass after start-up's `gc.freeze()`, worst of 3",
        _full_gc, LOOP_GAP),
    Row("ward queue: first / last page p99, SQLite (PostgreSQL)", _queues, QUEUE_P99),
    Row("lookup by code p99, SQLite",
        lambda r: _num(r.get("scale", "sqlite", "entry_by_code", "p99_ms"), 2, " ms")),
    Row("`sangkien run` start-up on that database, SQLite / PostgreSQL", _startup, STARTUP),
    Row("broadcast at the real 30/s: achieved ÷ limit after the first second",
        lambda r: _num(r.get("broadcast", "real_rate", "ratio_after_first_second"), 3),
        RATE_RATIO),
    Row("broadcast with the limit at 2,000/s, one process: achieved ÷ limit after the first "
        "second, SQLite / PostgreSQL", _fast_rate, FAST_RATE_RATIO),
    Row("broadcast at the real 30/s from three `sangkien serve` processes (PostgreSQL): "
        "achieved ÷ limit after the first second", _processes_rate, RATE_RATIO),
    Row("broadcast peak memory growth with the recipients (RSS)", _memory, MEMORY_GROWTH),
    Row("the PicklePersistence bot killed at random moments: confirmed submissions lost", _crash,
        "ours: 0 (`tests/test_crash.py`)"),
]


def readme_table(doc: dict[str, Any]) -> str:
    """The README's Performance table (markdown) from a run's `--json` document."""
    results = Results(doc)
    lines = ["| figure | value | target |", "|---|---|---|"]
    lines += ["| " + " | ".join(row.cells(results)) + " |" for row in ROWS]
    machine = doc.get("machine", {})
    lines += ["", f"({doc.get('mode', '?')} run of {doc.get('date', '?')}, "
                  f"{machine.get('cpus', '?')} CPUs, Python {machine.get('python', '?')})"]
    return "\n".join(lines)
