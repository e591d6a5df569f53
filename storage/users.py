"""The residents' (and officers') chat rows and their conversation state.

A resident's step is designed to cost one read and one guarded write of the `users` row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.rows import row
from storage.tables import link_codes, users

# The statements of a step, built once: SQLAlchemy caches a statement's compiled form only when
# the same statement object comes again (a statement built per call is built, and its cache key
# computed, every time: several times the cost of running it on SQLite).
_LOAD = select(users).where(users.c.channel == bindparam("channel"),
                            users.c.external_id == bindparam("external_id"))
_LOAD_BY_ID = select(users).where(users.c.id == bindparam("user_id"))
_NEW_ROW = {"state": "new", "data": {}, "last_update_id": 0, "subscribed": False,
            "role": "resident", "interests": {}, "version": 0}
_CREATE = {
    name: dialect.insert(users).on_conflict_do_nothing(
        index_elements=["channel", "external_id"]).returning(*users.c)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
# PostgreSQL: the row read, or created when missing, in one statement (one round trip). The
# INSERT runs only when the SELECT found nothing (no id of the sequence is spent on a row that
# exists); a row another process created a moment ago returns nothing (create_user's fallback).
_columns = ", ".join(f'"{c.name}"' for c in users.c if c.name != "id")
_every = ", ".join(f'"{c.name}"' for c in users.c)  # in the table's order, not the database's
_LOAD_OR_CREATE = text(
    "WITH found AS (SELECT * FROM users WHERE channel = :channel AND external_id = :external_id), "
    f"made AS (INSERT INTO users ({_columns}) "
    f"SELECT {', '.join(':' + c.name for c in users.c if c.name != 'id')} "
    "WHERE NOT EXISTS (SELECT 1 FROM found) "
    "ON CONFLICT (channel, external_id) DO NOTHING RETURNING *) "
    f"SELECT {_every} FROM found UNION ALL SELECT {_every} FROM made"
).bindparams(*(bindparam(c.name, type_=c.type) for c in users.c if c.name != "id")
             ).columns(*users.c)


async def load_user(conn: AsyncConnection, channel: str, external_id: str) -> dict | None:
    result = await conn.execute(_LOAD, {"channel": channel, "external_id": external_id})
    return row(result.first())


async def load_user_by_id(conn: AsyncConnection, user_id: int) -> dict | None:
    return row((await conn.execute(_LOAD_BY_ID, {"user_id": user_id})).first())


def _new_row(channel: str, external_id: str, lang: str, now: datetime) -> dict[str, Any]:
    return {**_NEW_ROW, "channel": channel, "external_id": external_id, "lang": lang,
            "updated_at": now, "data": {}, "interests": {}}


async def create_user(
    conn: AsyncConnection, channel: str, external_id: str, lang: str, now: datetime
) -> dict:
    """Insert the chat identity alone (nothing personal is kept before consent)."""
    stmt = _CREATE[conn.dialect.name]
    created = row((await conn.execute(stmt, _new_row(channel, external_id, lang, now))).first())
    # Nothing returned: another process created the row a moment ago.
    return created or await load_user(conn, channel, external_id)


async def load_or_create_user(conn: AsyncConnection, channel: str, external_id: str, lang: str,
                              now: datetime) -> dict:
    """The chat's row, created (as `create_user`) if it has none: on PostgreSQL in one
    statement; on SQLite a read, and an insert when it found nothing."""
    if conn.dialect.name != "postgresql":
        found = await load_user(conn, channel, external_id)
        return found or await create_user(conn, channel, external_id, lang, now)
    values = {c.name: None for c in users.c if c.name != "id"}
    values.update(_new_row(channel, external_id, lang, now))
    found = row((await conn.execute(_LOAD_OR_CREATE, values)).first())
    return found or await load_user(conn, channel, external_id)


# save_user's UPDATE, one per set of columns written and guards (a handful in practice).
_SAVES: dict[tuple, Any] = {}


def _save_statement(columns: tuple[str, ...], guard_update: bool, guard_version: bool):
    key = (columns, guard_update, guard_version)
    stmt = _SAVES.get(key)
    if stmt is None:
        stmt = update(users).where(users.c.id == bindparam("w_id"))
        values: dict[str, Any] = {c: bindparam(f"v_{c}", type_=users.c[c].type)
                                  for c in columns}
        if guard_update:
            stmt = stmt.where(users.c.last_update_id < bindparam("w_update_id"))
            values["last_update_id"] = bindparam("w_update_id")
        if guard_version:
            stmt = stmt.where(users.c.version == bindparam("w_version"))
        stmt = _SAVES[key] = stmt.values(**values, version=users.c.version + 1)
    return stmt


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
    values = {k: v for k, v in values.items() if k != "last_update_id" or update_id is None}
    columns = tuple(sorted(values))
    stmt = _save_statement(columns, update_id is not None, version is not None)
    params = {f"v_{c}": values[c] for c in columns}
    params.update(w_id=user_id, w_update_id=update_id, w_version=version)
    result = await conn.execute(stmt, params)
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


async def offer(conn: AsyncConnection, channel: str, external_id: str,
                options: list[list[str]], states: frozenset[str]) -> bool:
    """Make `options` what the person's typed numbers and labels pick, if they are in one of
    `states` (not answering a question); False, and nothing written, otherwise."""
    person = await load_user(conn, channel, external_id)
    if person is None or person["state"] not in states:
        return False
    data = {**(person["data"] or {}), "opts": options}
    data.pop("plain", None)
    return await save_user(conn, person["id"], {"data": data}, None, person["version"])


async def same_person(conn: AsyncConnection, user: dict) -> list[int]:
    """The ids of every chat of the person `user` is (itself, and chats linked to it)."""
    person = user.get("person_id") or user["id"]
    result = await conn.execute(select(users.c.id).where(
        (users.c.id == person) | (users.c.person_id == person)))
    return sorted({user["id"], *(r[0] for r in result)})


async def put_link_code(conn: AsyncConnection, code_hash: str, user_id: int,
                        expires_at: datetime) -> None:
    await conn.execute(delete(link_codes).where(link_codes.c.user_id == user_id))
    await conn.execute(link_codes.insert().values(code_hash=code_hash, user_id=user_id,
                                                  expires_at=expires_at))


async def take_link_code(conn: AsyncConnection, code_hash: str, now: datetime) -> dict | None:
    """The chat a valid code was made in, once: the code is gone after."""
    found = row((await conn.execute(select(link_codes).where(
        link_codes.c.code_hash == code_hash))).first())
    if found is None:
        return None
    await conn.execute(delete(link_codes).where(link_codes.c.code_hash == code_hash))
    if found["expires_at"] < now:
        return None
    return row((await conn.execute(select(users).where(users.c.id == found["user_id"]))).first())



async def repoint(conn: AsyncConnection, old_person: int, new_person: int) -> None:
    """Chats that belonged to `old_person` now belong to `new_person` (a chain of links)."""
    await conn.execute(update(users).where(users.c.person_id == old_person).values(
        person_id=new_person, version=users.c.version + 1))


async def lock_sender(conn, channel: str, external_id: str) -> int | None:
    """Take the transaction's lock on one sender (PostgreSQL advisory lock: other processes'
    steps for them wait until this transaction ends) and return their row's version."""
    result = await conn.execute(
        _LOCK, {"key": f"{channel}:{external_id}", "channel": channel, "id": external_id})
    return result.one()[1]


_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0)), "
             "(SELECT version FROM users WHERE channel = :channel AND external_id = :id)")
