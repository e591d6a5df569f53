"""The outbox: messages for other people, committed with the change they announce.

A channel process claims its pending rows, sends them, and marks each one. A claim older than the
lease is taken over, so a process that dies mid-delivery leaves nothing behind for good. A message
the platform will not take now (Zalo OA, 7 days after the person last wrote) is held until the
person writes again (`hold`, `wake`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.rows import row as _row
from storage.tables import outbox

LEASE = timedelta(minutes=5)


async def put(conn: AsyncConnection, rows: list[dict]) -> None:
    if rows:
        await conn.execute(insert(outbox), rows)


async def claim(
    conn: AsyncConnection, channel: str, now: datetime, limit: int = 100
) -> list[dict]:
    pending = (
        select(outbox.c.id)
        .where(
            outbox.c.channel == channel,
            outbox.c.status == "pending",
            (outbox.c.claimed_at.is_(None)) | (outbox.c.claimed_at < now - LEASE),
            (outbox.c.not_before.is_(None)) | (outbox.c.not_before <= now),
        )
        .order_by(outbox.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        pending = pending.with_for_update(skip_locked=True)
    ids = [r[0] for r in await conn.execute(pending)]
    if not ids:
        return []
    await conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(claimed_at=now))
    result = await conn.execute(select(outbox).where(outbox.c.id.in_(ids)).order_by(outbox.c.id))
    return [_row(r) for r in result]


async def forget(conn: AsyncConnection, ids: list[int]) -> None:
    """Delivered (or undeliverable) messages are deleted: the outbox keeps no copy of what
    officers were told about a resident, so erasing the resident's data leaves nothing here."""
    if ids:
        await conn.execute(delete(outbox).where(outbox.c.id.in_(ids)))


async def release(conn: AsyncConnection, ids: list[int]) -> None:
    """Give claimed messages back, to be tried again at the next delivery."""
    if ids:
        await conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(claimed_at=None))


async def hold(conn: AsyncConnection, ids: list[int]) -> None:
    """Keep claimed messages the platform will not take now (it allows writing to a person only
    for a while after they last wrote): no delivery claims them until `wake`."""
    if ids:
        await conn.execute(update(outbox).where(outbox.c.id.in_(ids))
                           .values(status="held", claimed_at=None))


async def held_for(conn: AsyncConnection, channel: str, external_id: str) -> bool:
    """Whether messages wait for this person to write (a read: most people have none)."""
    found = await conn.execute(
        select(outbox.c.id).where(outbox.c.channel == channel, outbox.c.status == "held",
                                  outbox.c.external_id == external_id).limit(1))
    return found.first() is not None


async def wake(conn: AsyncConnection, channel: str, external_id: str) -> int:
    """The person wrote again: what was held for them is pending again, in its order."""
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.channel == channel, outbox.c.status == "held",
               outbox.c.external_id == external_id)
        .values(status="pending", claimed_at=None))
    return result.rowcount
