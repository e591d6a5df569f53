"""The review report draft (DOCX, python-docx), in the structure Vietnamese agencies use for a
sơ kết / tổng kết: the header block, I. situation, II. results (1. leadership, 2. communication,
3. the movement's results, 4. the award funnel, 5. the plan's targets, 6. the exhibition),
III. overall assessment (a) strengths, b) limits and causes, c) lessons), IV. tasks ahead,
V. recommendations.

The bot writes every figure and table; what only people can write is a highlighted
"[To be completed by the unit: …]" paragraph (PLACEHOLDER), never invented text. Times New Roman
13 throughout, the East Asian font set too (w:rFonts) so that Word uses it for Vietnamese."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from bot.charts import TARGET_LABELS, shown_units, unit_name
from bot.collation import sort_key
from bot.figures import Figures
from bot.i18n import N_, Translator
from bot.reports.model import INTAKE_DAYS, ReportData
from bot.services.stats import STAGE_LABELS
from bot.workflow import AWARD_LEVELS, KIND_LABELS

FONT = "Times New Roman"
SIZE = Pt(13)
PLACEHOLDER = N_("[To be completed by the unit: {what}]")
_THEME_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_font(element_rpr, name: str = FONT) -> None:
    """Name the font for every script (ascii, hAnsi, East Asian, complex) and drop the theme's
    fonts, which Word would otherwise prefer."""
    fonts = element_rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        element_rpr.insert(0, fonts)
    for attribute in _THEME_ATTRIBUTES:
        if fonts.get(qn(attribute)) is not None:
            del fonts.attrib[qn(attribute)]
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def field_name(ref, slug: str | None, lang: str, t: Translator) -> str:
    for group in ("idea_fields", "award_fields"):
        named = ref.named(group, slug)
        if named is not None:
            return named.name(lang)
    return slug or t._("No field given")


def percent(t: Translator, share: float | None) -> str:
    return "—" if share is None else f"{t.number(round(share * 100, 1))}%"


def days(t: Translator, value: float | None) -> str:
    return "—" if value is None else t.number(round(value, 1))


class Draft:
    """One report document being written."""

    def __init__(self, t: Translator, ref):
        self.t = t
        self.ref = ref
        self.doc = Document()
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(2)
        defaults = self.doc.styles.element.find(qn("w:docDefaults"))
        set_font(defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")))
        for style in self.doc.styles:
            if style.type != WD_STYLE_TYPE.LIST:  # paragraph, character and table styles
                set_font(style.element.get_or_add_rPr())
                style.font.size = SIZE
        normal = self.doc.styles["Normal"]
        normal.paragraph_format.space_after = Pt(6)
        normal.paragraph_format.line_spacing = 1.15
        for level in (1, 2, 3):
            heading = self.doc.styles[f"Heading {level}"]
            heading.font.bold = level < 3
            heading.font.italic = level == 3
            heading.font.color.rgb = RGBColor(0, 0, 0)
            heading.font.size = SIZE
            heading.paragraph_format.space_before = Pt(6)
            heading.paragraph_format.space_after = Pt(6)
            heading.paragraph_format.keep_with_next = True

    # Building blocks.

    def heading(self, number: str, text: str, level: int) -> None:
        title = text.upper() if level == 1 else text
        self.doc.add_heading(f"{number} {title}", level=level)

    def para(self, text: str, *, bold: bool = False, italic: bool = False,
             align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = True):
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = align
        if indent:
            paragraph.paragraph_format.first_line_indent = Cm(1)
        run = paragraph.add_run(text)
        run.bold, run.italic = bold, italic
        return paragraph

    def placeholder(self, what: str) -> None:
        """A paragraph only people can write: highlighted, in brackets, never filled by the bot."""
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Cm(1)
        run = paragraph.add_run(self.t.tr(PLACEHOLDER).format(what=what))
        run.italic = True
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]],
              widths: Sequence[float] | None = None) -> None:
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        head = table.rows[0]
        # The header row repeats on every page the table runs onto.
        head._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for cell, text in zip(head.cells, header, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            run.bold = True
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        for values in rows:
            cells = table.add_row().cells
            for n, (cell, text) in enumerate(zip(cells, values, strict=True)):
                cell.text = text
                if n > 0 and _numeric(text):
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if widths:
            set_widths(table, widths)
        self.doc.add_paragraph()

    def chart(self, png: bytes | None) -> None:
        if png:
            self.doc.add_picture(io.BytesIO(png), width=Cm(16))
            self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    def save(self, path: Path) -> None:
        self.doc.save(str(path))


def set_widths(table, widths: Sequence[float]) -> None:
    """Column widths in centimetres, as Word (the cells) and LibreOffice (the grid) read them."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


def _numeric(text: str) -> bool:
    return bool(text) and all(c.isdigit() or c in ".,%— " for c in text)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _header_block(draft: Draft, data: ReportData) -> None:
    t, ref, doc = draft.t, draft.ref, draft.doc
    scope = ref.unit_by_slug.get(data.figures.scope)
    table = doc.add_table(rows=2, cols=2)
    _no_borders(table)
    set_widths(table, (6.2, 9.8))
    left, right = table.rows[0].cells
    left.text = ""
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    left.paragraphs[0].add_run(
        scope.name(t.lang).upper() if scope else data.figures.scope).bold = True
    right.text = ""
    nation = right.paragraphs[0]
    nation.alignment = WD_ALIGN_PARAGRAPH.CENTER
    national = nation.add_run(t._("SOCIALIST REPUBLIC OF VIETNAM"))
    national.bold = True
    national.font.size = Pt(12)  # the national title at 12 points fits one line, as usual
    motto = right.add_paragraph()
    motto.alignment = WD_ALIGN_PARAGRAPH.CENTER
    motto_run = motto.add_run(t._("Independence - Freedom - Happiness"))
    motto_run.bold = True
    motto_run.underline = True
    number, place = table.rows[1].cells
    number.text = ""
    number.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    number.paragraphs[0].add_run(t._("No.: …/BC-…"))
    place.text = ""
    place.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    place.paragraphs[0].add_run(
        t._("Ho Chi Minh City, {date}").format(date=t.formal_date(data.issued))).italic = True
    doc.add_paragraph()
    draft.para(t._("REPORT"), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    if data.final:
        subtitle = t._("Final review of the period {start}–{end} of the creative emulation "
                       "movement and the city's creative awards").format(
            start=str(data.period.start.year), end=str(data.period.end.year))
    else:
        subtitle = t._("Review of the year {year} of the creative emulation movement and the "
                       "city's creative awards").format(year=data.year)
    draft.para(subtitle, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    draft.para(t._("(figures from {start} to {end}, written by the Sáng kiến bot; the "
                   "highlighted paragraphs are for the unit to write)").format(
        start=t.date(data.period.start), end=t.date(data.period.end)),
        italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)


def _situation(draft: Draft, data: ReportData) -> None:
    t, f = draft.t, data.figures
    draft.heading("I.", t._("Situation"), 1)
    wards = [u for u in shown_units(f, draft.ref) if u != f.scope]
    draft.para(t._("The report covers {scope} and the {count} units under it, from {start} to "
                   "{end}.").format(scope=unit_name(draft.ref, f.scope, t.lang), count=len(wards),
                                    start=t.date(f.period.start), end=t.date(f.period.end)))
    draft.placeholder(t._("the unit's situation in the period: what helped the movement and "
                          "what made it harder"))


def _leadership(draft: Draft) -> None:
    t = draft.t
    draft.heading("1.", t._("Leadership and direction"), 2)
    draft.placeholder(t._("the plans, directives and documents issued, and how the movement "
                          "was organised and checked"))


def _communication(draft: Draft, data: ReportData) -> None:
    t = draft.t
    draft.heading("2.", t._("Communication"), 2)
    campaigns = sorted(data.campaigns, key=lambda c: (c.opens, sort_key(c.title(t.lang))))
    draft.para(t._("Campaigns open for entries in the period: {count}. For each, the entries "
                   "received within {days} days of its opening:").format(
        count=len(campaigns), days=INTAKE_DAYS))
    if campaigns:
        draft.table(
            [t._("Campaign"), t._("Opens"), t._("Closes"),
             t._("Entries within {days} days").format(days=INTAKE_DAYS),
             t._("Entries in the period")],
            [[c.title(t.lang), t.date(c.opens), t.date(c.closes), t.number(c.within_days),
              t.number(c.in_period)] for c in campaigns],
            widths=(6, 2.5, 2.5, 2.5, 2.5))
    draft.placeholder(t._("how the movement was made known (press, notice boards, social "
                          "networks, meetings) and how many people it reached"))


def _counts_table(draft: Draft, title: str, counts: dict[str, int], name, total: int) -> None:
    t = draft.t
    named = {key: name(key) for key in counts}
    order = sorted(counts, key=lambda key: sort_key(named[key]))
    rows = [[named[k], t.number(counts[k]), percent(t, counts[k] / total if total else None)]
            for k in order]
    rows.append([t._("Total"), t.number(sum(counts.values())),
                 percent(t, 1.0 if total else None)])
    draft.table([title, t._("Entries"), t._("Share")], rows, widths=(9, 3, 3))


def _results(draft: Draft, data: ReportData, charts: dict[str, bytes]) -> None:
    t, ref, f = draft.t, draft.ref, data.figures
    draft.heading("3.", t._("Results of the movement"), 2)
    draft.para(t._("Entries received in the period: {total}.").format(total=f.total))
    draft.heading("a)", t._("By unit"), 3)
    by_unit = {u: f.by_unit.get(u, 0) for u in shown_units(f, ref)}
    _counts_table(draft, t._("Unit"), by_unit, lambda u: unit_name(ref, u, t.lang), f.total)
    draft.chart(charts.get("units"))
    if f.silent_units:
        names = sorted((unit_name(ref, u, t.lang) for u in f.silent_units), key=sort_key)
        draft.para(t._("Units with no entry in the period: {names}.").format(
            names=", ".join(names)))
    else:
        draft.para(t._("Every unit sent at least one entry in the period."))
    draft.heading("b)", t._("By field and by kind"), 3)
    _counts_table(draft, t._("Field"), f.by_field, lambda k: field_name(ref, k, t.lang, t),
                  f.total)
    _counts_table(draft, t._("Kind of entry"), f.by_kind,
                  lambda k: t.tr(KIND_LABELS[k]) if k in KIND_LABELS else k, f.total)
    draft.heading("c)", t._("Over time"), 3)
    draft.chart(charts.get("months") or charts.get("years"))
    draft.heading("d)", t._("Handling by the units"), 3)
    fa = f.first_action
    draft.para(t._("Time from receipt to an officer's first step: median {median} working days, "
                   "90th percentile {p90} working days ({count} entries).").format(
        median=days(t, fa.median), p90=days(t, fa.p90), count=fa.count))
    draft.para(t._("Queue items handled in the period: {handled}, of which by their due date: "
                   "{in_time} ({share}).").format(handled=f.handled, in_time=f.handled_in_time,
                                                  share=percent(t, f.in_time_share)))
    listed = [u for u in shown_units(f, ref) if u in f.performance]
    if listed:
        order = sorted(listed, key=lambda u: sort_key(unit_name(ref, u, t.lang)))
        draft.table(
            [t._("Unit"), t._("Received"), t._("Handled"), t._("Handled in time"),
             t._("Median working days to first step")],
            [[unit_name(ref, u, t.lang), t.number(f.performance[u][0]),
              t.number(f.performance[u][1]), t.number(f.performance[u][2]),
              days(t, f.performance[u][3])] for u in order],
            widths=(6, 2.5, 2.5, 2.5, 2.5))


def _funnel_rows(t: Translator, figures: Figures) -> list[list[str]]:
    return [[t.tr(STAGE_LABELS.get(s.key, s.key)), t.number(s.count), percent(t, s.rate)]
            for s in figures.funnel]


def _funnel(draft: Draft, data: ReportData, charts: dict[str, bytes]) -> None:
    t, f = draft.t, data.figures
    draft.heading("4.", t._("From entry to award"), 2)
    draft.para(t._("Entries of the period that reached each step (from their history), and the "
                   "share of the previous step:"))
    draft.table([t._("Step"), t._("Entries"), t._("Share of the previous step")],
                _funnel_rows(t, f), widths=(9, 3, 3))
    draft.chart(charts.get("funnel"))
    if data.final and len(data.yearly) > 1:
        draft.para(t._("By year:"))
        keys = [s.key for s in f.funnel]
        header = [t._("Step")] + [str(year) for year, _ in data.yearly]
        rows = []
        for key in keys:
            row = [t.tr(STAGE_LABELS.get(key, key))]
            for _year, figures in data.yearly:
                stage = next((s for s in figures.funnel if s.key == key), None)
                row.append(t.number(stage.count if stage else 0))
            rows.append(row)
        draft.table(header, rows)


def _targets(draft: Draft, data: ReportData, charts: dict[str, bytes]) -> None:
    t, f = draft.t, data.figures
    draft.heading("5.", t._("Progress to the plan's targets"), 2)
    if not f.targets:
        draft.para(t._("The plan sets no target for this period."))
        return
    as_of = f.targets[0].as_of
    draft.para(t._("Counted from the plan's start to {date}:").format(date=t.date(as_of)))
    rows = []
    for target in f.targets:
        reached = t._("Reached") if target.count >= target.low else t._("Not yet reached")
        rows.append([t.tr(TARGET_LABELS.get(target.key, target.key)), t.number(target.count),
                     f"{t.number(target.low)}–{t.number(target.high)}", t.date(target.by),
                     reached])
    draft.table([t._("Target"), t._("So far"), t._("Plan"), t._("By"), t._("Status")], rows,
                widths=(6, 2, 2.5, 3, 2.5))
    draft.chart(charts.get("targets"))


WORKS_IN_DOCUMENT = 50  # awarded works listed in the report itself


def _exhibition(draft: Draft, data: ReportData) -> None:
    t, ref = draft.t, draft.ref
    draft.heading("6.", t._("The exhibition of awarded works"), 2)
    works = sorted(data.works, key=lambda w: (sort_key(unit_name(ref, w.unit, t.lang)),
                                              sort_key(w.title)))
    applied = sum(1 for w in works if w.applied)
    draft.para(t._("Works awarded in the period: {count}, of which put into practice: "
                   "{applied}.").format(count=len(works), applied=applied))
    if works:
        # A report is read, not searched: past a few dozen works the list is the annex's.
        shown = works[:WORKS_IN_DOCUMENT]
        draft.table(
            [t._("Code"), t._("Title"), t._("Authors"), t._("Unit"), t._("Award level"),
             t._("In practice")],
            [[w.code, w.title, w.authors or t._("Not named (no consent)"),
              unit_name(ref, w.unit, t.lang),
              t.tr(AWARD_LEVELS[w.level]) if w.level in AWARD_LEVELS else "—",
              t.date(w.applied) if w.applied else t._("Not yet")] for w in shown],
            widths=(2.9, 3.4, 2.6, 2.4, 1.9, 2.8))
        if len(works) > len(shown):
            draft.para(t._("The first {shown} of {count} works are listed here; the annex lists "
                           "them all (sheet “{sheet}”).").format(
                shown=len(shown), count=len(works), sheet=t._("Awarded works")))
    draft.placeholder(t._("the yearly exhibition of awarded works: when and where it was held, "
                          "the works shown and how many people visited"))


def _assessment(draft: Draft, data: ReportData) -> None:
    t, f = draft.t, data.figures
    draft.heading("III.", t._("Overall assessment"), 1)
    draft.heading("a)", t._("Strengths"), 3)
    draft.placeholder(t._("the strengths of the movement in the period"))
    draft.heading("b)", t._("Limits and their causes"), 3)
    short = [x for x in f.targets if x.count < x.low]
    for target in short:
        draft.para(t._("{target}: {count} so far, against the plan's {low}–{high} by "
                       "{date}.").format(target=t.tr(TARGET_LABELS.get(target.key, target.key)),
                                          count=target.count, low=target.low, high=target.high,
                                          date=t.date(target.by)))
    draft.placeholder(t._("the limits of the movement and their causes, objective and "
                          "subjective"))
    draft.heading("c)", t._("Lessons learnt"), 3)
    draft.placeholder(t._("the lessons learnt"))


def _closing(draft: Draft) -> None:
    t = draft.t
    draft.heading("IV.", t._("Tasks ahead"), 1)
    draft.placeholder(t._("the directions and tasks for the next period, and any change "
                          "proposed to the targets"))
    draft.heading("V.", t._("Recommendations"), 1)
    draft.placeholder(t._("recommendations to the higher level"))
    table = draft.doc.add_table(rows=1, cols=2)
    _no_borders(table)
    recipients, signer = table.rows[0].cells
    recipients.text = ""
    recipients.paragraphs[0].add_run(t._("Recipients:")).bold = True
    run = recipients.add_paragraph().add_run(
        t.tr(PLACEHOLDER).format(what=t._("the recipients")))
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    signer.text = ""
    run = signer.paragraphs[0].add_run(
        t.tr(PLACEHOLDER).format(what=t._("the signer's title and name")))
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    signer.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def write_document(path: Path, data: ReportData, t: Translator, ref,
                   charts: dict[str, bytes]) -> Path:
    """Write the report draft to `path`; `charts` holds the PNGs to embed (units, months or
    years, funnel, targets)."""
    draft = Draft(t, ref)
    _header_block(draft, data)
    _situation(draft, data)
    draft.heading("II.", t._("Results"), 1)
    _leadership(draft)
    _communication(draft, data)
    _results(draft, data, charts)
    _funnel(draft, data, charts)
    _targets(draft, data, charts)
    _exhibition(draft, data)
    _assessment(draft, data)
    _closing(draft)
    draft.save(path)
    return path
