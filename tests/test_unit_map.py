"""The units as a tree, and the map since 1 July 2025: no District 1, the wards under the city."""

from __future__ import annotations

import pytest

from bot.config import DATA_DIR, Settings
from bot.dispatcher import Dispatcher
from bot.reference import Reference
from bot.services import officers as officer_service
from storage import entries as entry_repo
from tests.conftest import Resident, with_settings
from tests.flows import submit_idea
from tests.officers import register_officer

NEW_MAP = DATA_DIR / "units_2025.toml"


def test_a_new_install_uses_the_2025_map_without_district_1():
    ref = Reference(Settings())
    assert [u.slug for u in ref.wards] == ["sai-gon", "tan-dinh", "ben-thanh", "cau-ong-lanh"]
    assert "quan-1" not in {u.slug for u in ref.units}
    assert [u.slug for u in ref.children_of(None)] == ["so-noi-vu"]


def test_every_ward_forwards_to_its_parent_unit():
    new = Reference(Settings(units_file=NEW_MAP))
    for ward in new.wards:
        assert new.parent_of(ward.slug).name_vi.startswith("Sở Nội vụ")
        assert "Ban Thi đua – Khen thưởng" in new.parent_of(ward.slug).name_vi
    old = Reference(Settings(units_file=DATA_DIR / "units.toml"))
    assert {old.parent_of(w.slug).slug for w in old.wards} == {"quan-1"}
    assert old.parent_of("quan-1").slug == "so-noi-vu" and old.parent_of("so-noi-vu") is None
    assert len(old.children_of("quan-1")) == 10


async def test_an_entry_filed_under_the_ten_ward_map_keeps_its_ward_after_the_switch(
        settings, engine, clock, dispatcher, resident):
    code = await submit_idea(resident, ward="co giang")
    switched = Dispatcher(with_settings(settings, units_file=NEW_MAP), engine, clock=clock)
    author = Resident(switched)
    await author.say(f"/tracuu {code}")
    assert "Phường Cô Giang" in author.text and "co-giang" not in author.text
    await author.press("menu:idea")
    assert "pick:co-giang" not in author.values  # an old ward is not offered any more
    await switched.close()


async def test_the_citys_board_takes_officers_and_district_1_no_longer_does(
        settings, engine, clock):
    switched = Dispatcher(with_settings(settings, units_file=NEW_MAP), engine, clock=clock)
    board = await register_officer(switched, "9601", "so-noi-vu", "district_officer",
                                   "Ban Thi đua – Khen thưởng")
    assert "Sở Nội vụ" in board.text
    async with engine.begin() as conn:
        for unit, role in (("quan-1", "district_officer"), ("sai-gon", "district_officer")):
            with pytest.raises(officer_service.InviteError):
                await officer_service.invite(conn, switched.ref, unit=unit, role=role,
                                             name=None, now=clock())
    await switched.close()


async def test_a_forwarded_entry_goes_to_the_citys_board_under_the_2025_map(
        settings, engine, clock):
    switched = Dispatcher(with_settings(settings, units_file=NEW_MAP), engine, clock=clock)
    ward = await register_officer(switched, "9611", "ben-thanh", "ward_officer", "Cán bộ Lan")
    board = await register_officer(switched, "9612", "so-noi-vu", "district_officer",
                                   "Ban Thi đua – Khen thưởng")
    author = Resident(switched, user="9613")
    await author.consent()
    code = await submit_idea(author, ward="ben thanh")
    async with engine.connect() as conn:
        entry_id = (await entry_repo.entry_by_code(conn, code))["id"]
    await ward.press(f"q:forward:{entry_id}")
    assert code in board.inbox[-1].text  # the city's board hears of it
    await author.say(f"/tracuu {code}")
    assert "Sở Nội vụ" in author.text  # and it is the unit that now holds the entry
    await switched.close()


async def test_under_the_ten_ward_map_a_forwarded_entry_goes_to_district_1_not_the_city(
        dispatcher, engine, resident):
    ward = await register_officer(dispatcher, "9621", "ben-nghe", "ward_officer", "Cán bộ Lan")
    district = await register_officer(dispatcher, "9622", "quan-1", "district_officer",
                                      "Phòng Nội vụ")
    city = await register_officer(dispatcher, "9623", "so-noi-vu", "district_officer",
                                  "Ban Thi đua – Khen thưởng")
    code = await submit_idea(resident, ward="ben nghe")
    async with engine.connect() as conn:
        entry_id = (await entry_repo.entry_by_code(conn, code))["id"]
    await ward.press(f"q:forward:{entry_id}")
    assert code in district.inbox[-1].text
    assert not any(code in r.text for r in city.inbox)  # the city hears of it from Quận 1
    await resident.say(f"/tracuu {code}")
    assert "Quận 1" in resident.text and "Sở Nội vụ" not in resident.text
