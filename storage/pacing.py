"""Rates shared by every process (`pacing`): how fast a channel's broadcasts may go is the bot's
limit on the platform, whatever the number of processes sending. A process reserves a short
window of the rate at a time and spreads its messages over it; windows never overlap."""

from __future__ import annotations

import time

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.rows import dialect_insert
from storage.tables import pacing


async def reserve(conn: AsyncConnection, name: str, count: int, rate: float) -> float:
    """Reserve the next `count` messages of rate `name` (messages per second): the moment
    (seconds since the epoch) the first may go; the others follow it at 1/`rate` apart. The
    window starts no earlier than now, and after every window reserved before it."""
    now, span = time.time(), count / rate
    later = (func.greatest if conn.dialect.name == "postgresql" else func.max)(
        pacing.c.next_at, now)
    stmt = (dialect_insert(conn, pacing).values(name=name, next_at=now + span)
            .on_conflict_do_update(index_elements=["name"], set_={"next_at": later + span})
            .returning(pacing.c.next_at))
    return (await conn.execute(stmt)).scalar_one() - span
