"""One person, two channels (issue 10, item 7): a resident on Zalo and on Telegram is two chats
until they link them with a one-time code from Settings; then both see their entries."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.services.linking import LINK_VALIDITY
from storage.entries import entry_by_code
from tests.conftest import Resident
from tests.flows import submit_idea


def _code(person: Resident) -> str:
    [code] = re.findall(r"/lienket ([A-Z0-9]{4}-[A-Z0-9]{4})", person.text)
    return code


async def _link_code(person: Resident) -> str:
    await person.say("/caidat")
    await person.press("set:link")
    return _code(person)


async def test_a_resident_links_zalo_to_telegram_and_sees_and_withdraws_entries_from_both(
        dispatcher):
    on_telegram = Resident(dispatcher, user="777001", channel="telegram")
    on_zalo = Resident(dispatcher, user="3000111222", channel="zalo_bot")
    for chat in (on_telegram, on_zalo):
        await chat.consent()
    sent_on_telegram = await submit_idea(on_telegram, title="Đèn đường tiết kiệm điện")
    sent_on_zalo = await submit_idea(on_zalo, title="Thùng rác phân loại tại nguồn")
    await on_zalo.say(f"/lienket {await _link_code(on_telegram)}")
    assert "liên kết" in on_zalo.text.lower()
    for chat in (on_telegram, on_zalo):
        await chat.say("/hosocuatoi")
        assert sent_on_telegram in chat.text and sent_on_zalo in chat.text
    await on_zalo.press_label(sent_on_telegram)  # the entry sent on Telegram, opened on Zalo
    await on_zalo.press_label(dispatcher.translator("vi")._("Withdraw this entry"))
    await on_zalo.press_label(dispatcher.translator("vi")._("Yes, withdraw it"))
    async with dispatcher.engine.connect() as conn:
        assert (await entry_by_code(conn, sent_on_telegram))["status"] == "withdrawn"


async def test_a_link_code_works_once_within_15_minutes_and_never_on_the_same_channel(
        dispatcher, clock):
    first = Resident(dispatcher, user="777001", channel="telegram")
    other_telegram = Resident(dispatcher, user="777002", channel="telegram")
    on_zalo = Resident(dispatcher, user="3000111222", channel="zalo_bot")
    for chat in (first, other_telegram, on_zalo):
        await chat.consent()
    mine = await submit_idea(first)
    code = await _link_code(first)
    await other_telegram.say(f"/lienket {code}")  # the same channel: refused
    await on_zalo.say(f"/lienket {code}")  # spent by the refusal above: codes work once
    assert "không hợp lệ" in on_zalo.text
    code = await _link_code(first)
    clock.now += LINK_VALIDITY + timedelta(minutes=1)
    await on_zalo.say(f"/lienket {code}")
    assert "không hợp lệ" in on_zalo.text
    await on_zalo.say("/lienket ABCD-EFGH")
    assert "không hợp lệ" in on_zalo.text
    await on_zalo.say("/hosocuatoi")
    assert mine not in on_zalo.text  # nothing was linked
