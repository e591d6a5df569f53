"""The documents of a selection council's round (issue 14, item 6), written from a
`bot.council_model.RoundResult` once the round is closed:

- the workbook of all scores (XLSX, xlsxwriter): the ranked list ("Tổng hợp"), every member's
  points per dossier and criterion with the recusals marked ("Điểm chi tiết"), the rubric
  ("Tiêu chí") and the members with their recusals ("Thành viên");
- one score sheet per member for signature (DOCX, python-docx): the member's own points only;
- the draft minutes (biên bản) of the round (DOCX).

The bot writes every figure from the RoundResult as the service computed it (it never
recomputes a mean here); what only people can write (time, place, attendance, the conclusion,
the secretary) is a highlighted placeholder. Times New Roman 13, the East Asian font set too,
as bot/reports/document.py does (its Draft is reused). Lists people read (members, dossiers
outside the ranking) are in Vietnamese order (bot/collation)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import xlsxwriter
from babel.numbers import format_decimal
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.shared import Cm, Pt

from bot.collation import sort_key
from bot.council_model import (
    Criterion,
    Dossier,
    DossierResult,
    Member,
    Recusal,
    RoundResult,
    Score,
)
from bot.i18n import N_, Translator
from bot.reports.annex import write_value
from bot.reports.document import Draft, _no_borders, set_widths
from bot.reports.model import ReportError, writable_folder
from bot.services.council import CouncilError, round_result
from bot.text import fold

SHEETS = {
    "summary": N_("Summary"),
    "scores": N_("Detailed scores"),
    "rubric": N_("Criteria"),
    "members": N_("Members"),
}
# Why a member sat out a dossier, as a phrase that reads both in "Not scored ({reason})" and in
# "Not scored because {reason}."
RECUSAL_REASONS = {
    "author": N_("the member is an author or co-author of the dossier"),
    "same_unit": N_("the member belongs to the unit of the dossier"),
    "relative": N_("the member is a relative of an author"),
    "other": N_("the member has another conflict of interest"),
}
AUTOMATIC_REASON = N_("the member's own unit filed the dossier")
REASON_WITH_NOTE = N_("{reason}; note: {note}")
NOT_SCORED_CELL = N_("Not scored ({reason})")
NOT_SCORED_LINE = N_("Not scored because {reason}.")
NO_SCORE = N_("No score given")
INCOMPLETE = N_("Not every criterion scored")
INCOMPLETE_LINE = N_("Not every criterion was scored: this score does not count in the "
                     "dossier's figures.")
DECLARED = N_("Declared")
AUTOMATIC = N_("Automatic")
RUBRIC_PLACEHOLDER = N_("This rubric is a placeholder: the office has not yet given its own "
                        "criteria (those of the city's creative award are not public). The "
                        "scores were given against it.")
TIE_BROKEN = N_("Equal mean with {codes}; ranked by the criterion “{criterion}” (its mean: "
                "{points})")
TIE_BY_CODE = N_("Equal mean with {codes}, and an equal mean of the criterion “{criterion}” "
                 "({points}): ordered by code")
TIE_UNBROKEN = N_("Equal mean with {codes}; no tie-break criterion is set")
NO_QUORUM = N_("Not ranked: fewer members scored it than the quorum ({scorers} of {eligible})")
FLAGGED = N_("To be discussed")
COUNCIL_PLACEHOLDER = N_("[To be completed by the council: {what}]")
SELECTION_COUNCIL = N_("SELECTION COUNCIL {name}")
PLACE_AND_DAY = N_("Ho Chi Minh City, day … month … year …")
CANNOT_WRITE = N_("The council's documents cannot be written to {folder}: {error}")
NO_ROUND = N_("There is no council round number {round}.")
NOT_CLOSED = N_("The round {label} of {council} is still open: the documents with the scores "
                "are made only once the round is closed.")


class CouncilDocumentsError(ReportError):
    """Why the documents cannot be made, as a msgid and its values (`text(t)` tells it)."""


# Figures and words shared by the three documents.


def one(t: Translator, value: float | None) -> str:
    """A figure with one decimal, in the reader's notation ("82,5"); "—" for none."""
    return "—" if value is None else format_decimal(round(value, 1), format="#,##0.0",
                                                    locale=t.lang)


def unit_label(ref, slug: str, lang: str) -> str:
    unit = ref.unit_by_slug.get(slug) if ref is not None else None
    return unit.name(lang) if unit else slug


def reason(t: Translator, recusal: Recusal) -> str:
    """Why the member sat out the dossier, with the member's note if any."""
    if recusal.automatic:
        why = t.tr(AUTOMATIC_REASON)
    else:
        why = t.tr(RECUSAL_REASONS.get(recusal.kind, RECUSAL_REASONS["other"]))
    return t.tr(REASON_WITH_NOTE).format(reason=why, note=recusal.note) if recusal.note else why


def placeholder_note(t: Translator, rr: RoundResult) -> str:
    """The rubric's placeholder note: the service's (the chat shows it too), or ours."""
    return t.tr(rr.notes.get("placeholder") or RUBRIC_PLACEHOLDER)


def complete(rr: RoundResult, score: Score) -> bool:
    """Every criterion scored (the service counts only such scores)."""
    return all(c.key in score.points for c in rr.round.rubric.criteria)


def _same(a: float | None, b: float | None) -> bool:
    """Means compared as the service ranks them (equal to nine decimals)."""
    return a is not None and b is not None and round(a, 9) == round(b, 9)


def spread(result: DossierResult) -> str:
    return "—" if result.low is None else f"{result.low}–{result.high}"


def criterion_named(rr: RoundResult, key: str | None) -> Criterion | None:
    return next((c for c in rr.round.rubric.criteria if c.key == key), None)


def note(t: Translator, rr: RoundResult, result: DossierResult) -> str:
    """The summary's note: a tie and how it was broken, or why the dossier is not ranked."""
    if not result.quorum:
        return t.tr(NO_QUORUM).format(scorers=result.scorers, eligible=result.eligible)
    if not result.tied:
        return ""
    others = [r for r in rr.results
              if r is not result and r.quorum and _same(r.mean, result.mean)]
    codes = ", ".join(sorted(r.dossier.code for r in others))
    criterion = criterion_named(rr, rr.round.rules.tie_break)
    if criterion is None:
        return t.tr(TIE_UNBROKEN).format(codes=codes)
    mine = result.criterion_means.get(criterion.key)
    points = one(t, mine)
    if any(_same(r.criterion_means.get(criterion.key), mine) for r in others):
        return t.tr(TIE_BY_CODE).format(codes=codes, criterion=criterion.name(t.lang),
                                        points=points)
    return t.tr(TIE_BROKEN).format(codes=codes, criterion=criterion.name(t.lang), points=points)


def members_in_order(rr: RoundResult) -> list[Member]:
    return sorted(rr.round.members, key=lambda m: (sort_key(m.name), m.officer_id))


def dossiers_in_order(rr: RoundResult) -> list[Dossier]:
    return sorted(rr.round.dossiers, key=lambda d: (sort_key(d.title), d.code))


def ranked(rr: RoundResult) -> list[DossierResult]:
    """The ranked dossiers by rank, then those without quorum in Vietnamese order of title."""
    with_rank = sorted((r for r in rr.results if r.rank is not None), key=lambda r: r.rank)
    without = sorted((r for r in rr.results if r.rank is None),
                     key=lambda r: (sort_key(r.dossier.title), r.dossier.code))
    return with_rank + without


def recusal_of(rr: RoundResult, officer_id: int, entry_id: int) -> Recusal | None:
    return next((r for r in rr.recusals
                 if r.officer_id == officer_id and r.entry_id == entry_id), None)


def score_of(rr: RoundResult, officer_id: int, entry_id: int):
    return next((s for s in rr.scores
                 if s.officer_id == officer_id and s.entry_id == entry_id), None)


def file_stem(text: str) -> str:
    return "-".join(fold(text).split()) or "x"


# The workbook.

_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def sheet_name(t: Translator, key: str) -> str:
    return t.tr(SHEETS[key]).translate(_FORBIDDEN)[:31]


class Workbook:
    def __init__(self, path: Path, t: Translator, ref):
        self.t, self.ref = t, ref
        self.book = xlsxwriter.Workbook(str(path))
        self.head = self.book.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1,
                                          "text_wrap": True, "valign": "top"})
        self.decimal = self.book.add_format({"num_format": "0.0"})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.recused = self.book.add_format({"italic": True, "font_color": "#7F3F00",
                                             "bg_color": "#F2F2F2"})
        self.warning = self.book.add_format({"bold": True, "font_color": "#C00000",
                                             "text_wrap": True})

    def sheet(self, key: str, header: Sequence[str], widths: Sequence[float]):
        ws = self.book.add_worksheet(sheet_name(self.t, key))
        for n, (title, width) in enumerate(zip(header, widths, strict=True)):
            ws.set_column(n, n, width)
            ws.write_string(0, n, title, self.head)
        ws.freeze_panes(1, 0)
        return ws

    def cell(self, ws, row: int, col: int, value) -> None:
        write_value(ws, row, col, None if value == "" else value, self.t, decimal=self.decimal)

    def close(self) -> None:
        self.book.close()


def _summary(wb: Workbook, rr: RoundResult) -> None:
    t = wb.t
    header = [t._("Rank"), t._("Code"), t._("Title"), t._("Unit"), t._("Scorers / eligible"),
              t._("Mean"), t._("Standard deviation"), t._("Lowest–highest"),
              t._("Flagged for discussion"), t._("Normalised mean"), t._("Passed"), t._("Note")]
    ws = wb.sheet("summary", header, [7, 16, 40, 26, 12, 9, 11, 11, 14, 12, 9, 50])
    row = 0
    for result in ranked(rr):
        row += 1
        values = [result.rank, result.dossier.code, result.dossier.title,
                  unit_label(wb.ref, result.dossier.unit, t.lang),
                  f"{result.scorers}/{result.eligible}",
                  None if result.mean is None else float(result.mean),
                  None if result.sd is None else float(result.sd), spread(result),
                  t.tr(FLAGGED) if result.flagged else "",
                  None if result.normalised is None else float(result.normalised),
                  result.passed, note(t, rr, result)]
        for col, value in enumerate(values):
            wb.cell(ws, row, col, value)
    ws.autofilter(0, 0, max(row, 1), len(header) - 1)


def _scores(wb: Workbook, rr: RoundResult) -> None:
    t = wb.t
    criteria = rr.round.rubric.criteria
    header = [t._("Member"), t._("Code"), t._("Title")]
    header += [t._("{criterion} (max {points})").format(criterion=c.name(t.lang),
                                                         points=c.max_points) for c in criteria]
    header += [t._("Total (max {points})").format(points=rr.round.rubric.total), t._("Comment")]
    ws = wb.sheet("scores", header, [26, 16, 36] + [14] * len(criteria) + [12, 50])
    first, last = 3, 3 + len(criteria)  # the criteria's columns, then the total
    row = 0
    for member in members_in_order(rr):
        for dossier in dossiers_in_order(rr):
            row += 1
            ws.write_string(row, 0, member.name)
            ws.write_string(row, 1, dossier.code)
            ws.write_string(row, 2, dossier.title)
            recusal = recusal_of(rr, member.officer_id, dossier.entry_id)
            if recusal is not None:
                ws.merge_range(row, first, row, last,
                               t.tr(NOT_SCORED_CELL).format(reason=reason(t, recusal)),
                               wb.recused)
                continue
            score = score_of(rr, member.officer_id, dossier.entry_id)
            if score is None:
                ws.merge_range(row, first, row, last, t.tr(NO_SCORE), wb.recused)
                continue
            for n, criterion in enumerate(criteria):
                wb.cell(ws, row, first + n, score.points.get(criterion.key))
            if complete(rr, score):
                wb.cell(ws, row, last, score.total)
            else:
                ws.write_string(row, last, t.tr(INCOMPLETE), wb.recused)
            if score.comment:
                ws.write_string(row, last + 1, score.comment, wb.wrap)
    ws.autofilter(0, 0, max(row, 1), len(header) - 1)


def _rubric(wb: Workbook, rr: RoundResult) -> None:
    t = wb.t
    rubric = rr.round.rubric
    header = [t._("Criterion"), t._("Maximum points"), t._("Level (points)"),
              t._("Description of the level")]
    ws = wb.sheet("rubric", header, [32, 10, 12, 80])
    row = 0
    for criterion in rubric.criteria:
        levels = criterion.levels or (None,)
        for level in levels:
            row += 1
            ws.write_string(row, 0, criterion.name(t.lang))
            ws.write_number(row, 1, criterion.max_points)
            if level is not None:
                ws.write_string(row, 2, f"{level.low}–{level.high}")
                described = level.description_vi if t.lang == "vi" else level.description_en
                ws.write_string(row, 3, described, wb.wrap)
    ws.autofilter(0, 0, max(row, 1), len(header) - 1)
    row += 1
    ws.write_string(row, 0, t._("Total"), wb.head)
    ws.write_number(row, 1, rubric.total, wb.head)
    if rubric.placeholder:
        ws.merge_range(row + 2, 0, row + 2, 3, placeholder_note(t, rr), wb.warning)
        ws.set_row(row + 2, 45)


def _members(wb: Workbook, rr: RoundResult) -> None:
    t = wb.t
    header = [t._("Member"), t._("Unit"), t._("Chair"), t._("Recused from"), t._("Title"),
              t._("Declared or automatic"), t._("Kind of link"), t._("Note")]
    ws = wb.sheet("members", header, [26, 28, 8, 16, 36, 14, 50, 30])
    dossiers = {d.entry_id: d for d in rr.round.dossiers}
    row = 0
    for member in members_in_order(rr):
        own = [r for r in rr.recusals if r.officer_id == member.officer_id]
        own.sort(key=lambda r: (sort_key(dossiers[r.entry_id].title)
                                if r.entry_id in dossiers else (), r.entry_id))
        for recusal in own or [None]:
            row += 1
            wb.cell(ws, row, 0, member.name)
            wb.cell(ws, row, 1, unit_label(wb.ref, member.unit, t.lang))
            wb.cell(ws, row, 2, t._("Yes") if member.chair else "")
            if recusal is None:
                continue
            dossier = dossiers.get(recusal.entry_id)
            wb.cell(ws, row, 3, dossier.code if dossier else str(recusal.entry_id))
            wb.cell(ws, row, 4, dossier.title if dossier else "")
            wb.cell(ws, row, 5, t.tr(AUTOMATIC if recusal.automatic else DECLARED))
            wb.cell(ws, row, 6, t.tr(AUTOMATIC_REASON) if recusal.automatic else
                    t.tr(RECUSAL_REASONS.get(recusal.kind, RECUSAL_REASONS["other"])))
            wb.cell(ws, row, 7, recusal.note or "")
    ws.autofilter(0, 0, max(row, 1), len(header) - 1)


def write_workbook(path: Path, rr: RoundResult, t: Translator, ref) -> Path:
    wb = Workbook(path, t, ref)
    _summary(wb, rr)
    _scores(wb, rr)
    _rubric(wb, rr)
    _members(wb, rr)
    wb.close()
    return path


# The Word documents.


class CouncilDraft(Draft):
    """A council document: the report's page, fonts and tables; the council's placeholders."""

    def placeholder(self, what: str) -> None:
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Cm(1)
        self.highlight(paragraph, what)

    def highlight(self, paragraph, what: str):
        run = paragraph.add_run(self.t.tr(COUNCIL_PLACEHOLDER).format(what=what))
        run.italic = True
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        return run

    def labelled(self, label: str, what: str) -> None:
        """"Label: [to be completed: what]" on one line."""
        paragraph = self.doc.add_paragraph()
        paragraph.add_run(label).bold = True
        paragraph.add_run(" ")
        self.highlight(paragraph, what)


def _centred(cell, text: str, *, bold: bool = False, italic: bool = False,
             underline: bool = False, size: Pt | None = None, first: bool = True):
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    if size is not None:
        run.font.size = size
    return run


def _council_line(t: Translator, rr: RoundResult) -> str:
    name = rr.round.council_name
    if fold(name).startswith(fold(t._("Selection council"))):
        return name.upper()
    return t.tr(SELECTION_COUNCIL).format(name=name.upper())


def _header(draft: CouncilDraft, rr: RoundResult, number: str | None) -> None:
    """The council's unit and name at left, the national title and motto at right."""
    t = draft.t
    table = draft.doc.add_table(rows=1, cols=2)
    _no_borders(table)
    set_widths(table, (6.5, 9.5))
    left, right = table.rows[0].cells
    left.text = right.text = ""
    _centred(left, unit_label(draft.ref, rr.round.unit, t.lang).upper())
    _centred(left, _council_line(t, rr), bold=True, first=False)
    if number:
        _centred(left, number, first=False)
    _centred(right, t._("SOCIALIST REPUBLIC OF VIETNAM"), bold=True, size=Pt(12))
    _centred(right, t._("Independence - Freedom - Happiness"), bold=True, underline=True,
             first=False)
    draft.doc.add_paragraph()


def _keep_together(table, size: Pt | None = None) -> None:
    """Keep a table on one page with the line before it (Word and LibreOffice honour
    keep-with-next on the rows' paragraphs); `size`: a smaller font for a wide table."""
    rows = table.rows
    for n, row in enumerate(rows):
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = n < len(rows) - 1
                if size is not None:
                    for run in paragraph.runs:
                        run.font.size = size


def _place_and_day(draft: CouncilDraft) -> None:
    paragraph = draft.doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.add_run(draft.t.tr(PLACE_AND_DAY)).italic = True


def _signatures(draft: CouncilDraft, signers: Sequence[tuple[str, str | None]]) -> None:
    """Signature blocks side by side: (title, name or None for a placeholder)."""
    t = draft.t
    table = draft.doc.add_table(rows=1, cols=len(signers))
    _no_borders(table)
    for cell, (title, name) in zip(table.rows[0].cells, signers, strict=True):
        cell.text = ""
        _centred(cell, title, bold=True)
        _centred(cell, t._("(Signature and full name)"), italic=True, first=False)
        for _ in range(3):
            cell.add_paragraph()
        if name:
            _centred(cell, name, bold=True, first=False)
        else:
            paragraph = cell.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            draft.highlight(paragraph, t._("the name"))


def _round_line(t: Translator, rr: RoundResult) -> str:
    return t._("Round {label} of {council}").format(label=rr.round.label,
                                                   council=rr.round.council_name)


def write_score_sheet(path: Path, rr: RoundResult, member: Member, t: Translator, ref) -> Path:
    """The member's own score sheet, to sign: their points per dossier and criterion only."""
    draft = CouncilDraft(t, ref)
    _header(draft, rr, None)
    center = WD_ALIGN_PARAGRAPH.CENTER
    draft.para(t._("SCORE SHEET"), bold=True, align=center, indent=False)
    draft.para(_round_line(t, rr), bold=True, align=center, indent=False)
    draft.para(t._("Member of the council: {name} ({unit})").format(
        name=member.name, unit=unit_label(ref, member.unit, t.lang)), indent=False)
    if rr.round.rubric.placeholder:
        draft.para(placeholder_note(t, rr), italic=True, indent=False)
    criteria = rr.round.rubric.criteria
    comments = []
    for n, dossier in enumerate(dossiers_in_order(rr), start=1):
        heading = draft.para(t._("{n}. Dossier {code}: {title} ({unit})").format(
            n=n, code=dossier.code, title=dossier.title,
            unit=unit_label(ref, dossier.unit, t.lang)), bold=True, indent=False)
        heading.paragraph_format.keep_with_next = True
        recusal = recusal_of(rr, member.officer_id, dossier.entry_id)
        if recusal is not None:
            draft.para(t.tr(NOT_SCORED_LINE).format(reason=reason(t, recusal)), italic=True)
            continue
        score = score_of(rr, member.officer_id, dossier.entry_id)
        if score is None:
            draft.para(t.tr(NO_SCORE), italic=True)
            continue
        rows = [[c.name(t.lang), str(c.max_points),
                 "" if score.points.get(c.key) is None else str(score.points[c.key])]
                for c in criteria]
        whole = complete(rr, score)
        rows.append([t._("Total"), str(rr.round.rubric.total),
                     str(score.total) if whole else "—"])
        draft.table([t._("Criterion"), t._("Maximum points"), t._("Points given")], rows,
                    widths=(10, 3, 3))
        table = draft.doc.tables[-1]
        _keep_together(table)
        for cell in table.rows[-1].cells:
            for run in cell.paragraphs[0].runs:
                run.bold = True
        if not whole:
            draft.para(t.tr(INCOMPLETE_LINE), italic=True)
        if score.comment:
            comments.append((dossier, score.comment))
    draft.para(t._("Comments"), bold=True, indent=False)
    if comments:
        for dossier, comment in comments:
            draft.para(t._("Dossier {code}: {comment}").format(code=dossier.code, comment=comment))
    else:
        draft.para(t._("No comment."), italic=True)
    _place_and_day(draft)
    table = draft.doc.add_table(rows=1, cols=2)
    _no_borders(table)
    cell = table.rows[0].cells[1]
    cell.text = ""
    _centred(cell, t._("Member of the council"), bold=True)
    _centred(cell, t._("(Signature and full name)"), italic=True, first=False)
    for _ in range(3):
        cell.add_paragraph()
    _centred(cell, member.name, bold=True, first=False)
    draft.save(path)
    return path


def _rules_paragraphs(draft: CouncilDraft, rr: RoundResult) -> None:
    t, rules = draft.t, rr.round.rules
    draft.para(t._("A dossier is ranked when at least {minimum} members, or {share}% of the "
                   "members not recused from it, have scored it. Its score is the mean of its "
                   "members' totals; a range of totals over {flag} points puts it up for "
                   "discussion.").format(minimum=rules.quorum_min,
                                         share=t.number(int(rules.quorum_share * 1000 + 0.5) / 10),
                                         flag=rules.flag_range))
    draft.para(t._("Pass mark: {mark} points (a dossier passes with the quorum and a mean at "
                   "or above it).").format(mark=one(t, rules.pass_mark)))
    criterion = criterion_named(rr, rules.tie_break)
    if criterion is None:
        draft.para(t._("No tie-break criterion is set: dossiers with equal means share the "
                       "order in which they are listed."))
    else:
        draft.para(t._("Equal means are ordered by the mean of the criterion “{criterion}”, the "
                       "higher first.").format(criterion=criterion.name(t.lang)))
    ties = [r for r in ranked(rr) if r.tied and r.quorum]
    for result in ties:
        draft.para(t._("{code} (rank {rank}): {note}.").format(
            code=result.dossier.code, rank=result.rank, note=note(t, rr, result)))


def write_minutes(path: Path, rr: RoundResult, t: Translator, ref, now: datetime) -> Path:
    """The draft minutes of the round's meeting; `now`: when the bot drafted them."""
    draft = CouncilDraft(t, ref)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _header(draft, rr, t._("No.: …/BB-HĐXC"))
    draft.para(t._("MINUTES OF THE MEETING OF THE SELECTION COUNCIL"), bold=True, align=center,
               indent=False)
    draft.para(_round_line(t, rr), bold=True, align=center, indent=False)
    draft.para(t._("(drafted by the Sáng kiến bot on {date} from the scores of the closed round; "
                   "the highlighted passages are for the council to write)").format(
        date=t.date(now)), italic=True, align=center, indent=False)
    draft.labelled(t._("Time:"), t._("the time of the meeting"))
    draft.labelled(t._("Place:"), t._("the place of the meeting"))

    draft.heading("I.", t._("Members"), 1)
    members = members_in_order(rr)
    draft.table([t._("No."), t._("Member"), t._("Unit"), t._("Role in the council")],
                [[str(n), m.name, unit_label(ref, m.unit, t.lang),
                  t._("Chair") if m.chair else t._("Member")]
                 for n, m in enumerate(members, start=1)], widths=(1.4, 5.3, 6.3, 3))
    draft.placeholder(t._("the members present and absent (confirm the attendance)"))

    draft.heading("II.", t._("The rubric"), 1)
    rubric = rr.round.rubric
    draft.table([t._("Criterion"), t._("Maximum points")],
                [[c.name(t.lang), str(c.max_points)] for c in rubric.criteria]
                + [[t._("Total"), str(rubric.total)]], widths=(12, 4))
    if rubric.source:
        draft.para(t._("Source of the rubric: {source}.").format(source=rubric.source))
    if rubric.placeholder:
        paragraph = draft.para(placeholder_note(t, rr), italic=True)
        for run in paragraph.runs:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    draft.heading("III.", t._("Conflicts of interest"), 1)
    dossiers = {d.entry_id: d for d in rr.round.dossiers}
    names = {m.officer_id: m.name for m in rr.round.members}
    recusals = sorted(rr.recusals, key=lambda r: (
        sort_key(names.get(r.officer_id, "")),
        sort_key(dossiers[r.entry_id].title) if r.entry_id in dossiers else ()))
    if recusals:
        draft.para(t._("Members recused from a dossier did not score it; they are left out of "
                       "its figures:"))
        draft.table(
            [t._("Member"), t._("Dossier"), t._("Reason"), t._("Declared or automatic")],
            [[names.get(r.officer_id, str(r.officer_id)),
              dossiers[r.entry_id].code if r.entry_id in dossiers else str(r.entry_id),
              reason(t, r), t.tr(AUTOMATIC if r.automatic else DECLARED)] for r in recusals],
            widths=(4, 3, 6.5, 2.5))
    else:
        draft.para(t._("No member was recused from a dossier."))

    draft.heading("IV.", t._("Results of the scoring"), 1)
    draft.table(
        [t._("Rank"), t._("Code"), t._("Title"), t._("Unit"), t._("Scorers"), t._("Mean"),
         t._("SD"), t._("Range"), t._("To discuss"), t._("Passed")],
        [["—" if r.rank is None else str(r.rank), r.dossier.code, r.dossier.title,
          unit_label(ref, r.dossier.unit, t.lang), f"{r.scorers}/{r.eligible}",
          one(t, r.mean), one(t, r.sd), spread(r), t._("Yes") if r.flagged else "",
          t._("Yes") if r.passed else t._("No")] for r in ranked(rr)],
        widths=(1.1, 2.3, 2.7, 2.1, 1.2, 1.3, 1.2, 1.4, 1.3, 1.4))
    _keep_together(draft.doc.tables[-1], size=Pt(11))
    _rules_paragraphs(draft, rr)
    flagged = [r for r in ranked(rr) if r.flagged]
    if flagged:
        draft.para(t._("Dossiers whose members' totals differ by more than {flag} points, to be "
                       "discussed by the council:").format(flag=rr.round.rules.flag_range))
        for r in flagged:
            draft.para(t._("{code} – {title}: totals from {low} to {high}.").format(
                code=r.dossier.code, title=r.dossier.title, low=r.low, high=r.high))
        draft.placeholder(t._("the council's discussion of these dossiers"))
    else:
        draft.para(t._("No dossier's totals differ by more than {flag} points.").format(
            flag=rr.round.rules.flag_range))
    short = [r for r in ranked(rr) if not r.quorum]
    if short:
        draft.para(t._("Dossiers not ranked for want of a quorum:"))
        for r in short:
            draft.para(t._("{code} – {title}: scored by {scorers} of the {eligible} members not "
                           "recused.").format(code=r.dossier.code, title=r.dossier.title,
                                              scorers=r.scorers, eligible=r.eligible))

    draft.heading("V.", t._("Conclusion"), 1)
    passed = sorted((r for r in rr.results if r.passed and r.rank is not None),
                    key=lambda r: r.rank)
    if passed:
        draft.para(t._("Dossiers at or above the pass mark, by rank, proposed for nomination to "
                       "the city's creative award:"))
        for r in passed:
            draft.para(t._("{rank}. {code} – {title} ({unit}): {mean} points.").format(
                rank=r.rank, code=r.dossier.code, title=r.dossier.title,
                unit=unit_label(ref, r.dossier.unit, t.lang), mean=one(t, r.mean)))
    else:
        draft.para(t._("No dossier reached the pass mark."))
    draft.placeholder(t._("the council's conclusion: the list proposed for nomination, as the "
                          "council approves it"))
    draft.placeholder(t._("the time the meeting ended, and that the minutes were read out and "
                          "approved"))
    _place_and_day(draft)
    chair = next((m for m in rr.round.members if m.chair), None)
    _signatures(draft, [(t._("SECRETARY"), None),
                        (t._("CHAIR OF THE COUNCIL"), chair.name if chair else None)])
    draft.save(path)
    return path


def write_council_documents(rr: RoundResult, out_dir: Path, t: Translator, ref,
                            now: datetime) -> list[Path]:
    """The workbook, one score sheet per member (Vietnamese order of names) and the minutes."""
    try:
        out_dir = writable_folder(out_dir, CANNOT_WRITE)
    except ReportError as error:
        raise CouncilDocumentsError(error.message, **error.values) from error
    stem = file_stem(f"{rr.round.council_id}-{rr.round.label}")
    suffix = "" if t.lang == "vi" else "-en"
    paths = [write_workbook(out_dir / f"diem-hoi-dong-{stem}{suffix}.xlsx", rr, t, ref)]
    for n, member in enumerate(members_in_order(rr), start=1):
        name = f"phieu-cham-{stem}-{n:02d}-{file_stem(member.name)}{suffix}.docx"
        paths.append(write_score_sheet(out_dir / name, rr, member, t, ref))
    paths.append(write_minutes(out_dir / f"bien-ban-{stem}{suffix}.docx", rr, t, ref, now))
    return paths


async def read_round(engine, ref, round_id: int) -> RoundResult:
    """The round's result from the council's service; CouncilDocumentsError when unknown."""
    try:
        async with engine.connect() as conn:
            result = await round_result(conn, ref, round_id)
    except CouncilError:  # no round has that number
        result = None
    if result is None:
        raise CouncilDocumentsError(NO_ROUND, round=round_id)
    return result


def check_closed(rr: RoundResult) -> None:
    if rr.round.status != "closed":
        raise CouncilDocumentsError(NOT_CLOSED, label=rr.round.label,
                                    council=rr.round.council_name)


async def build_council_documents(engine, settings, ref, *, round_id: int, out_dir: Path,
                                  lang: str = "vi", now: datetime) -> list[Path]:
    """Write the round's workbook, the members' score sheets and the minutes into `out_dir`
    (in that order). Raises CouncilDocumentsError for an unknown or open round, or a folder
    that cannot be written. `now`: when they are made (the minutes say so)."""
    t = Translator(settings.locales_dir, lang, settings.timezone)
    rr = await read_round(engine, ref, round_id)
    check_closed(rr)
    return await asyncio.to_thread(write_council_documents, rr, out_dir, t, ref, now)
