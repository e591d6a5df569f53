"""The residents' (and officers') chat rows and their conversation state.

A resident's step is designed to cost one read and one guarded write of the `users` row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.rows import dialect_insert, row
from storage.tables import link_codes, users


async def load_user(conn: AsyncConnection, channel: str, external_id: str) -> dict | None:
    result = await conn.execute(
        select(users).where(users.c.channel == channel, users.c.external_id == external_id)
    )
    return row(result.first())


async def load_user_by_id(conn: AsyncConnection, user_id: int) -> dict | None:
    return row((await conn.execute(select(users).where(users.c.id == user_id))).first())


async def create_user(
    conn: AsyncConnection, channel: str, external_id: str, lang: str, now: datetime
) -> dict:
    """Insert the chat identity alone (nothing personal is kept before consent)."""
    stmt = dialect_insert(conn, users).values(
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
    created = row((await conn.execute(stmt.returning(*users.c))).first())
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
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0)), "
             "(SELECT version FROM users WHERE channel = :channel AND external_id = :id)"),
        {"key": f"{channel}:{external_id}", "channel": channel, "id": external_id})
    return result.one()[1]
