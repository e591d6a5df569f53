"""The office's figures for a unit and a period (`compute` fills a `bot.figures.Figures`).

The period is of local dates (the office's zone, Asia/Ho_Chi_Minh); the database keeps UTC, so
the period becomes the moments [first instant of its first day, first instant after its last
day) in UTC. Counts are grouped in the database (storage/stats.py); what needs the order of an
entry's history (durations, due dates) is folded from the streamed history, one entry at a time,
with working days read from an index built once per call (`WorkingDays`), so the cost grows with
the rows of the period and memory with nothing but the distinct durations.

What each figure counts is `DEFINITIONS` below, one sentence each, shown under the figure.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from math import floor

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.figures import Durations, Figures, Period, Stage, Target
from bot.i18n import N_
from bot.reference import Reference
from bot.render import upper_unit
from bot.services.permissions import DISTRICT_DUE, REVIEWER_ROLES, WARD_QUEUE, Actor
from storage import stats as stats_repo

# The funnel: (key, the status whose reaching counts), in order.
FUNNEL = (
    ("received", "submitted"),
    ("taken", "accepted"),
    ("forwarded", "forwarded"),
    ("shortlisted", "shortlisted"),
    ("nominated", "nominated"),
    ("awarded", "awarded"),
    ("applied", "applied"),
)
_RANKS = {status: rank for rank, (_, status) in enumerate(FUNNEL) if rank}
# Award registrations that do not count as dossiers: withdrawn by their author, or the same as
# an earlier entry.
NOT_DOSSIERS = ("withdrawn", "duplicate")
DEFAULT_REVIEW_DAYS = 5  # Settings.review_days' default

DEFINITIONS = {
    "total": N_("Entries sent by residents in the period (ideas and award registrations; "
                "unfinished drafts are not entries)."),
    "by_unit": N_("The same entries by the ward they are filed under now (after any "
                  "transfer)."),
    "by_field": N_("The same entries by the field the author chose."),
    "by_kind": N_("The same entries by kind: creative idea or Creative Award registration."),
    "by_status": N_("The same entries by their status today."),
    "by_month": N_("The same entries by the month they were sent in."),
    "funnel": N_("Of the entries sent in the period, how many reached each step at any time "
                 "(from their history, not their status today); an entry that reached a later "
                 "step counts at every step before it. The share is of the step before."),
    "first_action": N_("For the entries whose first officer action came in the period: working "
                       "days from their sending to that action (taking it, asking, rejecting, "
                       "transferring or forwarding); median and 90th percentile."),
    "in_stage": N_("For each status left in the period: working days the entry spent in it "
                   "before the next change; median and 90th percentile."),
    "handled_in_time": N_("Queue items an officer finished in the period (a ward's item ends "
                          "when it is forwarded, transferred, rejected, recognised or closed; "
                          "the higher level's when the result is recorded or it is rejected), "
                          "and how many of them by the due date: the review days shown after "
                          "the item reached the queue, plus the working days it waited for "
                          "the author's answer. Items withdrawn by their author or closed for "
                          "want of an answer are not counted."),
    "dossiers": N_("Creative Award registrations sent since the start of the plan up to the "
                   "end of the period, except those withdrawn or found to be duplicates, "
                   "against the plan's target."),
    "applied": N_("Works recorded as awarded and put into practice since the start of the plan "
                  "up to the end of the period, against the plan's target."),
    "silent_units": N_("Wards of the current map from which no entry came in the period."),
    "performance": N_("Per unit: entries sent, queue items finished, of which by the due date, "
                      "and the median working days to the first officer action."),
}


# --- scope -------------------------------------------------------------------------------------


def units_under(ref: Reference, scope: str) -> tuple[str, ...]:
    """`scope` and every unit below it in the unit tree, of this map and earlier ones (entries
    keep the unit they were filed under); `scope` first, then in the order of the map files."""
    below = []
    for slug in ref.unit_by_slug:
        seen, parent = set(), ref.parent_of(slug)
        while parent is not None and parent.slug not in seen and parent.slug != scope:
            seen.add(parent.slug)
            parent = ref.parent_of(parent.slug)
        if parent is not None and parent.slug == scope and slug != scope:
            below.append(slug)
    return (scope, *below)


def scope_for(ref: Reference, actor: Actor) -> str | None:
    """Whose figures an officer sees: an administrator the whole tree (its root), anyone else
    their own unit (and, through `units_under`, the units below it)."""
    if actor.role == "admin":
        roots = ref.children_of(None)
        return roots[0].slug if roots else None
    return actor.unit


# --- working days ------------------------------------------------------------------------------


class WorkingDays:
    """Working days between `first` and `last` as a cumulative index: a count or a due day is
    an array lookup, not a walk over the calendar."""

    def __init__(self, calendar, first: date, last: date):
        self.base = first.toordinal()
        self.cumulative: list[int] = []  # working days in [first, day]
        self.nth: list[int] = []  # the ordinals of the working days, in order
        count = 0
        for ordinal in range(self.base, last.toordinal() + 1):
            if calendar.is_working_day(date.fromordinal(ordinal)):
                count += 1
                self.nth.append(ordinal)
            self.cumulative.append(count)

    def upto(self, ordinal: int) -> int:
        index = ordinal - self.base
        if index < 0:
            return 0
        return self.cumulative[min(index, len(self.cumulative) - 1)]

    def between(self, start: int, end: int) -> int:
        """Working days d with start < d <= end (as WorkingCalendar.working_days_between)."""
        return max(0, self.upto(end) - self.upto(start))

    def due(self, arrival: int, days: int) -> float:
        """The ordinal of the due day of an item arriving on `arrival` with `days` working days
        (as WorkingCalendar.add_working_days); infinity beyond the index."""
        before = self.upto(arrival)
        if days == 0 and before and self.nth[before - 1] == arrival:
            return arrival
        index = before + max(days, 1) - 1
        return self.nth[index] if index < len(self.nth) else float("inf")


def durations(histogram: Counter) -> Durations:
    """Median and 90th percentile of a histogram of working days (linear interpolation between
    the closest ranks, as statistics.quantiles(method="inclusive"))."""
    count = sum(histogram.values())
    if not count:
        return Durations(0, None, None)
    values = sorted(histogram.items())
    return Durations(count, _quantile(values, count, 0.5), _quantile(values, count, 0.9))


def _quantile(values: list[tuple[int, int]], count: int, q: float) -> float:
    position = q * (count - 1)
    low = floor(position)
    a, b = _at(values, low), _at(values, min(low + 1, count - 1))
    return float(a + (b - a) * (position - low))


def _at(values: list[tuple[int, int]], rank: int) -> int:
    seen = 0
    for value, times in values:
        seen += times
        if rank < seen:
            return value
    return values[-1][0]


# --- the figures -------------------------------------------------------------------------------


def _utc(ref: Reference, day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=ref.tz).astimezone(UTC)


def _months(ref: Reference, period: Period) -> list[tuple[int, datetime]]:
    """(month number, its first moment in UTC) of every month the period touches; the first
    starts with the period."""
    months, day = [], period.start
    while day <= period.end:
        months.append((day.month, _utc(ref, day)))
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return months


class _Fold:
    """What the streamed history adds up to, one entry at a time."""

    def __init__(self, ref: Reference, days: WorkingDays, start: datetime, end: datetime,
                 review_days: int, uppers: dict[str, str | None]):
        self.tz, self.days, self.start, self.end = ref.tz, days, start, end
        self.review_days, self.uppers = review_days, uppers
        self.first_action: dict[str, Counter] = defaultdict(Counter)  # unit → histogram
        self.in_stage: dict[str, Counter] = defaultdict(Counter)  # status → histogram
        self.handled: Counter = Counter()  # holder unit → items finished
        self.in_time: Counter = Counter()

    def entry(self, rows: list) -> None:
        unit = rows[0][1]
        start, end, between = self.start, self.end, self.days.between
        ordinals = [row[2].astimezone(self.tz).toordinal() for row in rows]
        inside = [start <= row[2] < end for row in rows]
        for i in range(1, len(rows)):
            if rows[i][3] in REVIEWER_ROLES:
                if inside[i]:
                    self.first_action[unit][between(ordinals[0], ordinals[i])] += 1
                break
        for i in range(len(rows) - 1):
            if inside[i + 1]:
                self.in_stage[rows[i][5]][between(ordinals[i], ordinals[i + 1])] += 1
        self._queue_items(unit, rows, ordinals, inside)

    def _queue_items(self, unit: str, rows: list, ordinals: list[int],
                     inside: list[bool]) -> None:
        """A queue item: from reaching a queue (sent, transferred, forwarded) to leaving it."""
        item: list | None = None  # [queue, arrival ordinal, working days waited]
        status, paused_from = None, None
        for i, row in enumerate(rows):
            role, source, target = row[3], row[4], row[5]
            if i == 0:
                item = ["ward", ordinals[0], 0]
            else:
                if status == "needs_info" and target != "needs_info" and paused_from is not None:
                    if item is not None:
                        item[2] += self.days.between(paused_from, ordinals[i])
                    paused_from = None
                # A transfer comes back to "submitted" from a ward status other than the
                # question (the answer and "withdraw the question" go back from needs_info).
                transfer = target == "submitted" and source in ("submitted", "accepted")
                ends = item is not None and (
                    (item[0] == "ward" and (target not in WARD_QUEUE or transfer))
                    or (item[0] == "district" and target not in DISTRICT_DUE))
                if ends:
                    if inside[i] and role in REVIEWER_ROLES:
                        holder = unit if item[0] == "ward" else self.uppers.get(unit)
                        self.handled[holder] += 1
                        due = self.days.due(item[1], self.review_days + item[2])
                        if ordinals[i] <= due:
                            self.in_time[holder] += 1
                    item = None
                if transfer:
                    item = ["ward", ordinals[i], 0]
                elif target == "forwarded":
                    item = ["district", ordinals[i], 0]
            if target == "needs_info":
                paused_from = ordinals[i]
            status = target


def _funnel(furthest: dict[int, int]) -> tuple[Stage, ...]:
    stages, previous = [], None
    for rank, (key, status) in enumerate(FUNNEL):
        count = sum(n for r, n in furthest.items() if r >= rank)
        rate = count / previous if previous else None
        stages.append(Stage(key, status, count, rate))
        previous = count
    return tuple(stages)


def _split(groups: Iterable[tuple], position: int) -> dict:
    totals: Counter = Counter()
    for group in groups:
        totals[group[position] if group[position] is not None else ""] += group[-1]
    return dict(totals)


async def compute(conn: AsyncConnection, ref: Reference, *, scope: str, period: Period,
                  now: datetime, review_days: int = DEFAULT_REVIEW_DAYS) -> Figures:
    """The figures of `scope` (the unit and those below it) for `period`, as of `now`;
    `review_days`: the working days an item has in a queue (Settings.review_days)."""
    units = units_under(ref, scope)
    start, end = _utc(ref, period.start), _utc(ref, period.end + timedelta(days=1))

    groups = await stats_repo.counts(conn, units, start, end)
    by_unit = {unit: 0 for unit in units}
    by_unit.update(_split(groups, 0))
    by_month = {(unit, month): n
                for unit, month, n in await stats_repo.monthly(conn, units, _months(ref, period),
                                                               end)}
    furthest = await stats_repo.furthest_stages(conn, units, start, end, _RANKS)

    earliest = await stats_repo.earliest_touched(conn, units, start, end)
    first_day = min(earliest.astimezone(ref.tz).date(), period.start) if earliest \
        else period.start
    # The due day of an item may fall after the period: the index runs a few weeks beyond.
    days = WorkingDays(ref.calendar, first_day, period.end + timedelta(days=60))
    uppers = {unit: upper_unit(ref, unit) for unit in units}
    fold = _Fold(ref, days, start, end, review_days, uppers)
    current: list = []
    async for batch in stats_repo.history_batches(conn, units, start, end):
        for row in batch:
            if current and row[0] != current[0][0]:
                fold.entry(current)
                current = []
            current.append(row)
    if current:
        fold.entry(current)

    first_all: Counter = Counter()
    for histogram in fold.first_action.values():
        first_all.update(histogram)
    scoped = set(units)
    performance = {
        unit: (by_unit.get(unit, 0), fold.handled[unit], fold.in_time[unit],
               durations(fold.first_action[unit]).median) for unit in units}

    return Figures(
        scope=scope,
        units=units,
        period=period,
        total=sum(group[-1] for group in groups),
        by_unit=by_unit,
        by_field=_split(groups, 1),
        by_kind=_split(groups, 2),
        by_status=_split(groups, 3),
        by_month=by_month,
        funnel=_funnel(furthest),
        first_action=durations(first_all),
        in_stage={status: durations(h) for status, h in fold.in_stage.items()},
        handled=sum(n for unit, n in fold.handled.items() if unit in scoped),
        handled_in_time=sum(n for unit, n in fold.in_time.items() if unit in scoped),
        targets=await _targets(conn, ref, units, period, now),
        silent_units=tuple(unit for unit in units if by_unit[unit] == 0
                           and ref.unit_by_slug[unit].kind == "ward"
                           and not ref.unit_by_slug[unit].legacy),
        performance=performance,
        review_days=review_days,
    )


async def _targets(conn: AsyncConnection, ref: Reference, units: tuple[str, ...],
                   period: Period, now: datetime) -> tuple[Target, ...]:
    """Progress to the targets of the plan in force at the end of the period (or today, when
    the period has not ended), counted from the plan's start."""
    as_of = min(period.end, now.astimezone(ref.tz).date())
    plan = ref.plan_for(as_of)
    if plan is None:
        return ()
    start, end = _utc(ref, plan.start), _utc(ref, as_of + timedelta(days=1))
    targets = []
    for target in plan.targets:
        if target.key == "dossiers":
            count = await stats_repo.dossiers(conn, units, start, end, NOT_DOSSIERS)
        else:
            count = await stats_repo.reached(conn, units, "applied", start, end)
        targets.append(Target(target.key, count, target.low, target.high, plan.end, as_of))
    return tuple(targets)
