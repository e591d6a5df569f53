"""Entries, their attachments and history, the tracking-code counters and the review queues."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.rows import row
from storage.search import search_key
from storage.tables import attachments, counters, entries, history

# --- tracking-code counters ---------------------------------------------------------------------


# The statements of a confirmation are built once: SQLAlchemy caches a statement's compiled
# form only when the same statement object comes again, and building one per call cost more
# than running it (`insert(entries).values(**v)` 407 µs against 91 µs prebuilt, issue 12).
_NEXT_COUNTER = {
    name: dialect.insert(counters).values(name=bindparam("name"), value=1)
    .on_conflict_do_update(index_elements=["name"], set_={"value": counters.c.value + 1})
    .returning(counters.c.value)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_INSERT_ENTRY = insert(entries).returning(entries.c.id)
_INSERT_ATTACHMENTS = insert(attachments)
_INSERT_HISTORY = insert(history)


async def next_counter(conn: AsyncConnection, name: str) -> int:
    """Atomically increment a named counter (one row per kind and year) and return the new value."""
    return (await conn.execute(_NEXT_COUNTER[conn.dialect.name], {"name": name})).scalar_one()


# --- entries ------------------------------------------------------------------------------------


def _searchable(values: dict[str, Any]) -> dict[str, Any]:
    """The values with `search_text` (storage/search.py) made from their title, description and
    contact name."""
    return {**values, "search_text": search_key(values.get("title"), values.get("description"),
                                                values.get("contact_name"))}


async def insert_entry(conn: AsyncConnection, values: dict[str, Any]) -> int:
    return (await conn.execute(_INSERT_ENTRY, _searchable(values))).scalar_one()


_ENTRY_COLUMNS = ("code", "kind", "user_id", "unit", "campaign", "field", "title",
                  "description", "details", "contact_name", "contact_phone", "show_name",
                  "status", "lang", "created_at", "updated_at", "queue_since", "due_at",
                  "paused_at", "search_text")
_HISTORY_COLUMNS = ("at", "actor_id", "role", "from_status", "to_status")
# PostgreSQL: the entry and its first history row in one statement (one round trip).
_made = insert(entries).values(
    {c: bindparam(f"e_{c}", type_=entries.c[c].type) for c in _ENTRY_COLUMNS}
).returning(entries.c.id).cte("made")
_INSERT_SUBMITTED_PG = insert(history).from_select(
    ["entry_id", *_HISTORY_COLUMNS],
    select(_made.c.id, *(bindparam(f"h_{c}", type_=history.c[c].type)
                         for c in _HISTORY_COLUMNS)),
).returning(history.c.entry_id)


async def insert_submitted(conn: AsyncConnection, values: dict[str, Any], *, actor_id: int,
                           role: str) -> int:
    """A new entry (`values`: the columns of _ENTRY_COLUMNS) and its first history row (into
    its status, by `actor_id`): on PostgreSQL in one statement; returns the entry's id."""
    if conn.dialect.name != "postgresql":
        entry_id = await insert_entry(conn, values)
        await insert_history(conn, entry_id, at=values["created_at"], actor_id=actor_id,
                             role=role, from_status=None, to_status=values["status"])
        return entry_id
    values = _searchable(values)
    params = {f"e_{c}": values[c] for c in _ENTRY_COLUMNS}
    params.update(h_at=values["created_at"], h_actor_id=actor_id, h_role=role,
                  h_from_status=None, h_to_status=values["status"])
    return (await conn.execute(_INSERT_SUBMITTED_PG, params)).scalar_one()


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
            "store_key": f.get("key"),
            "sha256": f.get("sha256"),
            "created_at": now,
        }
        for f in files
    ]
    if rows:
        await conn.execute(_INSERT_ATTACHMENTS, rows)


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
    await conn.execute(_INSERT_HISTORY, {
        "entry_id": entry_id, "at": at, "actor_id": actor_id, "role": role,
        "from_status": from_status, "to_status": to_status, "note": note,
        "officer_id": officer_id, "actor_name": actor_name,
    })


async def entry_by_code(conn: AsyncConnection, code: str) -> dict | None:
    return row((await conn.execute(select(entries).where(entries.c.code == code))).first())


async def entry_by_id(conn: AsyncConnection, entry_id: int) -> dict | None:
    return row((await conn.execute(select(entries).where(entries.c.id == entry_id))).first())


async def user_entries(conn: AsyncConnection, user_ids: int | list[int],
                       limit: int = 20) -> list[dict]:
    """The entries of a chat, or of every chat of one person (a list of ids)."""
    ids = [user_ids] if isinstance(user_ids, int) else user_ids
    result = await conn.execute(
        select(entries)
        .where(entries.c.user_id.in_(ids))
        .order_by(entries.c.created_at.desc(), entries.c.id.desc())
        .limit(limit)
    )
    return [row(r) for r in result]


async def entry_attachments(conn: AsyncConnection, entry_id: int) -> list[dict]:
    result = await conn.execute(
        select(attachments).where(attachments.c.entry_id == entry_id).order_by(attachments.c.id)
    )
    return [row(r) for r in result]


async def entry_history(conn: AsyncConnection, entry_id: int) -> list[dict]:
    result = await conn.execute(
        select(history).where(history.c.entry_id == entry_id).order_by(history.c.id)
    )
    return [row(r) for r in result]


async def last_change_to(conn: AsyncConnection, entry_id: int, status: str) -> dict | None:
    """The latest history row that moved the entry into `status` (who asked, and from where)."""
    result = await conn.execute(
        select(history)
        .where(history.c.entry_id == entry_id, history.c.to_status == status)
        .order_by(history.c.id.desc())
        .limit(1)
    )
    return row(result.first())


async def user_entries_in(conn: AsyncConnection, user_ids: int | list[int],
                          status: str) -> list[dict]:
    """The user's (or the person's, given a list of ids) entries in one status, oldest first."""
    ids = [user_ids] if isinstance(user_ids, int) else user_ids
    result = await conn.execute(
        select(entries)
        .where(entries.c.user_id.in_(ids), entries.c.status == status)
        .order_by(entries.c.created_at, entries.c.id)
    )
    return [row(r) for r in result]


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
    """Change columns of an entry; a new title, description or contact name rewrites its
    `search_text` too."""
    if {"title", "description", "contact_name"} & values.keys():
        merged = {**(await entry_by_id(conn, entry_id) or {}), **values}
        values = {**values, "search_text": _searchable(merged)["search_text"]}
    await conn.execute(update(entries).where(entries.c.id == entry_id).values(**values))


Units = str | Collection[str] | None  # a queue's ward, its wards, or every ward (None)


def _queue_filter(unit: Units, statuses: Iterable[str]):
    # The statuses are inlined, not bound: only with the literal list in the query can SQLite
    # see that the partial index of open ward items applies.
    inlined = [literal(status, literal_execute=True) for status in statuses]
    conditions = [entries.c.status.in_(inlined)]
    if isinstance(unit, str):
        conditions.append(entries.c.unit == unit)
    elif unit is not None:
        conditions.append(entries.c.unit.in_(list(unit)))
    return and_(*conditions)


async def queue_page(
    conn: AsyncConnection, *, unit: Units, statuses: Iterable[str], limit: int, offset: int
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
    return [row(r) for r in result]


async def queue_count(conn: AsyncConnection, *, unit: Units, statuses: Iterable[str]) -> int:
    stmt = select(func.count()).select_from(entries).where(_queue_filter(unit, statuses))
    return (await conn.execute(stmt)).scalar_one()


async def count_entries(conn: AsyncConnection, **filters: Any) -> int:
    conditions = [getattr(entries.c, k) == v for k, v in filters.items()]
    stmt = select(func.count()).select_from(entries)
    if conditions:
        stmt = stmt.where(and_(*conditions))
    return (await conn.execute(stmt)).scalar_one()
