"""The Telegram channel: the real python-telegram-bot Application against a fake Bot API."""

from __future__ import annotations

from handlers import commands
from testing.fakebotapi import BAD_MARKUP, BLOCKED, FakeBotAPI, UpdateFactory, too_many
from tests.flows import code_in
from tests.telegram_world import LAN, TelegramWorld, consent, register


async def submit_by_buttons(world: TelegramWorld, title: str = "Tiêu đề",
                            description: str = "Mô tả đủ dài của ý tưởng.") -> str:
    """An idea for Phường Cầu Kho, every question answered by a button where there is one."""
    await world.press("menu:idea")
    await world.press("pick:cau-kho")
    await world.press("pick:thrift")
    await world.text(title)
    await world.text(description)
    for _ in range(3):
        await world.press("nav:skip")
    await world.text(world.keyboard()[1])  # "Skip", tapped on the reply keyboard
    await world.press("form:confirm")
    return code_in(world.last()["text"])


async def test_whole_idea_submission_by_pressing_inline_buttons(world):
    await world.text("/start")
    assert "consent:yes" in world.buttons()
    await world.press("consent:yes")
    await world.press("menu:idea")
    await world.press("pick:cau-kho")
    await world.press("pick:thrift")
    await world.text("Thu gom dầu ăn đã qua sử dụng")
    await world.text("Đặt điểm thu gom dầu ăn thải tại chợ Cầu Muối để tái chế thành xà phòng.")
    await world.press("nav:skip")
    await world.feed(world.updates.photo(LAN))
    await world.press("nav:done")
    await world.text("Phạm Thu Hà")
    assert world.last()["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    await world.feed(world.updates.contact(LAN, "+84 912 345 678"))
    await world.press("pick:no")
    await world.press("form:confirm")
    code = code_in(world.last()["text"])
    assert code.startswith("SK-26-")
    # Every pressed button was answered, so no spinner stays on the resident's screen.
    assert len(world.api.calls_named("answerCallbackQuery")) == 8
    # Nothing is sent with a parse mode: what residents type is never interpreted.
    assert all("parse_mode" not in m for m in world.api.sent())


async def test_restart_in_the_middle_of_a_flow_resumes_it(settings, clock, sqlite_url):
    from dataclasses import replace

    settings = replace(settings, database_url=sqlite_url)
    api, updates = FakeBotAPI(), UpdateFactory()
    first = TelegramWorld(settings, clock, api, updates)
    await first.start()
    await consent(first)
    await first.press("menu:idea")
    await first.press("pick:da-kao")
    await first.press("pick:economy")
    await first.text("Bản đồ số các điểm đỗ xe")
    await first.stop()

    second = TelegramWorld(settings, clock, api, updates)  # a new Application, same file
    await second.start()
    await second.text("Ứng dụng hiển thị chỗ đỗ xe còn trống quanh chợ Tân Định.")
    assert "nav:skip" in second.buttons()  # the optional benefit question comes next
    await second.press("nav:skip")
    await second.press("nav:skip")
    await second.press("nav:skip")
    await second.text(second.keyboard()[1])  # "Skip", tapped on the reply keyboard
    summary = second.last()["text"]
    assert "Bản đồ số các điểm đỗ xe" in summary and "Phường: Đa Kao" in summary
    await second.press("form:confirm")
    assert code_in(second.last()["text"])
    await second.stop()


async def test_duplicate_update_is_processed_once(world):
    await consent(world)
    update = world.updates.press(LAN, "menu:idea")
    await world.feed(update)
    sent = len(world.api.sent(LAN))
    await world.feed(update)
    assert len(world.api.sent(LAN)) == sent


async def test_blocked_user_403_does_not_break_the_bot(world):
    await consent(world)
    world.api.fail(LAN, BLOCKED)
    await world.press("menu:lookup")  # the reply is refused with 403
    await world.text("/menu", user=LAN)  # and the next one goes through
    assert "menu:idea" in world.buttons()
    other = 515151
    await consent(world, other)
    assert "menu:idea" in world.buttons(other)


async def test_429_is_retried_after_the_time_the_api_asks(world):
    await consent(world)
    world.api.fail(LAN, too_many(1))
    before = len(world.api.sent(LAN))
    await world.press("menu:campaigns")
    assert len(world.api.sent(LAN)) == before + 1
    assert "2026" in world.last()["text"]


async def test_400_on_buttons_still_delivers_the_sentence(world):
    await consent(world)
    world.api.fail(LAN, BAD_MARKUP)
    await world.press("menu:help")
    assert "/tracuu" in world.last()["text"]
    assert "reply_markup" not in world.last()


async def test_sticker_voice_and_location_get_a_sentence(world):
    await consent(world)
    await world.press("menu:idea")
    await world.press("pick:cau-kho")
    await world.press("pick:thrift")
    before = len(world.api.sent(LAN))
    await world.feed(world.updates.sticker(LAN))
    assert len(world.api.sent(LAN)) == before + 1
    assert world.last()["text"]


async def test_long_reply_is_split_at_paragraphs_under_telegram_limit(world):
    await consent(world)
    await world.press("menu:idea")
    await world.press("pick:cau-kho")
    await world.press("pick:thrift")
    await world.text("Tiêu đề")
    paragraph = "Một đoạn mô tả dài. " * 40
    await world.text("\n\n".join([paragraph.strip()] * 3)[:3000])
    for _ in range(3):
        await world.press("nav:skip")
    await world.text(world.keyboard()[1])
    assert "form:confirm" in world.buttons()
    assert all(len(m["text"]) <= 4096 for m in world.api.sent(LAN))


async def test_command_menu_is_set_in_vietnamese_and_english(world):
    await world.app.bot_data["channel"].set_commands(world.app)
    calls = world.api.calls_named("setMyCommands")
    languages = {c.get("language_code") for c in calls}
    assert {"vi", "en"} <= languages
    vi = next(c for c in calls if c.get("language_code") == "vi")
    en = next(c for c in calls if c.get("language_code") == "en")
    assert [c["command"] for c in vi["commands"]] == [c["command"] for c in en["commands"]]
    assert vi["commands"][1]["description"] != en["commands"][1]["description"]


async def test_command_menu_is_the_residents_commands_of_the_command_table(world):
    await world.app.bot_data["channel"].set_commands(world.app)
    vi = next(c for c in world.api.calls_named("setMyCommands") if c.get("language_code") == "vi")
    names = [c["command"] for c in vi["commands"]]
    assert names == [c.vi for c in commands.COMMANDS if c.menu]
    assert "hangdoi" not in names and "thongbao" not in names
    assert vi["commands"][names.index("sangkien")]["description"] == "Gửi sáng kiến"


async def test_group_chats_are_ignored(world):
    update = world.updates.text(LAN, "/start")
    update["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Phường"}
    await world.feed(update)
    assert world.api.sent() == []


OFFICER, DISTRICT = 616161, 717171


async def test_review_path_through_telegram_with_notifications_on_both_sides(world):
    await register(world, OFFICER, "cau-kho", "ward_officer", "Cán bộ Kho")
    await register(world, DISTRICT, "quan-1", "district_officer", "Phòng Nội vụ")
    await consent(world)
    code = await submit_by_buttons(
        world, "Tái chế dầu ăn", "Thu gom dầu ăn thải ở chợ để làm xà phòng cho trường học.")
    new = world.last(OFFICER)
    assert code in new["text"]
    take = next(b for b in world.buttons(OFFICER) if b.startswith("q:take:"))
    entry_id = take.split(":")[2]

    await world.press(f"q:ask_info:{entry_id}", OFFICER)
    await world.text("Mỗi tháng thu được bao nhiêu lít?", OFFICER)
    assert "bao nhiêu lít" in world.last()["text"]
    await world.press(f"ans:{code}")
    await world.text("Khoảng 200 lít.")
    await world.feed(world.updates.photo(LAN))
    await world.press("ans:send")
    assert "200 lít" in world.last(OFFICER)["text"]

    await world.press(f"q:forward:{entry_id}", OFFICER)
    assert code in world.last()["text"]  # the author hears of it
    assert f"q:shortlist:{entry_id}" in world.buttons(DISTRICT)
    for action in ("shortlist", "nominate", "not_award"):
        await world.feed(world.updates.press(DISTRICT, f"q:{action}:{entry_id}"))
        assert code in world.last()["text"]
    await world.feed(world.updates.press(DISTRICT, f"q:view:{entry_id}"))
    assert world.api.calls_named("sendPhoto")  # details re-send the attachments


async def test_new_entry_reaches_the_units_group_chat(settings, clock):
    from dataclasses import replace

    group = -1009990001
    settings = replace(settings, unit_groups={"cau-kho": f"telegram:{group}"})
    world = TelegramWorld(settings, clock, FakeBotAPI(), UpdateFactory())
    await world.start()
    try:
        await consent(world)
        await world.press("menu:idea")
        await world.press("pick:cau-kho")
        await world.press("pick:thrift")
        await world.text("Tiêu đề")
        await world.text("Mô tả đủ dài của ý tưởng.")
        for _ in range(3):
            await world.press("nav:skip")
        await world.text(world.keyboard()[1])
        await world.press("form:confirm")
        to_group = world.api.sent(group)
        assert len(to_group) == 1 and code_in(to_group[0]["text"])
        assert any(b.startswith("q:take:") for b in world.buttons(group))
    finally:
        await world.stop()


async def test_blocked_officer_is_marked_and_not_retried(world):
    await register(world, OFFICER, "cau-kho", "ward_officer", "Cán bộ Kho")
    await consent(world)
    world.api.fail(OFFICER, BLOCKED)
    await submit_by_buttons(world)
    assert await world.app.bot_data["runtime"].deliver("telegram") == 0
    from sqlalchemy import select

    from storage.tables import outbox, users

    async with world.engine.connect() as conn:
        assert (await conn.execute(select(outbox.c.id))).all() == []  # not kept for a retry
        blocked = (await conn.execute(
            select(users.c.external_id).where(users.c.blocked_at.is_not(None)))).scalars().all()
    assert blocked == [str(OFFICER)]
