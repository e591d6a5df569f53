"""Text that shows nothing is no answer: an officer's reason and a resident's reply made only of
invisible characters (word joiners) are asked for again, as in the forms."""

from __future__ import annotations

from tests import officers
from tests.flows import entry_row, submit_idea

staff = officers.staff  # the fixture
INVISIBLE = "\u2060" * 12


async def test_a_rejection_reason_of_invisible_characters_is_asked_for_again(
        resident, staff, engine):
    code = await submit_idea(resident)
    entry_id = (await entry_row(engine, code))["id"]
    lan = staff["lan"]
    await lan.press(f"q:reject:{entry_id}")
    await lan.say(INVISIBLE)
    assert lan.dispatcher.translator("vi")._(
        "Please type the text (at most 2,000 characters), or press Back.") in lan.text
    assert f"q:yes:{entry_id}" not in lan.values  # nothing to confirm yet
    assert (await entry_row(engine, code))["status"] == "submitted"


async def test_an_answer_of_invisible_characters_is_not_taken(resident, staff, engine):
    code = await submit_idea(resident)
    entry_id = (await entry_row(engine, code))["id"]
    await staff["lan"].press(f"q:ask_info:{entry_id}")
    await staff["lan"].say("Anh/chị đã thử ở khu phố nào chưa?")
    await resident.press(resident.inbox[-1].options[0].value)  # Trả lời
    await resident.say(INVISIBLE)
    assert resident.dispatcher.translator("vi")._(
        "Please type your answer or send a photo or document, then press Send.") in resident.text
