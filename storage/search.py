"""The officers' search of entries (bot/services/search.py) and its audit trail (`searches`).

Words are matched in SQL on `entries.search_text`, never by reading entries into Python: the
column holds the entry's title, description and contact name folded (bot.text.fold: lower case,
no accents, punctuation as spaces), as " <title> <description> | <name>". A word of the title or
description is a LIKE on what comes before the bar, a word of the name on what follows it, each
at the start of a word (" cay" finds "Cây xanh", not "tầng cây"). A phone is an exact match on the
stored E.164 number (`ix_entries_contact_phone`). The scope (a ward, the wards under a unit) is
the leading column of `ix_entries_unit_status_created`, so a ward's search reads that ward's rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.text import fold
from storage.rows import row
from storage.tables import entries, searches

NAME_MARK = "|"  # never in folded text (fold turns punctuation into spaces)
# How long the audit trail of searches keeps a row: two years, the length of a review period's
# records (Luật Thi đua, khen thưởng: the yearly review looks back one year, the sơ kết two).
SEARCHES_KEPT = timedelta(days=730)


def search_key(title: str | None, description: str | None, name: str | None) -> str:
    """What `entries.search_text` holds for these texts."""
    return f" {fold(title or '')} {fold(description or '')} {NAME_MARK} {fold(name or '')}"


@dataclass(frozen=True)
class Criteria:
    """What the search asks of an entry (all of it): `units` None is every unit."""

    units: Collection[str] | None
    code: str | None = None
    words: Sequence[str] = ()  # folded words of the title or description
    name: Sequence[str] = ()  # folded words of the contact name
    phone: str | None = None  # E.164
    status: str | None = None
    since: datetime | None = None  # created at or after
    before: datetime | None = None  # created before


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(criteria: Criteria, *, with_status: bool = True):
    text = entries.c.search_text
    conditions = []
    if criteria.units is not None:
        conditions.append(entries.c.unit.in_(sorted(criteria.units)))
    if criteria.code:
        conditions.append(entries.c.code == criteria.code)
    for word in criteria.words:
        conditions.append(text.like(f"% {_escape(word)}%{NAME_MARK}%", escape="\\"))
    for word in criteria.name:
        conditions.append(text.like(f"%{NAME_MARK}% {_escape(word)}%", escape="\\"))
    if criteria.phone:
        conditions.append(entries.c.contact_phone == criteria.phone)
    if with_status and criteria.status:
        conditions.append(entries.c.status == criteria.status)
    if criteria.since is not None:
        conditions.append(entries.c.created_at >= criteria.since)
    if criteria.before is not None:
        conditions.append(entries.c.created_at < criteria.before)
    return and_(*conditions)


_LISTED = (entries.c.id, entries.c.code, entries.c.kind, entries.c.title, entries.c.status,
           entries.c.unit, entries.c.created_at, entries.c.due_at)


async def count(conn: AsyncConnection, criteria: Criteria) -> int:
    stmt = select(func.count()).select_from(entries).where(_where(criteria))
    return (await conn.execute(stmt)).scalar_one()


async def page(conn: AsyncConnection, criteria: Criteria, *, limit: int,
               offset: int) -> list[dict]:
    """Found entries, newest first."""
    result = await conn.execute(
        select(*_LISTED).where(_where(criteria))
        .order_by(entries.c.created_at.desc(), entries.c.id.desc())
        .limit(limit).offset(offset))
    return [row(r) for r in result]


async def statuses(conn: AsyncConnection, criteria: Criteria) -> dict[str, int]:
    """How many found entries are in each status, whatever status the criteria ask for."""
    result = await conn.execute(
        select(entries.c.status, func.count()).where(_where(criteria, with_status=False))
        .group_by(entries.c.status))
    return {status: n for status, n in result}


async def export_rows(conn: AsyncConnection, criteria: Criteria, limit: int) -> list[dict]:
    """Every found entry with what the export shows (contact included), at most `limit`."""
    result = await conn.execute(
        select(*_LISTED, entries.c.field, entries.c.updated_at, entries.c.contact_name,
               entries.c.contact_phone, entries.c.show_name)
        .where(_where(criteria))
        .order_by(entries.c.created_at, entries.c.id)
        .limit(limit))
    return [row(r) for r in result]


# --- the audit trail ----------------------------------------------------------------------------


async def log(conn: AsyncConnection, *, officer_id: int | None, actor_name: str | None,
              at: datetime, kind: str, query: str, results: int) -> None:
    """Record one search or export (forgotten after SEARCHES_KEPT by the daily housekeeping)."""
    await conn.execute(insert(searches).values(
        officer_id=officer_id, actor_name=actor_name, at=at, kind=kind, query=query,
        results=results))


async def forget_searches(conn: AsyncConnection, now: datetime) -> int:
    """Forget the searches and exports logged more than SEARCHES_KEPT before `now`."""
    result = await conn.execute(delete(searches).where(searches.c.at < now - SEARCHES_KEPT))
    return result.rowcount


async def searches_of(conn: AsyncConnection, officer_id: int, limit: int = 200) -> list[dict]:
    """The officer's logged searches and exports, oldest first (the latest `limit`)."""
    result = await conn.execute(
        select(searches).where(searches.c.officer_id == officer_id)
        .order_by(searches.c.at.desc(), searches.c.id.desc()).limit(limit))
    return [row(r) for r in result][::-1]
