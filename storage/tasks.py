"""Tasks: requests that take longer than a step, claimed by one process at a time under a lease
(see bot/tasks.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.rows import claim_rows, row
from storage.tables import tasks

# A claim lasts this long unless its holder renews it (bot/tasks.TaskRunner renews every third).
LEASE = timedelta(seconds=60)
# A task whose worker died this many times is given up (its requester is told).
MAX_ATTEMPTS = 2


async def put(conn: AsyncConnection, *, kind: str, params: dict, user: dict,
              now: datetime) -> int:
    result = await conn.execute(insert(tasks).values(
        kind=kind, params=params, user_id=user["id"], channel=user["channel"],
        external_id=user["external_id"], lang=user.get("lang"), status="pending", attempts=0,
        created_at=now).returning(tasks.c.id))
    return result.scalar_one()


async def waiting_for(conn: AsyncConnection, user_id: int, kind: str) -> int:
    """How many tasks of `kind` the user asked for that are not done yet."""
    query = select(func.count()).select_from(tasks).where(
        tasks.c.user_id == user_id, tasks.c.kind == kind)
    return (await conn.execute(query)).scalar_one()


def _claimable(wall: datetime):
    return or_(tasks.c.status == "pending",
               and_(tasks.c.status == "running", tasks.c.claimed_at < wall - LEASE))


async def claim(conn: AsyncConnection, holder: str, limit: int = 1) -> list[dict]:
    """Take the oldest pending task (or one whose holder stopped renewing it) for `holder`."""
    wall = datetime.now(UTC)
    claimed = await claim_rows(conn, tasks, tasks.c.id, _claimable(wall), limit,
                               status="running", claimed_by=holder, claimed_at=wall,
                               attempts=tasks.c.attempts + 1)
    return claimed


async def renew(conn: AsyncConnection, task_id: int, holder: str) -> bool:
    result = await conn.execute(
        update(tasks).where(tasks.c.id == task_id, tasks.c.claimed_by == holder)
        .values(claimed_at=datetime.now(UTC)))
    return result.rowcount == 1


async def progress(conn: AsyncConnection, task_id: int, holder: str, stage: str) -> None:
    await conn.execute(update(tasks).where(tasks.c.id == task_id, tasks.c.claimed_by == holder)
                       .values(progress=stage[:200], claimed_at=datetime.now(UTC)))


async def get(conn: AsyncConnection, task_id: int) -> dict | None:
    found = (await conn.execute(select(tasks).where(tasks.c.id == task_id))).first()
    return row(found) if found else None


async def finish(conn: AsyncConnection, task_id: int, holder: str) -> bool:
    """The task is done (its result is queued in the same transaction): forget it. False when
    another process has taken it meanwhile (this one's lease ran out): its result is not kept."""
    result = await conn.execute(
        delete(tasks).where(tasks.c.id == task_id, tasks.c.claimed_by == holder))
    return result.rowcount == 1


async def release(conn: AsyncConnection, task_id: int, holder: str) -> None:
    """Give a claimed task back (this process is stopping): another takes it at once."""
    await conn.execute(update(tasks).where(tasks.c.id == task_id, tasks.c.claimed_by == holder)
                       .values(status="pending", claimed_by=None, claimed_at=None,
                               attempts=tasks.c.attempts - 1))
