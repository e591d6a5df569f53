"""Open data: `sangkien export` writes the entries without personal data (no phone, no contact, no
chat id; names, titles and descriptions only where the author agreed), in a file Excel opens with
its accents, with the fields the office chose."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.cli import main
from bot.codes import make_code
from bot.reference import Reference
from bot.services import opendata
from bot.services.opendata import ExportError, Filters
from storage import entries as entry_repo
from storage import users as user_repo
from tests.conftest import TEN_WARDS_ENV, Resident

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CHAT_ID = "88001122"
DISPLAY_NAME = "Bảy Zalo Nick"
PHONES = ("0903123456", "0912345678", "0987000111")
SECRET_NAMES = ("Trần Văn Bảy", "Phạm Đồng Đức", DISPLAY_NAME)
SECRET_TITLE = "Ý tưởng riêng của ông Bảy ở hẻm 42"
SECRET_TEXT = "Nhà tôi ở số 42 hẻm Đồng Khởi, gọi tôi sau 18 giờ."


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=HCM)


async def put_entry(conn, seq: int, *, steps: list[tuple[str, datetime]], kind: str = "idea",
                    unit: str = "ben-nghe", field: str = "digital-smart-city",
                    title: str = "Tiêu đề", description: str = "Mô tả của hồ sơ.",
                    contact_name: str | None = None, phone: str | None = None,
                    show_name: bool = False, details: dict | None = None,
                    award_level: str | None = None, user_id: int | None = None,
                    campaign: str | None = "phong-trao-2026-2030") -> str:
    """One hand-built entry: sent at the first step's time, then moved through the others (each
    a history row, as the workflow writes them); returns its tracking code."""
    first, sent = steps[0]
    code = make_code(kind, sent.year, seq)
    entry_id = await entry_repo.insert_submitted(conn, {
        "code": code, "kind": kind, "user_id": user_id, "unit": unit, "campaign": campaign,
        "field": field, "title": title, "description": description, "details": details or {},
        "contact_name": contact_name, "contact_phone": phone, "show_name": show_name,
        "status": first, "lang": "vi", "created_at": sent, "updated_at": sent,
        "queue_since": sent, "due_at": None, "paused_at": None,
    }, actor_id=user_id, role="resident")
    previous = first
    for status, at in steps[1:]:
        extra = {"award_level": award_level} if status == "awarded" else {}
        assert await entry_repo.change_status(conn, entry_id, [previous], status, at, **extra)
        await entry_repo.insert_history(conn, entry_id, at=at, actor_id=None,
                                        role="district_officer", from_status=previous,
                                        to_status=status, actor_name="Phòng Nội vụ")
        previous = status
    return code


async def build_world(dispatcher) -> dict[str, str]:
    """Seven entries of a resident whose chat id and display name must never appear."""
    person = Resident(dispatcher, user=CHAT_ID, name=DISPLAY_NAME)
    await person.consent()
    async with dispatcher.engine.begin() as conn:
        user = await user_repo.load_user(conn, "console", CHAT_ID)
        me = user["id"]
        codes = {
            # Consented: name and title public.
            "lan": await put_entry(conn, 1, steps=[("submitted", local(2026, 3, 2, 9))],
                                   title="Đèn đường tiết kiệm điện ở phố Đồng Khởi",
                                   contact_name="Nguyễn Thị Lan", phone=PHONES[0],
                                   show_name=True, user_id=me),
            # Not consented: neither name nor title nor description.
            "bay": await put_entry(conn, 2, steps=[("submitted", local(2026, 4, 10, 8)),
                                                   ("accepted", local(2026, 4, 11, 8))],
                                   unit="ben-thanh", title=SECRET_TITLE,
                                   description=SECRET_TEXT, contact_name="Trần Văn Bảy",
                                   phone=PHONES[1], user_id=me),
            # An award entry awarded, then put into practice; its co-author was never asked.
            "anh": await put_entry(
                conn, 3, kind="award", field="state-management",
                steps=[("submitted", local(2026, 1, 5, 10)), ("accepted", local(2026, 1, 6, 9)),
                       ("forwarded", local(2026, 1, 7, 9)), ("shortlisted", local(2026, 2, 1, 9)),
                       ("nominated", local(2026, 3, 1, 9)), ("awarded", local(2026, 6, 1, 9)),
                       ("applied", local(2026, 9, 15, 9))],
                title="Ứng dụng số hoá hồ sơ một cửa", contact_name="Lê Hoàng Ánh",
                phone=PHONES[2], show_name=True, award_level="first", user_id=me,
                details={"entry_type": "solution", "authors": "Lê Hoàng Ánh, Phạm Đồng Đức",
                         "applied_where": "UBND phường, liên hệ 0987000111"}),
            "withdrawn": await put_entry(conn, 4, steps=[("submitted", local(2026, 5, 1, 9)),
                                                         ("withdrawn", local(2026, 5, 2, 9))],
                                         title="Hồ sơ đã rút", contact_name="Võ Thị Rút",
                                         show_name=True, user_id=me),
            "duplicate": await put_entry(conn, 5, steps=[("submitted", local(2026, 5, 3, 9)),
                                                         ("duplicate", local(2026, 5, 4, 14))],
                                         title="Hồ sơ trùng lặp", user_id=me),
            # The last evening of 2025 and the first hour of 2026, local time (UTC: both 2025).
            "eve": await put_entry(conn, 6, steps=[("submitted", local(2025, 12, 31, 23, 30))],
                                   title="Ý tưởng đêm giao thừa", show_name=True,
                                   contact_name="Đỗ Minh Giao", unit="ben-thanh"),
            "newyear": await put_entry(conn, 7, steps=[("submitted", local(2026, 1, 1, 0, 30)),
                                                       ("rejected", local(2026, 1, 2, 10))],
                                       title="Ý tưởng năm mới", unit="da-kao"),
        }
    return codes


@pytest.fixture
async def world(dispatcher):
    return await build_world(dispatcher)


async def run_export(dispatcher, fmt: str, *, fields=None, header: str = "labels",
                     lang: str = "vi", **filters) -> tuple[int, bytes]:
    out = io.BytesIO()
    count = await opendata.export(dispatcher.engine, Reference(dispatcher.settings), fmt=fmt,
                                  fields=fields, filters=Filters(**filters), out=out,
                                  lang=lang, header=header)
    return count, out.getvalue()


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes) -> tuple[openpyxl.worksheet.worksheet.Worksheet, list[tuple]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return sheet, list(sheet.iter_rows(values_only=True))


async def test_csv_starts_with_a_byte_order_mark_and_keeps_the_accents(dispatcher, world):
    count, data = await run_export(dispatcher, "csv", fields=["code", "unit_name", "title",
                                                              "author"])
    assert data.startswith(b"\xef\xbb\xbf")  # what makes Excel read UTF-8
    rows = read_csv(data)
    assert rows[0] == ["Mã hồ sơ", "Đơn vị", "Tiêu đề (hiển thị khi được đồng ý)",
                       "Tác giả (nêu tên khi được đồng ý)"]
    assert count == len(rows) - 1 == 5  # 7 entries less the withdrawn and the duplicate
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code[world["lan"]] == [world["lan"], "Phường Bến Nghé",
                                     "Đèn đường tiết kiệm điện ở phố Đồng Khởi", "Nguyễn Thị Lan"]
    assert by_code[world["anh"]][2:] == ["Ứng dụng số hoá hồ sơ một cửa", "Lê Hoàng Ánh"]
    assert by_code[world["bay"]] == [world["bay"], "Phường Bến Thành", "", ""]


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xlsx"])
async def test_no_phone_contact_chat_id_or_unconsented_name_in_any_format(dispatcher, world,
                                                                          fmt):
    _, data = await run_export(dispatcher, fmt, fields=list(opendata.FIELDS),
                               include=frozenset({"withdrawn", "duplicate"}))
    if fmt == "xlsx":
        _, rows = xlsx_rows(data)
        text = "\n".join(str(cell) for row in rows for cell in row if cell is not None)
    else:
        text = data.decode("utf-8-sig")
    assert "Nguyễn Thị Lan" in text and "Lê Hoàng Ánh" in text  # they agreed to be named
    for secret in (*PHONES, "0903 123 456", CHAT_ID, *SECRET_NAMES, SECRET_TITLE, SECRET_TEXT,
                   "liên hệ"):
        assert secret not in text, secret


async def test_json_keys_are_only_the_chosen_fields_with_iso_dates(dispatcher, world):
    fields = ["code", "status", "received", "decided", "applied_on", "in_practice", "author"]
    count, data = await run_export(dispatcher, "json", fields=fields)
    items = json.loads(data)
    assert count == len(items) == 5
    assert all(list(item) == fields for item in items)
    anh = next(i for i in items if i["code"] == world["anh"])
    assert anh == {"code": world["anh"], "status": "applied", "received": "2026-01-05",
                   "decided": "2026-06-01", "applied_on": "2026-09-15", "in_practice": True,
                   "author": "Lê Hoàng Ánh"}
    newyear = next(i for i in items if i["code"] == world["newyear"])
    assert (newyear["decided"], newyear["in_practice"], newyear["author"]) == \
        ("2026-01-02", False, None)


async def test_json_lines_are_one_object_a_line(dispatcher, world):
    count, data = await run_export(dispatcher, "jsonl", fields=["code", "kind"])
    lines = data.decode("utf-8").splitlines()
    assert count == len(lines) == 5
    assert [json.loads(line)["code"] for line in lines] == [
        world[k] for k in ("lan", "bay", "anh", "eve", "newyear")]  # in the order of receipt


async def test_withdrawn_and_duplicate_entries_are_left_out_unless_asked(dispatcher, world):
    _, default = await run_export(dispatcher, "csv", fields=["code", "status"])
    statuses = {r[0]: r[1] for r in read_csv(default)[1:]}
    assert world["withdrawn"] not in statuses and world["duplicate"] not in statuses
    _, withdrawn = await run_export(dispatcher, "csv", fields=["code", "status"],
                                    include=frozenset({"withdrawn"}))
    codes = [r[0] for r in read_csv(withdrawn)[1:]]
    assert world["withdrawn"] in codes and world["duplicate"] not in codes
    count, both = await run_export(dispatcher, "csv", fields=["code", "status"],
                                   include=frozenset({"withdrawn", "duplicate"}))
    assert count == 7


async def test_the_year_is_counted_in_local_time(dispatcher, world):
    _, data = await run_export(dispatcher, "csv", fields=["code", "received"], year=2026)
    rows = read_csv(data)[1:]
    received = {code: day for code, day in rows}
    assert world["eve"] not in received  # 23:30 on 31/12/2025 in Ho Chi Minh City
    assert received[world["newyear"]] == "2026-01-01"  # 00:30 local, still 2025 in UTC
    _, spring = await run_export(dispatcher, "csv", fields=["code"],
                                 start=datetime(2026, 3, 1).date(),
                                 end=datetime(2026, 4, 10).date())
    assert [r[0] for r in read_csv(spring)[1:]] == [world["lan"], world["bay"]]


async def test_a_unit_brings_its_own_entries_and_those_of_the_units_below(dispatcher, world):
    _, ward = await run_export(dispatcher, "csv", fields=["code"], unit="ben-thanh")
    assert [r[0] for r in read_csv(ward)[1:]] == [world["bay"], world["eve"]]
    count, district = await run_export(dispatcher, "csv", fields=["code"], unit="quan-1")
    assert count == 5


async def test_machine_names_as_header_and_english_labels(dispatcher, world):
    _, names = await run_export(dispatcher, "csv", fields=["code", "kind_name", "status_name"],
                                header="names")
    rows = read_csv(names)
    assert rows[0] == ["code", "kind_name", "status_name"]
    assert [world["anh"], "Hồ sơ Giải thưởng Sáng tạo",
            "Đạt giải và đã được áp dụng vào thực tiễn"] in rows
    _, english = await run_export(dispatcher, "csv", fields=["code", "kind_name", "in_practice"],
                                  lang="en")
    rows = read_csv(english)
    assert rows[0] == ["Tracking code", "Kind of entry", "Put into practice"]
    assert [world["anh"], "Creative Award entry", "Yes"] in rows
    assert [world["lan"], "Creative idea", "No"] in rows


async def test_xlsx_opens_with_a_frozen_header_a_filter_and_excel_dates(dispatcher, world):
    count, data = await run_export(dispatcher, "xlsx", fields=["code", "title", "received",
                                                               "award_level_name"])
    sheet, rows = xlsx_rows(data)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:D{count + 1}"
    assert rows[0] == ("Mã hồ sơ", "Tiêu đề (hiển thị khi được đồng ý)", "Ngày tiếp nhận",
                       "Mức giải")
    anh = next(r for r in rows if r[0] == world["anh"])
    assert anh == (world["anh"], "Ứng dụng số hoá hồ sơ một cửa", datetime(2026, 1, 5),
                   "Giải Nhất")
    cell = next(row[2] for row in sheet.iter_rows(min_row=2) if row[0].value == world["anh"])
    assert cell.number_format == "dd/mm/yyyy"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["C"].width


async def test_a_formula_typed_as_a_title_stays_text_in_csv(dispatcher):
    async with dispatcher.engine.begin() as conn:
        await put_entry(conn, 9, steps=[("submitted", local(2026, 7, 1, 9))],
                        title='=HYPERLINK("http://x.invalid","bấm")', show_name=True,
                        contact_name="Hà Công Thức")
    _, data = await run_export(dispatcher, "csv", fields=["title"])
    assert read_csv(data)[1] == ["'=HYPERLINK(\"http://x.invalid\",\"bấm\")"]


async def cli(argv: list[str]) -> int:
    """`sangkien …`, in a thread: the command line runs its own event loop."""
    return await asyncio.to_thread(main, argv)


def test_an_unknown_field_is_explained_with_the_valid_ones(settings):
    t = opendata.translator(Reference(settings), "vi")
    with pytest.raises(ExportError) as refused:
        opendata.parse_fields(t, "code,phone,contact_name")
    message = str(refused.value)
    assert "phone, contact_name" in message
    assert "code, kind, kind_name" in message and "description" in message


def test_drafts_are_never_exported_and_the_reason_is_given(settings):
    t = opendata.translator(Reference(settings), "en")
    with pytest.raises(ExportError, match="never exported"):
        opendata.parse_include(t, "withdrawn,drafts")
    with pytest.raises(ExportError, match="withdrawn, duplicate"):
        opendata.parse_include(t, "rejected")


async def test_command_line_writes_the_file_and_refuses_a_bad_field(dispatcher, world, tmp_path,
                                                                  monkeypatch, capsys):
    for key, value in TEN_WARDS_ENV.items():
        monkeypatch.setenv(key, value)
    url = dispatcher.settings.database_url
    out = tmp_path / "open.csv"
    assert await cli(["--database-url", url, "export", "--format", "csv", "--year", "2026",
                      "--fields", "code,unit,status", "--header", "names", "--out", str(out)]) == 0
    assert "Đã ghi 4 dòng" in capsys.readouterr().err
    rows = read_csv(out.read_bytes())
    assert rows[0] == ["code", "unit", "status"] and len(rows) == 5
    bad = tmp_path / "bad.csv"
    assert await cli(["--database-url", url, "export", "--format", "csv", "--fields",
                      "code,phone", "--out", str(bad)]) == 2
    error = capsys.readouterr().err
    assert "phone" in error and "Các trường có thể chọn: code, kind" in error
    assert not bad.exists() and not list(tmp_path.glob("*.part"))


async def test_command_line_writes_json_to_standard_output(dispatcher, world, monkeypatch,
                                                           capfdbinary):
    for key, value in TEN_WARDS_ENV.items():
        monkeypatch.setenv(key, value)
    assert await cli(["--database-url", dispatcher.settings.database_url, "export",
                      "--format", "json", "--fields", "code", "--unit", "ben-nghe",
                      "--out", "-"]) == 0
    printed = capfdbinary.readouterr().out
    assert json.loads(printed) == [{"code": world["lan"]}, {"code": world["anh"]}]


async def test_a_year_with_dates_an_upside_down_period_or_an_unknown_unit_is_refused(
        dispatcher):
    for filters in ({"year": 2026, "start": datetime(2026, 1, 1).date()},
                    {"start": datetime(2026, 5, 1).date(), "end": datetime(2026, 4, 1).date()}):
        with pytest.raises(ExportError, match="ngày bắt đầu không sau ngày kết thúc"):
            await run_export(dispatcher, "csv", **filters)
    with pytest.raises(ExportError, match="Không có đơn vị: quan-99"):
        await run_export(dispatcher, "csv", unit="quan-99")
