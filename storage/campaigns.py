"""Campaigns in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.rows import row as _row
from storage.tables import campaigns


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


async def close(conn: AsyncConnection, slug: str, now: datetime) -> bool:
    result = await conn.execute(
        update(campaigns)
        .where(campaigns.c.slug == slug, campaigns.c.closed_at.is_(None))
        .values(closed_at=now)
    )
    return result.rowcount == 1
