"""The yearly review report an office signs: a DOCX draft, its annex workbook and the charts,
built from a small world made by hand (six entries of 2026 in three wards, one award entry that
went all the way to "put into practice", an author who agreed to be named and one who did not,
two campaigns), opened again with python-docx and openpyxl, and every figure compared with the
counts worked out below by hand."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from PIL import Image
from sqlalchemy import insert

from bot.config import DATA_DIR
from bot.i18n import Translator
from bot.reference import Reference
from bot.reports import ReportError, build_report
from bot.reports import document as document_module
from bot.reports.annex import SHEETS, sheet_name
from bot.reports.document import PLACEHOLDER
from bot.services.stats import DEFINITIONS
from storage.db import create_engine, migrate
from storage.tables import campaigns, entries, history
from tests.conftest import ROOT, TEN_WARDS_ENV, with_settings

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
SECRET_PHONES = ("0901234567", "0987654321")
NOT_CONSENTED = "Lê Thị Kín Đáo"
CONTACT = "Trần Thị Liên Hệ"
CONSENTED = "Nguyễn Văn Đồng Ý"


def local(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ).astimezone(UTC)


# The steps each entry took after it was received: (status, local day).
AWARD_PATH = [("accepted", date(2026, 4, 6)), ("forwarded", date(2026, 4, 20)),
              ("shortlisted", date(2026, 6, 1)), ("nominated", date(2026, 7, 1)),
              ("awarded", date(2026, 9, 15)), ("applied", date(2026, 10, 20))]
WORLD = [
    # code, kind, unit, field, received, campaign, steps, show_name, authors, phone
    ("SK-26-0001", "idea", "ben-nghe", "economy", date(2026, 3, 10), "y-tuong-2026", [],
     False, None, SECRET_PHONES[0]),
    ("SK-26-0002", "idea", "ben-nghe", "culture-society", date(2026, 3, 20), "y-tuong-2026",
     [("accepted", date(2026, 3, 23))], True, None, None),
    ("SK-26-0003", "idea", "da-kao", "economy", date(2026, 5, 5), "y-tuong-2026",
     [("accepted", date(2026, 5, 6))], False, None, None),
    ("GT-26-0001", "award", "da-kao", "state-management", date(2026, 4, 2), "giai-thuong-2026",
     AWARD_PATH, True, CONSENTED, None),
    ("GT-26-0002", "award", "tan-dinh", "science-technology", date(2026, 6, 12),
     "giai-thuong-2026", [("accepted", date(2026, 6, 15)), ("forwarded", date(2026, 6, 30))],
     False, NOT_CONSENTED, SECRET_PHONES[1]),
    ("SK-26-0004", "idea", "tan-dinh", "economy", date(2026, 11, 2), None, [], False, None,
     None),
    # The year before: in no figure of 2026.
    ("SK-25-0009", "idea", "ben-nghe", "economy", date(2025, 12, 20), None, [], False, None,
     None),
]
CAMPAIGNS = [
    ("y-tuong-2026", "Ý tưởng sáng tạo vì cộng đồng 2026", "Creative ideas 2026",
     date(2026, 3, 1), date(2026, 6, 30)),
    ("giai-thuong-2026", "Đăng ký Giải thưởng Sáng tạo 2026", "Creative Award 2026",
     date(2026, 4, 1), date(2026, 8, 31)),
]

# What the world above gives, counted by hand.
BY_UNIT = {"Phường Bến Nghé": 2, "Phường Đa Kao": 2, "Phường Tân Định": 2}
TOTAL = 6
BY_MONTH = {3: 2, 4: 1, 5: 1, 6: 1, 11: 1}  # all wards together
FUNNEL = [6, 4, 2, 1, 1, 1, 1]  # received, taken, forwarded, shortlisted, nominated, ...
# within 30 days of opening (1/3: the entries of 10/3 and 20/3; 1/4: that of 2/4), in 2026
INTAKE = {"Ý tưởng sáng tạo vì cộng đồng 2026": (2, 3), "Đăng ký Giải thưởng Sáng tạo 2026": (1, 2)}
BY_FIELD = [("Khoa học và công nghệ", 1), ("Kinh tế", 3), ("Quản lý nhà nước", 1),
            ("Văn hóa - xã hội", 1)]  # in Vietnamese order
TARGETS = {"dossiers": 2, "applied": 1}  # since the plan's start (1/1/2026)
WARDS_VI_ORDER = ["Phường Bến Nghé", "Phường Bến Thành", "Phường Cầu Kho",
                  "Phường Cầu Ông Lãnh", "Phường Cô Giang", "Phường Đa Kao",
                  "Phường Nguyễn Cư Trinh", "Phường Nguyễn Thái Bình", "Phường Phạm Ngũ Lão",
                  "Phường Tân Định"]


async def make_world(engine) -> None:
    async with engine.begin() as conn:
        for slug, title_vi, title_en, opens, closes in CAMPAIGNS:
            await conn.execute(insert(campaigns).values(
                slug=slug, title_vi=title_vi, title_en=title_en, description_vi="…",
                description_en="…", kinds=["idea", "award"], fields=[], units=[], opens=opens,
                closes=closes, created_at=NOW - timedelta(days=400)))
        for (code, kind, unit, field, received, campaign, steps, show_name, authors,
             phone) in WORLD:
            status = steps[-1][0] if steps else "submitted"
            details = {"authors": authors} if authors else {}
            entry_id = (await conn.execute(insert(entries).values(
                code=code, kind=kind, unit=unit, campaign=campaign, field=field,
                title=f"Công trình {code}: Ưu tiên ứng dụng số", description="Mô tả đủ dài.",
                details=details, contact_name=CONTACT if phone else None, contact_phone=phone,
                show_name=show_name, status=status, lang="vi", created_at=local(received),
                updated_at=local(steps[-1][1] if steps else received),
                award_level="second" if status == "applied" else None,
            ).returning(entries.c.id))).scalar_one()
            rows = [{"entry_id": entry_id, "at": local(received), "role": "resident",
                     "from_status": None, "to_status": "submitted"}]
            before = "submitted"
            for to_status, day in steps:
                rows.append({"entry_id": entry_id, "at": local(day, 10), "role":
                             "ward_officer" if to_status == "accepted" else "district_officer",
                             "from_status": before, "to_status": to_status,
                             "actor_name": "Cán bộ"})
                before = to_status
            await conn.execute(insert(history), rows)


@pytest.fixture
async def report(settings, engine, tmp_path):
    await make_world(engine)
    stages = []
    paths = await build_report(engine, settings, Reference(settings), year=2026, final=False,
                               out_dir=tmp_path / "out", now=NOW,
                               progress=lambda stage, fraction: stages.append((stage, fraction)))
    return paths, stages, Translator(settings.locales_dir, "vi")


def tables_by_header(doc) -> dict[str, list[list[str]]]:
    """Each table's cells by its first header cell (the first table of each)."""
    tables: dict[str, list[list[str]]] = {}
    for table in doc.tables:
        tables.setdefault(table.rows[0].cells[0].text,
                          [[c.text for c in row.cells] for row in table.rows])
    return tables


def number(text: str) -> int:
    return int(text.replace(".", "").replace(",", ""))


async def test_office_gets_a_report_an_annex_and_charts_with_progress_told(report):
    paths, stages, _t = report
    suffixes = [p.suffix for p in paths]
    assert suffixes[:2] == [".docx", ".xlsx"]
    assert suffixes[2:] == [".png"] * 4  # units, months, funnel, targets
    assert all(p.stat().st_size > 0 for p in paths)
    fractions = [f for _stage, f in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(stages) >= 5
    for png in paths[2:]:
        with Image.open(png) as image:
            assert image.format == "PNG"
            assert 900 <= image.width <= 2500 and 250 <= image.height <= 2500


async def test_report_has_the_reviews_headings_numbered_as_offices_do(report):
    paths, _stages, t = report
    doc = Document(str(paths[0]))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Head")]
    level1 = [text for style, text in headings if style == "Heading 1"]
    assert [h.split(" ", 1)[0] for h in level1] == ["I.", "II.", "III.", "IV.", "V."]
    assert level1[0] == "I. " + t._("Situation").upper() == "I. ĐẶC ĐIỂM TÌNH HÌNH"
    # The six parts of the results, in order, under II.
    second = [text for style, text in headings if style == "Heading 2"]
    assert [h.split(" ", 1)[0] for h in second] == ["1.", "2.", "3.", "4.", "5.", "6."]
    # The assessment's a) b) c), after heading III.
    after_iii = [text for style, text in
                 headings[[t for _s, t in headings].index(level1[2]):] if style == "Heading 3"]
    assert [h.split(" ", 1)[0] for h in after_iii] == ["a)", "b)", "c)"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "BÁO CÁO" in text and "Sơ kết năm 2026" in text
    header = doc.tables[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header.cell(0, 1).text
    assert "Độc lập - Tự do - Hạnh phúc" in header.cell(0, 1).text
    assert header.cell(1, 1).text == "Thành phố Hồ Chí Minh, ngày 4 tháng 12 năm 2026"
    assert "UBND QUẬN 1" in header.cell(0, 0).text  # the issuing body, from the unit tree


async def test_report_is_in_times_new_roman_13_for_vietnamese_too(report):
    paths, _stages, _t = report
    doc = Document(str(paths[0]))
    for name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Table Grid"):
        style = doc.styles[name]
        fonts = style.element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == "Times New Roman", name
        assert fonts.get(qn("w:ascii")) == "Times New Roman", name
        assert fonts.get(qn("w:asciiTheme")) is None, name  # no theme font overriding it
        assert style.font.size.pt == 13, name
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    assert defaults.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia")) \
        == "Times New Roman"


async def test_report_tables_hold_the_figures_counted_by_hand(report):
    paths, _stages, t = report
    doc = Document(str(paths[0]))
    tables = tables_by_header(doc)
    units = tables[t._("Unit")]
    counted = {row[0]: number(row[1]) for row in units[1:-1]}
    assert {k: v for k, v in counted.items() if v} == BY_UNIT
    assert [row[0] for row in units[1:-1]] == WARDS_VI_ORDER  # Vietnamese order, "Đ" after "C"
    assert units[-1][0] == t._("Total") and number(units[-1][1]) == TOTAL
    funnel = tables[t._("Step")]
    assert [number(row[1]) for row in funnel[1:]] == FUNNEL
    assert funnel[2][2] == "66,7%"  # 4 of 6 taken up
    camps = tables[t._("Campaign")]
    assert {row[0]: (number(row[3]), number(row[4])) for row in camps[1:]} == INTAKE
    targets = tables[t._("Target")]
    assert [number(row[1]) for row in targets[1:]] == [TARGETS["dossiers"], TARGETS["applied"]]
    assert targets[1][2] == "15–20" and targets[2][2] == "5–10"
    works = tables[t._("Code")]
    assert len(works) == 2 and works[1][0] == "GT-26-0001"
    assert works[1][2] == CONSENTED and works[1][5] == "20/10/2026"
    fields = tables[t._("Field")]
    assert [(row[0], number(row[1])) for row in fields[1:-1]] == BY_FIELD
    text = "\n".join(p.text for p in doc.paragraphs)
    assert t._("Entries received in the period: {total}.").format(total=TOTAL) in text


async def test_report_marks_what_people_must_write_and_embeds_the_charts(report):
    paths, _stages, t = report
    doc = Document(str(paths[0]))
    marker = t.tr(PLACEHOLDER).split("{")[0]
    assert marker == "[Đơn vị bổ sung: "
    marked = [run for p in doc.paragraphs for run in p.runs if run.text.startswith(marker)]
    # situation, leadership, communication, exhibition, strengths, limits, lessons, tasks,
    # recommendations: nine places only people can write, each highlighted
    assert len(marked) >= 9
    assert all(run.font.highlight_color == WD_COLOR_INDEX.YELLOW for run in marked)
    assert len(doc.inline_shapes) == 4
    everything = "\n".join([p.text for p in doc.paragraphs] + [
        c.text for table in doc.tables for row in table.rows for c in row.cells])
    for secret in (*SECRET_PHONES, NOT_CONSENTED, CONTACT):
        assert secret not in everything


async def test_annex_workbook_is_ready_to_filter_in_vietnamese_order(report):
    paths, _stages, t = report
    book = openpyxl.load_workbook(paths[1])
    assert book.sheetnames == [sheet_name(t, key) for key in SHEETS]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert sheet.column_dimensions["A"].width > 5, sheet.title
    months = book[sheet_name(t, "months")]
    rows = list(months.iter_rows(values_only=True))
    assert rows[0][1] == "01/2026" and rows[0][12] == "12/2026"
    assert [r[0] for r in rows[1:-1]] == WARDS_VI_ORDER
    by_month = {m: rows[-1][m] for m in range(1, 13) if rows[-1][m]}
    assert by_month == BY_MONTH and rows[-1][13] == TOTAL
    assert {r[0]: r[13] for r in rows[1:-1] if r[13]} == BY_UNIT

    funnel = list(book[sheet_name(t, "funnel")].iter_rows(values_only=True))
    assert [r[2] for r in funnel[1:]] == FUNNEL and {r[0] for r in funnel[1:]} == {2026}

    dossiers = book[sheet_name(t, "dossiers")]
    rows = list(dossiers.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["GT-26-0001", "GT-26-0002"]
    assert rows[1][2] == CONSENTED and rows[2][2] == t._("Not named (no consent)")
    assert rows[1][5] == datetime(2026, 4, 2) and rows[1][6] == datetime(2026, 9, 15)
    assert rows[1][9] == datetime(2026, 10, 20) and rows[2][9] is None
    assert dossiers["F2"].number_format == "dd/mm/yyyy"

    works = list(book[sheet_name(t, "works")].iter_rows(values_only=True))
    assert [r[0] for r in works[1:]] == ["GT-26-0001"]
    camps = list(book[sheet_name(t, "campaigns")].iter_rows(values_only=True))
    # Vietnamese order: "Đ" right after "D", long before "Ý" (by code point "Ý" comes first)
    assert [r[0] for r in camps[1:]] == ["Đăng ký Giải thưởng Sáng tạo 2026",
                                         "Ý tưởng sáng tạo vì cộng đồng 2026"]
    assert {r[0]: (r[3], r[4]) for r in camps[1:]} == INTAKE
    performance = {r[0]: r[1] for r in
                   list(book[sheet_name(t, "performance")].iter_rows(values_only=True))[1:]}
    assert {k: v for k, v in performance.items() if v} == BY_UNIT


async def test_annex_names_no_one_without_consent_and_defines_every_counter(report):
    paths, _stages, t = report
    book = openpyxl.load_workbook(paths[1])
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for v in row if v is not None]
    for secret in (*SECRET_PHONES, NOT_CONSENTED, CONTACT):
        assert not any(secret in cell for cell in cells), secret
    definitions = list(book[sheet_name(t, "definitions")].iter_rows(values_only=True))[1:]
    assert {key for key, _text in definitions} == set(DEFINITIONS)
    assert all(text == t.tr(DEFINITIONS[key]) and text for key, text in definitions)


async def test_final_review_covers_every_year_of_the_plan(settings, engine, tmp_path):
    await make_world(engine)
    paths = await build_report(engine, settings, Reference(settings), year=2027, final=True,
                               out_dir=tmp_path, now=NOW)
    t = Translator(settings.locales_dir, "vi")
    doc = Document(str(paths[0]))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Tổng kết giai đoạn 2026–2030" in text
    by_year = [tb for tb in doc.tables if tb.rows[0].cells[-1].text == "2030"][0]
    assert [c.text for c in by_year.rows[0].cells][1:] == [str(y) for y in range(2026, 2031)]
    assert [number(row.cells[1].text) for row in by_year.rows[1:]] == FUNNEL
    assert all(number(row.cells[2].text) == 0 for row in by_year.rows[1:])  # 2027: nothing
    book = openpyxl.load_workbook(paths[1])
    months = list(book[sheet_name(t, "months")].iter_rows(values_only=True))
    assert months[0][1] == "01/2026" and months[0][60] == "12/2030" and months[-1][61] == TOTAL
    funnel = list(book[sheet_name(t, "funnel")].iter_rows(values_only=True))
    assert len(funnel) == 1 + 5 * 7


async def test_report_in_english_goes_through_the_catalogs(settings, engine, tmp_path):
    await make_world(engine)
    paths = await build_report(engine, settings, Reference(settings), year=2026, final=False,
                               out_dir=tmp_path, now=NOW, lang="en")
    doc = Document(str(paths[0]))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["I. SITUATION", "II. RESULTS", "III. OVERALL ASSESSMENT",
                        "IV. TASKS AHEAD", "V. RECOMMENDATIONS"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "[To be completed by the unit: " in text
    assert "Phường" not in "\n".join(c.text for tb in doc.tables[1:] for r in tb.rows
                                     for c in r.cells)  # unit names in English too
    assert "Ben Nghe Ward" in "\n".join(c.text for tb in doc.tables for r in tb.rows
                                        for c in r.cells)


async def test_a_year_outside_every_plan_is_refused_with_a_sentence(settings, engine, tmp_path):
    with pytest.raises(ReportError) as refused:
        await build_report(engine, settings, Reference(settings), year=2019, final=False,
                           out_dir=tmp_path / "out", now=NOW)
    t = Translator(settings.locales_dir, "vi")
    assert "2019" in refused.value.text(t) and "2021–2025" in refused.value.text(t)
    assert not (tmp_path / "out").exists()  # nothing written, not even the folder


def test_operator_writes_the_report_from_the_command_line(sqlite_url, tmp_path):
    # The world goes in through the same code as above, on the database the command reads.
    env = {**os.environ, **TEN_WARDS_ENV, "SANGKIEN_DATABASE_URL": sqlite_url}
    run = subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    _fill(sqlite_url)
    out = tmp_path / "bao-cao"
    run = subprocess.run([sys.executable, "-m", "bot", "report", "--year", "2026", "--out",
                          str(out)], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    printed = [Path(line) for line in run.stdout.split()]
    assert [p.suffix for p in printed] == [".docx", ".xlsx"] + [".png"] * 4
    assert all(p.parent == out and p.exists() for p in printed)
    tables = tables_by_header(Document(str(printed[0])))
    assert number(tables["Đơn vị"][-1][1]) == TOTAL

    blocked = tmp_path / "a-file"
    blocked.write_text("")
    run = subprocess.run([sys.executable, "-m", "bot", "report", "--year", "2026", "--out",
                          str(blocked / "sub")], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 2 and "Không ghi được báo cáo vào" in run.stderr
    run = subprocess.run([sys.executable, "-m", "bot", "report", "--year", "2040", "--out",
                          str(out), "--lang", "en"], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 2 and "No plan of the movement covers the year 2040" in run.stderr


async def _make_world_at(url: str) -> None:
    engine = create_engine(url)
    await make_world(engine)
    await engine.dispose()


def _fill(url: str) -> None:
    asyncio.run(_make_world_at(url))


async def test_city_without_districts_gets_a_report_of_zeros_before_any_entry(settings, tmp_path):
    # The 2025 map: the city and its wards, no district; nothing received yet.
    city = with_settings(settings, units_file=DATA_DIR / "units_2025.toml")
    engine = create_engine(city.database_url)
    await migrate(engine)
    try:
        paths = await build_report(engine, city, Reference(city), year=2026, final=False,
                                   out_dir=tmp_path / "out", now=NOW)
    finally:
        await engine.dispose()
    t = Translator(city.locales_dir, "vi")
    doc = Document(str(paths[0]))
    assert "SỞ NỘI VỤ" in doc.tables[0].cell(0, 0).text.upper()
    tables = tables_by_header(doc)
    assert number(tables[t._("Unit")][-1][1]) == 0
    assert [number(row[1]) for row in tables[t._("Step")][1:]] == [0] * 7
    text = "\n".join(p.text for p in doc.paragraphs)
    assert t._("Entries received in the period: {total}.").format(total=0) in text
    book = openpyxl.load_workbook(paths[1])
    assert book[sheet_name(t, "dossiers")].max_row == 1  # the header alone


async def test_past_the_works_a_report_lists_it_points_to_the_annex(settings, engine, tmp_path,
                                                                    monkeypatch):
    await make_world(engine)
    monkeypatch.setattr(document_module, "WORKS_IN_DOCUMENT", 0)  # as if there were many
    paths = await build_report(engine, settings, Reference(settings), year=2026, final=False,
                               out_dir=tmp_path, now=NOW)
    text = "\n".join(p.text for p in Document(str(paths[0])).paragraphs)
    assert "Dưới đây liệt kê 0 trên tổng số 1 công trình; danh sách đầy đủ ở phụ lục" in text
    book = openpyxl.load_workbook(paths[1], read_only=True)
    t = Translator(settings.locales_dir, "vi")
    works = list(book[sheet_name(t, "works")].iter_rows(values_only=True))
    assert len(works) == 2  # its header and the one work
