"""A plain step's write on SQLite (storage.fastpath): on the event loop's thread when the
database is free, on the writer's thread when another connection holds the lock, one page."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

import storage.fastpath as fastpath
from storage import users as user_repo
from storage.db import create_engine, migrate
from storage.fastpath import SessionWriter
from storage.tables import users

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


async def _resident(url: str) -> int:
    engine = create_engine(url)
    await migrate(engine)
    async with engine.begin() as conn:
        row = await user_repo.create_user(conn, "telegram", "4242", "vi", NOW)
    await engine.dispose()
    return row["id"]


async def _row(url: str, user_id: int) -> dict:
    engine = create_engine(url)
    async with engine.connect() as conn:
        row = (await conn.execute(select(users).where(users.c.id == user_id))).one()._mapping
    await engine.dispose()
    return dict(row)


def _step(title: str, minutes: int = 1) -> dict:
    return {"state": "flow:description", "data": {"draft": {"answers": {"title": title}}},
            "updated_at": NOW + timedelta(minutes=minutes)}


async def test_a_step_taken_while_another_connection_writes_waits_off_the_loop_then_is_kept(
        sqlite_url):
    user_id = await _resident(sqlite_url)
    writer = SessionWriter(sqlite_url)
    holder = sqlite3.connect(Path(sqlite_url.removeprefix("sqlite:///")), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another connection's write transaction, still open
    ticks = 0

    async def loop_keeps_running():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    other = asyncio.create_task(loop_keeps_running())
    save = asyncio.create_task(writer.save(user_id, 0, _step("Đèn đường"), 7))
    await asyncio.sleep(0.2)
    assert not save.done()  # waiting for the lock, on the writer's thread
    assert ticks > 5 and writer.handed_over == 1
    holder.execute("COMMIT")
    assert await save is True
    other.cancel()
    await writer.close()
    holder.close()
    row = await _row(sqlite_url, user_id)
    assert row["data"]["draft"]["answers"]["title"] == "Đèn đường"
    assert (row["version"], row["last_update_id"]) == (1, 7)


async def test_a_step_on_a_free_database_is_written_without_leaving_the_loop_and_guarded(
        sqlite_url):
    user_id = await _resident(sqlite_url)
    writer = SessionWriter(sqlite_url)
    assert await writer.save(user_id, 0, _step("Cây xanh"), 8) is True
    # The same update again, or a write from a stale version: refused by the guards.
    assert await writer.save(user_id, 1, _step("Cây xanh"), 8) is False
    assert await writer.save(user_id, 0, _step("Cũ"), 9) is False
    assert writer.handed_over == 0
    await writer.close()
    row = await _row(sqlite_url, user_id)
    assert row["data"]["draft"]["answers"]["title"] == "Cây xanh" and row["version"] == 1


async def test_a_plain_step_rewrites_one_page_of_the_database(sqlite_url):
    user_id = await _resident(sqlite_url)
    path = sqlite_url.removeprefix("sqlite:///")
    writer = SessionWriter(sqlite_url)
    assert await writer.save(user_id, 0, _step("Một"), 10)
    side = sqlite3.connect(path)
    side.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = side.execute("PRAGMA page_size").fetchone()[0]
    side.close()
    for n in range(1, 6):
        assert await writer.save(user_id, n, _step(f"Bước {n}", n), 10 + n)
    wal = Path(f"{path}-wal").stat().st_size
    await writer.close()
    header, frame = 32, page + 24
    assert (wal - header) / frame == 5  # one frame (page) per step: no index rewritten


async def test_checkpoints_run_on_a_thread_of_their_own_not_the_writers(sqlite_url, monkeypatch):
    user_id = await _resident(sqlite_url)
    monkeypatch.setattr(fastpath, "CHECKPOINT_SECONDS", 0.01)
    writer = SessionWriter(sqlite_url)
    threads: list[str] = []
    original = writer._sqlite_checkpoint

    def checkpoint() -> None:
        threads.append(threading.current_thread().name)
        original()

    writer._sqlite_checkpoint = checkpoint
    assert await writer.save(user_id, 0, _step("Hai"), 20)
    for _ in range(100):
        if threads:
            break
        await asyncio.sleep(0.02)
    await writer.close()
    assert threads and all(name.startswith("sangkien-checkpoint") for name in threads)
