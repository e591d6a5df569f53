"""Questions whose answer is a day, a moment or a month, as people here write them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.context import Context
from bot.text import shorten
from handlers.fields import Answer, Ask, Field, Retry, Stay

_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_MY = re.compile(r"(\d{1,2})[/.\-](\d{4})")
_HM = re.compile(r"(\d{1,2})\s*[:hH]\s*(\d{2})?")


class NoSuchDay(ValueError):
    """Written as a date, but the calendar has no such day (31/02/2026)."""


def parse_date(text: str) -> date | None:
    """31/12/2026, 31-12-2026, 31.12.2026 or 2026-12-31; None when not written as a date.
    Raises NoSuchDay for a date written correctly that does not exist."""
    text = text.strip()
    if match := _DMY.fullmatch(text):
        day, month, year = map(int, match.groups())
    elif match := _YMD.fullmatch(text):
        year, month, day = map(int, match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError as error:
        raise NoSuchDay(text) from error


@dataclass(frozen=True)
class _WrittenDate(Field):
    """A question answered by typing a date: a button or an attachment is the wrong kind, and a
    day the calendar does not have is refused the same way by each of them."""

    def accept(self, ctx: Context) -> Answer | Retry | Ask | Stay:
        typed = self.typed(ctx)
        if typed is None:
            return self.wrong_kind(ctx)
        try:
            return self.read(ctx, typed.strip())
        except NoSuchDay as error:
            return Retry(ctx._("There is no day “{typed}” in the calendar. Please check the day "
                               "and the month.").format(typed=shorten(error.args[0], 20)))

    def read(self, ctx: Context, text: str) -> Answer | Retry:
        raise NotImplementedError


@dataclass(frozen=True)
class DateField(_WrittenDate):
    """A calendar date; `not_before` names an earlier answer it may not precede."""

    not_before: str | None = None

    def read(self, ctx: Context, text: str) -> Answer | Retry:
        day = parse_date(text)
        if day is None:
            return Retry(ctx._("Please write the date as day/month/year, for example "
                               "31/12/2026."))
        earlier = ctx.data["draft"]["answers"].get(self.not_before) if self.not_before else None
        if earlier and day.isoformat() < earlier:
            return Retry(ctx._("This date is before {date}; please check it.").format(
                date=ctx.t.date(date.fromisoformat(earlier))))
        return Answer(day.isoformat())

    def render(self, ctx: Context, value: Any) -> str:
        return ctx.t.date(date.fromisoformat(value))


@dataclass(frozen=True)
class MonthField(_WrittenDate):
    """A month (03/2024) or a day (15/03/2024) in the past, as when something began."""

    def read(self, ctx: Context, text: str) -> Answer | Retry:
        day = parse_date(text)
        if day is not None:
            first, shown = day, day.strftime("%d/%m/%Y")
        elif match := _MY.fullmatch(text):
            month, year = map(int, match.groups())
            if not 1 <= month <= 12:
                return Retry(ctx._("There is no month {month}: the month is a number from 1 to "
                                   "12, for example 03/2024.").format(month=month))
            first, shown = date(year, month, 1), f"{month:02d}/{year}"
        else:
            return Retry(ctx._("Please write the month and year, for example 03/2024, or the "
                               "day, for example 15/03/2024."))
        if first > ctx.today:
            return Retry(ctx._("That is in the future; please give the month it began."))
        return Answer(shown)


@dataclass(frozen=True)
class MomentField(_WrittenDate):
    """A moment in the future, local time (`31/12/2026 08:00`); Skip means now."""

    def read(self, ctx: Context, text: str) -> Answer | Retry:
        date_part, _, time_part = text.partition(" ")
        day = parse_date(date_part)
        clock = _HM.fullmatch(time_part.strip() or "08:00")
        moment = None
        if day and clock and int(clock[1]) < 24 and int(clock[2] or 0) < 60:
            moment = datetime.combine(day, time(int(clock[1]), int(clock[2] or 0)),
                                      tzinfo=ctx.ref.tz)
        if moment is None:
            return Retry(ctx._("Please write the day and time as day/month/year hour:minute, "
                               "for example 31/12/2026 08:00, or press Skip to send now."))
        if moment <= ctx.now:
            return Retry(ctx._("That moment has passed; please give a later one."))
        return Answer(moment.isoformat())

    def render(self, ctx: Context, value: Any) -> str:
        return ctx.t.datetime(datetime.fromisoformat(value))
