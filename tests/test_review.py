"""The officers' workflow, from the ward's queue to the city award, through the dispatcher."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.dispatcher import Dispatcher
from storage import entries as entry_repo
from tests import officers
from tests.conftest import Resident
from tests.flows import entry_row, submit_idea
from tests.officers import last_options

staff = officers.staff  # the fixture


async def test_whole_path_from_ward_to_city_award(resident, staff, engine):
    lan, hung, district = staff["lan"], staff["hung"], staff["district"]
    code = await submit_idea(resident)
    entry_id = (await entry_row(engine, code))["id"]
    # Both officers of Bến Nghé hear of it, with the actions; the other ward does not.
    for officer in (lan, hung):
        assert code in officer.inbox[-1].text
        assert {f"q:take:{entry_id}", f"q:ask_info:{entry_id}", f"q:reject:{entry_id}",
                f"q:forward:{entry_id}", f"q:view:{entry_id}"} <= set(last_options(officer))
    assert staff["other"].inbox == []
    assert "0903 123 456" in lan.inbox[-1].text  # officers may call the author

    await lan.press(f"q:take:{entry_id}")
    assert (await entry_row(engine, code))["status"] == "accepted"
    assert code in resident.inbox[-1].text

    await lan.press(f"q:ask_info:{entry_id}")
    await lan.say("Anh/chị cho biết đã thử ở khu phố nào chưa?")
    assert (await entry_row(engine, code))["status"] == "needs_info"
    question = resident.inbox[-1]
    assert "khu phố nào" in question.text
    assert [o.value for o in question.options] == [f"ans:{code}"]

    await resident.press(f"ans:{code}")
    await resident.say("Đã thử ở khu phố 3, giảm 20% điện.")
    await resident.send_photo(ref="bang-do")
    await resident.press("ans:send")
    # Back where it was before the question: taken up, not "submitted" again.
    assert (await entry_row(engine, code))["status"] == "accepted"
    assert "khu phố 3" in lan.inbox[-1].text and "khu phố 3" in hung.inbox[-1].text

    await hung.press(f"q:forward:{entry_id}")
    assert (await entry_row(engine, code))["status"] == "forwarded"
    assert f"q:shortlist:{entry_id}" in last_options(district)

    for action, status in (("shortlist", "shortlisted"), ("nominate", "nominated")):
        await district.press_anyway(f"q:{action}:{entry_id}")
        assert (await entry_row(engine, code))["status"] == status
        assert code in resident.inbox[-1].text
    await district.press_anyway(f"q:award:{entry_id}")
    await district.press(f"q:award:{entry_id}:second")
    await district.say("Bằng khen và 5.000.000 đồng")
    assert (await entry_row(engine, code))["status"] == "awarded"
    assert "Nhì" in resident.inbox[-1].text and "5.000.000" in resident.inbox[-1].text
    await district.press_anyway(f"q:applied:{entry_id}")
    assert (await entry_row(engine, code))["status"] == "applied"

    await district.say(f"/hoso {code}")
    history = district.text
    for who in ("Cán bộ Lan", "Cán bộ Hùng", "Phòng Nội vụ"):
        assert who in history
    assert "khu phố nào" in history and "khu phố 3" in history
    async with engine.connect() as conn:
        steps = [h["to_status"] for h in await entry_repo.entry_history(conn, entry_id)]
    assert steps == ["submitted", "accepted", "needs_info", "accepted",
                     "forwarded", "shortlisted", "nominated", "awarded", "applied"]


async def test_button_pressed_after_a_colleague_acted_says_who_and_when(resident, staff, engine):
    code = await submit_idea(resident)
    entry_id = (await entry_row(engine, code))["id"]
    await staff["lan"].press(f"q:take:{entry_id}")
    await staff["hung"].press(f"q:take:{entry_id}")
    assert "Cán bộ Lan" in staff["hung"].text
    assert (await entry_row(engine, code))["status"] == "accepted"


async def test_two_officers_pressing_at_once_one_wins(resident, staff, engine):
    code = await submit_idea(resident)
    entry_id = (await entry_row(engine, code))["id"]
    lan, hung = staff["lan"], staff["hung"]
    await asyncio.gather(lan.press(f"q:take:{entry_id}"), hung.press(f"q:take:{entry_id}"))
    texts = [lan.text, hung.text]
    assert sum("Cán bộ Lan" in t or "Cán bộ Hùng" in t for t in texts) == 1
    async with engine.connect() as conn:
        history = await entry_repo.entry_history(conn, entry_id)
    assert [h["to_status"] for h in history] == ["submitted", "accepted"]


async def test_stale_button_after_restart_is_answered(settings, engine, clock, resident, staff):
    code = await submit_idea(resident)
    entry_id = (await entry_row(engine, code))["id"]
    await staff["lan"].press(f"q:reject:{entry_id}")
    await staff["lan"].say("Nội dung chưa phù hợp với phong trào.")
    await staff["lan"].press(f"q:yes:{entry_id}")  # rejecting cannot be undone: confirmed
    assert "phù hợp" in resident.inbox[-1].text
    restarted = Resident(Dispatcher(settings, engine, clock=clock), user="9002")
    await restarted.press_anyway(f"q:take:{entry_id}")
    assert "Cán bộ Lan" in restarted.text
    assert (await entry_row(engine, code))["status"] == "rejected"


async def test_reject_and_duplicate_need_a_reason(resident, staff, engine):
    first = await submit_idea(resident)
    second = await submit_idea(resident)
    second_id = (await entry_row(engine, second))["id"]
    lan = staff["lan"]
    await lan.press_anyway(f"q:duplicate:{second_id}")
    await lan.say("không phải mã")
    assert (await entry_row(engine, second))["status"] == "submitted"
    await lan.press_anyway(f"q:duplicate:{second_id}")
    await lan.say(first.lower())
    await lan.press(f"q:yes:{second_id}")
    assert (await entry_row(engine, second))["status"] == "duplicate"
    assert first in resident.inbox[-1].text


async def test_author_withdraws_and_officers_are_told(resident, staff, engine):
    code = await submit_idea(resident)
    await resident.press("menu:mine")
    await resident.press(f"entry:view:{code}")
    await resident.press(f"entry:withdraw:{code}")
    await resident.press(f"entry:withdraw-yes:{code}")
    assert (await entry_row(engine, code))["status"] == "withdrawn"
    assert code in staff["lan"].inbox[-1].text
    assert last_options(staff["lan"]) == [f"q:view:{(await entry_row(engine, code))['id']}"]


async def test_resident_cannot_reach_officer_actions(resident, staff, engine):
    code = await submit_idea(resident)
    entry_id = (await entry_row(engine, code))["id"]
    await resident.press_anyway(f"q:take:{entry_id}")
    assert "/dangky" in resident.text
    await resident.say("/hangdoi")
    assert "/dangky" in resident.text
    assert (await entry_row(engine, code))["status"] == "submitted"


async def test_officer_of_other_ward_cannot_take_entry(resident, staff, engine):
    code = await submit_idea(resident)
    entry_id = (await entry_row(engine, code))["id"]
    await staff["other"].press_anyway(f"q:take:{entry_id}")
    assert staff["other"].last[0].text
    assert (await entry_row(engine, code))["status"] == "submitted"
    await staff["other"].say(f"/hoso {code}")
    assert "Đèn đường" not in staff["other"].text


async def test_queue_lists_oldest_first_with_due_dates_pages_and_overdue(
    resident, staff, engine, clock
):
    codes = []
    for n in range(7):
        codes.append(await submit_idea(resident, title=f"Ý tưởng số {n + 1}"))
        clock.now += timedelta(minutes=1)
    lan = staff["lan"]
    await lan.say("/hangdoi")
    first_page = lan.text
    assert first_page.index(codes[0]) < first_page.index(codes[4])
    assert codes[5] not in first_page
    assert "2/12/2026" in first_page or "2 tháng 12" in first_page  # 5 working days later
    await lan.press("q:page:all:2")
    assert codes[6] in lan.text and codes[0] not in lan.text
    clock.now = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)
    await lan.say("/hangdoi")
    assert lan.text.count("⚠") == 5
    entry_id = (await entry_row(engine, codes[0]))["id"]
    await lan.press_anyway(f"q:take:{entry_id}")
    await lan.say("/hangdoi")
    await lan.press("q:page:accepted:1")
    assert codes[0] in lan.text and codes[1] not in lan.text


async def test_due_date_skips_weekends_and_stops_while_waiting_for_the_author(
    resident, staff, engine, clock
):
    clock.now = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # Friday 09:00 in the city
    code = await submit_idea(resident)
    entry = await entry_row(engine, code)
    local_due = entry["due_at"].astimezone(dispatcher_tz(staff))
    assert local_due.date().isoformat() == "2026-12-04"  # the following Friday
    await staff["lan"].press_anyway(f"q:ask_info:{entry['id']}")
    await staff["lan"].say("Xin gửi thêm ảnh hiện trạng.")
    clock.now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday: 3 working days later
    await resident.press(f"ans:{code}")
    await resident.say("Đã gửi ảnh.")
    await resident.press("ans:send")
    entry = await entry_row(engine, code)
    assert entry["due_at"].astimezone(dispatcher_tz(staff)).date().isoformat() == "2026-12-09"


def dispatcher_tz(staff):
    return staff["lan"].dispatcher.ref.tz


async def test_communications_officer_has_no_review_queue(staff):
    await staff["comms"].say("/hangdoi")
    assert staff["comms"].text


async def test_expired_or_used_code_is_refused(dispatcher, clock):
    from bot.services import officers as officer_service

    async with dispatcher.engine.begin() as conn:
        code, _ = await officer_service.invite(
            conn, dispatcher.ref, unit="cau-kho", role="ward_officer", name="Cán bộ Kho",
            now=clock.now,
        )
    first = Resident(dispatcher, user="7001")
    await first.say(f"/dangky {code}")
    second = Resident(dispatcher, user="7002")
    await second.say(f"/dangky {code}")
    assert "Cán bộ Kho" not in second.text
    async with dispatcher.engine.begin() as conn:
        late, _ = await officer_service.invite(
            conn, dispatcher.ref, unit="cau-kho", role="ward_officer", name="Cán bộ Muộn",
            now=clock.now,
        )
    clock.now += timedelta(days=8)
    third = Resident(dispatcher, user="7003")
    await third.say(f"/dangky {late}")
    assert "Cán bộ Muộn" not in third.text
    await third.say("/hangdoi")
    assert "/dangky" in third.text


async def test_forwarding_a_new_entry_tells_the_author_once(resident, staff, engine):
    code = await submit_idea(resident)
    entry_id = (await entry_row(engine, code))["id"]
    before = len(resident.inbox)
    await staff["lan"].press(f"q:forward:{entry_id}")
    assert len(resident.inbox) == before + 1 and code in resident.inbox[-1].text
    async with engine.connect() as conn:
        steps = [h["to_status"] for h in await entry_repo.entry_history(conn, entry_id)]
    assert steps == ["submitted", "accepted", "forwarded"]  # the take stays in the history
