"""Working days of Vietnamese public offices, for the deadlines promised to residents.

A ward People's Committee answers within a number of *working* days: Monday to Friday, except
public holidays (Bộ luật Lao động 2019, Điều 112). The holidays, lunar ones included, come from
the `holidays` package's Vietnam calendar, year by year as they are needed; the government's
yearly day-swap decisions are data on top (`data/holidays.toml`): a weekday off and the weekend day
worked in exchange, which counts as a working day.

Days are counted in the office's local time: the caller passes aware datetimes whose `tzinfo` is
that zone (Asia/Ho_Chi_Minh for District 1). Naive datetimes are refused, because guessing a zone
would silently move deadlines by a day around midnight.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path

import holidays as holiday_package

# The due moment is the last second of the due day, so "due on Monday" means all of Monday.
END_OF_DAY = time(23, 59, 59)
SATURDAY = 5
DEFAULT_LANG = "vi"
ONE_DAY = timedelta(days=1)
COUNTRY = "VN"
# Our language codes → the package's (it names Vietnamese holidays in "vi" and "en_US").
PACKAGE_LANGS = {"vi": "vi", "en": "en_US"}


class WorkingCalendar:
    """Working days of Vietnamese public offices: Monday–Friday, except public holidays.

    Saturdays listed in `makeup_days` are working days too: the government sometimes swaps a
    weekday next to a holiday for a Saturday, and the office is open on that Saturday.
    """

    def __init__(
        self,
        holidays: Iterable[date] = (),
        *,
        makeup_days: Iterable[date] = (),
        names: Mapping[date, Mapping[str, str]] | None = None,
        country: str | None = None,
    ):
        self._holidays: set[date] = set(holidays)
        self.makeup_days: frozenset[date] = frozenset(makeup_days)
        # Names are only for showing people why a day is closed; counting needs the dates alone.
        self._names: dict[date, dict[str, str]] = {
            day: dict(by_lang) for day, by_lang in (names or {}).items()
        }
        self._country = country
        self._years: set[int] = set()

    @classmethod
    def from_file(cls, path: Path) -> WorkingCalendar:
        """The Vietnam calendar of the `holidays` package, with the day swaps of `path` on top:
        `[[swap]]` (day_off, worked, name_vi, name_en) and `[[day_off]]` (date, name_vi,
        name_en).

        A mistake in this file moves every deadline near it, so anything odd (a missing date, a
        datetime instead of a date, the same day twice, a worked day that is not a weekend day)
        stops the bot at start-up instead.
        """
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        names: dict[date, dict[str, str]] = {}
        makeup: set[date] = set()

        def day_off(entry: Mapping[str, object], key: str) -> None:
            day = _entry_date(entry, key, path)
            if day in names:
                raise ValueError(f"{path}: day off {day} is listed twice")
            names[day] = {
                name.removeprefix("name_"): value
                for name, value in entry.items()
                if name.startswith("name_") and isinstance(value, str)
            }

        for entry in data.get("day_off", []):
            day_off(entry, "date")
        for entry in data.get("swap", []):
            day_off(entry, "day_off")
            worked = _entry_date(entry, "worked", path)
            if worked.weekday() < SATURDAY or worked in names:
                raise ValueError(
                    f"{path}: worked day {worked} must be a weekend day, not a day off")
            makeup.add(worked)
        return cls(names.keys(), makeup_days=makeup, names=names, country=COUNTRY)

    @property
    def holidays(self) -> frozenset[date]:
        """Every day off known so far (the package's years are loaded as they are asked for)."""
        return frozenset(self._holidays)

    def holidays_in(self, year: int) -> frozenset[date]:
        """The days off of one year."""
        self._load(year)
        return frozenset(day for day in self._holidays if day.year == year)

    def _load(self, year: int) -> None:
        """Add the package's holidays of `year`, once; the file's names win over the package's."""
        if self._country is None or year in self._years:
            return
        self._years.add(year)
        for lang, package_lang in PACKAGE_LANGS.items():
            calendar = holiday_package.country_holidays(
                self._country, years=year, language=package_lang)
            for day, name in calendar.items():
                self._holidays.add(day)
                self._names.setdefault(day, {}).setdefault(lang, name)

    def is_working_day(self, day: date) -> bool:
        """True when the office is open on `day` (a local calendar date)."""
        self._load(day.year)
        if day in self._holidays:
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
        self._load(day.year)
        if day not in self._holidays:
            return None
        by_lang = self._names.get(day, {})
        return by_lang.get(lang) or by_lang.get(DEFAULT_LANG)


def _entry_date(entry: Mapping[str, object], key: str, path: Path) -> date:
    """The date `key` of one entry, which must be a TOML local date (2026-01-01, no time)."""
    value = entry.get(key)
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"{path}: every entry needs {key} = YYYY-MM-DD, got {value!r}")
    return value


def _require_aware(moment: datetime, label: str) -> None:
    """Refuse naive datetimes: without a zone the local date, and so the deadline, is a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{label} must be timezone-aware, got naive {moment.isoformat()}")


class QuietHours:
    """The local hours when nobody is written to unless they wrote first (21:00–07:00 by
    default; `start > end` means the quiet time runs over midnight)."""

    def __init__(self, start: int, end: int, tz: tzinfo):
        self.start, self.end, self.tz = start, end, tz

    def contains(self, moment: datetime) -> bool:
        hour = moment.astimezone(self.tz).hour
        if self.start > self.end:
            return hour >= self.start or hour < self.end
        return self.start <= hour < self.end

    def end_after(self, moment: datetime) -> datetime | None:
        """When the quiet time around `moment` ends (in `moment`'s zone), or None when `moment`
        is not in it."""
        if not self.contains(moment):
            return None
        local = moment.astimezone(self.tz)
        end = datetime.combine(local.date(), time(self.end), tzinfo=self.tz)
        if end <= local:
            end += ONE_DAY
        return end.astimezone(moment.tzinfo)
