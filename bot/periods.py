"""Periods as an officer types them, in Vietnamese or English, with or without accents.

`parse_period("quý 3 2026", today)` is the third quarter of 2026; nothing typed is this year.
What it understands (`EXAMPLES` are shown to whoever types something else):
- a year: "2026", "năm 2026", "year 2026"; "năm nay" / "this year", "năm ngoái" / "last year";
- a quarter: "quý 1 2026", "quy 1/2026", "Q1 2026", "quý II năm 2026", "quarter 1 2026";
  "quý này" / "this quarter"; a quarter without a year is of this year;
- a month: "tháng 11/2026", "11/2026", "tháng 11 năm 2026", "2026-11"; "tháng này" /
  "this month", "tháng trước" / "last month"; a month without a year is of this year;
- dates: "01/03/2026 - 30/06/2026", "từ 01/03/2026 đến 30/06/2026", "from 1/3/2026 to
  30/6/2026", or one day "01/03/2026" (day/month/year, as Vietnamese offices write them).
Anything else, an impossible date or a range that ends before it starts: None.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date

from bot.figures import Period
from bot.i18n import N_

# Years an office may ask about: a typo like "20026" is refused rather than computed.
FIRST_YEAR, LAST_YEAR = 2000, 2100
EXAMPLES = N_("For example: /thongke 2026, /thongke quý 1 2026, /thongke tháng 11/2026, "
              "/thongke 01/03/2026 - 30/06/2026, /thongke năm nay.")

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_YEAR = r"(\d{4})"
_SEP = r"\s*[/\-.\s]\s*"
_WORD_YEAR = r"(?:\s*(?:nam|year|of)?\s*[/\-.,]?\s*" + _YEAR + r")?"
_DAY = r"(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})"
_RELATIVE = {
    "": ("year", 0), "nam nay": ("year", 0), "this year": ("year", 0),
    "nam ngoai": ("year", -1), "nam truoc": ("year", -1), "last year": ("year", -1),
    "quy nay": ("quarter", 0), "this quarter": ("quarter", 0),
    "quy truoc": ("quarter", -1), "last quarter": ("quarter", -1),
    "thang nay": ("month", 0), "this month": ("month", 0),
    "thang truoc": ("month", -1), "last month": ("month", -1),
}
_PATTERNS = (
    ("year", re.compile(r"(?:nam|year)?\s*" + _YEAR)),
    ("quarter", re.compile(r"(?:quy|quarter|q)\s*(iv|i{1,3}|[1-4])" + _WORD_YEAR)),
    ("month", re.compile(r"(?:thang|month)\s*(\d{1,2})" + _WORD_YEAR)),
    ("month", re.compile(r"(\d{1,2})" + _SEP + _YEAR)),
    ("month_iso", re.compile(_YEAR + r"-(\d{1,2})")),
    ("range", re.compile(r"(?:tu|from)?\s*" + _DAY + r"\s*(?:-|–|—|den|to|until)\s*" + _DAY)),
    ("day", re.compile(r"(?:ngay)?\s*" + _DAY)),
)


def _normalise(text: str) -> str:
    """Lower case, no accents (đ → d), single spaces; digits and date separators kept."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(bare.replace(",", " ").split()).strip(" .")


def _year_ok(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def _month(year: int, month: int) -> Period | None:
    if not (_year_ok(year) and 1 <= month <= 12):
        return None
    return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def _quarter(year: int, quarter: int) -> Period | None:
    if not (_year_ok(year) and 1 <= quarter <= 4):
        return None
    first = _month(year, 3 * quarter - 2)
    last = _month(year, 3 * quarter)
    return Period(first.start, last.end)


def _day(day: str, month: str, year: str) -> date | None:
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if _year_ok(value.year) else None


def _relative(unit: str, shift: int, today: date) -> Period | None:
    if unit == "year":
        return Period.year(today.year + shift) if _year_ok(today.year + shift) else None
    if unit == "quarter":
        index = today.year * 4 + (today.month - 1) // 3 + shift
        return _quarter(index // 4, index % 4 + 1)
    index = today.year * 12 + today.month - 1 + shift
    return _month(index // 12, index % 12 + 1)


def parse_period(text: str, today: date) -> Period | None:
    """The period `text` names (see the module's docstring), or None; never raises."""
    typed = _normalise(text or "")
    if typed in _RELATIVE:
        return _relative(*_RELATIVE[typed], today)
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(typed)
        if match is None:
            continue
        groups = match.groups()
        if kind == "year":
            year = int(groups[0])
            return Period.year(year) if _year_ok(year) else None
        if kind == "quarter":
            quarter = _ROMAN.get(groups[0]) or int(groups[0])
            return _quarter(int(groups[1]) if groups[1] else today.year, quarter)
        if kind == "month":
            return _month(int(groups[1]) if groups[1] else today.year, int(groups[0]))
        if kind == "month_iso":
            return _month(int(groups[0]), int(groups[1]))
        if kind == "range":
            start, end = _day(*groups[:3]), _day(*groups[3:])
            if start is None or end is None or end < start:
                return None
            return Period(start, end)
        day = _day(*groups)
        return Period(day, day) if day else None
    return None
