"""What channels keep besides conversations: message ids already taken, the bot's own secrets,
and renewable credentials (see tables.received, tables.secrets, tables.channel_tokens)."""

from __future__ import annotations

import secrets as _random
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.rows import dialect_insert, row
from storage.tables import channel_tokens, flood, leases, received, secrets


async def take_message(conn: AsyncConnection, channel: str, message_id: str,
                       now: datetime) -> bool:
    """True for the one step (in any process) that records this message first."""
    stmt = dialect_insert(conn, received).values(
        channel=channel, message_id=message_id[:64], received_at=now)
    result = await conn.execute(
        stmt.on_conflict_do_nothing(index_elements=["channel", "message_id"]))
    return result.rowcount == 1


async def taken(conn: AsyncConnection, channel: str, message_id: str) -> bool:
    result = await conn.execute(select(received.c.message_id).where(
        received.c.channel == channel, received.c.message_id == message_id[:64]))
    return result.first() is not None


async def forget_messages(conn: AsyncConnection, before: datetime) -> int:
    """Drop ids received before `before` (no platform redelivers after days)."""
    result = await conn.execute(delete(received).where(received.c.received_at < before))
    return result.rowcount


async def forget_flood(conn: AsyncConnection, before: datetime) -> int:
    """Drop the flood-control buckets of senders silent since `before` (full again by then)."""
    result = await conn.execute(delete(flood).where(flood.c.at < before.timestamp()))
    return result.rowcount


async def secret(conn: AsyncConnection, name: str) -> str:
    """The bot's secret `name`, made at random the first time any process asks for it."""
    stmt = dialect_insert(conn, secrets).values(name=name, value=_random.token_urlsafe(48))
    await conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
    return (await conn.execute(select(secrets.c.value).where(secrets.c.name == name))).scalar_one()


async def load_tokens(conn: AsyncConnection, channel: str) -> dict | None:
    result = await conn.execute(select(channel_tokens).where(channel_tokens.c.channel == channel))
    return row(result.first())


async def seed_tokens(conn: AsyncConnection, channel: str, access_token: str,
                      refresh_token: str, now: datetime) -> dict:
    """The configured tokens, kept only when the channel has none yet (later refreshes win)."""
    stmt = dialect_insert(conn, channel_tokens).values(
        channel=channel, access_token=access_token, refresh_token=refresh_token,
        expires_at=None, version=0, updated_at=now)
    await conn.execute(stmt.on_conflict_do_nothing(index_elements=["channel"]))
    return await load_tokens(conn, channel)


async def lock_tokens(conn: AsyncConnection, channel: str) -> dict | None:
    """The channel's tokens, locked until the transaction ends: the process about to spend the
    single-use refresh token holds the lock, and another one waits here, then reads the new
    pair. PostgreSQL locks the row; SQLite's first write takes the database's write lock, so
    the transaction begins with one (a read first would see a snapshot that may be stale)."""
    where = channel_tokens.c.channel == channel
    if conn.dialect.name == "postgresql":
        result = await conn.execute(select(channel_tokens).where(where).with_for_update())
        return row(result.first())
    await conn.execute(update(channel_tokens).where(where)
                       .values(updated_at=channel_tokens.c.updated_at))
    return await load_tokens(conn, channel)


async def replace_tokens(conn: AsyncConnection, channel: str, version: int, access_token: str,
                         refresh_token: str, expires_at: datetime | None, now: datetime) -> bool:
    """Write a refreshed pair if nobody did since `version` was read; False otherwise."""
    result = await conn.execute(
        update(channel_tokens)
        .where(channel_tokens.c.channel == channel, channel_tokens.c.version == version)
        .values(access_token=access_token, refresh_token=refresh_token, expires_at=expires_at,
                version=version + 1, updated_at=now))
    return result.rowcount == 1


async def lease_holder(conn: AsyncConnection, name: str) -> str | None:
    result = await conn.execute(select(leases.c.holder).where(leases.c.name == name))
    return result.scalar()


async def hold_lease(conn: AsyncConnection, name: str, holder: str, now: datetime,
                     until: datetime, dead: str | None = None) -> bool:
    """Take or renew lease `name` for `holder` until `until`: True if `holder` has it now
    (it was free, had run out, was already theirs, or was held by `dead`, a holder known to
    have died)."""
    stmt = dialect_insert(conn, leases).values(name=name, holder=holder, expires_at=until)
    taken = (leases.c.holder == holder) | (leases.c.expires_at < now)
    if dead is not None:
        taken = taken | (leases.c.holder == dead)
    stmt = stmt.on_conflict_do_update(
        index_elements=["name"], set_={"holder": holder, "expires_at": until}, where=taken)
    await conn.execute(stmt)
    held = await conn.execute(select(leases.c.holder).where(leases.c.name == name))
    return held.scalar_one() == holder


async def drop_lease(conn: AsyncConnection, name: str, holder: str) -> None:
    await conn.execute(delete(leases).where(leases.c.name == name, leases.c.holder == holder))
