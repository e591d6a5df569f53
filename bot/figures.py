"""The office's figures for one scope and period, as values.

`bot/services/stats.compute` fills a `Figures` from the database; `/thongke` (handlers), the yearly
report (`bot/reports/`), its charts (`bot/charts.py`) and the annex workbook only read it. Every
counter has a key in `DEFINITIONS` (bot/services/stats.py), whose one-sentence definition is shown
under the figure in chat and in the workbook's "Definitions" sheet.

Durations are in working days (bot/calendar.WorkingCalendar: weekends, public holidays and the
government's day swaps do not count). Units are slugs of data/units.toml; names are rendered by
whoever shows them, in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Period:
    """Local calendar dates, both included."""

    start: date
    end: date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Durations:
    """How long something took, in working days, over `count` items (None when there were none)."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Stage:
    """One step of the funnel: entries of the period that ever reached `status` (from the
    history, not from current statuses), and the share of the previous step's entries."""

    key: str  # received, taken, forwarded, shortlisted, nominated, awarded, applied
    status: str  # the status whose reaching counts (history.to_status)
    count: int
    rate: float | None  # count / previous stage's count; None for the first or after a zero


@dataclass(frozen=True)
class Target:
    """Progress to one of the plan's targets, cumulative from the plan's start to `as_of`."""

    key: str  # "dossiers" or "applied"
    count: int
    low: int  # the plan's range, e.g. 15–20 dossiers
    high: int
    by: date  # the plan's deadline for it
    as_of: date


@dataclass(frozen=True)
class Figures:
    scope: str  # the unit whose figures these are (its own entries and those of units below it)
    units: tuple[str, ...]  # the units counted: scope and the units below it
    period: Period
    total: int  # entries received in the period (drafts never count; see DEFINITIONS)
    by_unit: dict[str, int]  # every unit of `units`, zero included
    by_field: dict[str, int]
    by_kind: dict[str, int]
    by_status: dict[str, int]  # current status of the period's entries
    by_month: dict[tuple[str, int], int]  # (unit, month 1–12 of the period) → entries
    funnel: tuple[Stage, ...]
    first_action: Durations  # from receipt to an officer's first step
    in_stage: dict[str, Durations]  # status → time spent in it (left within the period)
    handled: int  # queue items that left the queue in the period
    handled_in_time: int  # …by their due date
    targets: tuple[Target, ...]
    silent_units: tuple[str, ...]  # wards of `units` with no entry in the period
    # Per unit: (received, handled, handled in time, median working days to first action).
    performance: dict[str, tuple[int, int, int, float | None]] = field(default_factory=dict)
    # The working days a queue item has before it is due (Settings.review_days), which
    # `handled_in_time` was counted with.
    review_days: int = 5

    @property
    def in_time_share(self) -> float | None:
        return self.handled_in_time / self.handled if self.handled else None
