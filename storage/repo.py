"""Repository functions: small, one purpose each, all taking an open connection.

A resident's step is designed to cost one read and one guarded write of the `users` row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import attachments, counters, entries, history, users


def _dialect_insert(conn: AsyncConnection, table):
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def _row(row) -> dict[str, Any] | None:
    """A result row as a dict (timestamps come back aware, in UTC: see tables.UTCDateTime)."""
    return None if row is None else dict(row._mapping)


# --- users and their conversation -------------------------------------------------------------


async def load_user(conn: AsyncConnection, channel: str, external_id: str) -> dict | None:
    result = await conn.execute(
        select(users).where(users.c.channel == channel, users.c.external_id == external_id)
    )
    return _row(result.first())


async def load_user_by_id(conn: AsyncConnection, user_id: int) -> dict | None:
    return _row((await conn.execute(select(users).where(users.c.id == user_id))).first())


async def create_user(
    conn: AsyncConnection, channel: str, external_id: str, lang: str, now: datetime
) -> dict:
    """Insert the chat identity alone (nothing personal is kept before consent)."""
    stmt = _dialect_insert(conn, users).values(
        channel=channel,
        external_id=external_id,
        lang=lang,
        state="new",
        data={},
        last_update_id=0,
        subscribed=False,
        role="resident",
        interests={},
        version=0,
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_nothing(index_elements=["channel", "external_id"])
    created = _row((await conn.execute(stmt.returning(*users.c))).first())
    # Nothing returned: another process created the row a moment ago.
    return created or await load_user(conn, channel, external_id)


async def save_user(
    conn: AsyncConnection,
    user_id: int,
    values: dict[str, Any],
    update_id: int | None,
    version: int | None = None,
) -> bool:
    """Write the user's row, guarded: with an update id, only if that update is newer than the
    last one (a redelivery is processed once); with a version, only if nobody wrote the row
    since it was read (the dispatcher's cache may be stale).

    Returns False when a guard fails, so the caller rolls back."""
    stmt = update(users).where(users.c.id == user_id)
    if update_id is not None:
        stmt = stmt.where(users.c.last_update_id < update_id)
        values = {**values, "last_update_id": update_id}
    if version is not None:
        stmt = stmt.where(users.c.version == version)
    result = await conn.execute(stmt.values(**values, version=users.c.version + 1))
    return result.rowcount == 1


async def set_role(conn: AsyncConnection, user_id: int, role: str) -> None:
    await conn.execute(
        update(users).where(users.c.id == user_id).values(role=role, version=users.c.version + 1)
    )


async def mark_blocked(conn: AsyncConnection, now: datetime, *, user_id: int | None = None,
                       channel: str | None = None, external_id: str | None = None) -> None:
    """The platform says this person blocked the bot: nothing more is sent to them. The chat
    is named by its row id or by its channel identity."""
    who = (users.c.id == user_id if user_id is not None
           else (users.c.channel == channel) & (users.c.external_id == external_id))
    await conn.execute(
        update(users)
        .where(who, users.c.blocked_at.is_(None))
        .values(blocked_at=now, version=users.c.version + 1)
    )


async def delete_user(conn: AsyncConnection, user_id: int) -> None:
    await conn.execute(delete(users).where(users.c.id == user_id))


# --- tracking-code counters ---------------------------------------------------------------------


async def next_counter(conn: AsyncConnection, name: str) -> int:
    """Atomically increment a named counter (one row per kind and year) and return the new value."""
    stmt = _dialect_insert(conn, counters).values(name=name, value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["name"], set_={"value": counters.c.value + 1}
    ).returning(counters.c.value)
    return (await conn.execute(stmt)).scalar_one()


# --- entries ------------------------------------------------------------------------------------


async def insert_entry(conn: AsyncConnection, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(entries).values(**values).returning(entries.c.id))
    return result.scalar_one()


async def insert_attachments(
    conn: AsyncConnection, entry_id: int, files: Iterable[dict[str, Any]], now: datetime
) -> None:
    rows = [
        {
            "entry_id": entry_id,
            "kind": f["kind"],
            "file_ref": f["ref"],
            "file_name": f.get("name"),
            "mime": f.get("mime"),
            "size": f.get("size"),
            "created_at": now,
        }
        for f in files
    ]
    if rows:
        await conn.execute(insert(attachments), rows)


async def insert_history(
    conn: AsyncConnection,
    entry_id: int,
    *,
    at: datetime,
    actor_id: int | None,
    role: str,
    from_status: str | None,
    to_status: str,
    note: str | None = None,
    officer_id: int | None = None,
    actor_name: str | None = None,
) -> None:
    await conn.execute(
        insert(history).values(
            entry_id=entry_id,
            at=at,
            actor_id=actor_id,
            role=role,
            from_status=from_status,
            to_status=to_status,
            note=note,
            officer_id=officer_id,
            actor_name=actor_name,
        )
    )


async def entry_by_code(conn: AsyncConnection, code: str) -> dict | None:
    return _row((await conn.execute(select(entries).where(entries.c.code == code))).first())


async def entry_by_id(conn: AsyncConnection, entry_id: int) -> dict | None:
    return _row((await conn.execute(select(entries).where(entries.c.id == entry_id))).first())


async def user_entries(conn: AsyncConnection, user_id: int, limit: int = 20) -> list[dict]:
    result = await conn.execute(
        select(entries)
        .where(entries.c.user_id == user_id)
        .order_by(entries.c.created_at.desc(), entries.c.id.desc())
        .limit(limit)
    )
    return [_row(r) for r in result]


async def entry_attachments(conn: AsyncConnection, entry_id: int) -> list[dict]:
    result = await conn.execute(
        select(attachments).where(attachments.c.entry_id == entry_id).order_by(attachments.c.id)
    )
    return [_row(r) for r in result]


async def entry_history(conn: AsyncConnection, entry_id: int) -> list[dict]:
    result = await conn.execute(
        select(history).where(history.c.entry_id == entry_id).order_by(history.c.id)
    )
    return [_row(r) for r in result]


async def change_status(
    conn: AsyncConnection,
    entry_id: int,
    from_statuses: Iterable[str],
    to_status: str,
    now: datetime,
    **extra: Any,
) -> bool:
    """Move an entry to a new status only if it is still in one of the expected ones.

    The guard in the WHERE clause is what makes two officers pressing the same button at once
    safe: the second update finds the status already changed and touches nothing."""
    result = await conn.execute(
        update(entries)
        .where(entries.c.id == entry_id, entries.c.status.in_(list(from_statuses)))
        .values(status=to_status, updated_at=now, **extra)
    )
    return result.rowcount == 1


async def update_entry(conn: AsyncConnection, entry_id: int, **values: Any) -> None:
    await conn.execute(update(entries).where(entries.c.id == entry_id).values(**values))


def _queue_filter(unit: str | None, statuses: Iterable[str]):
    # The statuses are inlined, not bound: only with the literal list in the query can SQLite
    # see that the partial index of open ward items applies.
    inlined = [literal(status, literal_execute=True) for status in statuses]
    conditions = [entries.c.status.in_(inlined)]
    if unit is not None:
        conditions.append(entries.c.unit == unit)
    return and_(*conditions)


async def queue_page(
    conn: AsyncConnection, *, unit: str | None, statuses: Iterable[str], limit: int, offset: int
) -> list[dict]:
    """Items of a queue, oldest arrival first."""
    statuses = list(statuses)
    result = await conn.execute(
        select(
            entries.c.id, entries.c.code, entries.c.kind, entries.c.title, entries.c.status,
            entries.c.unit, entries.c.created_at, entries.c.queue_since, entries.c.due_at,
            entries.c.paused_at,
        )
        .where(_queue_filter(unit, statuses))
        .order_by(entries.c.queue_since, entries.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [_row(r) for r in result]


async def queue_count(conn: AsyncConnection, *, unit: str | None, statuses: Iterable[str]) -> int:
    stmt = select(func.count()).select_from(entries).where(_queue_filter(unit, statuses))
    return (await conn.execute(stmt)).scalar_one()


async def count_entries(conn: AsyncConnection, **filters: Any) -> int:
    conditions = [getattr(entries.c, k) == v for k, v in filters.items()]
    stmt = select(func.count()).select_from(entries)
    if conditions:
        stmt = stmt.where(and_(*conditions))
    return (await conn.execute(stmt)).scalar_one()
