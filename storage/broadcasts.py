"""Broadcasts and their delivery ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

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
