"""What every storage module shares: rows as dicts, and the dialect's INSERT … ON CONFLICT."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def dialect_insert(conn: AsyncConnection, table):
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def row(result_row) -> dict[str, Any] | None:
    """A result row as a dict (timestamps come back aware, in UTC: see tables.UTCDateTime)."""
    return None if result_row is None else dict(result_row._mapping)
