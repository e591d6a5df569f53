"""One runtime serving two channels in one process: the console and Telegram (the real
Application on the fake Bot API). Announcements and notifications reach each person through the
channel they wrote from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from bot.services import broadcasts as broadcast_service
from bot.services.review import Actor
from storage.tables import users
from testing.fakebotapi import FakeBotAPI, UpdateFactory
from tests.conftest import Resident, mailbox, mailbox_channel
from tests.flows import submit_idea
from tests.test_telegram import TelegramWorld, _register

TELEGRAM_CHAT = 777001
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
async def both(settings, clock):
    """The Telegram world, whose runtime also serves the console."""
    world = TelegramWorld(settings, clock, FakeBotAPI(), UpdateFactory())
    await world.start()
    world.dispatcher = world.app.bot_data["channel"].dispatcher
    world.runtime = world.app.bot_data["runtime"]
    world.runtime.add(mailbox_channel(world.dispatcher))
    yield world
    await world.stop()


def _subscriber(channel: str, external_id: str) -> dict:
    return {"channel": channel, "external_id": external_id, "lang": "vi",
            "consent_version": "2026-11", "consented_at": NOW, "subscribed": True,
            "role": "resident", "interests": {}, "state": "menu", "data": {},
            "last_update_id": 0, "updated_at": NOW}


async def test_an_announcement_reaches_residents_of_both_channels(both):
    async with both.engine.begin() as conn:
        await conn.execute(insert(users), [_subscriber("console", "3001"),
                                           _subscriber("telegram", str(TELEGRAM_CHAT))])
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
    await _register(both, officer, "ben-nghe", "ward_officer", "Cán bộ Lan")
    resident = Resident(both.dispatcher, user="3002")
    await resident.consent()
    code = await submit_idea(resident, ward="ben nghe")
    assert await both.runtime.deliver_pending() == 1
    assert code in both.api.sent(officer)[-1]["text"]
    assert any(b.startswith("q:take:") for b in both.buttons(officer))
