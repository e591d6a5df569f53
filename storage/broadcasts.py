"""Broadcasts and their delivery ledger."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import and_, bindparam, func, insert, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.db import sqlite_pragmas
from storage.rows import claim_rows
from storage.rows import row as _row
from storage.tables import broadcasts, deliveries, officers, users

CHUNK = 5000


async def create(conn: AsyncConnection, values: dict) -> int:
    result = await conn.execute(insert(broadcasts).values(**values).returning(broadcasts.c.id))
    return result.scalar_one()


async def get(conn: AsyncConnection, broadcast_id: int) -> dict | None:
    row = (await conn.execute(select(broadcasts).where(broadcasts.c.id == broadcast_id))).first()
    return _row(row)


async def with_status(conn: AsyncConnection, status: str, due_by: datetime | None = None):
    stmt = select(broadcasts).where(broadcasts.c.status == status).order_by(broadcasts.c.id)
    if due_by is not None:
        stmt = stmt.where(broadcasts.c.send_at <= due_by)
    return [_row(r) for r in await conn.execute(stmt)]


async def set_status(conn: AsyncConnection, broadcast_id: int, from_status: tuple[str, ...],
                     to_status: str, **values) -> bool:
    result = await conn.execute(
        update(broadcasts)
        .where(broadcasts.c.id == broadcast_id, broadcasts.c.status.in_(from_status))
        .values(status=to_status, **values)
    )
    return result.rowcount == 1


async def set_reported(conn: AsyncConnection, broadcast_id: int, step: int) -> None:
    await conn.execute(
        update(broadcasts).where(broadcasts.c.id == broadcast_id).values(reported=step)
    )


async def set_progress_ref(conn: AsyncConnection, broadcast_id: int, ref: str) -> None:
    await conn.execute(
        update(broadcasts).where(broadcasts.c.id == broadcast_id).values(progress_ref=ref)
    )


async def subscribers(conn: AsyncConnection) -> AsyncIterator[list[dict]]:
    """Residents who asked for announcements and can still be reached, in chunks."""
    stmt = (
        select(users.c.id, users.c.channel, users.c.external_id, users.c.lang, users.c.interests)
        .where(users.c.subscribed.is_(True), users.c.blocked_at.is_(None),
               users.c.consent_version.is_not(None))
        .order_by(users.c.id)
    )
    result = await conn.stream(stmt.execution_options(yield_per=CHUNK))
    async for chunk in result.mappings().partitions(CHUNK):
        yield [dict(r) for r in chunk]


async def officer_chats(conn: AsyncConnection, unit: str | None) -> list[dict]:
    stmt = (
        select(users.c.id, users.c.channel, users.c.external_id, users.c.lang)
        .join(officers, officers.c.user_id == users.c.id)
        .where(officers.c.revoked_at.is_(None), users.c.blocked_at.is_(None))
        .distinct()
    )
    if unit:
        stmt = stmt.where(officers.c.unit == unit)
    return [dict(r._mapping) for r in await conn.execute(stmt)]


async def add_deliveries(conn: AsyncConnection, rows: list[dict]) -> None:
    if rows:
        await conn.execute(insert(deliveries), rows)


async def next_pending(conn: AsyncConnection, broadcast_id: int, limit: int) -> list[dict]:
    result = await conn.execute(
        select(deliveries)
        .where(deliveries.c.broadcast_id == broadcast_id, deliveries.c.status == "pending")
        .order_by(deliveries.c.user_id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in result]


# A claimed delivery (status "sending") that is not recorded or renewed this long after its
# claim belongs to a process that died: another one takes it again. A live worker renews its
# claims every third of it (`renew`).
CLAIM_SECONDS = 15


def _claimable(broadcast_id: int, now: datetime):
    stale = now - timedelta(seconds=CLAIM_SECONDS)
    return and_(deliveries.c.broadcast_id == broadcast_id,
                (deliveries.c.status == "pending")
                | ((deliveries.c.status == "sending") & (deliveries.c.updated_at < stale)))


async def claim(conn: AsyncConnection, broadcast_id: int, limit: int,
                now: datetime) -> list[dict]:
    """Take up to `limit` deliveries to send (pending, or claimed by a process that died):
    each is this caller's alone, in every process (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite
    has one writer at a time). `now` is the wall clock: claims expire in real time."""
    return await claim_rows(conn, deliveries, deliveries.c.user_id,
                            _claimable(broadcast_id, now), limit, status="sending",
                            updated_at=now)


async def renew(conn: AsyncConnection, broadcast_id: int, user_ids: list[int],
                now: datetime) -> None:
    """Keep the claims on deliveries not sent yet (the worker is alive, only slow)."""
    if user_ids:
        await conn.execute(
            update(deliveries)
            .where(deliveries.c.broadcast_id == broadcast_id,
                   deliveries.c.user_id.in_(user_ids), deliveries.c.status == "sending")
            .values(updated_at=now))


async def release(conn: AsyncConnection, broadcast_id: int, user_ids: list[int]) -> None:
    """Give back claimed deliveries that were not sent (the worker is stopping)."""
    if user_ids:
        await conn.execute(
            update(deliveries)
            .where(deliveries.c.broadcast_id == broadcast_id,
                   deliveries.c.user_id.in_(user_ids), deliveries.c.status == "sending")
            .values(status="pending"))


async def unfinished(conn: AsyncConnection, broadcast_id: int) -> int:
    """Deliveries not yet recorded (pending, or claimed by some process)."""
    result = await conn.execute(select(func.count()).select_from(deliveries).where(
        deliveries.c.broadcast_id == broadcast_id,
        deliveries.c.status.in_(("pending", "sending"))))
    return result.scalar_one()


async def mark(conn: AsyncConnection, broadcast_id: int, user_id: int, status: str,
               now: datetime) -> None:
    await conn.execute(
        update(deliveries)
        .where(and_(deliveries.c.broadcast_id == broadcast_id, deliveries.c.user_id == user_id))
        .values(status=status, attempts=deliveries.c.attempts + 1, updated_at=now)
    )


# A delivery's record, compiled once for each database: the broadcast worker writes one after
# each message it sends (`Ledger.record`), thousands a second at a high rate.
_RECORD = (
    update(deliveries)
    .where(deliveries.c.broadcast_id == bindparam("b"), deliveries.c.user_id == bindparam("u"))
    .values(status=bindparam("s"), attempts=deliveries.c.attempts + literal_column("1"),
            updated_at=bindparam("t"))
)


def _compiled(dialect) -> tuple[str, list[str]]:
    compiled = _RECORD.compile(dialect=dialect)
    return str(compiled), list(compiled.positiontup)


class Ledger:
    """The record of each delivery, written the moment its message is sent (send, record, next:
    a crash resends at most the message in flight), as one prepared statement in autocommit on
    a connection of the ledger's own, not a SQLAlchemy transaction from the pool: a fraction of
    the cost, which is what lets one process keep a rate of thousands a second.

    SQLite: a sqlite3 connection used on the event loop's thread with busy_timeout=0 (an
    autocommit UPDATE of one row is some tens of µs, and a thread hop costs more than that); when
    another writer holds the database, the record goes through a second connection on a thread
    of its own, which waits for the lock (so the loop never does). That thread also copies the
    WAL back into the database every CHECKPOINT records, since no connection checkpoints on
    commit (storage.db). PostgreSQL: an asyncpg connection whose commits do not wait for the WAL
    to reach the disk (see `_pg`). An in-memory SQLite database, which another connection could
    not see, is written through the engine."""

    CHECKPOINT = 1000

    def __init__(self, engine: AsyncEngine):
        self.engine = engine
        url = engine.url
        self.sqlite = url.get_backend_name() == "sqlite"
        self._database = url.database if self.sqlite else None
        self._through_engine = self.sqlite and self._database in (None, "", ":memory:")
        self._dsn = None if self.sqlite else \
            url.set(drivername="postgresql").render_as_string(hide_password=False)
        dialect = sqlite.dialect() if self.sqlite else postgresql.dialect(
            paramstyle="numeric_dollar")
        self._sql, self._names = _compiled(dialect)
        # The timestamp as SQLAlchemy would bind it (SQLite: its text format, in UTC).
        self._time = deliveries.c.updated_at.type.dialect_impl(dialect).bind_processor(dialect)
        self._conn: Any = None  # PostgreSQL's, or SQLite's on the loop's thread
        self._waiting: sqlite3.Connection | None = None  # SQLite's on the ledger's thread
        self._thread: ThreadPoolExecutor | None = None
        self._since_checkpoint = 0

    async def __aenter__(self) -> Ledger:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def record(self, broadcast_id: int, user_id: int, status: str,
                     now: datetime) -> None:
        """Mark one delivery `status` (sent, failed, held…), committed when this returns."""
        if self._through_engine:
            async with self.engine.begin() as conn:
                await mark(conn, broadcast_id, user_id, status, now)
            return
        values = {"b": broadcast_id, "u": user_id, "s": status,
                  "t": self._time(now) if self._time else now}
        params = [values[name] for name in self._names]
        if not self.sqlite:
            await (await self._pg()).execute(self._sql, *params)
            return
        self._since_checkpoint += 1
        checkpoint = self._since_checkpoint >= self.CHECKPOINT
        if checkpoint:
            self._since_checkpoint = 0
        left = None if self._now(params) else params  # busy: the thread waits for the lock
        if left is not None or checkpoint:
            if self._thread is None:
                self._thread = ThreadPoolExecutor(1, thread_name_prefix="sangkien-ledger")
            await asyncio.get_running_loop().run_in_executor(
                self._thread, self._on_thread, left, checkpoint)

    def _connect(self, busy_ms: int) -> sqlite3.Connection:
        conn = sqlite3.connect(self._database, isolation_level=None, timeout=busy_ms / 1000,
                               check_same_thread=False)
        # NORMAL whatever the database's level, as a plain step's write (storage.fastpath): an
        # fsync per record would halve the rate; a record a power loss undoes means that
        # recipient may get the announcement twice, never none. WAL is the database's already.
        for pragma in sqlite_pragmas("NORMAL"):
            if not pragma.startswith(("journal_mode", "busy_timeout")):
                conn.execute(f"PRAGMA {pragma}")
        conn.execute(f"PRAGMA busy_timeout={busy_ms}")
        return conn

    def _now(self, params: list[Any]) -> bool:
        """On the loop's thread: the record, unless another writer holds the database."""
        if self._conn is None:
            self._conn = self._connect(0)
        try:
            self._conn.execute(self._sql, params)
        except sqlite3.OperationalError as error:
            if getattr(error, "sqlite_errorcode", 0) & 0xFF != sqlite3.SQLITE_BUSY:
                raise
            return False  # nothing was written
        return True

    def _on_thread(self, params: list[Any] | None, checkpoint: bool) -> None:
        """On the ledger's thread: the record the loop could not write (waiting for the lock
        as the engine's connections do), and the checkpoint (PASSIVE: it waits for no reader;
        the next one copies what this one could not)."""
        if self._waiting is None:
            self._waiting = self._connect(30_000)
        if params is not None:
            self._waiting.execute(self._sql, params)
        if checkpoint:
            try:
                self._waiting.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.OperationalError:
                pass  # busy: the next one will do it

    async def _pg(self) -> asyncpg.Connection:
        if self._conn is None:
            conn = await asyncpg.connect(self._dsn)
            # The ledger's commits only (this connection's session) do not wait for the WAL
            # to be flushed: a record costs a round trip, not a disk sync. What that risks: a
            # crash of the database server (not of the bot) may lose the last few hundred ms
            # of records (at most 3 × wal_writer_delay); those deliveries are still "sending"
            # and are taken again once their claim runs out, so those recipients may get the
            # message twice. A message is never lost, and nothing else is written this way.
            await conn.execute("SET synchronous_commit = off")
            self._conn = conn
        return self._conn

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if not self.sqlite:
            if conn is not None:
                await conn.close()
            return
        if conn is not None:
            conn.close()
        if self._thread is not None:
            waiting, self._waiting = self._waiting, None
            if waiting is not None:
                await asyncio.get_running_loop().run_in_executor(self._thread, waiting.close)
            self._thread.shutdown(wait=False)
            self._thread = None


async def cancel_pending(conn: AsyncConnection, broadcast_id: int) -> None:
    await conn.execute(
        update(deliveries)
        .where(deliveries.c.broadcast_id == broadcast_id, deliveries.c.status == "pending")
        .values(status="cancelled")
    )


async def counts(conn: AsyncConnection, broadcast_id: int) -> dict[str, int]:
    result = await conn.execute(
        select(deliveries.c.status, func.count())
        .where(deliveries.c.broadcast_id == broadcast_id)
        .group_by(deliveries.c.status)
    )
    return {status: n for status, n in result}
