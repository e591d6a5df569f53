"""Residents on the Zalo Bot API (issue 10): the real adapter long-polls the fake_zalo Zalo Bot API,
which answers as Zalo's documentation says (one update a poll, 408 when none came, updates
delivered again, the bot's own messages coming back, 2,000 characters at most)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.dispatcher import Dispatcher
from bot.model import Option, Reply
from bot.runtime import Runtime
from bot.services import officers as officer_service
from storage import entries as entry_repo
from storage import users as user_repo
from storage.tables import entries
from testing.codes import code_in
from testing.fakezalo import FakeZaloBot
from tests.zalo_world import (
    ZaloWorld,
    consent,
    redelivered_title_changes_nothing,
    t,
    to_files_question,
    to_title_answered,
)

LAN = "3000111222"



@pytest.fixture
async def zalo(fake_zalo, dispatcher):
    world = await ZaloWorld(fake_zalo, dispatcher).start()
    yield world
    await world.stop()


async def _count(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(entries))).scalar_one()


async def test_resident_sends_a_whole_idea_on_zalo_by_typing_numbers_and_names(
        zalo, dispatcher, engine, fake_zalo):
    lan = zalo.person(LAN)
    await consent(lan, dispatcher)
    await lan.choose(t(dispatcher, "Send an idea"))
    await lan.say("ben nghe")  # a ward typed without accents
    await lan.choose("Chuyển đổi số, đô thị thông minh")
    await lan.say("Đèn đường tiết kiệm điện")
    await lan.say("Lắp cảm biến để đèn đường tự giảm độ sáng khi vắng người qua lại.")
    await lan.say("Tiết kiệm 30% điện năng chiếu sáng công cộng.")
    await lan.choose(t(dispatcher, "Skip"))  # no files
    await lan.say("Nguyễn Thị Lan")
    await lan.say("0903 123 456")
    await lan.choose(t(dispatcher, "Yes"))
    assert "Đèn đường tiết kiệm điện" in lan.text  # the summary
    await lan.say(t(dispatcher, "Send"))  # the label typed instead of its number
    code = code_in(lan.text)
    async with engine.connect() as conn:
        entry = await entry_repo.entry_by_code(conn, code)
        author = await user_repo.load_user(conn, "zalo_bot", LAN)
    assert entry["unit"] == "ben-nghe" and entry["user_id"] == author["id"]
    assert all(1 <= len(m["text"]) <= 2000 for m in fake_zalo.sent)


async def test_a_redelivered_zalo_message_is_processed_once(zalo, dispatcher, engine):
    await redelivered_title_changes_nothing(zalo.person(LAN), dispatcher, engine, "zalo_bot")


async def test_a_zalo_message_delivered_to_another_process_too_is_processed_once(
        fake_zalo, settings, engine, clock):
    """Two processes' dispatchers (two caches, one database) get the same message."""
    first, second = (Dispatcher(settings, engine, clock=clock) for _ in range(2))
    world = await ZaloWorld(fake_zalo, first).start()
    try:
        lan = world.person(LAN)
        await consent(lan, first)
        other = ZaloWorld(fake_zalo, second)
        update = world.push(fake_zalo.push_text(LAN, "1"))  # "Send an idea", in the first process
        await world.settle()
        sent = len(fake_zalo.sent)
        await other.channel.on_update(update)  # the second process gets it too
        assert len(fake_zalo.sent) == sent  # and says nothing
        async with engine.connect() as conn:
            row = await user_repo.load_user(conn, "zalo_bot", LAN)
        assert row["state"] == "flow:ward" and row["version"] == 3  # consent, idea: not twice
    finally:
        await world.stop()
        await first.close()
        await second.close()


async def test_the_bots_own_messages_coming_back_are_not_taken_as_answers(dispatcher, engine):
    fake_zalo = FakeZaloBot(echo=True).start()
    world = await ZaloWorld(fake_zalo, dispatcher).start()
    try:
        lan = world.person(LAN)
        await lan.say("Xin chào")
        await world.settle()
        for _ in range(20):  # let the echoes of the greeting come back and be dropped
            if not fake_zalo.pending:
                break
            await world.settle()
        async with engine.connect() as conn:
            row = await user_repo.load_user(conn, "zalo_bot", LAN)
        assert row["consent_version"] is None
        assert len(fake_zalo.texts(LAN)) == len(lan.last)  # greeting once, nothing answered twice
    finally:
        await world.stop()
        fake_zalo.stop()


async def test_a_photo_sent_on_zalo_is_kept_by_the_bot_at_once(zalo, dispatcher, engine, fake_zalo):
    lan = zalo.person(LAN)
    await to_files_question(lan, dispatcher)
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 5000 + b"\xff\xd9"
    await lan.send_photo(jpeg)
    async with engine.connect() as conn:
        row = await user_repo.load_user(conn, "zalo_bot", LAN)
    [stored] = row["data"]["draft"]["files"] if "files" in row["data"]["draft"] else \
        row["data"]["draft"]["answers"]["files"]
    assert stored["mime"] == "image/jpeg" and stored["key"] and stored["size"] == len(jpeg)
    assert await zalo.runtime.files.read(stored["key"]) == jpeg


async def test_a_sticker_on_zalo_gets_a_sentence_and_the_draft_stays(zalo, dispatcher, engine):
    lan = zalo.person(LAN)
    await to_title_answered(lan, dispatcher)
    await lan.send_sticker()
    assert lan.last and "Đèn đường" not in lan.text
    async with engine.connect() as conn:
        row = await user_repo.load_user(conn, "zalo_bot", LAN)
    assert row["data"]["draft"]["answers"]["title"] == "Đèn đường tiết kiệm điện"


async def test_a_restart_mid_form_on_zalo_resumes_at_the_same_question(
        fake_zalo, settings, engine, clock):
    first = Dispatcher(settings, engine, clock=clock)
    world = await ZaloWorld(fake_zalo, first).start()
    lan = world.person(LAN)
    await consent(lan, first)
    await lan.choose(t(first, "Send an idea"))
    await lan.say("ben nghe")
    await world.stop()
    await first.close()
    second = Dispatcher(settings, engine, clock=clock)  # a new process, the same database
    world = await ZaloWorld(fake_zalo, second, Runtime(second)).start()
    try:
        lan = world.person(LAN)
        await lan.choose("Chuyển đổi số, đô thị thông minh")
        async with engine.connect() as conn:
            row = await user_repo.load_user(conn, "zalo_bot", LAN)
        assert row["state"] == "flow:title" and row["data"]["draft"]["answers"]["ward"] \
            == "ben-nghe"
    finally:
        await world.stop()
        await second.close()


async def test_a_long_record_on_zalo_comes_in_parts_at_paragraphs_with_options_last(
        zalo, dispatcher, fake_zalo):
    paragraphs = [f"Đoạn {n}: " + "nội dung hồ sơ " * 40 for n in range(8)]
    reply = Reply("\n\n".join(paragraphs), options=[Option("a", "Nhận xử lý"),
                                                    Option("b", "Quay lại")])
    assert (await zalo.channel.send(LAN, reply)).status == "sent"
    parts = fake_zalo.texts(LAN)
    assert len(parts) > 1 and all(len(p) <= 2000 for p in parts)
    assert all(p.startswith("Đoạn") for p in parts)  # each part begins with a paragraph
    assert "1. Nhận xử lý" in parts[-1] and not any("Nhận xử lý" in p for p in parts[:-1])


async def test_zalo_refusing_for_a_while_delays_the_message_and_blocked_marks_the_person(
        zalo, dispatcher, engine, fake_zalo):
    lan = zalo.person(LAN)
    await consent(lan, dispatcher)
    fake_zalo.fail(LAN, 429, 429, "Too Many Requests")
    result = await zalo.channel.send(LAN, Reply("Thông báo thử"))
    assert result.status == "retry_after"
    assert (await zalo.channel.send(LAN, Reply("Thông báo thử"))).status == "sent"
    fake_zalo.fail(LAN, 403, 403, "Forbidden: the user has not talked to the bot")
    assert (await zalo.channel.send(LAN, Reply("Thông báo thử"))).status == "blocked"
    assert await _count(engine) == 0


async def test_an_officer_on_zalo_is_told_of_a_new_idea_and_takes_it_by_typing_a_number(
        zalo, dispatcher, engine, fake_zalo):
    async with dispatcher.engine.begin() as conn:
        code, _ = await officer_service.invite(conn, dispatcher.ref, unit="ben-nghe",
                                               role="ward_officer", name="Cán bộ Hùng",
                                               now=dispatcher.clock())
    hung = zalo.person("3000999888")
    await hung.say(f"/dangky {code}")
    assert "Cán bộ Hùng" in hung.text
    lan = zalo.person(LAN)
    await to_files_question(lan, dispatcher)
    await lan.choose(t(dispatcher, "Skip"))
    await lan.choose(t(dispatcher, "Skip"))
    await lan.choose(t(dispatcher, "Skip"))
    await lan.say(t(dispatcher, "Send"))
    entry_code = code_in(lan.text)
    notice = fake_zalo.texts(hung.user)[-1]  # through the outbox, on Zalo
    assert entry_code in notice
    hung.last = [notice]
    await hung.choose(t(dispatcher, "Take"))
    print("HUNG", hung.last)
    async with engine.connect() as conn:
        entry = await entry_repo.entry_by_code(conn, entry_code)
    assert entry["status"] == "accepted"
    assert any(entry_code in text for text in fake_zalo.texts(LAN)[-2:])  # the author is told


async def test_resident_registers_an_award_entry_on_zalo(zalo, dispatcher, engine, fake_zalo):
    lan = zalo.person(LAN)
    await consent(lan, dispatcher)
    await lan.choose(t(dispatcher, "Register for the HCMC Creative Award"))
    for typed in ("1", "1", "ben thanh", "Phần mềm quản lý hồ sơ", "Nguyễn Văn A, Trần Thị B"):
        await lan.say(typed)
    await lan.choose(t(dispatcher, "Skip"))  # the authors own it
    for typed in ("Phần mềm giúp phường quản lý hồ sơ nhanh hơn.", "UBND phường Bến Thành",
                  "3/2024", "Giảm 40% thời gian tìm hồ sơ.", "1"):
        await lan.say(typed)
    for _ in range(3):  # no files, no name, no phone
        await lan.choose(t(dispatcher, "Skip"))
    assert "Phần mềm quản lý hồ sơ" in lan.text and "03/2024" in lan.text  # the summary
    await lan.choose(t(dispatcher, "Send"))
    code = code_in(lan.text)
    assert code.startswith("GT-")
    async with engine.connect() as conn:
        entry = await entry_repo.entry_by_code(conn, code)
    assert entry["kind"] == "award" and entry["unit"] == "ben-thanh"
