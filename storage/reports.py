"""What the review report reads that the statistics (bot/services/stats.py) do not: the award
dossiers (streamed: they can be many), the awarded works of a period, and what each campaign
brought in. Names of authors come out only where the author consented to be named
(entries.show_name); phones and contacts are never selected."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.tables import entries, history

CHUNK = 1000
DECIDED = ("awarded", "not_awarded")


def _first_reach(statuses: Collection[str], label: str):
    """The first time the entry reached one of `statuses` (a correlated subquery)."""
    return (
        select(func.min(history.c.at))
        .where(history.c.entry_id == entries.c.id, history.c.to_status.in_(statuses))
        .scalar_subquery()
        .label(label)
    )


def _authors(details: dict | None, show_name: bool) -> str | None:
    """The authors' names, only with their consent to be named."""
    if not show_name:
        return None
    names = (details or {}).get("authors")
    if isinstance(names, list | tuple):
        names = ", ".join(str(n) for n in names if n)
    return str(names) if names else None


def _public(mapping) -> dict[str, Any]:
    record = dict(mapping)
    record["authors"] = _authors(record.pop("details"), record.pop("show_name"))
    return record


async def dossiers(conn: AsyncConnection, unit: str, start: datetime, end: datetime, *,
                   exclude: Collection[str] = ()) -> AsyncIterator[dict[str, Any]]:
    """Award entries of one unit received in [start, end), not in an `exclude` status
    (withdrawn, duplicate), oldest first, one at a time (read in chunks of CHUNK rows): code,
    title, authors (None without consent), unit, field, received, decided (first award
    decision), status, award_level, applied (first reached)."""
    stmt = (
        select(entries.c.code, entries.c.title, entries.c.details, entries.c.show_name,
               entries.c.unit, entries.c.field, entries.c.created_at.label("received"),
               _first_reach(DECIDED, "decided"), entries.c.status, entries.c.award_level,
               _first_reach(("applied",), "applied"))
        .where(entries.c.kind == "award", entries.c.unit == unit,
               entries.c.created_at >= start, entries.c.created_at < end,
               entries.c.status.not_in(list(exclude)))
        .order_by(entries.c.created_at, entries.c.id)
    )
    result = await conn.stream(stmt.execution_options(yield_per=CHUNK))
    async for mapping in result.mappings():
        yield _public(mapping)


async def awarded_works(conn: AsyncConnection, units: Collection[str], start: datetime,
                        end: datetime) -> list[dict[str, Any]]:
    """Entries of `units` awarded, or put into practice, in [start, end): a handful a year (the
    plan's target is 5–10 in five years), so a list: code, title, authors (None without
    consent), unit, field, kind, award_level, awarded, applied."""
    awarded = _first_reach(("awarded",), "awarded")
    applied = _first_reach(("applied",), "applied")
    reached = (
        select(history.c.entry_id)
        .where(history.c.to_status.in_(("awarded", "applied")),
               history.c.at >= start, history.c.at < end)
    )
    stmt = (
        select(entries.c.code, entries.c.title, entries.c.details, entries.c.show_name,
               entries.c.unit, entries.c.field, entries.c.kind, entries.c.award_level,
               awarded, applied)
        .where(entries.c.unit.in_(list(units)), entries.c.id.in_(reached))
        .order_by(entries.c.code)
    )
    return [_public(m) for m in (await conn.execute(stmt)).mappings()]


async def campaign_intake(conn: AsyncConnection, units: Collection[str], slug: str, *,
                          opens: datetime, until: datetime, start: datetime,
                          end: datetime) -> tuple[int, int]:
    """What a campaign brought from `units`: its entries received in [opens, until) (the days
    after its opening) and its entries received in the period [start, end)."""
    early = and_(entries.c.created_at >= opens, entries.c.created_at < until)
    in_period = and_(entries.c.created_at >= start, entries.c.created_at < end)
    stmt = (
        select(func.coalesce(func.sum(case((early, 1), else_=0)), 0),
               func.coalesce(func.sum(case((in_period, 1), else_=0)), 0))
        .where(entries.c.campaign == slug, entries.c.unit.in_(list(units)),
               or_(early, in_period))
    )
    within, period = (await conn.execute(stmt)).one()
    return int(within), int(period)
