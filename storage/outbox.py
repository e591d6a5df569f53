"""The outbox: messages for other people, committed with the change they announce.

A process claims a few pending rows at a time, sends them one by one and forgets each one as soon
as it is sent, so a crash sends again at most the one message in flight. A claim is a short lease
that the live process renews; another process takes over the rows a dead one left. A message
the platform will not take now (Zalo OA, 7 days after the person last wrote) is held until the
person writes again (`hold`, `wake`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.rows import claim_rows
from storage.tables import outbox

# A claim is short: the claiming process renews it while it sends (`renew`), one that died
# loses it this long after its last renewal, and another process sends what it left.
LEASE = timedelta(seconds=30)


# Built once: SQLAlchemy caches a statement's compiled form only when the same object comes
# again. With RETURNING, the ids come back in the order of the rows (insertmanyvalues).
_PUT = insert(outbox)
_PUT_CLAIMED = insert(outbox).returning(outbox.c.id, sort_by_parameter_order=True)


async def put(conn: AsyncConnection, rows: list[dict], holder: str | None = None) -> list[int]:
    """Queue `rows`. With `holder`, they are written already claimed by it, its lease starting
    now, and their ids are returned: that process sends them itself right after the commit
    (bot.runtime), and no other takes them unless it dies or gives them back."""
    if not rows:
        return []
    if holder is None:
        await conn.execute(_PUT, rows)
        return []
    wall = datetime.now(UTC)
    claimed = [{**r, "claimed_at": wall, "claimed_by": holder} for r in rows]
    return [r[0] for r in await conn.execute(_PUT_CLAIMED, claimed)]


def _claimable(channel: str, now: datetime, wall: datetime):
    return and_(
        outbox.c.channel == channel,
        outbox.c.status == "pending",
        (outbox.c.claimed_at.is_(None)) | (outbox.c.claimed_at < wall - LEASE),
        (outbox.c.not_before.is_(None)) | (outbox.c.not_before <= now),
    )


async def claim(conn: AsyncConnection, channel: str, now: datetime, holder: str,
                limit: int = 20) -> list[dict]:
    """Take up to `limit` pending messages of `channel` due at `now` (the bot's clock) for
    `holder`, oldest first: each is this caller's alone in every process (PostgreSQL: FOR UPDATE
    SKIP LOCKED; SQLite has one writer at a time) until its lease runs out in real time."""
    wall = datetime.now(UTC)
    return await claim_rows(conn, outbox, outbox.c.id, _claimable(channel, now, wall), limit,
                            claimed_at=wall, claimed_by=holder)


async def renew(conn: AsyncConnection, ids: list[int], holder: str) -> None:
    """Keep `holder`'s claims on `ids` (those not sent yet) for another lease."""
    if ids:
        await conn.execute(_RENEW, {"ids": ids, "holder": holder, "at": datetime.now(UTC)})


async def forget(conn: AsyncConnection, ids: list[int]) -> None:
    """Delivered (or undeliverable) messages are deleted: the outbox keeps no copy of what
    officers were told about a resident, so erasing the resident's data leaves nothing here."""
    if ids:
        await conn.execute(_FORGET, {"ids": ids})


async def release(conn: AsyncConnection, ids: list[int]) -> None:
    """Give claimed messages back, to be tried again at the next delivery."""
    if ids:
        await conn.execute(_RELEASE, {"ids": ids})


async def hold(conn: AsyncConnection, ids: list[int]) -> None:
    """Keep claimed messages the platform will not take now (it allows writing to a person only
    for a while after they last wrote): no delivery claims them until `wake`."""
    if ids:
        await conn.execute(_HOLD, {"ids": ids})


async def held_for(conn: AsyncConnection, channel: str, external_id: str) -> bool:
    """Whether messages wait for this person to write (a read: most people have none)."""
    found = await conn.execute(_HELD_FOR, {"b_channel": channel, "b_external_id": external_id})
    return found.first() is not None


async def wake(conn: AsyncConnection, channel: str, external_id: str) -> int:
    """The person wrote again: what was held for them is pending again, in its order."""
    result = await conn.execute(_WAKE, {"b_channel": channel, "b_external_id": external_id})
    return result.rowcount


# Built once, like _PUT (a list of ids is one expanding parameter).
_IDS = outbox.c.id.in_(bindparam("ids", expanding=True))
_RENEW = (update(outbox).where(_IDS, outbox.c.claimed_by == bindparam("holder"))
          .values(claimed_at=bindparam("at")))
_FORGET = delete(outbox).where(_IDS)
_RELEASE = update(outbox).where(_IDS).values(claimed_at=None, claimed_by=None)
_HOLD = update(outbox).where(_IDS).values(status="held", claimed_at=None, claimed_by=None)
_HELD_PERSON = and_(outbox.c.channel == bindparam("b_channel"), outbox.c.status == "held",
                    outbox.c.external_id == bindparam("b_external_id"))
_HELD_FOR = select(outbox.c.id).where(_HELD_PERSON).limit(1)
_WAKE = update(outbox).where(_HELD_PERSON).values(status="pending", claimed_at=None,
                                                  claimed_by=None)
