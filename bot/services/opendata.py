"""Open data: the entries without personal data, as CSV, JSON, JSON Lines or XLSX, streamed.

What is public and what is not (storage/personal.py classifies every column):
- never exported: the contact's phone, chat and user ids, display names, the `details` free text
  (co-authors' names, owner, where and how a work is applied), files, officers' notes;
- the author's name is `contact_name` (the name the author typed or chose for the officers), and
  only where the author agreed to be named (`show_name`: "May we show your name publicly with
  your entry?"); the co-authors of an award entry (`details.authors`) were never asked, so never;
- the title and the description follow bot/render.public_view: shown only where the author
  agreed to show the entry (`show_name`), empty otherwise;
- unsent forms (drafts) are never exported, not even counted: they have no tracking code, their
  author has not yet been asked whether they may be shown, and they live in the person's chat
  row (`users.data`), which is erased with the person.

Rows are read with `conn.stream()` (storage/export.py) and written one at a time: memory stays flat
whatever the number of rows (XLSX in xlsxwriter's constant_memory mode).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any

import xlsxwriter
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot import PROJECT_ROOT, render
from bot.i18n import N_, Translator
from bot.reference import Reference
from bot.services.stats import units_under
from bot.workflow import AWARD_LEVELS, KIND_LABELS
from storage import campaigns as campaign_repo
from storage import export as export_repo

FORMATS = ("csv", "json", "jsonl", "xlsx")
HEADERS = ("labels", "names")
INCLUDABLE = ("withdrawn", "duplicate")
DRAFTS = "drafts"
CSV_BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with one
# A cell starting with one of these is a formula to a spreadsheet opening the CSV: quoted with an
# apostrophe, as OWASP advises for CSV that people open in Excel.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FLUSH_ROWS = 500  # CSV and JSON rows gathered in memory before each write to the file


class ExportError(ValueError):
    """A choice the export cannot take, with the sentence (translated) that says why."""


@dataclass(frozen=True)
class ExportField:
    name: str  # the machine name: JSON key, `--fields` item, `--header names` header
    label: str  # msgid of the header in people's language
    kind: str  # "text", "date" or "bool"
    width: int  # XLSX column width, in characters
    needs: tuple[str, ...]  # the storage columns it is made from (storage/export.COLUMNS)
    value: Callable[[Names, dict], Any]


@dataclass
class Names:
    """What the codes of a row are called in one language (looked up once per code)."""

    ref: Reference
    t: Translator
    campaigns: dict[str, str]
    _cache: dict[tuple[str, str | None], str | None] = field(default_factory=dict)

    def of(self, group: str, slug: str | None) -> str | None:
        key = (group, slug)
        if key not in self._cache:
            self._cache[key] = self._lookup(group, slug)
        return self._cache[key]

    def _lookup(self, group: str, slug: str | None) -> str | None:
        if slug is None:
            return None
        t = self.t
        if group == "unit":
            return render.unit_name(self.ref, t, slug)
        if group == "kind":
            return t.tr(KIND_LABELS[slug]) if slug in KIND_LABELS else slug
        if group == "status":
            return render.status_label(t, slug)
        if group == "award_level":
            return t.tr(AWARD_LEVELS[slug]) if slug in AWARD_LEVELS else slug
        if group == "campaign":
            return self.campaigns.get(slug, slug)
        named = self.ref.named(group, slug)
        return named.name(t.lang) if named else slug

    def day(self, moment: datetime | None) -> date | None:
        return moment.astimezone(self.t.tz).date() if moment is not None else None


def _field_group(row: dict) -> str:
    return "idea_fields" if row["kind"] == "idea" else "award_fields"


FIELDS: dict[str, ExportField] = {f.name: f for f in (
    ExportField("code", N_("Tracking code"), "text", 22, ("code",), lambda n, r: r["code"]),
    ExportField("kind", N_("Kind code"), "text", 8, ("kind",), lambda n, r: r["kind"]),
    ExportField("kind_name", N_("Kind of entry"), "text", 24, ("kind",),
                lambda n, r: n.of("kind", r["kind"])),
    ExportField("unit", N_("Unit code"), "text", 16, ("unit",), lambda n, r: r["unit"]),
    ExportField("unit_name", N_("Unit"), "text", 28, ("unit",),
                lambda n, r: n.of("unit", r["unit"])),
    ExportField("field", N_("Field code"), "text", 18, ("field",), lambda n, r: r["field"]),
    ExportField("field_name", N_("Field"), "text", 30, ("field", "kind"),
                lambda n, r: n.of(_field_group(r), r["field"])),
    ExportField("entry_type", N_("Type of work code"), "text", 14, ("entry_type",),
                lambda n, r: r["entry_type"]),
    ExportField("entry_type_name", N_("Type of work"), "text", 24, ("entry_type",),
                lambda n, r: n.of("entry_types", r["entry_type"])),
    ExportField("campaign", N_("Campaign code"), "text", 20, ("campaign",),
                lambda n, r: r["campaign"]),
    ExportField("campaign_title", N_("Campaign"), "text", 36, ("campaign",),
                lambda n, r: n.of("campaign", r["campaign"])),
    ExportField("status", N_("Status code"), "text", 12, ("status",), lambda n, r: r["status"]),
    ExportField("status_name", N_("Status of the entry"), "text", 36, ("status",),
                lambda n, r: n.of("status", r["status"])),
    ExportField("received", N_("Received on"), "date", 12, ("created_at",),
                lambda n, r: n.day(r["created_at"])),
    ExportField("decided", N_("Decided on"), "date", 12, ("decided_at",),
                lambda n, r: n.day(r["decided_at"])),
    ExportField("award_level", N_("Award level code"), "text", 10, ("award_level",),
                lambda n, r: r["award_level"]),
    ExportField("award_level_name", N_("Award level"), "text", 30, ("award_level",),
                lambda n, r: n.of("award_level", r["award_level"])),
    ExportField("in_practice", N_("Put into practice"), "bool", 10, ("status",),
                lambda n, r: r["status"] == "applied"),
    ExportField("applied_on", N_("Put into practice on"), "date", 12, ("applied_at",),
                lambda n, r: n.day(r["applied_at"])),
    ExportField("author", N_("Author (named with consent)"), "text", 28, ("author",),
                lambda n, r: r["author"]),
    ExportField("title", N_("Title (shown with consent)"), "text", 50, ("title",),
                lambda n, r: r["title"]),
    ExportField("description", N_("Description (shown with consent)"), "text", 80,
                ("description",), lambda n, r: r["description"]),
)}
# Every field but the description, which is long and rarely wanted in a table.
DEFAULT_FIELDS = tuple(name for name in FIELDS if name != "description")

UNKNOWN_FIELDS = N_("Unknown field(s): {unknown}. The fields are: {valid}.")
UNKNOWN_FORMAT = N_("Unknown format: {format}. The formats are: {valid}.")
UNKNOWN_INCLUDE = N_("Cannot include “{what}”. What can be included: {valid}.")
NO_DRAFTS = N_("Unsent forms (drafts) are never exported, not even counted: they have no "
               "tracking code, their authors have not yet said whether they may be shown, and "
               "they are kept only with the person's chat data.")
UNKNOWN_UNIT = N_("Unknown unit: {unit}.")
BAD_PERIOD = N_("Give either a year or a start and an end date (the start not after the end).")


@dataclass(frozen=True)
class Filters:
    """Which entries: received in `year`, or from `start` to `end` (local dates, both included;
    either may be open), of `unit` and the units below it (None: every unit); withdrawn and
    duplicate entries only when `include` names them."""

    year: int | None = None
    start: date | None = None
    end: date | None = None
    include: frozenset[str] = frozenset()
    unit: str | None = None


def parse_fields(t: Translator, text: str | None) -> tuple[str, ...]:
    """`--fields a,b,…` (None: the default fields); an unknown name is an ExportError."""
    if not text:
        return DEFAULT_FIELDS
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in FIELDS]
    if unknown or not names:
        raise ExportError(t._(UNKNOWN_FIELDS).format(
            unknown=", ".join(unknown) or "—", valid=", ".join(FIELDS)))
    return tuple(dict.fromkeys(names))


def parse_include(t: Translator, text: str | None) -> frozenset[str]:
    """`--include withdrawn,duplicate` (drafts are refused, with the reason)."""
    names = {name.strip() for name in (text or "").split(",") if name.strip()}
    if DRAFTS in names:
        raise ExportError(t._(NO_DRAFTS))
    for name in sorted(names - set(INCLUDABLE)):
        raise ExportError(t._(UNKNOWN_INCLUDE).format(what=name, valid=", ".join(INCLUDABLE)))
    return frozenset(names)


def local_bounds(ref: Reference, start: date | None,
                 end: date | None) -> tuple[datetime | None, datetime | None]:
    """Local dates (both included) as UTC instants [from, to)."""
    def instant(day: date) -> datetime:
        return datetime.combine(day, time(0), ref.tz).astimezone(UTC)
    return (instant(start) if start else None,
            instant(end + timedelta(days=1)) if end else None)


def entry_filter(t: Translator, ref: Reference, filters: Filters) -> export_repo.EntryFilter:
    start, end = filters.start, filters.end
    if filters.year is not None:
        if start or end:
            raise ExportError(t._(BAD_PERIOD))
        start, end = date(filters.year, 1, 1), date(filters.year, 12, 31)
    if start and end and start > end:
        raise ExportError(t._(BAD_PERIOD))
    units = None
    if filters.unit is not None:
        if filters.unit not in ref.unit_by_slug:
            raise ExportError(t._(UNKNOWN_UNIT).format(unit=filters.unit))
        units = list(units_under(ref, filters.unit))
    low, high = local_bounds(ref, start, end)
    excluded = tuple(s for s in INCLUDABLE if s not in filters.include)
    return export_repo.EntryFilter(start=low, end=high, units=units, excluded=excluded)


def translator(ref: Reference, lang: str | Translator) -> Translator:
    """`lang` as a Translator (a language code: the project's catalogs, the reference's zone)."""
    if isinstance(lang, Translator):
        return lang
    return Translator(PROJECT_ROOT / "locales", lang, ref.tz.key)


# --- writers ------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, out: IO[bytes], t: Translator, fields: list[ExportField], header: str):
        self.out, self.t, self.fields, self.header = out, t, fields, header

    def headings(self) -> list[str]:
        if self.header == "names":
            return [f.name for f in self.fields]
        return [self.t.tr(f.label) for f in self.fields]

    def yes_no(self, value: bool | None) -> str:
        return "" if value is None else self.t._("Yes") if value else self.t._("No")

    def start(self) -> None: ...

    def row(self, values: list[Any]) -> None: ...

    def finish(self) -> None: ...


class _CsvWriter(_Writer):
    """UTF-8 with a byte-order mark, one header row, ISO dates (yyyy-mm-dd)."""

    def start(self) -> None:
        self.buffer = io.StringIO()
        self.buffer.write(CSV_BOM)
        self.csv = csv.writer(self.buffer, lineterminator="\r\n")
        self.csv.writerow(self.headings())
        self.pending = 0

    def _cell(self, spec: ExportField, value: Any) -> str:
        if value is None:
            return ""
        if spec.kind == "date":
            return value.isoformat()
        if spec.kind == "bool":
            return self.yes_no(value)
        text = str(value)
        return "'" + text if text.startswith(FORMULA_START) else text

    def row(self, values: list[Any]) -> None:
        self.csv.writerow([self._cell(f, v) for f, v in zip(self.fields, values, strict=True)])
        self.pending += 1
        if self.pending >= FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        self.out.write(self.buffer.getvalue().encode("utf-8"))
        self.buffer.seek(0)
        self.buffer.truncate()
        self.pending = 0

    def finish(self) -> None:
        self._flush()


class _JsonWriter(_Writer):
    """A JSON array written as it goes (`[`, one object a line, `]`), ISO dates, true/false;
    or JSON Lines (one object a line, nothing around them)."""

    lines = False

    def start(self) -> None:
        self.parts: list[str] = [] if self.lines else ["["]
        self.first = True

    def row(self, values: list[Any]) -> None:
        item = {f.name: (v.isoformat() if f.kind == "date" and v is not None else v)
                for f, v in zip(self.fields, values, strict=True)}
        text = json.dumps(item, ensure_ascii=False)
        if self.lines:
            self.parts.append(text + "\n")
        else:
            self.parts.append(("\n" if self.first else ",\n") + text)
        self.first = False
        if len(self.parts) >= FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        self.out.write("".join(self.parts).encode("utf-8"))
        self.parts = []

    def finish(self) -> None:
        if not self.lines:
            self.parts.append("\n]\n" if not self.first else "]\n")
        self._flush()


class _JsonLinesWriter(_JsonWriter):
    lines = True


class _XlsxWriter(_Writer):
    """One sheet, written row by row in constant-memory mode: the header frozen, a filter on
    it, widths set, dates as Excel dates shown dd/mm/yyyy."""

    def start(self) -> None:
        self.book = xlsxwriter.Workbook(self.out, {"constant_memory": True})
        self.sheet = self.book.add_worksheet(self.t._("Open data")[:31])
        self.bold = self.book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.day = self.book.add_format({"num_format": "dd/mm/yyyy"})
        for col, spec in enumerate(self.fields):
            self.sheet.set_column(col, col, spec.width)
        self.sheet.freeze_panes(1, 0)
        for col, heading in enumerate(self.headings()):
            self.sheet.write_string(0, col, heading, self.bold)
        self.rows = 0

    def row(self, values: list[Any]) -> None:
        self.rows += 1
        for col, (spec, value) in enumerate(zip(self.fields, values, strict=True)):
            if value is None:
                continue
            if spec.kind == "date":
                self.sheet.write_datetime(self.rows, col, value, self.day)
            elif spec.kind == "bool":
                self.sheet.write_string(self.rows, col, self.yes_no(value))
            else:
                self.sheet.write_string(self.rows, col, str(value))

    def finish(self) -> None:
        self.sheet.autofilter(0, 0, self.rows, len(self.fields) - 1)
        self.book.close()


WRITERS = {"csv": _CsvWriter, "json": _JsonWriter, "jsonl": _JsonLinesWriter,
           "xlsx": _XlsxWriter}


# --- the export ---------------------------------------------------------------------------------


async def _campaign_titles(conn: AsyncConnection, ref: Reference, lang: str) -> dict[str, str]:
    titles = {c.slug: c.title(lang) for c in ref.campaigns}
    for row in await campaign_repo.all_campaigns(conn):
        titles[row["slug"]] = row["title_en"] if lang == "en" else row["title_vi"]
    return titles


def _columns(fields: Iterable[ExportField]) -> list[str]:
    return list(dict.fromkeys(column for f in fields for column in f.needs))


async def export(engine_or_conn: AsyncEngine | AsyncConnection, ref: Reference, *, fmt: str,
                 fields: Iterable[str] | None, filters: Filters, out: IO[bytes],
                 lang: str | Translator = "vi", header: str = "labels") -> int:
    """Write the entries of `filters` to `out` (a binary file) in `fmt`, with the chosen
    `fields` (None: DEFAULT_FIELDS), labels and names in `lang`; returns the rows written.
    A wrong choice raises ExportError before anything is written."""
    t = translator(ref, lang)
    if fmt not in WRITERS:
        raise ExportError(t._(UNKNOWN_FORMAT).format(format=fmt, valid=", ".join(FORMATS)))
    chosen = parse_fields(t, ",".join(fields)) if fields is not None else DEFAULT_FIELDS
    specs = [FIELDS[name] for name in chosen]
    where = entry_filter(t, ref, filters)
    if isinstance(engine_or_conn, AsyncEngine):
        async with engine_or_conn.connect() as conn:
            return await _export(conn, ref, t, fmt, specs, where, out, header)
    return await _export(engine_or_conn, ref, t, fmt, specs, where, out, header)


async def _export(conn, ref: Reference, t: Translator, fmt: str, specs: list[ExportField],
                  where: export_repo.EntryFilter, out: IO[bytes], header: str) -> int:
    names = Names(ref, t, await _campaign_titles(conn, ref, t.lang))
    writer = WRITERS[fmt](out, t, specs, header)
    writer.start()
    count = 0
    async for row in export_repo.stream_entries(conn, where, _columns(specs)):
        writer.row([spec.value(names, row) for spec in specs])
        count += 1
    writer.finish()
    return count
