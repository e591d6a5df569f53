"""Announcements through the real Telegram Application: thousands of recipients, a fake Bot API
that answers some 429 and some 403, and a worker killed midway."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from bot.broadcaster import Broadcaster
from bot.services import broadcasts as broadcast_service
from bot.services.review import Actor
from storage import broadcasts as broadcast_repo
from storage.tables import users
from testing.fakebotapi import BLOCKED, FakeBotAPI, UpdateFactory, too_many
from tests.telegram_world import TelegramWorld

SUBSCRIBERS = 3000
FIRST_CHAT = 5_000_000


@pytest.fixture
async def big_world(settings, clock):
    fast = replace(settings, telegram_overall_rate=1_000_000, broadcast_rate=1_000_000)
    world = TelegramWorld(fast, clock, FakeBotAPI(), UpdateFactory())
    await world.start()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [
        {"channel": "telegram", "external_id": str(FIRST_CHAT + n), "lang": "vi",
         "consent_version": "2026-11", "consented_at": now, "subscribed": True,
         "role": "resident", "interests": {}, "state": "menu", "data": {},
         "last_update_id": 0, "updated_at": now}
        for n in range(SUBSCRIBERS)
    ]
    async with world.engine.begin() as conn:
        await conn.execute(insert(users), rows)
        await broadcast_service.create(
            conn, Actor(user_id=1, role="communications"), text="Thông báo thử nghiệm",
            photo=None, audience={"kind": "all"}, send_at=clock.now, now=clock.now)
    yield world
    await world.stop()


def _broadcaster(world: TelegramWorld) -> Broadcaster:
    channel = world.app.bot_data["channel"]
    return channel.runtime.broadcaster


def _received(world: TelegramWorld) -> Counter:
    # The announcement only: its sender (the first chat) also sees the progress report.
    return Counter(m["chat_id"] for m in world.api.sent()
                   if m["chat_id"] >= FIRST_CHAT and "Thông báo thử nghiệm" in m["text"])


async def test_thousands_receive_once_despite_429_and_403(big_world):
    blocked = {FIRST_CHAT + n for n in range(0, SUBSCRIBERS, 97)}
    for chat in blocked:
        big_world.api.fail(chat, BLOCKED)
    for chat in (FIRST_CHAT + 10, FIRST_CHAT + 1500):
        big_world.api.fail(chat, too_many(1))
    await _broadcaster(big_world).run()
    received = _received(big_world)
    assert set(received) == {FIRST_CHAT + n for n in range(SUBSCRIBERS)} - blocked
    assert set(received.values()) == {1}
    async with big_world.engine.connect() as conn:
        counts = await broadcast_repo.counts(conn, 1)
        marked = (await conn.execute(
            select(users.c.external_id).where(users.c.blocked_at.is_not(None)))).scalars().all()
    assert counts == {"sent": SUBSCRIBERS - len(blocked), "blocked": len(blocked)}
    assert {int(x) for x in marked} == blocked


async def test_worker_killed_midway_resumes_with_nobody_lost(big_world):
    crashes = 3
    for crash in range(crashes):
        task = asyncio.create_task(_broadcaster(big_world).run())
        target = (crash + 1) * SUBSCRIBERS // (crashes + 1)
        while len(big_world.api.sent()) < target and not task.done():
            await asyncio.sleep(0.001)
        task.cancel()  # the worker dies wherever it is
        await asyncio.gather(task, return_exceptions=True)
    await _broadcaster(big_world).run()  # a restart finishes the job
    received = _received(big_world)
    assert len(received) == SUBSCRIBERS  # nobody lost
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= crashes  # at most one per crash
    async with big_world.engine.connect() as conn:
        assert await broadcast_repo.counts(conn, 1) == {"sent": SUBSCRIBERS}


async def test_sender_sees_progress_in_one_message_edited_in_place(settings, clock):
    fast = replace(settings, telegram_overall_rate=1_000_000, broadcast_rate=1_000_000)
    world = TelegramWorld(fast, clock, FakeBotAPI(), UpdateFactory())
    await world.start()
    sender_chat = 4242
    now = datetime(2026, 11, 1, tzinfo=UTC)
    base = {"channel": "telegram", "lang": "vi", "consent_version": "2026-11",
            "consented_at": now, "role": "resident", "interests": {}, "state": "menu",
            "data": {}, "last_update_id": 0, "updated_at": now}
    try:
        async with world.engine.begin() as conn:
            sender_id = (await conn.execute(insert(users).values(
                **base, external_id=str(sender_chat), subscribed=False).returning(users.c.id)
            )).scalar_one()
            await conn.execute(insert(users), [
                {**base, "external_id": str(FIRST_CHAT + n), "subscribed": True}
                for n in range(400)])
            await broadcast_service.create(
                conn, Actor(user_id=sender_id, role="communications"), text="Thông báo",
                photo=None, audience={"kind": "all"}, send_at=clock.now, now=clock.now)
        await _broadcaster(world).run()
        to_sender = world.api.sent(sender_chat)
        edits = [c for c in world.api.calls_named("editMessageText")
                 if c["chat_id"] == sender_chat]
        assert len(to_sender) == 1  # one message…
        assert len(edits) == 3  # …edited at each later quarter and at the end
        assert "400" in edits[-1]["text"] and "reply_markup" not in edits[-1]
    finally:
        await world.stop()
