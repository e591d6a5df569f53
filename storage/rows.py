"""What every storage module shares: rows as dicts, and the dialect's INSERT … ON CONFLICT."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def dialect_insert(conn: AsyncConnection, table):
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def row(result_row) -> dict[str, Any] | None:
    """A result row as a dict (timestamps come back aware, in UTC: see tables.UTCDateTime)."""
    return None if result_row is None else dict(result_row._mapping)


async def claim_rows(conn: AsyncConnection, table, key, where, limit: int,
                     **values) -> list[dict[str, Any]]:
    """Take up to `limit` rows of `table` that match `where`, in `key` order, for this caller
    alone in every process (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite has one writer at a
    time): set `values` on them and return them, in that order."""
    pick = select(key).where(where).order_by(key).limit(limit)
    if conn.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    picked = [r[0] for r in await conn.execute(pick)]  # locked until this transaction ends
    if not picked:
        return []
    result = await conn.execute(
        update(table).where(where, key.in_(picked)).values(**values).returning(*table.c))
    return sorted((row(r) for r in result), key=lambda r: r[key.name])
