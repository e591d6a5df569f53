"""The office's figures, as SQL: counts grouped in the database, and the history streamed.

Every function takes the units counted (slugs, as stored in `entries.unit`) and moments in UTC
(`start` included, `end` excluded), which the service computes from the local dates of a period.
Nothing here holds more than one batch of rows: counts come back grouped (a few hundred rows
whatever the number of entries), and the history comes in batches of `BATCH` rows, ordered by
entry and time, for the service to fold as they pass (bot/services/stats.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from datetime import datetime

from sqlalchemy import case, distinct, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import entries, history

BATCH = 5_000


def _received(units: Collection[str], start: datetime, end: datetime):
    return (entries.c.unit.in_(list(units)), entries.c.created_at >= start,
            entries.c.created_at < end)


async def counts(conn: AsyncConnection, units: Collection[str], start: datetime,
                 end: datetime) -> list[tuple[str, str | None, str, str, int]]:
    """Entries received in [start, end) grouped by (unit, field, kind, current status)."""
    query = (select(entries.c.unit, entries.c.field, entries.c.kind, entries.c.status,
                    func.count())
             .where(*_received(units, start, end))
             .group_by(entries.c.unit, entries.c.field, entries.c.kind, entries.c.status))
    return [tuple(r) for r in (await conn.execute(query)).all()]


async def monthly(conn: AsyncConnection, units: Collection[str],
                  months: Sequence[tuple[int, datetime]], end: datetime
                  ) -> list[tuple[str, int, int]]:
    """Entries by (unit, month): `months` are (key, first moment) in order, the first being
    the period's start; an entry belongs to the last month that began before it."""
    whens = [(entries.c.created_at < nxt, literal(key))
             for (key, _), (_, nxt) in zip(months, months[1:], strict=False)]
    last = literal(months[-1][0])
    month = case(*whens, else_=last) if whens else last
    query = (select(entries.c.unit, month.label("month"), func.count())
             .where(*_received(units, months[0][1], end))
             .group_by(entries.c.unit, month))
    return [(r[0], int(r[1]), r[2]) for r in (await conn.execute(query)).all()]


# Funnel stages are compared by their rank: an entry's stage is the highest rank its history
# reached (0: received only).
async def furthest_stages(conn: AsyncConnection, units: Collection[str], start: datetime,
                          end: datetime, ranks: dict[str, int]) -> dict[int, int]:
    """For the entries received in [start, end): how many reached each furthest rank (the
    highest `ranks[to_status]` over their whole history; statuses not in `ranks` are 0)."""
    rank = case(*((history.c.to_status == status, literal(value))
                  for status, value in ranks.items()), else_=literal(0))
    per_entry = (select(history.c.entry_id, func.max(rank).label("rank"))
                 .select_from(history).join(entries, entries.c.id == history.c.entry_id)
                 .where(*_received(units, start, end))
                 .group_by(history.c.entry_id)
                 .subquery())
    query = select(per_entry.c.rank, func.count()).group_by(per_entry.c.rank)
    return {int(r[0]): r[1] for r in (await conn.execute(query)).all()}


def _touched(units: Collection[str], start: datetime, end: datetime):
    """Entries with a change in [start, end): created before its end and changed last at or
    after its start (`updated_at` is the moment of the last change)."""
    return (entries.c.unit.in_(list(units)), entries.c.created_at < end,
            entries.c.updated_at >= start)


async def earliest_touched(conn: AsyncConnection, units: Collection[str], start: datetime,
                           end: datetime) -> datetime | None:
    """When the oldest entry with a change in [start, end) was received."""
    query = select(func.min(entries.c.created_at)).where(*_touched(units, start, end))
    return (await conn.execute(query)).scalar()


async def history_batches(conn: AsyncConnection, units: Collection[str], start: datetime,
                          end: datetime, size: int = BATCH) -> AsyncIterator[list]:
    """The history before `end` of every entry with a change in [start, end), in batches of
    rows (entry_id, unit, at, role, from_status, to_status), ordered by entry, time, id: an
    entry's rows come together and in order, its earlier rows included."""
    query = (select(history.c.entry_id, entries.c.unit, history.c.at, history.c.role,
                    history.c.from_status, history.c.to_status)
             .select_from(history).join(entries, entries.c.id == history.c.entry_id)
             .where(*_touched(units, start, end), history.c.at < end)
             .order_by(history.c.entry_id, history.c.at, history.c.id))
    result = await conn.stream(query.execution_options(yield_per=size))
    async for batch in result.partitions(size):
        yield batch


async def dossiers(conn: AsyncConnection, units: Collection[str], start: datetime,
                   end: datetime, excluded: Collection[str]) -> int:
    """Award-kind entries received in [start, end), not in an `excluded` status now."""
    query = (select(func.count()).select_from(entries)
             .where(*_received(units, start, end), entries.c.kind == "award",
                    entries.c.status.not_in(list(excluded))))
    return (await conn.execute(query)).scalar_one()


async def reached(conn: AsyncConnection, units: Collection[str], status: str, start: datetime,
                  end: datetime) -> int:
    """Entries of `units` whose history reached `status` in [start, end)."""
    query = (select(func.count(distinct(history.c.entry_id)))
             .select_from(history).join(entries, entries.c.id == history.c.entry_id)
             .where(entries.c.unit.in_(list(units)), history.c.to_status == status,
                    history.c.at >= start, history.c.at < end))
    return (await conn.execute(query)).scalar_one()
