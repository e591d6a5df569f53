"""The exhibition list of a year, for the communications office: the awarded works and those put
into practice, as an XLSX and as a message ready to post.

Which works: those that, by their history, were awarded or put into practice during the year
(local dates). A work awarded in one year and put into practice the next is on both years'
lists; its marks ("put into practice", the award level) are what holds now.
What is shown: the title of every such work (an award is a public decision, which names the
works), its unit, field and award level; the author's name only where the author agreed to be
named (`show_name`: the `contact_name` they gave); never a phone, a chat id, or the co-authors
listed in the registration (`details.authors`), who were not asked.
"""

from __future__ import annotations

import io
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

import xlsxwriter
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import render
from bot.collation import sort_key
from bot.i18n import N_, Translator
from bot.reference import Reference
from bot.services.opendata import local_bounds
from bot.workflow import AWARD_LEVELS
from storage import export as export_repo

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADING = N_("Works awarded and put into practice in {year}")
INTRO = N_("We are pleased to present {count} work(s) awarded or put into practice in {year}:")
NONE_YET = N_("No work was awarded or put into practice in {year}.")
CLOSING = N_("Our congratulations to the authors, and our thanks to everyone who took part in "
             "the creative movement.")
# One line per work: a sentence each, with or without the author's name and the practice mark.
LINES = {
    (False, False): N_("{number}. {title} (unit: {unit}) – {level}"),
    (True, False): N_("{number}. {title} (unit: {unit}) – {level}; put into practice"),
    (False, True): N_("{number}. {title} (unit: {unit}) – {level}; author: {author}"),
    (True, True): N_("{number}. {title} (unit: {unit}) – {level}; put into practice; "
                     "author: {author}"),
}
COLUMNS = (  # (msgid of the heading, width)
    (N_("No."), 6), (N_("Title"), 50), (N_("Unit"), 28), (N_("Field"), 30),
    (N_("Award level"), 30), (N_("Prize"), 30), (N_("Put into practice"), 12),
    (N_("Author (named with consent)"), 28), (N_("Tracking code"), 22), (N_("Awarded on"), 12),
    (N_("Put into practice on"), 12),
)


@dataclass(frozen=True)
class Work:
    code: str
    title: str
    unit: str  # slug
    field: str | None
    award_level: str | None
    prize: str | None
    applied: bool  # put into practice (its status now)
    author: str | None  # only where the author agreed to be named
    awarded_on: date | None
    applied_on: date | None


@dataclass(frozen=True)
class Exhibition:
    year: int
    works: tuple[Work, ...]  # in Vietnamese order of their titles


def _day(ref: Reference, moment: datetime | None) -> date | None:
    return moment.astimezone(ref.tz).date() if moment is not None else None


async def gather(conn: AsyncConnection, ref: Reference, year: int,
                 units: Collection[str] | None = None) -> Exhibition:
    """The works of `year` (of `units`, None: every unit), in Vietnamese order of title."""
    start, end = local_bounds(ref, date(year, 1, 1), date(year, 12, 31))
    rows = await export_repo.exhibition_entries(conn, start, end, units)
    works = [Work(
        code=r["code"], title=r["title"], unit=r["unit"], field=r["field"],
        award_level=r["award_level"], prize=r["award_prize"], applied=r["status"] == "applied",
        author=r["author"], awarded_on=_day(ref, r["awarded_at"]),
        applied_on=_day(ref, r["applied_at"]),
    ) for r in rows]
    works.sort(key=lambda w: (sort_key(w.title), w.code))
    return Exhibition(year, tuple(works))


def _level(t: Translator, work: Work) -> str:
    level = AWARD_LEVELS.get(work.award_level or "")
    return t.tr(level) if level else (work.award_level or "—")


def _field(ref: Reference, t: Translator, work: Work) -> str:
    for group in ("award_fields", "idea_fields"):
        named = ref.named(group, work.field)
        if named:
            return named.name(t.lang)
    return work.field or "—"


def message(ref: Reference, t: Translator, exhibition: Exhibition) -> str:
    """The plain-text message to post: a heading, one line per work, a closing line."""
    year = exhibition.year
    heading = t._(HEADING).format(year=year)
    if not exhibition.works:
        return f"{heading}\n\n{t._(NONE_YET).format(year=year)}"
    lines = [t.tr(LINES[(w.applied, bool(w.author))]).format(
        number=n, title=w.title, unit=render.unit_name(ref, t, w.unit), level=_level(t, w),
        author=w.author or "") for n, w in enumerate(exhibition.works, 1)]
    intro = t._(INTRO).format(count=len(exhibition.works), year=year)
    return "\n".join([heading, "", intro, "", *lines, "", t._(CLOSING)])


def workbook(ref: Reference, t: Translator, exhibition: Exhibition) -> bytes:
    """The list as an XLSX: a title row, the header frozen with a filter, widths set, dates
    as Excel dates (dd/mm/yyyy)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(str(exhibition.year))
    title = book.add_format({"bold": True, "font_size": 14})
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet.write_string(0, 0, t._(HEADING).format(year=exhibition.year), title)
    for col, (label, width) in enumerate(COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write_string(2, col, t.tr(label), bold)
    sheet.freeze_panes(3, 0)
    for n, work in enumerate(exhibition.works, 1):
        cells = [n, work.title, render.unit_name(ref, t, work.unit), _field(ref, t, work),
                 _level(t, work), work.prize, t._("Yes") if work.applied else t._("No"),
                 work.author, work.code, work.awarded_on, work.applied_on]
        for col, value in enumerate(cells):
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(2 + n, col, value, day)
            elif isinstance(value, int):
                sheet.write_number(2 + n, col, value)
            else:
                sheet.write_string(2 + n, col, value, wrap)
    sheet.autofilter(2, 0, 2 + len(exhibition.works), len(COLUMNS) - 1)
    book.close()
    return buffer.getvalue()


def file_name(year: int) -> str:
    return f"trien-lam-{year}"
