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


# A resident's step through the real Application, with officers in every unit and the runtime's
# background work running (issue 12), on SQLite with either `synchronous` level.
STEP_P99 = Goal("<", 5.0, "ms")
ECHO_P50 = Goal("<=", 2.5, "×")  # that step ÷ PTB's echo handler, by p50 (stretch: 2×)
ECHO_THROUGHPUT = Goal("<=", 3.0, "×")  # echo's updates/s ÷ ours
PG_ECHO_P50 = Goal("<=", 4.0, "×")  # the same step on PostgreSQL ÷ echo, by p50
# The longest time the event loop could not run anything else, with 100,000 conversations in
# progress: the steps' own pauses and the collector's full pass over what they hold.
LOOP_GAP = Goal("<", 50.0, "ms")
MEMORY_PER_CONVERSATION = Goal("<=", 2.5, "KB")  # RSS per conversation in progress
QUEUE_P99 = Goal("<", 10.0, "ms")  # a page of a ward's queue with five years of entries
STARTUP = Goal("<", 1.5, "s")  # `sangkien run`: process start to the first getUpdates
RATE_RATIO = Goal(">=", 0.97, "×")  # a broadcast at Telegram's 30/s: achieved ÷ limit
FAST_RATE_RATIO = Goal(">=", 0.97, "×")  # the same with the limit at 2,000/s, one process
SERIALISATION_COST = Goal("<", 0.3, "ms")  # a step's cost of being safe with several processes
MEMORY_GROWTH = Goal("<", 50.0, "MB")  # a broadcast's memory from 1,000 to 100,000 recipients
# An announcement with several processes: what they send together ÷ broadcast_rate (the
# setting is the bot's rate in all; Telegram's limit is per bot, not per process).
PROCESSES_RATE = Goal("<=", 1.05, "×")
# The office's builds with 1,000,000 entries (docs/ARCHITECTURE.md, "The office's numbers"):
# the yearly report, its peak memory, an export's memory from one year's rows to every row
# (streamed: flat), and the slowest resident step while a report is built.
REPORT_SECONDS = Goal("<", 30.0, "s")
REPORT_MEMORY = Goal("<", 300.0, "MB")
EXPORT_GROWTH = Goal("<", 20.0, "MB")
REPORT_STEP_MAX = Goal("<", 50.0, "ms")


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

    def targets_of(self, goal: Goal) -> list[dict]:
        """The targets of the run checked against `goal` (same operator, limit and unit)."""
        return [t for part in self.doc.get("parts", {}).values()
                for t in (part or {}).get("targets", [])
                if (t.get("op"), t.get("limit"), t.get("unit")) == (goal.op, goal.limit,
                                                                     goal.unit)]

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


SQLITE_KEYS = ("sqlite", "sqlite, synchronous=NORMAL")  # FULL (the default), then NORMAL


def _step(r: Results, key: str = "sqlite") -> str:
    return (f"{_num(r.get('step', key, 'p50_ms'), 2, ' ms')} / "
            f"{_num(r.get('step', key, 'p99_ms'), 1, ' ms')}")


def _figure(key: str, name: str) -> Callable[[Results], Any]:
    return lambda r: r.get("step", key, name)


def _echo(r: Results) -> str:
    return (" / ".join(_num(r.get("step", key, "x_echo_p50"), 1, "×") for key in SQLITE_KEYS)
            + f" (echo: {_num(r.get('step', 'echo', 'p50_ms'), 3, ' ms')} p50, "
              f"{_num(r.get('step', 'echo', 'per_second'), 0)} updates/s)")


def _echo_throughput(r: Results) -> str:
    return " / ".join(_num(r.get("step", key, "x_echo_throughput"), 1, "×")
                      for key in SQLITE_KEYS)


def _pickle_pauses(r: Results) -> str:
    points = r.get("step", "pickle_pauses", "points") or []
    if not points:
        return "— (full run)"
    counts = " / ".join(fmt(p["conversations"]) for p in points)
    gaps = " / ".join(_num(p["gap_s"], 1, " s") for p in points)
    return f"{gaps} ({counts} conversations)"


IN_PROGRESS_COUNTS = ("10000", "100000")


def _in_progress(r: Results, count: str, name: str) -> Any:
    return r.get("step", "in_progress", count, name)


def _pauses(r: Results) -> str:
    return " / ".join(_num(_in_progress(r, c, "longest_pause_ms"), 0, " ms")
                      for c in IN_PROGRESS_COUNTS)


def _memory_per_conversation(r: Results) -> str:
    return " / ".join(_num(_in_progress(r, c, "kb_per_conversation"), 2, " KB")
                      for c in IN_PROGRESS_COUNTS)


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


def _fast_ratio(backend: str) -> Callable[[Results], Any]:
    def read(r: Results) -> Any:
        _small, large = r.by_size("broadcast", backend)
        return large and large.get("ratio_after_first_second")
    return read


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


def _builds(what: str, key: str, digits: int, unit: str) -> Callable[[Results], str]:
    def read(r: Results) -> str:
        return " / ".join(_num(r.get("report", b, what, key), digits, unit)
                          for b in ("sqlite", "postgresql"))
    return read


def _export_growth(backend: str) -> Callable[[Results], Any]:
    def read(r: Results) -> Any:
        every, year = (r.get("report", backend, w, "peak_mb")
                       for w in ("export-csv", "export-csv-year"))
        return None if every is None or year is None else round(every - year, 1)
    return read


def _exports(r: Results) -> str:
    parts = []
    for backend in ("sqlite", "postgresql"):
        secs = " / ".join(_num(r.get("report", backend, f"export-{f}", "seconds"), 1, " s")
                          for f in ("csv", "json", "xlsx-year"))
        parts.append(f"{secs}, growth {_num(_export_growth(backend)(r), 1, ' MB')}")
    entries = r.get("report", "sqlite", "entries")
    return f"{parts[0]} (PostgreSQL: {parts[1]}), {_num(entries, 0)} entries"


def _step_during(backend: str) -> Callable[[Results], Any]:
    return lambda r: r.get("report", backend, "steps", "during", "max_ms")


def _steps_during(r: Results) -> str:
    return " / ".join(
        f"{_num(r.get('report', b, 'steps', 'before', 'max_ms'), 1)} → "
        f"{_num(_step_during(b)(r), 1, ' ms')}" for b in ("sqlite", "postgresql"))


MET, MISSED = "✓ met", "✗ missed"


@dataclass(frozen=True)
class Row:
    """One line of the README's Performance table. `checks` read the figures its target is
    checked on (one per value shown, in the same order); a row with a Goal and no checks is
    marked from the run's own targets against that Goal."""

    figure: str
    read: Callable[[Results], str]
    target: Goal | str | None = None
    checks: tuple[Callable[[Results], Any], ...] = ()
    goal: Goal | None = None  # what `checks` are held to, when `target` is a text

    def target_text(self) -> str:
        return "—" if self.target is None else str(self.target)

    def status(self, results: Results) -> str:
        goal = self.goal or (self.target if isinstance(self.target, Goal) else None)
        if goal is None:
            return "—"
        if self.checks:
            marks = []
            for read in self.checks:
                value = read(results)
                met = None if value is None else goal.check("", float(value)).met
                marks.append("—" if met is None else MET if met else MISSED)
            return " / ".join(marks)
        found = results.targets_of(goal)
        if not found:
            return "—"
        if any(t.get("met") is False for t in found):
            return MISSED
        return MET if all(t.get("met") for t in found) else "—"

    def cells(self, results: Results) -> list[str]:
        return [self.figure, self.read(results), self.target_text(), self.status(results)]


def _worst_frozen_pass(r: Results) -> float | None:
    passes = r.get("step", "full_gc", "after_freeze_ms")
    return max(passes) if passes else None


ROWS = [
    Row("resident's step, SQLite (`synchronous=FULL`, the default), officers in every unit and "
        "the runtime's background work running, through the real PTB `Application` and an "
        "in-process fake Bot API: p50 / p99", _step, f"p99 {STEP_P99}",
        (_figure("sqlite", "p99_ms"),), STEP_P99),
    Row("the same with `synchronous=NORMAL`: p50 / p99",
        lambda r: _step(r, "sqlite, synchronous=NORMAL"), f"p99 {STEP_P99}",
        (_figure("sqlite, synchronous=NORMAL", "p99_ms"),), STEP_P99),
    Row("the same against PTB's echo handler by p50, FULL / NORMAL", _echo, ECHO_P50,
        tuple(_figure(key, "x_echo_p50") for key in SQLITE_KEYS)),
    Row("and by throughput (echo's updates/s ÷ ours), FULL / NORMAL", _echo_throughput,
        ECHO_THROUGHPUT, tuple(_figure(key, "x_echo_throughput") for key in SQLITE_KEYS)),
    Row("the same step on PostgreSQL against the echo handler by p50",
        lambda r: _num(r.get("step", "postgresql", "x_echo_p50"), 1, "×"), PG_ECHO_P50,
        (_figure("postgresql", "x_echo_p50"),)),
    Row("same flow as a `ConversationHandler` with `PicklePersistence` (in memory)",
        lambda r: _num(r.get("step", "conversation", "x_echo_p50"), 1, "× echo by p50")),
    Row("its event-loop pause at each persistence write", _pickle_pauses),
    Row("ours, longest event-loop pause with 10,000 / 100,000 conversations in progress (the "
        "steps' own, collections included, or a full garbage-collector pass over that heap)",
        _pauses, LOOP_GAP,
        tuple((lambda r, c=c: _in_progress(r, c, "longest_pause_ms"))
              for c in IN_PROGRESS_COUNTS)),
    Row("memory per conversation in progress (RSS growth ÷ conversations loaded into the "
        "session cache), 10,000 / 100,000", _memory_per_conversation, MEMORY_PER_CONVERSATION,
        tuple((lambda r, c=c: _in_progress(r, c, "kb_per_conversation"))
              for c in IN_PROGRESS_COUNTS)),
    Row("full garbage-collector pass after start-up's `gc.freeze()`, worst of 3",
        _full_gc, LOOP_GAP, (_worst_frozen_pass,)),
    Row("ward queue: first / last page p99, SQLite (PostgreSQL)", _queues, QUEUE_P99),
    Row("lookup by code p99, SQLite",
        lambda r: _num(r.get("scale", "sqlite", "entry_by_code", "p99_ms"), 2, " ms")),
    Row("`sangkien run` start-up on that database, SQLite / PostgreSQL", _startup, STARTUP,
        tuple((lambda r, b=b: r.get("scale", b, "startup", "median_s"))
              for b in ("sqlite", "postgresql"))),
    Row("broadcast at the real 30/s: achieved ÷ limit after the first second",
        lambda r: _num(r.get("broadcast", "real_rate", "ratio_after_first_second"), 3),
        RATE_RATIO,
        checks=(lambda r: r.get("broadcast", "real_rate", "ratio_after_first_second"),)),
    Row("broadcast with the limit at 2,000/s, one process: achieved ÷ limit after the first "
        "second, SQLite / PostgreSQL", _fast_rate, FAST_RATE_RATIO,
        checks=(_fast_ratio("sqlite"), _fast_ratio("postgresql"))),
    Row("broadcast at the real 30/s from three `sangkien serve` processes (PostgreSQL): "
        "achieved ÷ limit after the first second", _processes_rate, RATE_RATIO,
        checks=(lambda r: r.get("processes", "3", "broadcast", "ratio_after_first_second"),)),
    Row("broadcast peak memory growth with the recipients (RSS)", _memory, MEMORY_GROWTH),
    Row("yearly report (DOCX + XLSX annex + charts) with 1,000,000 entries, SQLite / "
        "PostgreSQL", _builds("report", "seconds", 1, " s"), REPORT_SECONDS,
        tuple((lambda r, b=b: r.get("report", b, "report", "seconds"))
              for b in ("sqlite", "postgresql"))),
    Row("its peak memory (the building process's RSS), SQLite / PostgreSQL",
        _builds("report", "peak_mb", 0, " MB"), REPORT_MEMORY,
        tuple((lambda r, b=b: r.get("report", b, "report", "peak_mb"))
              for b in ("sqlite", "postgresql"))),
    Row("open-data export of every entry, CSV / JSON (XLSX: one year's entries), and the CSV's "
        "memory growth from one year's rows to all", _exports, f"growth {EXPORT_GROWTH}",
        (_export_growth("sqlite"), _export_growth("postgresql")), EXPORT_GROWTH),
    Row("slowest resident step before → while a report is built (task runner), SQLite / "
        "PostgreSQL", _steps_during, f"while: {REPORT_STEP_MAX}",
        (_step_during("sqlite"), _step_during("postgresql")), REPORT_STEP_MAX),
    Row("the PicklePersistence bot killed at random moments: confirmed submissions lost", _crash,
        "ours: 0 (`tests/test_crash.py`)"),
]


def readme_table(doc: dict[str, Any]) -> str:
    """The README's Performance table (markdown) from a run's `--json` document."""
    results = Results(doc)
    lines = ["| figure | value | target | met? |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(row.cells(results)) + " |" for row in ROWS]
    machine = doc.get("machine", {})
    lines += ["", f"({doc.get('mode', '?')} run of {doc.get('date', '?')}, "
                  f"{machine.get('cpus', '?')} CPUs, Python {machine.get('python', '?')})"]
    return "\n".join(lines)
