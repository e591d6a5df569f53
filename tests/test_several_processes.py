"""Several processes on one PostgreSQL database (issue 11): one sender's steps are applied one
at a time and in order whichever process gets them; an update that arrives after a later one is
not taken out of order, and its sender is told so instead of being ignored."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from bot.dispatcher import Dispatcher
from bot.model import Event
from bot.services import broadcasts as broadcast_service
from bot.services.review import Actor
from storage import users as user_repo
from storage.tables import users
from testing.fakebotapi import FakeBotAPI, UpdateFactory
from tests.conftest import PG_URL
from tests.telegram_world import TelegramWorld, subscriber_row

pytestmark = pytest.mark.skipif(PG_URL is None, reason="needs TEST_DATABASE_URL (PostgreSQL)")


@pytest.fixture
async def two(settings, engine, clock, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes share PostgreSQL")
    pair = [Dispatcher(settings, engine, clock=clock) for _ in range(2)]
    yield pair
    for dispatcher in pair:
        await dispatcher.close()


def _event(user: str, update_id: int, text: str | None = None, choice: str | None = None):
    return Event(channel="telegram", user=user, update_id=update_id, text=text, choice=choice)


async def _to_title(dispatcher, user: str) -> int:
    steps = [dict(text="/start"), dict(choice="consent:yes"), dict(choice="menu:idea"),
             dict(text="ben nghe"), dict(choice="pick:economy")]
    for number, step in enumerate(steps, start=1):
        assert await dispatcher.handle(_event(user, number, **step))
    return len(steps)


async def test_consecutive_updates_of_thirty_residents_on_two_processes_are_all_applied(two):
    first, second = two
    users = [str(700_000 + n) for n in range(30)]
    done = await asyncio.gather(*[_to_title(first, user) for user in users])
    # The title goes to one process and the description to the other, at the same moment.
    answers = await asyncio.gather(*[
        part for user, last in zip(users, done, strict=True) for part in (
            first.handle(_event(user, last + 1, text="Đèn đường tiết kiệm điện")),
            second.handle(_event(user, last + 2, text="Lắp cảm biến để đèn đường tự giảm "
                                                      "độ sáng khi vắng người qua lại.")))])
    assert all(answers), "every update is answered"
    async with first.engine.connect() as conn:
        rows = [await user_repo.load_user(conn, "telegram", user) for user in users]
    for row in rows:
        answers_ = row["data"]["draft"]["answers"]
        # In order (title, then description), or the late one refused: never both lost.
        assert answers_.get("title") == "Đèn đường tiết kiệm điện" or row["state"] == "flow:title"
        assert row["last_update_id"] >= 6


async def test_an_update_arriving_after_a_later_one_is_refused_with_a_sentence(two):
    first, second = two
    last = await _to_title(first, "700100")
    assert await second.handle(_event("700100", last + 2, text="Đèn đường tiết kiệm điện"))
    late = await first.handle(_event("700100", last + 1, text="Tiêu đề cũ"))
    assert late and "Tiêu đề cũ" in late[0].text  # told, by name, not ignored
    again = await first.handle(_event("700100", last + 2, text="Đèn đường tiết kiệm điện"))
    assert again == []  # a redelivery of what was taken stays silent
    async with first.engine.connect() as conn:
        row = await user_repo.load_user(conn, "telegram", "700100")
    assert row["data"]["draft"]["answers"]["title"] == "Đèn đường tiết kiệm điện"


async def test_an_announcement_run_by_two_processes_at_once_reaches_each_subscriber_once(
        settings, clock, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes share PostgreSQL")
    fast = replace(settings, telegram_overall_rate=1_000_000, broadcast_rate=1_000_000)
    worlds = [TelegramWorld(fast, clock, FakeBotAPI(), UpdateFactory()) for _ in range(2)]
    for world in worlds:
        await world.start()
    try:
        now = datetime(2026, 11, 1, tzinfo=UTC)
        async with worlds[0].engine.begin() as conn:
            await conn.execute(insert(users), [
                {**subscriber_row("telegram", str(6_000_000 + n)), "updated_at": now}
                for n in range(400)])
            await broadcast_service.create(
                conn, Actor(user_id=None, role="communications"), text="Ngày hội sáng kiến",
                photo=None, audience={"kind": "all"}, send_at=clock.now, now=clock.now)
        runners = [world.app.bot_data["runtime"].broadcaster for world in worlds]
        await asyncio.gather(*(runner.run() for runner in runners))
        received = Counter(m["chat_id"] for world in worlds for m in world.api.sent()
                           if "Ngày hội sáng kiến" in m.get("text", ""))
        assert len(received) == 400 and set(received.values()) == {1}
        assert all(world.api.sent() for world in worlds)  # both processes took a share
    finally:
        for world in worlds:
            await world.stop()


async def test_a_fast_typist_writing_to_two_processes_gets_one_burst_not_two(
        settings, engine, clock, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes share PostgreSQL")
    limited = replace(settings, flood_burst=4, flood_rate=0.5)
    pair = [Dispatcher(limited, engine, clock=clock) for _ in range(2)]
    try:
        replies = []
        for n in range(8):
            replies.append(await pair[n % 2].handle(_event("700900", n + 1, text=f"xin chào {n}")))
            await pair[n % 2].flood.settled()  # counted in the database, as a moment later
        at_once = [r for r in replies if r and "quickly" not in r[0].text
                   and "nhanh" not in r[0].text]
        assert len(at_once) == 4, "the burst of 4 is the sender's, not each process's"
    finally:
        for dispatcher in pair:
            await dispatcher.close()
