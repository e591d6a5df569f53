"""Officers and their one-time invite codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.rows import row as _row
from storage.tables import entries, history, invites, officers, users


async def create_invite(
    conn: AsyncConnection, *, code_hash: str, unit: str, role: str, name: str | None,
    now: datetime, expires_at: datetime,
) -> int:
    result = await conn.execute(
        insert(invites)
        .values(code_hash=code_hash, unit=unit, role=role, name=name, created_at=now,
                expires_at=expires_at)
        .returning(invites.c.id)
    )
    return result.scalar_one()


async def invite_by_hash(conn: AsyncConnection, code_hash: str) -> dict | None:
    row = (await conn.execute(select(invites).where(invites.c.code_hash == code_hash))).first()
    return _row(row)


async def claim_invite(conn: AsyncConnection, invite_id: int, now: datetime) -> bool:
    """Mark the invite used, only if nobody used it first (the guard is the claim)."""
    result = await conn.execute(
        update(invites)
        .where(invites.c.id == invite_id, invites.c.used_at.is_(None))
        .values(used_at=now)
    )
    return result.rowcount == 1


async def link_invite(conn: AsyncConnection, invite_id: int, officer_id: int) -> None:
    await conn.execute(
        update(invites).where(invites.c.id == invite_id).values(officer_id=officer_id)
    )


async def create_officer(
    conn: AsyncConnection, *, user_id: int, unit: str, role: str, name: str, now: datetime
) -> int:
    await conn.execute(
        update(officers)
        .where(officers.c.user_id == user_id, officers.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    result = await conn.execute(
        insert(officers)
        .values(user_id=user_id, unit=unit, role=role, name=name, created_at=now)
        .returning(officers.c.id)
    )
    return result.scalar_one()


async def active_officer(conn: AsyncConnection, user_id: int) -> dict | None:
    result = await conn.execute(
        select(officers).where(officers.c.user_id == user_id, officers.c.revoked_at.is_(None))
    )
    return _row(result.first())


async def officer_by_id(conn: AsyncConnection, officer_id: int) -> dict | None:
    return _row((await conn.execute(select(officers).where(officers.c.id == officer_id))).first())


async def revoke(conn: AsyncConnection, officer_id: int, now: datetime) -> bool:
    result = await conn.execute(
        update(officers)
        .where(officers.c.id == officer_id, officers.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount == 1


async def list_officers(conn: AsyncConnection, include_revoked: bool = False) -> list[dict]:
    stmt = (
        select(officers, users.c.channel, users.c.external_id)
        .join(users, users.c.id == officers.c.user_id)
        .order_by(officers.c.unit, officers.c.role, officers.c.id)
    )
    if not include_revoked:
        stmt = stmt.where(officers.c.revoked_at.is_(None))
    return [_row(r) for r in await conn.execute(stmt)]


async def recipients(
    conn: AsyncConnection, *, unit: str | None = None, role: str | None = None
) -> list[dict]:
    """Chats of the active officers of a unit and/or role, with their language."""
    stmt = _RECIPIENTS[unit is not None, role is not None]
    params = {k: v for k, v in (("unit", unit), ("role", role)) if v is not None}
    return [dict(r._mapping) for r in await conn.execute(stmt, params)]


def _recipients(by_unit: bool, by_role: bool):
    stmt = (
        select(
            officers.c.id, officers.c.name, officers.c.role, officers.c.unit,
            users.c.channel, users.c.external_id, users.c.lang,
        )
        .join(users, users.c.id == officers.c.user_id)
        .where(officers.c.revoked_at.is_(None), users.c.blocked_at.is_(None))
        .order_by(officers.c.id)
    )
    if by_unit:
        stmt = stmt.where(officers.c.unit == bindparam("unit"))
    if by_role:
        stmt = stmt.where(officers.c.role == bindparam("role"))
    return stmt


# Built once (it is on every confirmation's path): see storage/entries.py.
_RECIPIENTS = {(u, r): _recipients(u, r) for u in (False, True) for r in (False, True)}


async def actions_of(conn: AsyncConnection, officer_id: int, limit: int = 200) -> list[dict]:
    result = await conn.execute(
        select(history, entries.c.code)
        .join(entries, entries.c.id == history.c.entry_id)
        .where(history.c.officer_id == officer_id)
        .order_by(history.c.id)
        .limit(limit)
    )
    return [_row(r) for r in result]

