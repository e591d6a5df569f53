"""The database out of reach (issue 11): a Telegram update that arrives while the PostgreSQL
database refuses connections is not acknowledged (webhook: 503; polling: its offset is not
confirmed), so Telegram delivers it again; nothing is said to the resident in the meantime,
nothing they entered is lost, and once the database is back the update is taken once. Told
with a real outage of the test database: it stops accepting connections and its sessions are
ended."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.channels.telegram import build_application
from bot.dispatcher import DATABASE_AWAY, INTERNAL_ERROR
from bot.runtime import Runtime
from storage import users as user_repo
from storage.db import create_engine
from testing.fakebotapi import UpdateFactory
from testing.loopback_api import LoopbackBotAPI
from tests.telegram_world import by_webhook
from tests.zalo_world import ZaloWorld

CHAT = 4545


@contextlib.asynccontextmanager
async def outage(db_url: str):
    """The database refuses connections and loses those it had, until the block ends."""
    name = make_url(db_url).database
    admin = create_engine(str(make_url(db_url).set(database="postgres")))
    try:
        async with admin.connect() as conn:
            await conn.execute(text("COMMIT"))
            await conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
            await conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = :name"), {"name": name})
        yield
    finally:
        async with admin.connect() as conn:
            await conn.execute(text("COMMIT"))
            await conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        await admin.dispose()


async def test_an_update_sent_while_the_database_is_down_is_taken_when_telegram_sends_it_again(
        dispatcher, engine, settings, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("an outage of the database server")
    updates = UpdateFactory()
    async with by_webhook(dispatcher, settings) as (url, api, header), \
            httpx.AsyncClient() as client:
        async def telegram_sends(update: dict) -> int:
            return (await client.post(f"{url}/telegram", json=update, headers=header)
                    ).status_code

        assert await telegram_sends(updates.text(CHAT, "/start")) == 200
        greeted = len(api.sent(CHAT))
        consent = updates.press(CHAT, "consent:yes")
        async with outage(db_url):
            assert await telegram_sends(consent) == 503, "not acknowledged"
            assert await telegram_sends(consent) == 503, "still not, while it lasts"
        assert len(api.sent(CHAT)) == greeted, "no apology the resident cannot act on"
        assert await telegram_sends(consent) == 200, "taken once the database is back"
        assert len(api.sent(CHAT)) > greeted
        assert await telegram_sends(consent) == 200  # a second redelivery: dropped
        answered = len(api.sent(CHAT))
    async with engine.connect() as conn:
        user = await user_repo.load_user(conn, "telegram", str(CHAT))
    assert user["consented_at"] is not None, "the consent given during the outage counts"
    assert len(api.sent(CHAT)) == answered


async def test_a_database_fault_that_a_retry_cannot_mend_is_told_not_left_for_redelivery(
        dispatcher, engine, settings):
    updates = UpdateFactory()
    async with by_webhook(dispatcher, settings) as (url, api, header), \
            httpx.AsyncClient() as client:
        await client.post(f"{url}/telegram", json=updates.text(CHAT, "/start"), headers=header)
        greeted = len(api.sent(CHAT))
        async with engine.begin() as conn:  # a schema broken by hand: no outage to wait out
            await conn.execute(text("ALTER TABLE users RENAME TO users_gone"))
        answer = await client.post(f"{url}/telegram", json=updates.press(CHAT, "consent:yes"),
                                   headers=header)
        assert answer.status_code == 200, "Telegram is not made to send it again forever"
        told = [m["text"] for m in api.sent(CHAT)[greeted:]]
        assert told == [dispatcher.translator(None)._(INTERNAL_ERROR)], "told, in Vietnamese"


async def test_an_update_polled_while_the_database_is_down_is_not_confirmed_and_taken_later(
        dispatcher, engine, settings, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("an outage of the database server")
    api = LoopbackBotAPI().start()
    polled = replace(settings, telegram_base_url=api.base_url)
    application = build_application(polled, dispatcher, runtime=Runtime(dispatcher),
                                    token="123:POLL")
    channel = application.bot_data["channel"]
    await channel.start()
    try:
        api.push_text(CHAT, "/start")
        await _until(lambda: api.replies_to(CHAT))
        greeted = len(api.replies_to(CHAT))
        async with outage(db_url):
            consent = api.push_press(CHAT, "consent:yes")
            await _until(lambda: api.calls.count("getUpdates") >= 4)  # fetched, more than once
            assert any(u["update_id"] == consent for u in api.updates), "not confirmed"
            assert len(api.replies_to(CHAT)) == greeted, "no apology the resident cannot act on"
        await _until(lambda: len(api.replies_to(CHAT)) > greeted, seconds=30)
        async with engine.connect() as conn:
            user = await user_repo.load_user(conn, "telegram", str(CHAT))
        assert user["consented_at"] is not None, "the consent given during the outage counts"
    finally:
        await channel.stop()
        api.stop()


async def _until(predicate, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_on_zalo_a_message_sent_while_the_database_is_down_is_answered_not_taken(
        fake_zalo, dispatcher, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("an outage of the database server")
    world = await ZaloWorld(fake_zalo, dispatcher).start()  # Zalo does not deliver again
    try:
        lan = world.person("3000111222")
        assert await lan.say("Xin chào")
        async with outage(db_url):
            told = await lan.say("Đồng ý")
        assert told == [dispatcher.translator(None)._(DATABASE_AWAY)], "asked to send it again"
        assert await lan.say("Đồng ý"), "answered once the database is back"
    finally:
        await world.stop()
