"""The documents of a closed council round, written from a RoundResult built here by hand: five
members (one the chair), four dossiers, two recusals (one declared, one automatic), a dossier
without quorum, a tie of means broken by a criterion, a dossier flagged for discussion and the
placeholder rubric. The workbook is opened again with openpyxl and every Word file with
python-docx, and what a council's secretary would check is compared with the figures worked
out below by hand.

The figures (points per criterion: novelty /30, effectiveness /30, applicability /20, impact
/20; totals out of 100):

  A "Ứng dụng số hóa hồ sơ" (ben-nghe): Dương Minh Anh, of ben-nghe, recused automatically.
      Bình 25+25+16+16=82, Cúc 24+26+15+15=80, Ánh 22+24+17+17=80, Đức 26+25+16+17=84
      mean 326/4 = 81.5; deviations 0.5 −1.5 −1.5 2.5, squares sum 11, SD √(11/4) = 1.658 → 1.7
  B "Bãi giữ xe thông minh" (da-kao): Lê Thị Ánh declared a relative, recused.
      Bình 28+28+18+18=92, Cúc 20+20+15+15=70, Anh 22+24+16+16=78, Đức 20+22+15+15=72
      mean 312/4 = 78.0; deviations 14 −8 0 −6, squares 296, SD √74 = 8.602 → 8.6;
      range 70–92 = 22 > 20: flagged; effectiveness mean (28+20+24+22)/4 = 23.5
  C "Đèn tiết kiệm điện" (ben-thanh): all five score 78 → mean 78.0, SD 0.0;
      effectiveness 25+25+26+24+25 = 125, mean 25.0 > 23.5: C ranks above B (the tie-break)
  D "Vườn rau trường học" (tan-dinh): only Bình 15+15+10+10=50 and Cúc 20+20+14+16=70 scored
      every criterion (Ánh gave two criteria of four: not counted);
      2 < 3 and 2 < ⌈2/3 × 5⌉ = 4: no quorum, not ranked; mean 60.0, SD 10.0
  Ranking: 1 A (81.5), 2 C (78.0, tie-break 25.0), 3 B (78.0, 23.5); all three pass (≥ 75).

Vietnamese order: the members Dương, Đặng, Lê, Nguyễn, Trần (code points would put Đặng last);
the dossiers by title Bãi, Đèn, Ứng, Vườn (code points: Bãi, Vườn, Đèn, Ứng).

The end-to-end test through bot.services.council.round_result (a round played in chat, then
the task) comes with the service's branch."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn

import handlers.commands  # noqa: F401  (registers the tasks of every handler module)
from bot.config import Settings
from bot.council_model import (
    Criterion,
    Dossier,
    DossierResult,
    Level,
    Member,
    Recusal,
    Round,
    RoundResult,
    RoundRules,
    Rubric,
    Score,
)
from bot.i18n import Translator
from bot.reference import Reference
from bot.reports import build_report
from bot.reports.annex import sheet_name
from bot.reports.council import (
    CouncilDocumentsError,
    check_closed,
    note,
    write_council_documents,
)
from bot.services import council as council_service
from bot.services.permissions import Actor
from bot.tasks import TASKS
from handlers.council_documents import may_have_documents
from tests.conftest import ROOT, TEN_WARDS
from tests.test_council import build_council, play_round

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
KEYS = ("novelty", "effectiveness", "applicability", "impact")

RUBRIC = Rubric(criteria=(
    Criterion("novelty", "Tính mới, tính sáng tạo", "Novelty", 30, (
        Level(0, 15, "Cải tiến nhỏ so với cách làm hiện có", "A small improvement"),
        Level(16, 30, "Giải pháp mới, chưa áp dụng ở nơi khác", "A new solution"))),
    Criterion("effectiveness", "Hiệu quả", "Effectiveness", 30),
    Criterion("applicability", "Khả năng áp dụng, nhân rộng", "Applicability and scope", 20),
    Criterion("impact", "Tác động xã hội", "Social impact", 20),
), placeholder=True, source="rubric-default.toml")

BINH = Member(1, "Trần Văn Bình", "quan-1", chair=True)
CUC = Member(2, "Đặng Thị Cúc", "quan-1")
ANH = Member(3, "Dương Minh Anh", "ben-nghe")
ANH_LE = Member(4, "Lê Thị Ánh", "da-kao")
DUC = Member(5, "Nguyễn Hữu Đức", "quan-1")
MEMBERS = (BINH, CUC, ANH, ANH_LE, DUC)

A = Dossier(101, "SK-26-0101", "Ứng dụng số hóa hồ sơ", "ben-nghe")
B = Dossier(102, "SK-26-0102", "Bãi giữ xe thông minh", "da-kao")
C = Dossier(103, "SK-26-0103", "Đèn tiết kiệm điện", "ben-thanh")
D = Dossier(104, "SK-26-0104", "Vườn rau trường học", "tan-dinh")

AUTOMATIC = Recusal(ANH.officer_id, A.entry_id, "same_unit", automatic=True)
DECLARED = Recusal(ANH_LE.officer_id, B.entry_id, "relative", automatic=False,
                   note="Em ruột của tác giả")

POINTS = {  # (member, dossier): points in the order of KEYS
    (BINH, A): (25, 25, 16, 16), (CUC, A): (24, 26, 15, 15), (ANH_LE, A): (22, 24, 17, 17),
    (DUC, A): (26, 25, 16, 17),
    (BINH, B): (28, 28, 18, 18), (CUC, B): (20, 20, 15, 15), (ANH, B): (22, 24, 16, 16),
    (DUC, B): (20, 22, 15, 15),
    (BINH, C): (20, 25, 16, 17), (CUC, C): (20, 25, 17, 16), (ANH, C): (19, 26, 16, 17),
    (ANH_LE, C): (21, 24, 17, 16), (DUC, C): (20, 25, 16, 17),
    (BINH, D): (15, 15, 10, 10), (CUC, D): (20, 20, 14, 16),
}
# Lê Thị Ánh began scoring D and stopped: a score that does not count (D keeps 2 scorers).
PARTIAL = {(ANH_LE, D): {"novelty": 18, "effectiveness": 20}}
COMMENTS = {(BINH, B): "Rất sáng tạo, đề nghị Hội đồng thảo luận",
            (CUC, B): "Cần bổ sung số liệu về hiệu quả"}
TOTALS = {  # worked out by hand from POINTS
    (BINH, A): 82, (CUC, A): 80, (ANH_LE, A): 80, (DUC, A): 84,
    (BINH, B): 92, (CUC, B): 70, (ANH, B): 78, (DUC, B): 72,
    (BINH, C): 78, (CUC, C): 78, (ANH, C): 78, (ANH_LE, C): 78, (DUC, C): 78,
    (BINH, D): 50, (CUC, D): 70,
}

RESULT_A = DossierResult(A, scorers=4, eligible=4, quorum=True, mean=81.5, sd=1.6583,
                         low=80, high=84, flagged=False, normalised=82.3,
                         criterion_means={"novelty": 24.25, "effectiveness": 25.0,
                                          "applicability": 16.0, "impact": 16.25},
                         passed=True, rank=1, tied=False, recused=(AUTOMATIC,))
RESULT_C = DossierResult(C, scorers=5, eligible=5, quorum=True, mean=78.0, sd=0.0,
                         low=78, high=78, flagged=False, normalised=78.4,
                         criterion_means={"novelty": 20.0, "effectiveness": 25.0,
                                          "applicability": 16.4, "impact": 16.6},
                         passed=True, rank=2, tied=True)
RESULT_B = DossierResult(B, scorers=4, eligible=4, quorum=True, mean=78.0, sd=8.6023,
                         low=70, high=92, flagged=True, normalised=77.1,
                         criterion_means={"novelty": 22.5, "effectiveness": 23.5,
                                          "applicability": 16.0, "impact": 16.0},
                         passed=True, rank=3, tied=True, recused=(DECLARED,))
RESULT_D = DossierResult(D, scorers=2, eligible=5, quorum=False, mean=60.0, sd=10.0,
                         low=50, high=70, flagged=False, normalised=None,
                         criterion_means={}, passed=False, rank=None, tied=False)

COUNCIL = "Hội đồng xét chọn Giải thưởng Sáng tạo Quận 1 năm 2026"


def round_result(status: str = "closed") -> RoundResult:
    the_round = Round(
        id=7, council_id=3, council_name=COUNCIL, unit="quan-1", label="2026", status=status,
        closes_on=date(2026, 11, 30), closed_at=datetime(2026, 11, 30, 10, tzinfo=UTC),
        rubric=RUBRIC, rules=RoundRules(tie_break="effectiveness"), members=MEMBERS,
        dossiers=(A, B, C, D))
    scores = tuple(
        Score(member.officer_id, dossier.entry_id, dict(zip(KEYS, points, strict=True)),
              comment=COMMENTS.get((member, dossier)))
        for (member, dossier), points in POINTS.items()) + tuple(
        Score(member.officer_id, dossier.entry_id, points)
        for (member, dossier), points in PARTIAL.items())
    return RoundResult(round=the_round, results=(RESULT_A, RESULT_C, RESULT_B, RESULT_D),
                       scores=scores, recusals=(AUTOMATIC, DECLARED), computed_at=NOW)


@pytest.fixture(scope="module")
def ref() -> Reference:
    return Reference(Settings(units_file=TEN_WARDS))


@pytest.fixture(scope="module")
def vi() -> Translator:
    return Translator(ROOT / "locales", "vi")


@pytest.fixture(scope="module")
def documents(tmp_path_factory, ref, vi) -> list[Path]:
    return write_council_documents(round_result(), tmp_path_factory.mktemp("council"), vi, ref,
                                   NOW)


def sheets(documents: list[Path]) -> dict[str, Path]:
    """Each member's score sheet, by name (the members' files carry no other name)."""
    found = {}
    for path in documents:
        if path.name.startswith("phieu-cham-"):
            text = "\n".join(p.text for p in Document(str(path)).paragraphs)
            owner = [m for m in MEMBERS if f"Thành viên Hội đồng: {m.name} (" in text]
            assert len(owner) == 1, path.name
            found[owner[0].name] = path
    return found


def all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def table_rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_hand_worked_figures_agree_with_the_scores():
    """The totals, means and SDs written above follow from the points (so the documents are
    checked against figures that are right)."""
    for key, points in POINTS.items():
        assert sum(points) == TOTALS[key]
    for result in (RESULT_A, RESULT_B, RESULT_C, RESULT_D):
        totals = [TOTALS[k] for k in TOTALS if k[1] == result.dossier]
        mean = sum(totals) / len(totals)
        assert (len(totals), mean) == (result.scorers, result.mean)
        sd = math.sqrt(sum((x - mean) ** 2 for x in totals) / len(totals))
        assert round(sd, 1) == round(result.sd, 1)
        assert (min(totals), max(totals)) == (result.low, result.high)
    assert round(RESULT_A.sd, 1) == 1.7 and round(RESULT_B.sd, 1) == 8.6


def test_one_workbook_a_sheet_per_member_and_the_minutes(documents):
    names = [p.name for p in documents]
    assert names[0].endswith(".xlsx") and names[-1].startswith("bien-ban-")
    assert len([n for n in names if n.startswith("phieu-cham-")]) == 5
    assert sorted(sheets(documents)) == sorted(m.name for m in MEMBERS)
    assert all(p.exists() and p.stat().st_size > 0 for p in documents)


def test_workbook_summary_is_the_ranking_with_its_figures(documents):
    book = openpyxl.load_workbook(documents[0])
    assert book.sheetnames == ["Tổng hợp", "Điểm chi tiết", "Tiêu chí", "Thành viên"]
    ws = book["Tổng hợp"]
    header = [c.value for c in ws[1]]
    assert header == ["Hạng", "Mã số", "Tiêu đề", "Đơn vị", "Số người chấm / được chấm",
                      "Điểm trung bình", "Độ lệch chuẩn", "Thấp nhất–cao nhất", "Đưa ra thảo luận",
                      "Điểm trung bình chuẩn hóa", "Đạt", "Ghi chú"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:L5"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [r[1] for r in rows] == [A.code, C.code, B.code, D.code]
    assert [r[0] for r in rows] == [1, 2, 3, None]
    assert [r[4] for r in rows] == ["4/4", "5/5", "4/4", "2/5"]
    assert [r[5] for r in rows] == [81.5, 78.0, 78.0, 60.0]
    assert [r[6] for r in rows] == [1.6583, 0.0, 8.6023, 10.0]
    assert [r[7] for r in rows] == ["80–84", "78–78", "70–92", "50–70"]
    assert [r[8] for r in rows] == [None, None, "Cần thảo luận", None]
    assert [r[9] for r in rows] == [82.3, 78.4, 77.1, None]
    assert [r[10] for r in rows] == ["Có", "Có", "Có", "Không"]
    assert rows[0][3] == "Phường Bến Nghé" and rows[1][3] == "Phường Bến Thành"
    # The figures show one decimal.
    for row in ws.iter_rows(min_row=2, max_row=4):
        for cell in (row[5], row[6], row[9]):
            assert cell.number_format == "0.0"
    assert rows[0][11] is None
    assert rows[1][11] == ("Bằng điểm trung bình với SK-26-0102; phân hạng theo tiêu chí "
                           "“Hiệu quả” (điểm trung bình tiêu chí: 25,0)")
    assert rows[2][11] == ("Bằng điểm trung bình với SK-26-0103; phân hạng theo tiêu chí "
                           "“Hiệu quả” (điểm trung bình tiêu chí: 23,5)")
    assert rows[3][11] == "Không xếp hạng: số thành viên chấm chưa đủ theo quy định (2/5)"


def test_workbook_details_every_point_and_marks_the_recusals(documents):
    ws = openpyxl.load_workbook(documents[0])["Điểm chi tiết"]
    header = [c.value for c in ws[1]]
    assert header == ["Thành viên", "Mã số", "Tiêu đề", "Tính mới, tính sáng tạo (tối đa 30)",
                      "Hiệu quả (tối đa 30)", "Khả năng áp dụng, nhân rộng (tối đa 20)",
                      "Tác động xã hội (tối đa 20)", "Tổng điểm (tối đa 100)", "Nhận xét"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:I21"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert len(rows) == 5 * 4
    # Members in Vietnamese order, and each member's dossiers by title in Vietnamese order.
    members_order = ["Dương Minh Anh", "Đặng Thị Cúc", "Lê Thị Ánh", "Nguyễn Hữu Đức",
                     "Trần Văn Bình"]
    assert [rows[n][0] for n in range(0, 20, 4)] == members_order
    assert [r[2] for r in rows[:4]] == ["Bãi giữ xe thông minh", "Đèn tiết kiệm điện",
                                        "Ứng dụng số hóa hồ sơ", "Vườn rau trường học"]
    by_name = {m.name: m for m in MEMBERS}
    by_code = {d.code: d for d in (A, B, C, D)}
    seen = set()
    for row in rows:
        key = (by_name[row[0]], by_code[row[1]])
        if key in POINTS:
            assert tuple(row[3:7]) == POINTS[key]
            assert row[7] == TOTALS[key]
            assert row[8] == COMMENTS.get(key)
            seen.add(key)
    assert seen == set(POINTS)
    marked = {(r[0], r[1]): r[3] for r in rows if isinstance(r[3], str)}
    assert marked[("Dương Minh Anh", A.code)] == (
        "Không chấm (đơn vị của thành viên là đơn vị nộp hồ sơ)")
    assert marked[("Lê Thị Ánh", B.code)] == (
        "Không chấm (thành viên là người thân của tác giả; ghi chú: Em ruột của tác giả)")
    assert marked[("Dương Minh Anh", D.code)] == "Chưa chấm"
    assert marked[("Nguyễn Hữu Đức", D.code)] == "Chưa chấm"
    assert len(marked) == 2 + 2  # two recusals; Anh and Đức did not score D
    partial = next(r for r in rows if (r[0], r[1]) == ("Lê Thị Ánh", D.code))
    assert partial[3:9] == [18, 20, None, None, "Chưa chấm đủ các tiêu chí", None]
    merged = {str(r) for r in ws.merged_cells.ranges}
    recused_row = next(n for n, r in enumerate(rows, start=2)
                       if (r[0], r[1]) == ("Lê Thị Ánh", B.code))
    assert f"D{recused_row}:H{recused_row}" in merged


def test_workbook_rubric_and_members_with_their_recusals(documents):
    book = openpyxl.load_workbook(documents[0])
    ws = book["Tiêu chí"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:D")
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert rows[0] == ["Tính mới, tính sáng tạo", 30, "0–15",
                       "Cải tiến nhỏ so với cách làm hiện có"]
    assert rows[1] == ["Tính mới, tính sáng tạo", 30, "16–30",
                       "Giải pháp mới, chưa áp dụng ở nơi khác"]
    assert [r[:2] for r in rows[2:5]] == [["Hiệu quả", 30], ["Khả năng áp dụng, nhân rộng", 20],
                                          ["Tác động xã hội", 20]]
    assert rows[5][:2] == ["Tổng cộng", 100]
    texts = [v for r in rows for v in r if isinstance(v, str)]
    assert any(v.startswith("Bộ tiêu chí này là bộ tạm thời") for v in texts)

    ws = book["Thành viên"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:H6"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == ["Dương Minh Anh", "Đặng Thị Cúc", "Lê Thị Ánh",
                                    "Nguyễn Hữu Đức", "Trần Văn Bình"]
    assert [r[2] for r in rows] == [None, None, None, None, "Có"]
    assert rows[0][1] == "Phường Bến Nghé"
    assert rows[0][3:] == [A.code, A.title, "Tự động", "đơn vị của thành viên là đơn vị nộp hồ sơ",
                           None]
    assert rows[2][3:] == [B.code, B.title, "Tự khai", "thành viên là người thân của tác giả",
                           "Em ruột của tác giả"]
    assert all(r[3] is None for r in (rows[1], rows[3], rows[4]))


def test_score_sheet_holds_the_members_points_and_nobody_elses(documents):
    for name, path in sheets(documents).items():
        member = next(m for m in MEMBERS if m.name == name)
        doc = Document(str(path))
        text = all_text(doc)
        # One table per dossier the member scored, in Vietnamese order of titles.
        mine = [d for d in (B, C, A, D) if (member, d) in POINTS]
        score_tables = [t for t in doc.tables if t.rows[0].cells[0].text == "Tiêu chí"]
        partial = [d for d in (B, C, A, D) if (member, d) in PARTIAL]
        assert len(score_tables) == len(mine) + len(partial), name
        for table, dossier in zip(score_tables, mine, strict=False):
            rows = table_rows(table)
            assert rows[0] == ["Tiêu chí", "Điểm tối đa", "Điểm chấm"]
            assert [r[1] for r in rows[1:]] == ["30", "30", "20", "20", "100"]
            assert [int(r[2]) for r in rows[1:5]] == list(POINTS[(member, dossier)])
            assert rows[5][0] == "Tổng cộng" and int(rows[5][2]) == TOTALS[(member, dossier)]
        if member == ANH_LE:  # the partial score of D: its points, no total
            rows = table_rows(score_tables[-1])
            assert [r[2] for r in rows[1:]] == ["18", "20", "", "", "—"]
            assert ("Chưa chấm đủ các tiêu chí: điểm này không được tính vào kết quả của hồ sơ."
                    in text)
        # Other members' comments never appear on this sheet.
        for (author, _dossier), comment in COMMENTS.items():
            assert (comment in text) == (author == member), (name, comment)
        assert "PHIẾU CHẤM ĐIỂM" in text
        assert "Đợt 2026 – " + COUNCIL in text
        assert "Thành phố Hồ Chí Minh, ngày … tháng … năm …" in text
        assert "Bộ tiêu chí này là bộ tạm thời" in text


def test_a_recused_member_reads_why_on_their_sheet(documents):
    found = sheets(documents)
    anh = all_text(Document(str(found["Dương Minh Anh"])))
    assert ("Không chấm do đơn vị của thành viên là đơn vị nộp hồ sơ." in anh)
    assert "3. Hồ sơ SK-26-0101: Ứng dụng số hóa hồ sơ (Phường Bến Nghé)" in anh
    anh_le = all_text(Document(str(found["Lê Thị Ánh"])))
    assert ("Không chấm do thành viên là người thân của tác giả; ghi chú: Em ruột của tác giả."
            in anh_le)
    binh = all_text(Document(str(found["Trần Văn Bình"])))
    assert "Không chấm do" not in binh
    assert "Rất sáng tạo, đề nghị Hội đồng thảo luận" in binh


def test_score_sheet_has_the_header_signature_block_and_fonts(documents):
    doc = Document(str(sheets(documents)["Đặng Thị Cúc"]))
    header = table_rows(doc.tables[0])[0]
    assert header[0].split("\n") == ["UBND QUẬN 1 (PHÒNG NỘI VỤ)", COUNCIL.upper()]
    assert COUNCIL.upper().startswith("HỘI ĐỒNG XÉT CHỌN")
    assert header[1].split("\n") == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                     "Độc lập - Tự do - Hạnh phúc"]
    signature = [line for line in table_rows(doc.tables[-1])[0][1].split("\n") if line]
    assert signature == ["Thành viên Hội đồng", "(Ký, ghi rõ họ tên)", "Đặng Thị Cúc"]
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    fonts = defaults.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert {fonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "eastAsia", "cs")} == {
        "Times New Roman"}
    normal = doc.styles["Normal"]
    assert normal.font.size.pt == 13
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "Times New Roman"


def test_minutes_list_the_recusals_the_ranking_and_what_to_discuss(documents):
    doc = Document(str(documents[-1]))
    text = all_text(doc)
    assert "BIÊN BẢN HỌP HỘI ĐỒNG XÉT CHỌN" in text
    assert "Số: …/BB-HĐXC" in text
    tables = [table_rows(t) for t in doc.tables]
    members = next(t for t in tables if t[0][:2] == ["STT", "Thành viên"])
    assert [r[1] for r in members[1:]] == ["Dương Minh Anh", "Đặng Thị Cúc", "Lê Thị Ánh",
                                           "Nguyễn Hữu Đức", "Trần Văn Bình"]
    assert members[5][3] == "Chủ tịch"
    recusals = next(t for t in tables if t[0][0] == "Thành viên" and t[0][1] == "Hồ sơ")
    assert recusals[1:] == [
        ["Dương Minh Anh", A.code, "đơn vị của thành viên là đơn vị nộp hồ sơ", "Tự động"],
        ["Lê Thị Ánh", B.code, "thành viên là người thân của tác giả; ghi chú: Em ruột của tác giả",
         "Tự khai"],
    ]
    results = next(t for t in tables if t[0][0] == "Hạng")
    assert results[0] == ["Hạng", "Mã số", "Tiêu đề", "Đơn vị", "Số người chấm",
                          "Điểm trung bình", "Độ lệch chuẩn", "Khoảng điểm", "Thảo luận", "Đạt"]
    assert results[1:] == [
        ["1", A.code, A.title, "Phường Bến Nghé", "4/4", "81,5", "1,7", "80–84", "", "Có"],
        ["2", C.code, C.title, "Phường Bến Thành", "5/5", "78,0", "0,0", "78–78", "", "Có"],
        ["3", B.code, B.title, "Phường Đa Kao", "4/4", "78,0", "8,6", "70–92", "Có", "Có"],
        ["—", D.code, D.title, "Phường Tân Định", "2/5", "60,0", "10,0", "50–70", "", "Không"],
    ]
    assert "ít nhất 3 thành viên, hoặc 66,7% số thành viên" in text
    assert "Điểm chuẩn: 75,0 điểm" in text
    assert ("Các hồ sơ bằng điểm trung bình được xếp theo điểm trung bình của tiêu chí "
            "“Hiệu quả”, cao hơn xếp trước.") in text
    assert ("SK-26-0102 – Bãi giữ xe thông minh: tổng điểm từ 70 đến 92.") in text
    assert ("SK-26-0104 – Vườn rau trường học: 2/5 thành viên được chấm đã chấm điểm.") in text
    proposed = [p.text for p in doc.paragraphs if p.text[:3] in ("1. ", "2. ", "3. ")]
    assert proposed == [
        "1. SK-26-0101 – Ứng dụng số hóa hồ sơ (Phường Bến Nghé): 81,5 điểm.",
        "2. SK-26-0103 – Đèn tiết kiệm điện (Phường Bến Thành): 78,0 điểm.",
        "3. SK-26-0102 – Bãi giữ xe thông minh (Phường Đa Kao): 78,0 điểm.",
    ]
    signatures = [line for line in table_rows(doc.tables[-1])[0][0].split("\n") if line]
    assert signatures[:2] == ["THƯ KÝ", "(Ký, ghi rõ họ tên)"]
    chair = [line for line in table_rows(doc.tables[-1])[0][1].split("\n") if line]
    assert chair == ["CHỦ TỊCH HỘI ĐỒNG", "(Ký, ghi rõ họ tên)", "Trần Văn Bình"]


def test_minutes_placeholders_are_highlighted_for_the_council(documents):
    doc = Document(str(documents[-1]))
    highlighted = [run.text for p in doc.paragraphs for run in p.runs
                   if run.font.highlight_color == WD_COLOR_INDEX.YELLOW]
    for what in ("thời gian họp", "địa điểm họp",
                 "thành viên có mặt, vắng mặt (xác nhận thành phần tham dự)",
                 "ý kiến thảo luận của Hội đồng về các hồ sơ này",
                 "kết luận của Hội đồng: danh sách đề xuất đề cử do Hội đồng thông qua"):
        assert f"[Hội đồng bổ sung: {what}]" in highlighted, what
    assert any(text.startswith("Bộ tiêu chí này là bộ tạm thời") for text in highlighted)
    time_line = next(p for p in doc.paragraphs if p.text.startswith("Thời gian:"))
    assert time_line.runs[0].font.highlight_color is None
    assert time_line.runs[-1].font.highlight_color == WD_COLOR_INDEX.YELLOW


def test_documents_in_english_for_an_english_speaking_officer(tmp_path, ref):
    en = Translator(ROOT / "locales", "en")
    paths = write_council_documents(round_result(), tmp_path, en, ref, NOW)
    assert openpyxl.load_workbook(paths[0]).sheetnames == [
        "Summary", "Detailed scores", "Criteria", "Members"]
    text = all_text(Document(str(paths[-1])))
    assert "MINUTES OF THE MEETING OF THE SELECTION COUNCIL" in text
    assert "81.5" in text and "Not ranked" not in text
    assert all(p.name.endswith(("-en.xlsx", "-en.docx")) for p in paths)


def test_a_tie_the_criterion_cannot_break_is_said_to_go_by_code(vi):
    """Had B's effectiveness mean been C's too (25.0), the service orders them by code: the
    note says so rather than naming the criterion as the reason."""
    rr = round_result()
    even_b = replace(RESULT_B, criterion_means={**RESULT_B.criterion_means,
                                                "effectiveness": 25.0})
    rr = replace(rr, results=(RESULT_A, RESULT_C, even_b, RESULT_D))
    assert note(vi, rr, even_b) == (
        "Bằng điểm trung bình với SK-26-0103 và bằng điểm trung bình tiêu chí “Hiệu quả” "
        "(25,0): xếp theo mã số")
    assert note(vi, rr, RESULT_A) == ""


def test_an_open_round_has_no_documents_and_says_so(vi):
    with pytest.raises(CouncilDocumentsError) as raised:
        check_closed(round_result("open"))
    assert raised.value.text(vi) == (
        "Đợt 2026 của " + COUNCIL + " chưa kết thúc: tài liệu có điểm chấm chỉ được lập sau khi "
        "đợt chấm đã kết thúc.")
    check_closed(round_result("closed"))


def test_who_may_have_the_documents(ref):
    the_round = round_result().round
    chair = Actor(user_id=10, role="ward_officer", unit="ben-nghe", officer_id=BINH.officer_id)
    member = Actor(user_id=11, role="district_officer", unit="ben-nghe",
                   officer_id=CUC.officer_id)
    district = Actor(user_id=12, role="district_officer", unit="quan-1", officer_id=40)
    city = Actor(user_id=13, role="district_officer", unit="so-noi-vu", officer_id=41)
    ward = Actor(user_id=14, role="ward_officer", unit="quan-1", officer_id=42)
    communications = Actor(user_id=15, role="communications", unit="quan-1", officer_id=43)
    admin = Actor(user_id=16, role="admin", officer_id=44)
    resident = Actor(user_id=17, role="resident")
    allowed = {name: may_have_documents(ref, actor, the_round) for name, actor in {
        "chair": chair, "member": member, "district": district, "city": city, "ward": ward,
        "communications": communications, "admin": admin, "resident": resident}.items()}
    assert allowed == {"chair": True, "member": False, "district": True, "city": True,
                       "ward": False, "communications": False, "admin": True,
                       "resident": False}


def test_the_task_kind_is_registered():
    assert "council_documents" in TASKS


async def test_the_yearly_annex_lists_the_rounds_closed_that_year(dispatcher, settings,
                                                                 tmp_path):
    actors, entries, _, round_id = await build_council(dispatcher)
    await play_round(dispatcher, actors, entries, round_id)
    async with dispatcher.engine.begin() as conn:
        await council_service.close(conn, round_id, by="Phòng Nội vụ", now=dispatcher.clock())
    paths = await build_report(dispatcher.engine, settings, dispatcher.ref, year=2026,
                               final=False, out_dir=tmp_path, now=dispatcher.clock())
    [workbook] = [p for p in paths if p.suffix == ".xlsx"]
    book = openpyxl.load_workbook(workbook, read_only=True)
    t = dispatcher.translator("vi")
    rows = list(book[sheet_name(t, "councils")].iter_rows(values_only=True))
    assert rows[0][:3] == ("Đợt", "Hội đồng", "Hạng")
    # As in the round's own figures: C 82.5, then B and A at 78 (the tie broken by
    # effectiveness), then D without quorum (no rank).
    assert [(r[2], r[4], r[7]) for r in rows[1:]] == [
        (1, "Vườn rau trên sân thượng", 82.5), (2, "Chợ không tiền mặt", 78.0),
        (3, "Đèn đường thông minh", 78.0), (None, "Bản đồ chỗ đỗ xe", 36.0)]
    assert all(r[0] == "2026" and r[1] == "Hội đồng xét chọn Quận 1" for r in rows[1:])
