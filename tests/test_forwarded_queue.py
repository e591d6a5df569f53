"""A forwarded entry is in the queue of the unit above its ward, and only that unit's officers
act on it: under the 10-ward map Quận 1, not the city's board; under the 2025 map the city's
board, also for an entry of a ward of the earlier map."""

from __future__ import annotations

from bot.config import DATA_DIR
from bot.dispatcher import Dispatcher
from storage import entries as entry_repo
from tests.conftest import Resident, with_settings
from tests.flows import submit_idea
from tests.officers import register_officer

NEW_MAP = DATA_DIR / "units_2025.toml"


async def _forwarded(dispatcher, engine, resident, ward: str, ward_unit: str) -> tuple[str, int]:
    officer = await register_officer(dispatcher, "9801", ward_unit, "ward_officer", "Cán bộ Lan")
    code = await submit_idea(resident, ward=ward)
    async with engine.connect() as conn:
        entry_id = (await entry_repo.entry_by_code(conn, code))["id"]
    await officer.press(f"q:forward:{entry_id}")
    return code, entry_id


async def test_the_citys_board_neither_queues_nor_acts_on_what_district_1_holds(
        dispatcher, engine, resident):
    district = await register_officer(dispatcher, "9802", "quan-1", "district_officer",
                                      "Phòng Nội vụ")
    city = await register_officer(dispatcher, "9803", "so-noi-vu", "district_officer",
                                  "Ban Thi đua – Khen thưởng")
    code, entry_id = await _forwarded(dispatcher, engine, resident, "ben nghe", "ben-nghe")

    await district.say("/hangdoi")
    assert "Quận 1" in district.text
    assert code in district.text
    await city.say("/hangdoi")
    assert code not in city.text and "0 hồ sơ" in city.text

    await city.press_anyway(f"q:shortlist:{entry_id}")
    assert "thuộc hàng đợi của đơn vị khác" in city.text
    await district.press(f"q:shortlist:{entry_id}")
    assert "Được chọn trình Hội đồng xét chọn" in district.text


async def test_under_the_2025_map_an_old_wards_forwarded_entry_is_the_boards(
        settings, engine, clock, dispatcher, resident):
    code, entry_id = await _forwarded(dispatcher, engine, resident, "ben nghe", "ben-nghe")
    switched = Dispatcher(with_settings(settings, units_file=NEW_MAP), engine, clock=clock)
    board = await register_officer(switched, "9804", "so-noi-vu", "district_officer",
                                   "Ban Thi đua – Khen thưởng")
    await board.say("/hangdoi")
    assert code in board.text  # Quận 1 is gone: its entries climb to the city's board
    await board.press(f"q:view:{entry_id}")
    await board.press(f"q:shortlist:{entry_id}")
    assert "Được chọn trình Hội đồng xét chọn" in board.text
    author = Resident(switched)
    await author.say(f"/tracuu {code}")
    assert "Sở Nội vụ" in author.text and "Quận 1" not in author.text
    await switched.close()


async def test_under_the_2025_map_nobody_is_offered_to_forward_to_a_district(
        settings, engine, clock):
    switched = Dispatcher(with_settings(settings, units_file=NEW_MAP), engine, clock=clock)
    ward = await register_officer(switched, "9811", "ben-thanh", "ward_officer", "Cán bộ Lan")
    board = await register_officer(switched, "9812", "so-noi-vu", "district_officer",
                                   "Ban Thi đua – Khen thưởng")
    author = Resident(switched, user="9813")
    await author.consent()
    await submit_idea(author, ward="ben thanh")
    news = {o.label: o.value for o in ward.inbox[-1].options}
    assert "Chuyển lên cấp trên" in news and "Chuyển lên cấp trên kèm ghi chú" in news
    assert not any("quận" in label.lower() for label in news)
    await ward.press(news["Chuyển lên cấp trên kèm ghi chú"])
    assert "ghi chú gửi cán bộ cấp trên" in ward.text
    await ward.say("Đề nghị xem xét sớm")
    assert board.inbox[-1].text.startswith("Hồ sơ được chuyển lên hàng đợi của đơn vị anh/chị:")
    await switched.close()
