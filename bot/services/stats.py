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

import asyncio
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta
from math import floor

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.figures import Durations, Figures, Period, Stage, Target
from bot.i18n import N_
from bot.reference import Reference
from bot.render import upper_unit
from bot.services.permissions import DISTRICT_DUE, REVIEWER_ROLES, WARD_QUEUE, Actor
from bot.workflow import STATUS_LABELS
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
DOSSIER_STATUSES = tuple(s for s in STATUS_LABELS if s not in NOT_DOSSIERS)
DEFAULT_REVIEW_DAYS = 5  # Settings.review_days' default

# What each step of the funnel is called, wherever it is shown (chat, charts, report, annex).
STAGE_LABELS = {
    "received": N_("Sent"),
    "taken": N_("Taken up"),
    "forwarded": N_("Forwarded to the higher level"),
    "shortlisted": N_("Shortlisted for the selection council"),
    "nominated": N_("Nominated to the city award"),
    "awarded": N_("Awarded"),
    "applied": N_("Put into practice"),
}

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
        self.calendar = calendar
        self.base = first.toordinal()
        self.cumulative: list[int] = []  # working days in [first, day]
        self.nth: list[int] = []  # the ordinals of the working days, in order
        count = 0
        for ordinal in range(self.base, last.toordinal() + 1):
            if calendar.is_working_day(date.fromordinal(ordinal)):
                count += 1
                self.nth.append(ordinal)
            self.cumulative.append(count)

    def extend_back(self, first: date) -> None:
        """Start the index at `first` instead (an entry older than any seen so far)."""
        earlier = WorkingDays(self.calendar, first, date.fromordinal(self.base - 1))
        count = earlier.cumulative[-1] if earlier.cumulative else 0
        self.base = earlier.base
        self.cumulative = earlier.cumulative + [n + count for n in self.cumulative]
        self.nth = earlier.nth + self.nth

    def upto(self, ordinal: int) -> int:
        """Working days from the index's first day to `ordinal`: the working days d with
        a < d <= b are upto(b) - upto(a), as WorkingCalendar.working_days_between counts."""
        index = ordinal - self.base
        if index < 0:
            return 0
        return self.cumulative[min(index, len(self.cumulative) - 1)]

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


EPOCH_DAY = date(1970, 1, 1).toordinal()
WARD_ITEM, UPPER_ITEM = 1, 2  # the queue a queue item is in: its ward's, the unit above's
# A transfer comes back to "submitted" from a ward status other than the question (the answer
# and "withdraw the question" go back to it from needs_info).
TRANSFER_SOURCES = ("submitted", "accepted")


def fixed_offset(tz, first: date, last: date) -> int | None:
    """The zone's UTC offset in seconds when it is the same on every day from `first` to
    `last` (Asia/Ho_Chi_Minh has kept +7 since 1975), else None."""
    offsets = {tz.utcoffset(datetime.combine(date.fromordinal(o), time()))
               for o in range(first.toordinal(), last.toordinal() + 2)}
    return int(offsets.pop().total_seconds()) if len(offsets) == 1 else None


class _Fold:
    """What the streamed history adds up to. Rows come ordered by entry and time, so one pass
    keeps only the entry being read: its funnel rank, since when it is in its status, and the
    queue item it is in (which queue, since when, the working days it waited for the author).
    Days are local day ordinals; a count of working days is a difference of the cumulative
    index (`WorkingDays.cumulative`)."""

    def __init__(self, ref: Reference, days: WorkingDays, start: datetime, end: datetime,
                 review_days: int, uppers: dict[str, str | None]):
        self.tz, self.days = ref.tz, days
        self.start, self.end = int(start.timestamp()), int(end.timestamp())
        self.offset = fixed_offset(ref.tz, date.fromordinal(days.base), date.fromordinal(
            days.base + len(days.cumulative)))
        self.review_days, self.uppers = review_days, uppers
        self.first_action: dict[str, Counter] = defaultdict(Counter)  # unit → histogram
        self.in_stage: dict[str, Counter] = defaultdict(Counter)  # status → histogram
        self.handled: Counter = Counter()  # holder unit → items finished
        self.in_time: Counter = Counter()
        self.furthest: Counter = Counter()  # funnel rank → entries received in the period
        # The entry being read: id, unit, received in the period, funnel rank, working-day
        # count at its sending, waiting for its first officer action, status, count since it,
        # queue item, its arrival day, working days waited, count since the question.
        self.state: tuple = (None, None, False, 0, 0, True, None, 0, None, 0, 0, None)

    def day(self, ts: int) -> int:
        if self.offset is not None:
            return (ts + self.offset) // 86400 + EPOCH_DAY
        return datetime.fromtimestamp(ts, self.tz).toordinal()

    def feed(self, batch) -> None:
        days, start, end, offset = self.days, self.start, self.end, self.offset
        ranks, reviewers, ward_queue, upper_due = _RANKS, REVIEWER_ROLES, WARD_QUEUE, DISTRICT_DUE
        first_action, in_stage, handled, in_time = (self.first_action, self.in_stage,
                                                    self.handled, self.in_time)
        (entry, unit, received, rank, sent, unacted, status, since, item, arrival, waited,
         asked) = self.state
        for entry_id, row_unit, ts, role, source, target in batch:
            day = (ts + offset) // 86400 + EPOCH_DAY if offset is not None else self.day(ts)
            index = day - days.base
            if index < 0:
                days.extend_back(date.fromordinal(day))
                index = day - days.base
            cumulative = days.cumulative
            count = cumulative[index] if index < len(cumulative) else cumulative[-1]
            inside = start <= ts < end
            if entry_id != entry:
                if received:
                    self.furthest[rank] += 1
                # The first row of an entry is its sending: a ward queue item begins.
                entry, unit, received, rank, sent, unacted = entry_id, row_unit, inside, 0, \
                    count, True
                status, since, item, arrival, waited, asked = target, count, WARD_ITEM, day, \
                    0, None
                continue
            rank = max(rank, ranks.get(target, 0))
            if unacted and role in reviewers:
                unacted = False
                if inside:
                    first_action[unit][count - sent] += 1
            if inside:
                in_stage[status][count - since] += 1
            if asked is not None and target != "needs_info":
                waited += count - asked
                asked = None
            transfer = target == "submitted" and source in TRANSFER_SOURCES
            if item is not None and (
                    (item == WARD_ITEM and (target not in ward_queue or transfer))
                    or (item == UPPER_ITEM and target not in upper_due)):
                if inside and role in reviewers:
                    holder = unit if item == WARD_ITEM else self.uppers.get(unit)
                    handled[holder] += 1
                    if day <= days.due(arrival, self.review_days + waited):
                        in_time[holder] += 1
                item = None
            if transfer:
                item, arrival, waited = WARD_ITEM, day, 0
            elif target == "forwarded":
                item, arrival, waited = UPPER_ITEM, day, 0
            if target == "needs_info":
                asked = count
            status, since = target, count
        self.state = (entry, unit, received, rank, sent, unacted, status, since, item, arrival,
                      waited, asked)

    def finish(self) -> None:
        if self.state[2]:
            self.furthest[self.state[3]] += 1
        self.state = (None, None, False, 0, 0, True, None, 0, None, 0, 0, None)


async def _ahead(batches: AsyncIterator[list]) -> AsyncIterator[list]:
    """The batches, the next one fetched while this one is folded: the database (SQLite in its
    thread, PostgreSQL on its server) works meanwhile instead of waiting to be asked."""
    queue: asyncio.Queue = asyncio.Queue(maxsize=1)
    done = object()

    async def fetch() -> None:
        try:
            async for batch in batches:
                await queue.put(batch)
        except Exception as error:  # handed to the reader, who raises it
            await queue.put(error)
        else:
            await queue.put(done)

    task = asyncio.create_task(fetch())
    try:
        while (item := await queue.get()) is not done:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


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

    groups = await stats_repo.counts(conn, units, _months(ref, period), end)
    by_unit = {unit: 0 for unit in units}
    by_unit.update(_split(groups, 0))
    by_month: Counter = Counter()
    for group in groups:
        by_month[group[0], group[4]] += group[-1]

    # The index starts a year before the period (older entries extend it as they come) and
    # runs a few weeks beyond it, where a due day may fall.
    days = WorkingDays(ref.calendar, period.start - timedelta(days=366),
                       period.end + timedelta(days=60))
    uppers = {unit: upper_unit(ref, unit) for unit in units}
    fold = _Fold(ref, days, start, end, review_days, uppers)
    async for batch in _ahead(stats_repo.history_batches(conn, units, start, end)):
        fold.feed(batch)
    fold.finish()

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
        by_month=dict(by_month),
        funnel=_funnel(fold.furthest),
        first_action=durations(first_all),
        in_stage={status: durations(h) for status, h in fold.in_stage.items()},
        handled=sum(n for unit, n in fold.handled.items() if unit in scoped),
        handled_in_time=sum(n for unit, n in fold.in_time.items() if unit in scoped),
        targets=await _targets(conn, ref, units, period, now),
        silent_units=tuple(unit for unit in units if by_unit[unit] == 0
                           and (known := ref.unit_by_slug.get(unit)) is not None
                           and known.kind == "ward" and not known.legacy),
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
            count = await stats_repo.dossiers(conn, units, start, end, DOSSIER_STATUSES)
        else:
            count = await stats_repo.reached_final(conn, units, "applied", start, end)
        targets.append(Target(target.key, count, target.low, target.high, plan.end, as_of))
    return tuple(targets)
