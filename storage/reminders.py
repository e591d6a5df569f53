"""The record of reminders sent; claiming a key is what makes a reminder go out once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.rows import dialect_insert as _dialect_insert
from storage.rows import row as _row
from storage.tables import entries, officers, reminders, users


async def claim(conn: AsyncConnection, key: str, now: datetime) -> bool:
    """True for the one caller (in any process) that records `key` first."""
    stmt = _dialect_insert(conn, reminders).values(key=key[:200], sent_at=now)
    result = await conn.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))
    return result.rowcount == 1


async def idle_users(conn: AsyncConnection, before: datetime, after: datetime) -> list[dict]:
    """Chats untouched since `before` (but touched after `after`), for draft reminders."""
    result = await conn.execute(
        select(users.c.id, users.c.channel, users.c.external_id, users.c.lang, users.c.data,
               users.c.updated_at)
        .where(users.c.updated_at <= before, users.c.updated_at > after,
               users.c.blocked_at.is_(None))
    )
    return [_row(r) for r in result]


async def entries_waiting(conn: AsyncConnection, paused_before: datetime) -> list[dict]:
    result = await conn.execute(
        select(entries).where(entries.c.status == "needs_info",
                              entries.c.paused_at <= paused_before)
    )
    return [_row(r) for r in result]


async def entries_due(conn: AsyncConnection, statuses: tuple[str, ...], due_before: datetime,
                      wards: Collection[str] | None = None) -> list[dict]:
    """Items in `statuses` due by `due_before`, oldest first; of `wards` only, when given."""
    stmt = (
        select(entries.c.id, entries.c.code, entries.c.title, entries.c.unit, entries.c.status,
               entries.c.due_at)
        .where(entries.c.status.in_(statuses), entries.c.due_at <= due_before)
        .order_by(entries.c.due_at)
    )
    if wards is not None:
        stmt = stmt.where(entries.c.unit.in_(list(wards)))
    return [_row(r) for r in await conn.execute(stmt)]


async def active_officers(conn: AsyncConnection) -> list[dict]:
    result = await conn.execute(
        select(officers.c.id, officers.c.unit, officers.c.role, officers.c.name, users.c.channel,
               users.c.external_id, users.c.lang)
        .join(users, users.c.id == officers.c.user_id)
        .where(officers.c.revoked_at.is_(None), users.c.blocked_at.is_(None))
        .order_by(officers.c.id)
    )
    return [dict(r._mapping) for r in result]


async def users_with_drafts(conn: AsyncConnection) -> list[dict]:
    """Residents' chats, whose drafts the caller inspects (a daily job's full scan)."""
    result = await conn.execute(
        select(users.c.id, users.c.channel, users.c.external_id, users.c.lang, users.c.data)
        .where(users.c.blocked_at.is_(None), users.c.consent_version.is_not(None))
    )
    return [_row(r) for r in result]
