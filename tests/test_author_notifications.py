"""What the author is told of a change of status speaks to them, as "Hồ sơ của tôi" does: an
award and a recognition are congratulated."""

from __future__ import annotations

from storage import entries as entry_repo
from tests import officers
from tests.flows import submit_idea

staff = officers.staff  # the fixture


async def _id(engine, code) -> int:
    async with engine.connect() as conn:
        return (await entry_repo.entry_by_code(conn, code))["id"]


async def test_the_author_of_an_awarded_entry_is_congratulated_with_its_result(
        resident, staff, engine):
    lan, district = staff["lan"], staff["district"]
    code = await submit_idea(resident, ward="ben nghe")
    entry_id = await _id(engine, code)
    await lan.press(f"q:forward:{entry_id}")
    assert "Đã chuyển lên cấp trên để xem xét" in resident.inbox[-1].text
    for action in ("shortlist", "nominate", "award"):
        await district.press_anyway(f"q:{action}:{entry_id}")
    await district.press(f"q:award:{entry_id}:first")
    await district.say("Bằng khen và 5.000.000 đồng")
    told = resident.inbox[-1].text
    assert "Xin chúc mừng anh/chị: hồ sơ đã đạt giải" in told
    assert "Kết quả: " in told and "Nhất" in told and "5.000.000 đồng" in told
    assert told.count("chúc mừng") == 1


async def test_the_author_of_an_entry_recognised_by_the_ward_is_congratulated(
        resident, staff, engine):
    lan = staff["lan"]
    code = await submit_idea(resident, ward="ben nghe")
    entry_id = await _id(engine, code)
    await lan.press(f"q:take:{entry_id}")
    assert "Phường đã tiếp nhận – đang xem xét" in resident.inbox[-1].text
    await lan.press_anyway(f"q:recognise:{entry_id}")
    await lan.press_anyway(f"q:yes:{entry_id}")
    assert "Xin chúc mừng anh/chị" in resident.inbox[-1].text
