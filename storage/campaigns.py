"""Campaigns in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.rows import dialect_insert
from storage.rows import row as _row
from storage.tables import campaigns, counters

# A counter bumped by every change of the campaigns, read at each step by every process's cache.
VERSION = "campaigns-version"


async def version(conn: AsyncConnection) -> int:
    found = await conn.execute(select(counters.c.value).where(counters.c.name == VERSION))
    return found.scalar() or 0


async def _changed(conn: AsyncConnection) -> None:
    stmt = dialect_insert(conn, counters).values(name=VERSION, value=1)
    await conn.execute(stmt.on_conflict_do_update(
        index_elements=["name"], set_={"value": counters.c.value + 1}))


async def all_campaigns(conn: AsyncConnection) -> list[dict]:
    result = await conn.execute(select(campaigns).order_by(campaigns.c.opens, campaigns.c.slug))
    return [_row(r) for r in result]


async def count(conn: AsyncConnection) -> int:
    return (await conn.execute(select(func.count()).select_from(campaigns))).scalar_one()


async def exists(conn: AsyncConnection, slug: str) -> bool:
    result = await conn.execute(select(campaigns.c.slug).where(campaigns.c.slug == slug))
    return result.first() is not None


async def insert_campaign(conn: AsyncConnection, values: dict) -> None:
    await conn.execute(insert(campaigns).values(**values))
    await _changed(conn)


async def insert_if_absent(conn: AsyncConnection, values: dict) -> bool:
    """Insert a campaign unless its slug exists, or is being inserted by another process
    (which this waits for): True when this call inserted it."""
    stmt = dialect_insert(conn, campaigns).values(**values)
    result = await conn.execute(stmt.on_conflict_do_nothing(index_elements=["slug"]))
    if result.rowcount == 1:
        await _changed(conn)
    return result.rowcount == 1


async def close(conn: AsyncConnection, slug: str, now: datetime) -> bool:
    result = await conn.execute(
        update(campaigns)
        .where(campaigns.c.slug == slug, campaigns.c.closed_at.is_(None))
        .values(closed_at=now)
    )
    if result.rowcount == 1:
        await _changed(conn)
    return result.rowcount == 1
