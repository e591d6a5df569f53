"""The report's annex workbook (XLSX, xlsxwriter in constant-memory mode: each sheet's rows go
to disk as they are written, so the dossiers, which can be many, stream through).

Sheets: entries by unit × month; the funnel by year; the award dossiers; awarded and applied
works; unit performance; campaigns; definitions of the counters. Every sheet has its header row
frozen, a filter on, column widths set, rows in Vietnamese order (bot/collation) and dates as
real Excel dates (dd/mm/yyyy). Authors are named only with their consent; no phone, no contact."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from bot.charts import shown_units, unit_name
from bot.collation import sort_key
from bot.i18n import N_, Translator
from bot.reports.document import field_name
from bot.reports.model import INTAKE_DAYS, ReportData
from bot.services.stats import STAGE_LABELS
from bot.workflow import AWARD_LEVELS, KIND_LABELS, STATUS_LABELS

SHEETS = {
    "months": N_("Entries by unit and month"),
    "funnel": N_("Funnel by year"),
    "dossiers": N_("Award dossiers"),
    "works": N_("Awarded works"),
    "performance": N_("Unit performance"),
    "campaigns": N_("Campaigns"),
    "councils": N_("Selection council"),
    "definitions": N_("Definitions"),
}
_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def sheet_name(t: Translator, key: str) -> str:
    return t.tr(SHEETS[key]).translate(_FORBIDDEN)[:31]


def write_value(ws, row: int, col: int, value: Any, t: Translator, *, decimal,
                date_format=None, percent=None) -> None:
    """One cell as an office reads it: dates as local dates (dd/mm/yyyy), shares as percents,
    decimals with one digit, yes/no in words, nothing as a blank cell."""
    if value is None:
        ws.write_blank(row, col, None)
    elif isinstance(value, Share):
        ws.write_number(row, col, value.value, percent)
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value.astimezone(t.tz).date(), date_format)
    elif isinstance(value, date):
        ws.write_datetime(row, col, value, date_format)
    elif isinstance(value, bool):
        ws.write_string(row, col, t._("Yes") if value else t._("No"))
    elif isinstance(value, int):
        ws.write_number(row, col, value)
    elif isinstance(value, float):
        ws.write_number(row, col, value, decimal)
    else:
        ws.write_string(row, col, str(value))


class Sheet:
    """One worksheet written row after row."""

    def __init__(self, annex: Annex, key: str, header: Sequence[str],
                 widths: Sequence[float]):
        self.annex = annex
        self.ws = annex.book.add_worksheet(sheet_name(annex.t, key))
        self.columns = len(header)
        for n, (title, width) in enumerate(zip(header, widths, strict=True)):
            self.ws.set_column(n, n, width)
            self.ws.write_string(0, n, title, annex.bold)
        self.ws.freeze_panes(1, 0)
        self.row = 0

    def add(self, values: Sequence[Any]) -> None:
        self.row += 1
        for n, value in enumerate(values):
            self.annex.write(self.ws, self.row, n, value)

    def close(self) -> None:
        self.ws.autofilter(0, 0, max(self.row, 1), self.columns - 1)


class Annex:
    def __init__(self, path: Path, t: Translator, ref):
        self.t = t
        self.ref = ref
        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self.bold = self.book.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1,
                                          "text_wrap": True, "valign": "top"})
        self.date = self.book.add_format({"num_format": "dd/mm/yyyy"})
        self.percent = self.book.add_format({"num_format": "0.0%"})
        self.decimal = self.book.add_format({"num_format": "0.0"})
        self._labels: dict[tuple[str, str | None], str | None] = {}
        self._not_named = t._("Not named (no consent)")

    def write(self, ws, row: int, col: int, value: Any) -> None:
        write_value(ws, row, col, value, self.t, decimal=self.decimal, date_format=self.date,
                    percent=self.percent)

    def sheet(self, key: str, header: Sequence[str], widths: Sequence[float]) -> Sheet:
        return Sheet(self, key, header, widths)

    def close(self) -> None:
        self.book.close()

    # The sheets.

    def unit_name(self, slug: str) -> str:
        return unit_name(self.ref, slug, self.t.lang)

    def months(self, data: ReportData) -> None:
        """Entries by unit (rows, Vietnamese order) and month of each year (columns)."""
        t = self.t
        months = [(year, month) for year, _ in data.yearly for month in range(1, 13)]
        header = [t._("Unit")] + [f"{m:02d}/{y}" for y, m in months] + [t._("Total")]
        sheet = self.sheet("months", header, [32] + [9] * len(months) + [9])
        units = shown_units(data.figures, self.ref)
        totals = [0] * len(months)
        for unit in sorted(units, key=lambda u: sort_key(self.unit_name(u))):
            counts = [figures.by_month.get((unit, month), 0)
                      for _year, figures in data.yearly for month in range(1, 13)]
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
            sheet.add([self.unit_name(unit), *counts, sum(counts)])
        sheet.add([t._("Total"), *totals, sum(totals)])
        sheet.close()

    def funnel(self, data: ReportData) -> None:
        t = self.t
        sheet = self.sheet("funnel", [t._("Year"), t._("Step"), t._("Entries"),
                                      t._("Share of the previous step")], [8, 36, 10, 14])
        for year, figures in data.yearly:
            for stage in figures.funnel:
                sheet.add([year, t.tr(STAGE_LABELS.get(stage.key, stage.key)), stage.count,
                           None if stage.rate is None else Share(stage.rate)])
        sheet.close()

    def dossiers(self) -> Sheet:
        """The dossiers' sheet, to which the caller adds `dossier` rows as they stream in."""
        t = self.t
        return self.sheet("dossiers", [
            t._("Code"), t._("Title"), t._("Authors"), t._("Unit"), t._("Field"),
            t._("Received on"), t._("Decided on"), t._("Result"), t._("Award level"),
            t._("In practice since")], [16, 40, 24, 24, 24, 12, 12, 28, 22, 14])

    def _label(self, group: str, value: str | None) -> str | None:
        """A unit's, field's, status's or award level's words, looked up once per workbook
        (the dossiers' rows repeat them)."""
        key = (group, value)
        if key not in self._labels:
            t = self.t
            if group == "unit":
                label = self.unit_name(value)
            elif group == "field":
                label = field_name(self.ref, value, t.lang, t)
            elif group == "status":
                label = t.tr(STATUS_LABELS[value]) if value in STATUS_LABELS else value
            else:
                label = t.tr(AWARD_LEVELS[value]) if value in AWARD_LEVELS else None
            self._labels[key] = label
        return self._labels[key]

    def dossier(self, sheet: Sheet, row: Mapping[str, Any]) -> None:
        sheet.add([
            row["code"], row["title"], row["authors"] or self._not_named,
            self._label("unit", row["unit"]), self._label("field", row["field"]),
            row["received"], row["decided"], self._label("status", row["status"]),
            self._label("level", row["award_level"]), row["applied"],
        ])

    def works(self, data: ReportData) -> None:
        t = self.t
        sheet = self.sheet("works", [
            t._("Code"), t._("Title"), t._("Authors"), t._("Unit"), t._("Field"),
            t._("Kind of entry"), t._("Award level"), t._("Awarded"), t._("In practice since"),
        ], [16, 40, 24, 24, 24, 18, 22, 12, 14])
        works = sorted(data.works, key=lambda w: (sort_key(self.unit_name(w.unit)),
                                                  sort_key(w.title)))
        for w in works:
            sheet.add([
                w.code, w.title, w.authors or t._("Not named (no consent)"),
                self.unit_name(w.unit), field_name(self.ref, w.field, t.lang, t),
                t.tr(KIND_LABELS[w.kind]) if w.kind in KIND_LABELS else w.kind,
                t.tr(AWARD_LEVELS[w.level]) if w.level in AWARD_LEVELS else None,
                w.awarded, w.applied,
            ])
        sheet.close()

    def performance(self, data: ReportData) -> None:
        t = self.t
        sheet = self.sheet("performance", [
            t._("Unit"), t._("Received"), t._("Handled"), t._("Handled in time"),
            t._("Share handled in time"), t._("Median working days to first step"),
        ], [32, 10, 10, 12, 12, 16])
        performance = data.figures.performance
        listed = [u for u in shown_units(data.figures, self.ref) if u in performance]
        for unit in sorted(listed, key=lambda u: sort_key(self.unit_name(u))):
            received, handled, in_time, median = performance[unit]
            sheet.add([self.unit_name(unit), received, handled, in_time,
                       Share(in_time / handled) if handled else None,
                       None if median is None else float(median)])
        sheet.close()

    def campaigns(self, data: ReportData) -> None:
        t = self.t
        sheet = self.sheet("campaigns", [
            t._("Campaign"), t._("Opens"), t._("Closes"),
            t._("Entries within {days} days").format(days=INTAKE_DAYS),
            t._("Entries in the period"),
        ], [44, 12, 12, 16, 14])
        for c in sorted(data.campaigns, key=lambda c: sort_key(c.title(t.lang))):
            sheet.add([c.title(t.lang), c.opens, c.closes, c.within_days, c.in_period])
        sheet.close()

    def councils(self, data: ReportData) -> None:
        """The rounds of the selection council closed in the period: each dossier's place, as
        the round's minutes give it (bot/services/council.aggregate)."""
        t = self.t
        sheet = self.sheet("councils", [
            t._("Round"), t._("Council"), t._("Rank"), t._("Tracking code"), t._("Title"),
            t._("Unit"), t._("Members who scored"), t._("Mean score"),
            t._("Standard deviation"), t._("Lowest"), t._("Highest"), t._("To discuss"),
            t._("Passed"),
        ], [10, 30, 7, 22, 44, 26, 12, 10, 10, 8, 8, 10, 8])
        yes, no = t._("Yes"), t._("No")
        for result in data.councils:
            for r in result.results:
                sheet.add([result.round.label, result.round.council_name, r.rank,
                           r.dossier.code, r.dossier.title, self.unit_name(r.dossier.unit),
                           f"{r.scorers}/{r.eligible}", r.mean, r.sd, r.low, r.high,
                           yes if r.flagged else no, yes if r.passed else no])
        sheet.close()

    def definitions(self, definitions: Mapping[str, str]) -> None:
        t = self.t
        sheet = self.sheet("definitions", [t._("Counter"), t._("Definition")], [28, 100])
        for key in sorted(definitions, key=sort_key):
            sheet.add([key, t.tr(definitions[key])])
        sheet.close()


class Share:
    """A share (0–1) written as a percentage cell."""

    __slots__ = ("value",)

    def __init__(self, value: float):
        self.value = value
