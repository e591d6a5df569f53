"""Issue 9.1: wherever a number is shown next to an option, typing that number chooses it, on
every step (free-text questions included) and every channel."""

from __future__ import annotations

from bot.channels.console import render_human
from bot.channels.text import render_parts
from bot.model import Option, Reply
from storage import entries as entry_repo
from storage import users as user_repo
from testing.fakebotapi import FakeBotAPI, UpdateFactory
from tests.conftest import Resident
from tests.flows import reach_title, submit_idea
from tests.officers import register_officer
from tests.telegram_world import LAN, TelegramWorld


def _number_of(person, label: str) -> str:
    return str(person.labels.index(label) + 1)


async def _row(dispatcher, user: str) -> dict:
    async with dispatcher.engine.connect() as conn:
        return await user_repo.load_user(conn, "console", user)


async def test_typing_the_number_of_skip_skips_the_question(resident, dispatcher):
    await reach_title(resident)
    await resident.say("Đèn đường tiết kiệm điện")
    await resident.say("Lắp cảm biến để đèn đường tự giảm độ sáng khi vắng người qua lại.")
    skip = resident.dispatcher.translator("vi")._("Skip")
    assert "flow:benefit" == (await _row(dispatcher, resident.user))["state"]
    await resident.say(_number_of(resident, skip))
    row = await _row(dispatcher, resident.user)
    assert row["state"] != "flow:benefit"  # the question was skipped…
    assert "1" not in (row["data"]["draft"]["answers"].get("benefit") or "")  # …not answered "1"


async def test_officer_typing_the_number_of_back_does_not_reject(resident, dispatcher, engine):
    code = await submit_idea(resident, ward="ben nghe")
    lan = await register_officer(dispatcher, "9001", "ben-nghe", "ward_officer", "Cán bộ Lan")
    async with engine.connect() as conn:
        entry = await entry_repo.entry_by_code(conn, code)
    await lan.press_anyway(f"q:reject:{entry['id']}")
    back = dispatcher.translator("vi")._("Back")
    await lan.say(_number_of(lan, back))
    async with engine.connect() as conn:
        assert (await entry_repo.entry_by_code(conn, code))["status"] == "submitted"
    assert not any("1" == r.text.strip().splitlines()[-1] for r in resident.inbox)
    assert dispatcher.translator("vi")._("Nothing was changed.") in lan.text


async def test_a_number_too_big_for_the_options_is_an_answer(resident, dispatcher):
    await reach_title(resident)
    await resident.say("Đèn đường tiết kiệm điện")
    await resident.say("Lắp cảm biến để đèn đường tự giảm độ sáng khi vắng người qua lại.")
    await resident.say("30")  # three options are shown: 30 is what the resident expects
    row = await _row(dispatcher, resident.user)
    assert row["data"]["draft"]["answers"]["benefit"] == "30"


def test_the_console_shows_numbers_only_where_they_pick():
    options = [Option("nav:skip", "Bỏ qua"), Option("nav:back", "Quay lại")]
    assert "  1. Bỏ qua" in render_human(Reply("Câu hỏi", options))
    plain = render_human(Reply("Câu hỏi", options, numbered=False))
    assert "1." not in plain and "Bỏ qua" in plain


def test_a_long_text_is_split_with_the_options_on_the_last_part():
    paragraphs = "\n\n".join(f"Đoạn {n}: " + "chữ " * 40 for n in range(10))
    options = [Option("nav:skip", "Bỏ qua"), Option("nav:back", "Quay lại")]
    parts = render_parts(Reply(paragraphs, options), 500)
    assert len(parts) > 1 and all(len(p) <= 500 for p in parts)
    assert parts[-1].endswith("  1. Bỏ qua\n  2. Quay lại")
    assert not any("Bỏ qua" in p for p in parts[:-1])
    assert all(p.startswith("Đoạn") for p in parts)  # cut at paragraph boundaries


async def test_on_telegram_typing_the_number_of_skip_skips_the_question_too(settings, clock):
    world = TelegramWorld(settings, clock, FakeBotAPI(), UpdateFactory())
    await world.start()
    try:
        await world.text("/start")
        await world.press("consent:yes")
        await world.press("menu:idea")
        await world.press("pick:cau-kho")
        await world.press("pick:thrift")
        await world.text("Tiêu đề")
        await world.text("Mô tả đủ dài của ý tưởng.")
        assert world.buttons()[0] == "nav:skip"
        await world.text("1")
        async with world.engine.connect() as conn:
            row = await user_repo.load_user(conn, "telegram", str(LAN))
        assert row["state"] != "flow:benefit"
        assert not row["data"]["draft"]["answers"].get("benefit")
    finally:
        await world.stop()


async def test_a_notification_between_questions_is_picked_by_number_but_not_mid_answer(
        dispatcher, engine):
    """On a channel without buttons, an officer reading a new entry types its numbers; one
    typing a note meanwhile sees the options without numbers, and the note stays theirs."""
    first, second = Resident(dispatcher, user="1101"), Resident(dispatcher, user="1102")
    for person in (first, second):
        await person.consent()
    lan = await register_officer(dispatcher, "9001", "ben-nghe", "ward_officer", "Cán bộ Lan")
    code = await submit_idea(first, ward="ben nghe")
    [notice] = [r for r in lan.inbox if code in r.text]
    assert notice.numbered
    take = dispatcher.translator("vi")._("Take")
    await lan.say(str([o.label for o in notice.options].index(take) + 1))
    async with engine.connect() as conn:
        assert (await entry_repo.entry_by_code(conn, code))["status"] == "accepted"
        entry = await entry_repo.entry_by_code(conn, code)
    await lan.press_anyway(f"q:ask_info:{entry['id']}")  # now typing a question to the author
    other = await submit_idea(second, ward="ben nghe", title="Thùng rác phân loại")
    [later] = [r for r in lan.inbox if other in r.text]
    assert not later.numbered  # shown as "- Take", not "1. Take"
    async with engine.connect() as conn:
        assert (await user_repo.load_user(conn, "console", "9001"))["state"] == "review:note"
