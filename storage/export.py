"""What the open-data export and the exhibition list read: entries as a stream of public columns.

Personal data never leaves the database here: the author's name (`contact_name`), the title and
the description are selected only for entries whose author agreed to show them (`show_name`);
phones, chat and user ids, display names and the `details` free text are never selected.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import entries, history

# The statuses whose reaching is the entry's decision (its "decided" date); being put into
# practice comes after the award's decision and has a date of its own.
DECISIONS = ("recognised", "rejected", "duplicate", "closed", "awarded", "not_awarded")
STREAM_ROWS = 2000  # rows fetched from the database at a time


def _reached(statuses: Collection[str]):
    """When the entry last moved into one of `statuses`, from its history (None if never)."""
    return (select(func.max(history.c.at))
            .where(history.c.entry_id == entries.c.id, history.c.to_status.in_(list(statuses)))
            .scalar_subquery())


def _consented(column):
    return case((entries.c.show_name.is_(True), column), else_=literal(None, column.type))


# Every column the export may read, by name: only those a chosen field needs are selected.
COLUMNS = {
    "code": entries.c.code,
    "kind": entries.c.kind,
    "unit": entries.c.unit,
    "field": entries.c.field,
    "campaign": entries.c.campaign,
    "status": entries.c.status,
    "created_at": entries.c.created_at,
    "award_level": entries.c.award_level,
    "entry_type": entries.c.details["entry_type"].as_string(),
    "decided_at": _reached(DECISIONS),
    "applied_at": _reached(("applied",)),
    "author": _consented(entries.c.contact_name),
    "title": _consented(entries.c.title),
    "description": _consented(entries.c.description),
}


@dataclass(frozen=True)
class EntryFilter:
    """Which entries: received in [start, end) (UTC instants; None: no bound), of these units
    (None: every unit), not in the excluded statuses."""

    start: datetime | None = None
    end: datetime | None = None
    units: Collection[str] | None = None
    excluded: Collection[str] = ()


def _where(filters: EntryFilter):
    conditions = []
    if filters.start is not None:
        conditions.append(entries.c.created_at >= filters.start)
    if filters.end is not None:
        conditions.append(entries.c.created_at < filters.end)
    if filters.units is not None:
        conditions.append(entries.c.unit.in_(list(filters.units)))
    if filters.excluded:
        conditions.append(entries.c.status.not_in(list(filters.excluded)))
    return and_(true(), *conditions)


async def stream_entries(conn: AsyncConnection, filters: EntryFilter,
                         columns: Collection[str]) -> AsyncIterator[dict]:
    """The entries of `filters`, oldest first (by id: the primary key's order, read without a
    sort), each a dict of the named `columns`; fetched a few thousand at a time, so that memory
    does not grow with the number of rows."""
    chosen = [COLUMNS[name].label(name) for name in columns]
    stmt = (select(*chosen).where(_where(filters)).order_by(entries.c.id)
            .execution_options(yield_per=STREAM_ROWS))
    result = await conn.stream(stmt)
    async for found in result:
        yield dict(found._mapping)


async def exhibition_entries(conn: AsyncConnection, start: datetime, end: datetime,
                             units: Collection[str] | None = None) -> list[dict]:
    """The works that became awarded or were put into practice in [start, end), by their
    history, with their current status and, where consented, the author's name."""
    moved = (select(history.c.entry_id)
             .where(history.c.to_status.in_(["awarded", "applied"]),
                    history.c.at >= start, history.c.at < end))
    stmt = select(
        entries.c.code, entries.c.kind, entries.c.unit, entries.c.field, entries.c.title,
        entries.c.status, entries.c.award_level, entries.c.award_prize,
        COLUMNS["entry_type"].label("entry_type"),
        COLUMNS["author"].label("author"),
        _reached(("awarded",)).label("awarded_at"),
        _reached(("applied",)).label("applied_at"),
    ).where(entries.c.id.in_(moved), entries.c.status.in_(["awarded", "applied"]))
    if units is not None:
        stmt = stmt.where(entries.c.unit.in_(list(units)))
    return [dict(r._mapping) for r in await conn.execute(stmt.order_by(entries.c.id))]
