"""The exhibition list for the communications office: the works awarded or put into practice in a
year, authors named only where they agreed, in Vietnamese order, as a message ready to post and a
spreadsheet; in chat with /trienlam, for the communications office and the district only."""

from __future__ import annotations

import asyncio
import io

import openpyxl
import pytest

from bot.cli import main
from bot.files import FolderStore
from bot.reference import Reference
from bot.services import exhibition
from bot.services.opendata import translator
from tests import officers
from tests.conftest import TEN_WARDS_ENV, Resident
from tests.telegram_world import register
from tests.test_opendata import PHONES, local, put_entry

staff = officers.staff  # the fixture
COMMS_CHAT = 555001

ROAD = [("submitted", local(2026, 1, 5, 9)), ("accepted", local(2026, 1, 6, 9)),
        ("forwarded", local(2026, 1, 7, 9)), ("shortlisted", local(2026, 2, 1, 9)),
        ("nominated", local(2026, 3, 1, 9))]
ROAD_2025 = [(status, at.replace(year=2025)) for status, at in ROAD]


async def build_works(engine) -> dict[str, str]:
    async with engine.begin() as conn:
        return {
            # Awarded in 2026, the author agreed to be named.
            "anh_sang": await put_entry(
                conn, 11, kind="award", field="state-management",
                steps=[*ROAD, ("awarded", local(2026, 6, 1, 9))], award_level="second",
                title="Ánh sáng học đường", contact_name="Nguyễn Thị Lan", phone=PHONES[0],
                show_name=True, details={"authors": "Nguyễn Thị Lan, Phạm Đồng Đức"}),
            # Awarded in 2025, put into practice in 2026; the author did not agree.
            "an_uong": await put_entry(
                conn, 12, kind="award", unit="ben-thanh", field="economic-development",
                steps=[*ROAD_2025, ("awarded", local(2025, 11, 3, 9)),
                       ("applied", local(2026, 3, 20, 9))], award_level="third",
                title="Ăn uống an toàn ở chợ Bến Thành", contact_name="Trần Văn Bảy",
                phone=PHONES[1]),
            # Awarded and put into practice in 2026, named; an idea's own field.
            "dich_vu": await put_entry(
                conn, 13, steps=[*ROAD, ("awarded", local(2026, 4, 2, 9)),
                                 ("applied", local(2026, 8, 8, 9))], award_level="first",
                title="Dịch vụ công trực tuyến cho người cao tuổi", contact_name="Lê Hoàng Ánh",
                show_name=True, unit="da-kao"),
            # Awarded at 23:00 on the last day of 2026, local time.
            "duong_pho": await put_entry(
                conn, 14, kind="award", field="state-management",
                steps=[*ROAD, ("awarded", local(2026, 12, 31, 23))], award_level="merit",
                title="Đường phố xanh"),
            # Not on the 2026 list: nominated only, not awarded, awarded in 2025 only, and
            # awarded at 00:30 on 1 January 2027 (still 2026 in UTC).
            "nominated": await put_entry(conn, 15, steps=ROAD, title="Bảo tàng số"),
            "not_awarded": await put_entry(
                conn, 16, steps=[*ROAD, ("not_awarded", local(2026, 6, 1, 9))],
                title="Cầu đi bộ", show_name=True, contact_name="Võ Thị Cầu"),
            "old": await put_entry(conn, 17, steps=[*ROAD_2025, ("awarded", local(2025, 9, 9))],
                                   award_level="first", title="Chợ đêm văn minh"),
            "next_year": await put_entry(
                conn, 18, steps=[*ROAD, ("awarded", local(2027, 1, 1, 0, 30))],
                award_level="first", title="Bình minh năm mới"),
        }


MESSAGE_2026 = """\
Các công trình, giải pháp đạt giải và được đưa vào ứng dụng năm 2026

Trân trọng giới thiệu 4 công trình, giải pháp đạt giải hoặc được đưa vào ứng dụng trong năm 2026:

1. Ánh sáng học đường (đơn vị: Phường Bến Nghé) – Giải Nhì; tác giả: Nguyễn Thị Lan
2. Ăn uống an toàn ở chợ Bến Thành (đơn vị: Phường Bến Thành) – Giải Ba; đã đưa vào ứng dụng
3. Dịch vụ công trực tuyến cho người cao tuổi (đơn vị: Phường Đa Kao) – Giải Nhất; đã đưa vào \
ứng dụng; tác giả: Lê Hoàng Ánh
4. Đường phố xanh (đơn vị: Phường Bến Nghé) – Giải Khuyến khích

Xin chúc mừng các tác giả và trân trọng cảm ơn tất cả cá nhân, tập thể đã tham gia phong trào \
sáng tạo."""


@pytest.fixture
async def works(engine):
    return await build_works(engine)


def _vi(settings):
    return translator(Reference(settings), "vi")


async def test_the_list_has_the_years_awarded_and_applied_works_in_vietnamese_order(
        engine, settings, works):
    async with engine.connect() as conn:
        found = await exhibition.gather(conn, Reference(settings), 2026)
    assert [w.code for w in found.works] == [works[k] for k in (
        "anh_sang", "an_uong", "dich_vu", "duong_pho")]
    # Python's code-point order would put "Dịch vụ" first and "Ánh", "Ăn", "Đường" after it.
    assert sorted(w.title for w in found.works)[0] == "Dịch vụ công trực tuyến cho người cao tuổi"
    assert [(w.author, w.applied) for w in found.works] == [
        ("Nguyễn Thị Lan", False), (None, True), ("Lê Hoàng Ánh", True), (None, False)]


async def test_a_work_awarded_one_year_and_applied_the_next_is_on_both_lists(engine, settings,
                                                                             works):
    async with engine.connect() as conn:
        found = await exhibition.gather(conn, Reference(settings), 2025)
    assert [w.code for w in found.works] == [works["an_uong"], works["old"]]


async def test_the_message_ready_to_post_names_only_consenting_authors(engine, settings, works):
    ref = Reference(settings)
    async with engine.connect() as conn:
        found = await exhibition.gather(conn, ref, 2026)
    text = exhibition.message(ref, _vi(settings), found)
    assert text == MESSAGE_2026
    for secret in ("Trần Văn Bảy", "Phạm Đồng Đức", PHONES[0], PHONES[1]):
        assert secret not in text


async def test_an_empty_year_says_so(engine, settings, works):
    ref = Reference(settings)
    async with engine.connect() as conn:
        found = await exhibition.gather(conn, ref, 2024)
    assert exhibition.message(ref, _vi(settings), found) == (
        "Các công trình, giải pháp đạt giải và được đưa vào ứng dụng năm 2024\n\n"
        "Năm 2024 chưa có công trình, giải pháp nào đạt giải hoặc được đưa vào ứng dụng.")


def read_book(data: bytes):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return sheet, list(sheet.iter_rows(values_only=True))


async def test_command_line_writes_the_spreadsheet_and_the_message(engine, settings, works,
                                                                   tmp_path, monkeypatch,
                                                                   capsys):
    for key, value in TEN_WARDS_ENV.items():
        monkeypatch.setenv(key, value)
    folder = tmp_path / "out"
    assert await asyncio.to_thread(main, ["--database-url", settings.database_url,
                                          "exhibition", "--year", "2026",
                                          "--out", str(folder)]) == 0
    assert capsys.readouterr().out == MESSAGE_2026 + "\n"
    assert (folder / "trien-lam-2026.txt").read_text(encoding="utf-8") == MESSAGE_2026 + "\n"
    sheet, rows = read_book((folder / "trien-lam-2026.xlsx").read_bytes())
    assert rows[0][0] == "Các công trình, giải pháp đạt giải và được đưa vào ứng dụng năm 2026"
    assert rows[2][:3] == ("STT", "Tiêu đề", "Đơn vị")
    assert [r[1] for r in rows[3:]] == ["Ánh sáng học đường", "Ăn uống an toàn ở chợ Bến Thành",
                                        "Dịch vụ công trực tuyến cho người cao tuổi",
                                        "Đường phố xanh"]
    assert [(r[6], r[7]) for r in rows[3:]] == [("Không", "Nguyễn Thị Lan"), ("Có", None),
                                                ("Có", "Lê Hoàng Ánh"), ("Không", None)]
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref == "A3:K7"


async def test_trienlam_is_refused_to_a_ward_officer_and_a_resident(dispatcher, staff, works):
    await staff["lan"].say("/trienlam")
    assert staff["lan"].text == ("Chỉ Phòng Văn hóa – Thông tin, cán bộ cấp quận và quản trị "
                                 "viên mới lập được danh sách triển lãm.")
    assert not any(r.attachments for r in staff["lan"].last)
    resident = Resident(dispatcher, user="5001")
    await resident.consent()
    await resident.say("/exhibition 2026")
    assert "/dangky" in resident.text and "Ánh sáng" not in resident.text
    assert not any(r.attachments for r in resident.last)


async def test_trienlam_gives_communications_the_message_and_the_spreadsheet(dispatcher, staff,
                                                                             works, settings):
    comms = staff["comms"]
    await comms.say_and_wait("/trienlam")  # this year: 2026 by the test's clock
    _asked, message, document = comms.last
    assert message.text == "Danh sách triển lãm năm 2026, sẵn sàng để đăng:\n\n" + MESSAGE_2026
    assert document.text == "Danh sách dạng bảng tính: 4 công trình."
    [sheet_file] = document.attachments
    assert (sheet_file.kind, sheet_file.name) == ("document", "trien-lam-2026.xlsx")
    data = await FolderStore(settings.files_dir).read(sheet_file.key)
    _, rows = read_book(data)
    assert [r[8] for r in rows[3:]] == [works[k] for k in (
        "anh_sang", "an_uong", "dich_vu", "duong_pho")]


async def test_trienlam_for_the_district_takes_another_year_and_explains_a_wrong_one(
        staff, works):
    district = staff["district"]
    await district.say_and_wait("/trienlam 2025")
    assert "Ăn uống an toàn ở chợ Bến Thành" in district.last[1].text
    assert "Chợ đêm văn minh" in district.last[1].text
    assert district.last[2].attachments[0].name == "trien-lam-2025.xlsx"
    await district.say("/trienlam 2027")
    assert district.text == ("Vui lòng gửi /trienlam, hoặc /trienlam kèm theo một năm từ 2000 "
                             "đến 2026, ví dụ /trienlam 2026.")


async def test_on_telegram_the_spreadsheet_arrives_as_a_document(world, works):
    await register(world, COMMS_CHAT, "quan-1", "communications", "Phòng VHTT")
    await world.text("/trienlam 2026", COMMS_CHAT)
    assert await world.finish_tasks() == 1
    [sent] = [c for c in world.api.calls_named("sendDocument") if c["chat_id"] == COMMS_CHAT]
    [data] = sent["_uploaded"].values()
    _, rows = read_book(data)
    assert [r[1] for r in rows[3:]] == ["Ánh sáng học đường", "Ăn uống an toàn ở chợ Bến Thành",
                                        "Dịch vụ công trực tuyến cho người cao tuổi",
                                        "Đường phố xanh"]
    texts = [c["text"] for c in world.api.calls_named("sendMessage")
             if c["chat_id"] == COMMS_CHAT]
    assert any(text.endswith(MESSAGE_2026) for text in texts)
