"""One runtime serving two channels in one process: the console and Telegram (the real
Application on the fake Bot API). Announcements and notifications reach each person through the
channel they wrote from."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from bot.channels.zalo_bot import ZaloBotChannel
from bot.services import broadcasts as broadcast_service
from bot.services.review import Actor
from storage.tables import users
from testing.fakezalo import TOKEN, FakeZaloBot
from tests.conftest import Resident, mailbox
from tests.flows import submit_idea
from tests.telegram_world import register, subscriber_row

TELEGRAM_CHAT = 777001
NOW = datetime(2026, 11, 1, tzinfo=UTC)


async def test_an_announcement_reaches_residents_of_both_channels(both):
    async with both.engine.begin() as conn:
        await conn.execute(insert(users), [subscriber_row("console", "3001"),
                                           subscriber_row("telegram", str(TELEGRAM_CHAT))])
        await broadcast_service.create(
            conn, Actor(user_id=None, role="communications"), text="Ngày hội sáng kiến",
            photo=None, audience={"kind": "all"}, send_at=both.clock.now, now=both.clock.now)
    assert await both.runtime.broadcaster.run() == 2
    on_telegram = [m["text"] for m in both.api.sent(TELEGRAM_CHAT)]
    on_console = [r.text for r in mailbox(both.dispatcher).get("3001", [])]
    assert len(on_telegram) == 1 and "Ngày hội sáng kiến" in on_telegram[0]
    assert len(on_console) == 1 and "Ngày hội sáng kiến" in on_console[0]


async def test_an_idea_sent_on_the_console_reaches_the_officer_on_telegram(both):
    officer = 880001
    await register(both, officer, "ben-nghe", "ward_officer", "Cán bộ Lan")
    resident = Resident(both.dispatcher, user="3002")
    await resident.consent()
    code = await submit_idea(resident, ward="ben nghe")
    assert await both.runtime.deliver_pending() == 1
    assert code in both.api.sent(officer)[-1]["text"]
    assert any(b.startswith("q:take:") for b in both.buttons(officer))


async def test_an_announcement_reaches_residents_on_telegram_the_console_and_zalo(both):
    zalo = FakeZaloBot().start()
    channel = ZaloBotChannel(both.dispatcher, both.runtime, token=TOKEN, base_url=zalo.url)
    try:
        async with both.engine.begin() as conn:
            await conn.execute(insert(users), [
                subscriber_row("console", "3001"), subscriber_row("telegram", str(TELEGRAM_CHAT)),
                subscriber_row("zalo_bot", "5001"), subscriber_row("zalo_bot", "5002")])
            await broadcast_service.create(
                conn, Actor(user_id=None, role="communications"), text="Ngày hội sáng kiến",
                photo=None, audience={"kind": "all"}, send_at=both.clock.now, now=both.clock.now)
        assert await both.runtime.broadcaster.run() == 4
        assert ["Ngày hội sáng kiến" in m["text"] for m in both.api.sent(TELEGRAM_CHAT)] == [True]
        assert ["Ngày hội sáng kiến" in r.text
                for r in mailbox(both.dispatcher).get("3001", [])] == [True]
        for chat in ("5001", "5002"):
            assert ["Ngày hội sáng kiến" in text for text in zalo.texts(chat)] == [True]
    finally:
        await channel.stop()
        zalo.stop()
