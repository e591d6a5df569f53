"""Working days of Vietnamese public offices, for the deadlines promised to residents.

A ward People's Committee answers within a number of *working* days: Monday to Friday, except
public holidays (Bộ luật Lao động 2019, Điều 112). Holidays that follow the lunar calendar move
every year, so they are data (`data/holidays.toml`) rather than rules in code; the file also lists
the Saturdays worked in exchange for a swapped day off (`[[makeup_day]]`), which count as working
days.

Days are counted in the office's local time: the caller passes aware datetimes whose `tzinfo` is
that zone (Asia/Ho_Chi_Minh for District 1). Naive datetimes are refused, because guessing a zone
would silently move deadlines by a day around midnight.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path

# The due moment is the last second of the due day, so "due on Monday" means all of Monday.
END_OF_DAY = time(23, 59, 59)
SATURDAY = 5
DEFAULT_LANG = "vi"
ONE_DAY = timedelta(days=1)


class WorkingCalendar:
    """Working days of Vietnamese public offices: Monday–Friday, except public holidays from a data
    file.

    Saturdays listed in `makeup_days` are working days too: the government sometimes swaps a
    weekday next to a holiday for a Saturday, and the office is open on that Saturday.
    """

    def __init__(
        self,
        holidays: Iterable[date],
        *,
        makeup_days: Iterable[date] = (),
        names: Mapping[date, Mapping[str, str]] | None = None,
    ):
        self.holidays: frozenset[date] = frozenset(holidays)
        self.makeup_days: frozenset[date] = frozenset(makeup_days)
        # Names are only for showing people why a day is closed; counting needs the dates alone.
        self._names: dict[date, dict[str, str]] = {
            day: dict(by_lang) for day, by_lang in (names or {}).items()
        }

    @classmethod
    def from_file(cls, path: Path) -> WorkingCalendar:
        """Read `[[holiday]]` (date, name_vi, name_en) and `[[makeup_day]]` (date) entries.

        A mistake in this file moves every deadline near it, so anything odd (a missing date, a
        datetime instead of a date, the same day twice) stops the bot at start-up instead.
        """
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        names: dict[date, dict[str, str]] = {}
        for entry in data.get("holiday", []):
            day = _entry_date(entry, path)
            if day in names:
                raise ValueError(f"{path}: holiday {day} is listed twice")
            names[day] = {
                key.removeprefix("name_"): value
                for key, value in entry.items()
                if key.startswith("name_") and isinstance(value, str)
            }
        makeup: set[date] = set()
        for entry in data.get("makeup_day", []):
            day = _entry_date(entry, path)
            if day.weekday() < SATURDAY or day in names:
                raise ValueError(f"{path}: make-up day {day} must be a weekend day, not a holiday")
            makeup.add(day)
        return cls(names.keys(), makeup_days=makeup, names=names)

    def is_working_day(self, day: date) -> bool:
        """True when the office is open on `day` (a local calendar date)."""
        if day in self.holidays:
            return False
        return day.weekday() < SATURDAY or day in self.makeup_days

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The due moment: the end (23:59:59 local time) of the `days`-th working day after
        `start`'s local date, in `start.tzinfo`.

        The day something arrives never counts, whatever the hour, so an item arriving on a
        Friday evening with `days=1` is due at the end of Monday (or of the next working day if
        Monday is a holiday). With `days=0` it is due at the end of its own day, or of the next
        working day when it arrives on a day off.
        """
        _require_aware(start, "start")
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        day = start.date()
        if days == 0:
            while not self.is_working_day(day):
                day += ONE_DAY
        remaining = days
        while remaining:
            day += ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return datetime.combine(day, END_OF_DAY, tzinfo=start.tzinfo)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days d with start.date() < d <= end.date(), both dates local to `start.tzinfo`
        (0 when end <= start).

        Used to stop the due clock while an entry waits for the resident: the deadline moves by
        this many working days, so that weekends and holidays spent waiting cost the office
        nothing and working days are given back exactly.
        """
        _require_aware(start, "start")
        _require_aware(end, "end")
        if end <= start:
            return 0
        last = end.astimezone(start.tzinfo).date()
        day = start.date() + ONE_DAY
        count = 0
        while day <= last:
            if self.is_working_day(day):
                count += 1
            day += ONE_DAY
        return count

    def holiday_name(self, day: date, lang: str) -> str | None:
        """The name of the holiday on `day` in `lang` (Vietnamese when that language has no
        name), or None when `day` is not a holiday; used to tell a resident why the office is
        closed."""
        if day not in self.holidays:
            return None
        by_lang = self._names.get(day, {})
        return by_lang.get(lang) or by_lang.get(DEFAULT_LANG)


def _entry_date(entry: Mapping[str, object], path: Path) -> date:
    """The `date` of one entry, which must be a TOML local date (2026-01-01, no time)."""
    value = entry.get("date")
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"{path}: every entry needs date = YYYY-MM-DD, got {value!r}")
    return value


def _require_aware(moment: datetime, label: str) -> None:
    """Refuse naive datetimes: without a zone the local date, and so the deadline, is a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{label} must be timezone-aware, got naive {moment.isoformat()}")
