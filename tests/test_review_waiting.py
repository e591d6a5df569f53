"""Stories of an entry waiting for its author, and of the officers' harder steps: an answer typed
at the menu, the status an answer returns to, withdrawing a question, rejecting or transferring a
waiting entry, forwarding with a note, confirming what cannot be undone, award results, and the
unit a public lookup names."""

from __future__ import annotations

from storage import entries as entry_repo
from tests import officers
from tests.conftest import Resident
from tests.flows import entry_row, submit_idea
from tests.officers import last_options

staff = officers.staff  # the fixture

QUESTION = "Anh/chị cho biết đã thử ở khu phố nào chưa?"


async def _history(engine, code):
    entry = await entry_row(engine, code)
    async with engine.connect() as conn:
        return await entry_repo.entry_history(conn, entry["id"])


async def _ask(officer: Resident, entry_id: int, question: str = QUESTION) -> None:
    await officer.press_anyway(f"q:ask_info:{entry_id}")
    await officer.say(question)


async def _taken_and_asked(resident, staff, engine) -> tuple[str, int]:
    code = await submit_idea(resident)
    entry_id = (await entry_row(engine, code))["id"]
    await staff["lan"].press(f"q:take:{entry_id}")
    await _ask(staff["lan"], entry_id)
    assert (await entry_row(engine, code))["status"] == "needs_info"
    return code, entry_id


async def test_answer_typed_at_the_menu_is_offered_for_the_waiting_entry(resident, staff, engine):
    code, _ = await _taken_and_asked(resident, staff, engine)
    await resident.say("Đã thử ở khu phố 3, giảm 20% điện.")
    assert code in resident.text and "khu phố nào" in resident.text
    assert "ans:send" in resident.values and "ans-no" in resident.values
    # Nothing is sent until the resident says so; what they typed is kept meanwhile.
    assert (await entry_row(engine, code))["status"] == "needs_info"
    await resident.send_photo(ref="bang-do")
    await resident.press("ans:send")
    assert (await entry_row(engine, code))["status"] == "accepted"
    assert "khu phố 3" in (await _history(engine, code))[-1]["note"]
    assert "khu phố 3" in staff["lan"].inbox[-1].text


async def test_a_message_that_is_not_an_answer_is_not_sent(resident, staff, engine):
    code, _ = await _taken_and_asked(resident, staff, engine)
    before = len(staff["lan"].inbox)
    await resident.say("Cho tôi hỏi giờ làm việc của phường?")
    await resident.press("ans-no")
    assert "menu:idea" in resident.values
    assert (await entry_row(engine, code))["status"] == "needs_info"
    assert len(staff["lan"].inbox) == before


async def test_with_two_entries_waiting_the_bot_asks_which_one_the_answer_is_for(
        resident, staff, engine):
    first, first_id = await _taken_and_asked(resident, staff, engine)
    second = await submit_idea(resident, title="Vườn rau trên sân thượng trường học")
    second_id = (await entry_row(engine, second))["id"]
    await _ask(staff["lan"], second_id, "Trường nào đã đồng ý thử?")
    await resident.say("Trường Tiểu học Trần Hưng Đạo đã đồng ý.")
    assert {f"ans:{first}", f"ans:{second}"} <= set(resident.values)
    await resident.press(f"ans:{second}")
    assert second in resident.text and "Trường nào" in resident.text
    await resident.press("ans:send")
    assert (await entry_row(engine, second))["status"] == "submitted"  # asked before it was taken
    assert (await entry_row(engine, first))["status"] == "needs_info"
    assert "Trần Hưng Đạo" in (await _history(engine, second))[-1]["note"]


async def test_question_and_rejection_reason_stay_readable_in_my_entries(resident, staff, engine):
    code, _ = await _taken_and_asked(resident, staff, engine)
    await resident.press("menu:mine")
    await resident.press(f"entry:view:{code}")
    assert "khu phố nào" in resident.text
    await resident.press(f"ans:{code}")  # the Reply action
    await resident.say("Khu phố 3.")
    await resident.press("ans:send")
    entry_id = (await entry_row(engine, code))["id"]
    await staff["lan"].press_anyway(f"q:reject:{entry_id}")
    await staff["lan"].say("Ý tưởng đã được triển khai ở phường từ năm 2024.")
    await staff["lan"].press(f"q:yes:{entry_id}")
    await resident.press("menu:mine")
    await resident.press(f"entry:view:{code}")
    assert "triển khai ở phường từ năm 2024" in resident.text


async def test_answer_returns_to_the_status_before_the_question_and_tells_who_asked(
        resident, staff, engine):
    code, entry_id = await _taken_and_asked(resident, staff, engine)
    await resident.press(f"ans:{code}")
    await resident.say("Khu phố 3.")
    await resident.press("ans:send")
    assert (await entry_row(engine, code))["status"] == "accepted"
    lan, hung = staff["lan"].inbox[-1].text, staff["hung"].inbox[-1].text
    assert "Khu phố 3." in lan and "Khu phố 3." in hung
    assert lan.splitlines()[0] != hung.splitlines()[0]  # the one who asked hears it is theirs
    assert f"q:forward:{entry_id}" in last_options(staff["lan"])


async def test_officer_withdraws_a_question_and_the_entry_goes_back(resident, staff, engine):
    code, entry_id = await _taken_and_asked(resident, staff, engine)
    assert f"q:unask:{entry_id}" in staff["lan"].values
    await staff["lan"].press(f"q:unask:{entry_id}")
    entry = await entry_row(engine, code)
    assert entry["status"] == "accepted" and entry["paused_at"] is None
    assert code in resident.inbox[-1].text and resident.inbox[-1].options == []
    await resident.press_anyway(f"ans:{code}")
    assert "menu:idea" in resident.values  # the old Answer button says it is not waiting


async def test_officer_can_reject_an_entry_that_waits_for_its_author(resident, staff, engine):
    code, entry_id = await _taken_and_asked(resident, staff, engine)
    await staff["lan"].press_anyway(f"q:reject:{entry_id}")
    await staff["lan"].say("Không thuộc phạm vi phong trào.")
    assert (await entry_row(engine, code))["status"] == "needs_info"  # not before confirming
    await staff["lan"].press(f"q:yes:{entry_id}")
    entry = await entry_row(engine, code)
    assert entry["status"] == "rejected" and entry["paused_at"] is None
    assert "phạm vi phong trào" in resident.inbox[-1].text


async def test_officer_transfers_an_entry_to_the_right_ward(resident, staff, engine):
    code, entry_id = await _taken_and_asked(resident, staff, engine)
    await staff["lan"].press(f"q:transfer:{entry_id}")
    choices = [v for v in staff["lan"].values if v.startswith(f"q:transfer:{entry_id}:")]
    assert len(choices) == 9  # every ward but its own
    await staff["lan"].press(staff["lan"].option_value("Phường Bến Thành"))
    entry = await entry_row(engine, code)
    assert (entry["unit"], entry["status"]) == ("ben-thanh", "submitted")
    assert entry["paused_at"] is None and entry["due_at"] is not None
    assert code in staff["other"].inbox[-1].text  # the Bến Thành officer
    assert f"q:take:{entry_id}" in last_options(staff["other"])
    assert "Bến Thành" in resident.inbox[-1].text
    last = (await _history(engine, code))[-1]
    assert (last["from_status"], last["to_status"], last["actor_name"]) == (
        "needs_info", "submitted", "Cán bộ Lan")
    # Bến Nghé's officers may no longer act on it.
    await staff["lan"].press_anyway(f"q:take:{entry_id}")
    assert (await entry_row(engine, code))["status"] == "submitted"


async def test_forwarding_with_a_note_gives_the_note_to_the_district(resident, staff, engine):
    code = await submit_idea(resident)
    entry_id = (await entry_row(engine, code))["id"]
    await staff["lan"].press(f"q:forward:{entry_id}:note")
    await staff["lan"].say("Đề nghị ưu tiên: đã thử thành công ở khu phố 3.")
    assert (await entry_row(engine, code))["status"] == "forwarded"
    assert "ưu tiên" in staff["district"].inbox[-1].text
    assert "ưu tiên" in (await _history(engine, code))[-1]["note"]


async def test_irreversible_steps_ask_first_and_back_changes_nothing(resident, staff, engine):
    code = await submit_idea(resident)
    entry_id = (await entry_row(engine, code))["id"]
    lan = staff["lan"]
    await lan.press(f"q:take:{entry_id}")
    await lan.press_anyway(f"q:recognise:{entry_id}")
    assert f"q:yes:{entry_id}" in lan.values
    assert (await entry_row(engine, code))["status"] == "accepted"
    await lan.press("nav:back")
    assert (await entry_row(engine, code))["status"] == "accepted"
    await lan.press_anyway(f"q:yes:{entry_id}")  # the old confirmation does nothing now
    assert (await entry_row(engine, code))["status"] == "accepted"
    await lan.press_anyway(f"q:recognise:{entry_id}")
    await lan.press(f"q:yes:{entry_id}")
    assert (await entry_row(engine, code))["status"] == "recognised"


async def test_a_wrong_duplicate_code_is_asked_again_before_confirming(resident, staff, engine):
    first = await submit_idea(resident)
    second = await submit_idea(resident)
    second_id = (await entry_row(engine, second))["id"]
    lan = staff["lan"]
    await lan.press_anyway(f"q:duplicate:{second_id}")
    await lan.say("SK-26-1")
    assert f"q:yes:{second_id}" not in lan.values
    await lan.say(first)
    await lan.press(f"q:yes:{second_id}")
    assert (await entry_row(engine, second))["status"] == "duplicate"


async def test_award_result_records_level_and_prize(resident, staff, engine):
    code = await submit_idea(resident)
    entry_id = (await entry_row(engine, code))["id"]
    await staff["lan"].press(f"q:forward:{entry_id}")
    district = staff["district"]
    for action in ("shortlist", "nominate"):
        await district.press_anyway(f"q:{action}:{entry_id}")
    await district.press_anyway(f"q:not_award:{entry_id}")
    assert f"q:yes:{entry_id}" in district.values  # not awarded cannot be undone: asked first
    await district.press("nav:back")
    await district.press_anyway(f"q:award:{entry_id}")
    assert len([v for v in district.values if v.startswith(f"q:award:{entry_id}:")]) == 4
    await district.press(f"q:award:{entry_id}:merit")
    await district.say("Giấy khen và 2.000.000 đồng")
    entry = await entry_row(engine, code)
    assert (entry["status"], entry["award_level"], entry["award_prize"]) == (
        "awarded", "merit", "Giấy khen và 2.000.000 đồng")
    assert "Khuyến khích" in resident.inbox[-1].text
    await district.say(f"/hoso {code}")
    assert "Khuyến khích" in district.text and "2.000.000" in district.text


async def test_public_lookup_after_forwarding_names_the_district(resident, staff, engine):
    code = await submit_idea(resident)
    entry_id = (await entry_row(engine, code))["id"]
    await resident.say(f"/tracuu {code}")
    assert "Bến Nghé" in resident.text
    await staff["lan"].press(f"q:forward:{entry_id}")
    await resident.say(f"/tracuu {code}")
    assert "Quận 1" in resident.text and "Bến Nghé" not in resident.text
