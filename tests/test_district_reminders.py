"""The district level's reminders follow the units tree: an officer hears of what their own
unit holds, not of every ward in the city."""

from __future__ import annotations

from storage import entries as entry_repo
from tests.flows import submit_idea
from tests.officers import register_officer
from tests.test_reminders import local, run, texts


async def test_an_overdue_ward_item_is_escalated_to_district_1_not_to_the_citys_board(
    dispatcher, clock, resident
):
    lan = await register_officer(dispatcher, "9402", "ben-nghe", "ward_officer", "Cán bộ Lan")
    district = await register_officer(dispatcher, "9403", "quan-1", "district_officer", "PNV")
    city = await register_officer(dispatcher, "9404", "so-noi-vu", "district_officer", "Sở")
    code = await submit_idea(resident)  # Wed 25 Nov: due Wed 2 Dec
    await run(dispatcher, clock, local(8, 8, month=12), lan, district, city)  # 4 days late
    assert len(texts(district, code)) == 1
    assert texts(city, code) == []


async def test_the_citys_board_digest_lists_only_what_its_own_unit_holds(
    dispatcher, clock, resident, engine
):
    lan = await register_officer(dispatcher, "9412", "ben-nghe", "ward_officer", "Cán bộ Lan")
    district = await register_officer(dispatcher, "9413", "quan-1", "district_officer", "PNV")
    city = await register_officer(dispatcher, "9414", "so-noi-vu", "district_officer", "Sở")
    code = await submit_idea(resident)
    async with engine.connect() as conn:
        entry_id = (await entry_repo.entry_by_code(conn, code))["id"]
    await lan.press(f"q:forward:{entry_id}")  # now due at Quận 1, five working days on
    await run(dispatcher, clock, local(2, 8, month=12), district, city)
    assert texts(district, code) and texts(city, code) == []

