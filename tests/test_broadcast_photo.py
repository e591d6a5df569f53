"""An announcement's photo is the bot's, not a channel's: sent from the console, it reaches a
resident on Telegram as the photo itself, read from the bot's file store."""

from __future__ import annotations

from sqlalchemy import insert

from bot.channels.console import stored
from bot.model import Attachment, Event
from storage.tables import users
from tests.officers import register_officer
from tests.telegram_world import TELEGRAM_CHAT, subscriber_row

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


async def test_a_photo_announced_from_the_console_reaches_a_telegram_resident(
        both, tmp_path):
    async with both.engine.begin() as conn:
        await conn.execute(insert(users), [subscriber_row("telegram", str(TELEGRAM_CHAT))])
    comms = await register_officer(both.dispatcher, "3101", "quan-1", "communications", "VHTT")
    poster = tmp_path / "ngay-hoi.jpg"
    poster.write_bytes(JPEG)

    async def say(**kwargs):
        event = Event(channel="console", user=comms.user, **kwargs)
        return await both.dispatcher.handle(await stored(both.runtime, event))

    await say(text="/thongbao")
    await say(text="Ngày hội sáng kiến phường Bến Nghé.")
    await say(attachment=Attachment("photo", str(poster), "ngay-hoi.jpg", "image/jpeg"))
    poster.unlink()  # the sender's own copy is gone: the bot sends the one it stored
    await say(choice="pick:all")
    await say(choice="nav:skip")  # now
    await say(choice="form:confirm")
    assert await both.runtime.broadcaster.run() == 1
    photos = [c for c in both.api.calls_named("sendPhoto") if c["chat_id"] == TELEGRAM_CHAT]
    assert len(photos) == 1 and JPEG in photos[0]["_uploaded"].values()
