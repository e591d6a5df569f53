"""The announcement's ledger (storage.broadcasts.Ledger): each delivery is recorded the moment its
message is sent, committed before the next one goes, on a connection of the ledger's own. On
SQLite a database held by another writer makes the record wait without stopping the bot; on
PostgreSQL only the ledger's own commits skip waiting for the disk."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import insert, select, text

from bot.services import broadcasts as broadcast_service
from bot.services.review import Actor
from storage import broadcasts as broadcast_repo
from storage.tables import deliveries, users
from tests.telegram_world import subscriber_row


async def _announcement(engine, clock, count: int) -> tuple[int, list[int]]:
    """An announcement to `count` subscribers, started: its ledger written, all pending."""
    async with engine.begin() as conn:
        await conn.execute(insert(users), [subscriber_row("console", str(7000 + n))
                                           for n in range(count)])
        outcome = await broadcast_service.create(
            conn, Actor(user_id=None, role="communications"), text="Ngày hội sáng kiến",
            photo=None, audience={"kind": "all"}, send_at=clock.now, now=clock.now)
        broadcast = await broadcast_repo.get(conn, outcome.params["id"])
        await broadcast_service.start(conn, broadcast, clock.now)
        people = (await conn.execute(select(deliveries.c.user_id)
                                     .order_by(deliveries.c.user_id))).scalars().all()
    return broadcast["id"], list(people)


async def _rows(engine, broadcast_id: int) -> dict[int, tuple[str, int]]:
    async with engine.connect() as conn:
        result = await conn.execute(
            select(deliveries.c.user_id, deliveries.c.status, deliveries.c.attempts)
            .where(deliveries.c.broadcast_id == broadcast_id))
        return {user: (status, attempts) for user, status, attempts in result}


async def test_each_delivery_is_in_the_ledger_as_soon_as_it_is_recorded(engine, clock):
    broadcast_id, people = await _announcement(engine, clock, 3)
    async with broadcast_repo.Ledger(engine) as ledger:
        await ledger.record(broadcast_id, people[0], "sent", clock.now)
        # Seen by every other connection before the next message goes: a crash now would
        # resend nobody.
        rows = await _rows(engine, broadcast_id)
        assert rows[people[0]] == ("sent", 1)
        assert rows[people[1]] == ("pending", 0)
        await ledger.record(broadcast_id, people[1], "held", clock.now)
    rows = await _rows(engine, broadcast_id)
    assert [rows[p] for p in people] == [("sent", 1), ("held", 1), ("pending", 0)]
    async with engine.connect() as conn:
        when = (await conn.execute(select(deliveries.c.updated_at).where(
            deliveries.c.user_id == people[0]))).scalar_one()
    assert when == clock.now  # stored as SQLAlchemy stores it, read back the same


async def test_a_record_waits_for_another_writer_without_stopping_the_bot(
        engine, clock, settings):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one writer at a time")
    broadcast_id, people = await _announcement(engine, clock, 2)
    # Another process holds the database's write lock.
    other = sqlite3.connect(engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    async with broadcast_repo.Ledger(engine) as ledger:
        recording = asyncio.create_task(ledger.record(broadcast_id, people[0], "sent",
                                                      clock.now))
        ticks = 0
        for _ in range(5):  # the event loop runs on while the record waits for the lock
            await asyncio.sleep(0.02)
            ticks += 1
        assert ticks == 5 and not recording.done()
        other.execute("COMMIT")
        await recording
    other.close()
    assert (await _rows(engine, broadcast_id))[people[0]] == ("sent", 1)


async def test_only_the_ledger_commits_without_waiting_for_the_disk_on_postgresql(
        engine, clock):
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    broadcast_id, people = await _announcement(engine, clock, 1)
    async with broadcast_repo.Ledger(engine) as ledger:
        await ledger.record(broadcast_id, people[0], "sent", clock.now)
        assert await ledger._conn.fetchval("SHOW synchronous_commit") == "off"
        async with engine.connect() as conn:
            assert (await conn.execute(text("SHOW synchronous_commit"))).scalar_one() == "on"
