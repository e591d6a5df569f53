"""The selection council's SQL (issue 14): councils, members, rounds, dossiers, recusals, scores,
comments and the audit trail of scoring. The service (bot/services/council.py) decides; this
module only reads and writes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.rows import dialect_insert
from storage.rows import row as _row
from storage.tables import (
    council_audit,
    council_comments,
    council_members,
    council_recusals,
    council_rounds,
    council_scores,
    councils,
    entries,
    officers,
    round_dossiers,
    users,
)


# --- councils and members --------------------------------------------------------------------
async def create_council(conn: AsyncConnection, *, unit: str, name: str, now: datetime) -> int:
    result = await conn.execute(insert(councils).values(unit=unit, name=name, created_at=now)
                                .returning(councils.c.id))
    return result.scalar_one()


async def council_by_id(conn: AsyncConnection, council_id: int) -> dict | None:
    return _row((await conn.execute(select(councils).where(councils.c.id == council_id))).first())


async def add_member(conn: AsyncConnection, council_id: int, officer_id: int, chair: bool,
                     now: datetime) -> None:
    """Add the officer, or change their chair flag if they already sit on the council."""
    stmt = dialect_insert(conn, council_members).values(
        council_id=council_id, officer_id=officer_id, chair=chair, added_at=now)
    await conn.execute(stmt.on_conflict_do_update(
        index_elements=["council_id", "officer_id"], set_={"chair": chair}))


async def members(conn: AsyncConnection, council_id: int) -> list[dict]:
    """The council's members who are still active officers, in the order they were added."""
    result = await conn.execute(
        select(council_members.c.officer_id, council_members.c.chair, officers.c.name,
               officers.c.unit, officers.c.role, officers.c.user_id, users.c.channel,
               users.c.external_id, users.c.lang)
        .join(officers, officers.c.id == council_members.c.officer_id)
        .join(users, users.c.id == officers.c.user_id)
        .where(council_members.c.council_id == council_id, officers.c.revoked_at.is_(None))
        .order_by(council_members.c.added_at, council_members.c.officer_id))
    return [_row(r) for r in result]


async def councils_of(conn: AsyncConnection, officer_id: int) -> list[dict]:
    result = await conn.execute(
        select(councils, council_members.c.chair)
        .join(council_members, council_members.c.council_id == councils.c.id)
        .where(council_members.c.officer_id == officer_id).order_by(councils.c.id))
    return [_row(r) for r in result]


# --- rounds ------------------------------------------------------------------------------------
async def create_round(conn: AsyncConnection, *, council_id: int, label: str, rubric: dict,
                       rubric_source: str, rules: dict, closes_on: date | None,
                       now: datetime) -> int:
    result = await conn.execute(insert(council_rounds).values(
        council_id=council_id, label=label, rubric=rubric, rubric_source=rubric_source,
        rules=rules, status="open", closes_on=closes_on, opened_at=now)
        .returning(council_rounds.c.id))
    return result.scalar_one()


_ROUND = select(council_rounds, councils.c.name.label("council_name"), councils.c.unit).join(
    councils, councils.c.id == council_rounds.c.council_id)


async def round_by_id(conn: AsyncConnection, round_id: int) -> dict | None:
    return _row((await conn.execute(_ROUND.where(council_rounds.c.id == round_id))).first())


async def rounds_of_council(conn: AsyncConnection, council_id: int) -> list[dict]:
    result = await conn.execute(_ROUND.where(council_rounds.c.council_id == council_id)
                                .order_by(council_rounds.c.id))
    return [_row(r) for r in result]


async def closed_round_ids(conn: AsyncConnection, units: list[str], start: datetime,
                           end: datetime) -> list[int]:
    """The rounds of the councils of `units` closed in [start, end), in the order they closed."""
    result = await conn.execute(
        select(council_rounds.c.id).join(councils, councils.c.id == council_rounds.c.council_id)
        .where(councils.c.unit.in_(units), council_rounds.c.status == "closed",
               council_rounds.c.closed_at >= start, council_rounds.c.closed_at < end)
        .order_by(council_rounds.c.closed_at, council_rounds.c.id))
    return [r[0] for r in result]


async def open_rounds(conn: AsyncConnection) -> list[dict]:
    result = await conn.execute(_ROUND.where(council_rounds.c.status == "open")
                                .order_by(council_rounds.c.id))
    return [_row(r) for r in result]


async def close_round(conn: AsyncConnection, round_id: int, *, by: str, now: datetime) -> bool:
    """Close an open round; False when it was already closed (or does not exist)."""
    result = await conn.execute(
        update(council_rounds)
        .where(council_rounds.c.id == round_id, council_rounds.c.status == "open")
        .values(status="closed", closed_at=now, closed_by=by))
    return result.rowcount == 1


async def add_dossiers(conn: AsyncConnection, round_id: int, entry_ids: list[int]) -> None:
    if entry_ids:
        await conn.execute(insert(round_dossiers),
                           [{"round_id": round_id, "entry_id": e} for e in entry_ids])


async def dossiers(conn: AsyncConnection, round_id: int) -> list[dict]:
    result = await conn.execute(
        select(entries).join(round_dossiers, round_dossiers.c.entry_id == entries.c.id)
        .where(round_dossiers.c.round_id == round_id).order_by(entries.c.code))
    return [_row(r) for r in result]


async def closed_rounds_of_entry(conn: AsyncConnection, entry_id: int) -> list[int]:
    """The closed rounds that scored the entry, the latest first."""
    result = await conn.execute(
        select(council_rounds.c.id).join(round_dossiers,
                                         round_dossiers.c.round_id == council_rounds.c.id)
        .where(round_dossiers.c.entry_id == entry_id, council_rounds.c.status == "closed")
        .order_by(council_rounds.c.closed_at.desc(), council_rounds.c.id.desc()))
    return [r[0] for r in result]


async def shortlisted(conn: AsyncConnection, wards: list[str]) -> list[int]:
    result = await conn.execute(select(entries.c.id).where(
        entries.c.status == "shortlisted", entries.c.unit.in_(wards)).order_by(entries.c.id))
    return [r[0] for r in result]


# --- recusals ------------------------------------------------------------------------------
async def recuse(conn: AsyncConnection, *, round_id: int, entry_id: int, officer_id: int,
                 kind: str, automatic: bool, note: str | None, now: datetime) -> bool:
    """Record the recusal; False when the member was already recused from the dossier."""
    stmt = dialect_insert(conn, council_recusals).values(
        round_id=round_id, entry_id=entry_id, officer_id=officer_id, kind=kind,
        automatic=automatic, note=note, at=now).on_conflict_do_nothing()
    return (await conn.execute(stmt)).rowcount == 1


async def recusals(conn: AsyncConnection, round_id: int) -> list[dict]:
    result = await conn.execute(select(council_recusals).where(
        council_recusals.c.round_id == round_id).order_by(council_recusals.c.at,
                                                          council_recusals.c.entry_id))
    return [_row(r) for r in result]


async def is_recused(conn: AsyncConnection, round_id: int, entry_id: int,
                     officer_id: int) -> bool:
    result = await conn.execute(select(council_recusals.c.kind).where(
        council_recusals.c.round_id == round_id, council_recusals.c.entry_id == entry_id,
        council_recusals.c.officer_id == officer_id))
    return result.first() is not None


# --- scores and comments -------------------------------------------------------------------
async def scores(conn: AsyncConnection, round_id: int, *, officer_id: int | None = None,
                 entry_id: int | None = None) -> list[dict]:
    where = [council_scores.c.round_id == round_id]
    if officer_id is not None:
        where.append(council_scores.c.officer_id == officer_id)
    if entry_id is not None:
        where.append(council_scores.c.entry_id == entry_id)
    result = await conn.execute(select(council_scores).where(and_(*where))
                                .order_by(council_scores.c.id))
    return [_row(r) for r in result]


async def set_score(conn: AsyncConnection, *, round_id: int, entry_id: int, officer_id: int,
                    criterion: str, points: int, now: datetime) -> int | None:
    """Write one criterion's points; returns the points it had before (None: new)."""
    key = (council_scores.c.round_id == round_id, council_scores.c.entry_id == entry_id,
           council_scores.c.officer_id == officer_id, council_scores.c.criterion == criterion)
    old = (await conn.execute(select(council_scores.c.points).where(*key))).scalar()
    if old is None:
        await conn.execute(insert(council_scores).values(
            round_id=round_id, entry_id=entry_id, officer_id=officer_id, criterion=criterion,
            points=points, updated_at=now))
    elif old != points:
        await conn.execute(update(council_scores).where(*key).values(points=points,
                                                                     updated_at=now))
    return old


async def comments(conn: AsyncConnection, round_id: int) -> list[dict]:
    result = await conn.execute(select(council_comments).where(
        council_comments.c.round_id == round_id))
    return [_row(r) for r in result]


async def set_comment(conn: AsyncConnection, *, round_id: int, entry_id: int, officer_id: int,
                      comment: str | None, now: datetime) -> str | None:
    """Write (or, with None, remove) the member's comment; returns the one it replaced."""
    key = (council_comments.c.round_id == round_id, council_comments.c.entry_id == entry_id,
           council_comments.c.officer_id == officer_id)
    old = (await conn.execute(select(council_comments.c.comment).where(*key))).scalar()
    if comment is None:
        await conn.execute(delete(council_comments).where(*key))
    elif old is None:
        await conn.execute(insert(council_comments).values(
            round_id=round_id, entry_id=entry_id, officer_id=officer_id, comment=comment,
            updated_at=now))
    elif old != comment:
        await conn.execute(update(council_comments).where(*key).values(comment=comment,
                                                                       updated_at=now))
    return old


async def scored_counts(conn: AsyncConnection, round_id: int) -> dict[tuple[int, int], int]:
    """(officer, entry) → how many criteria the member has scored."""
    result = await conn.execute(
        select(council_scores.c.officer_id, council_scores.c.entry_id, func.count())
        .where(council_scores.c.round_id == round_id)
        .group_by(council_scores.c.officer_id, council_scores.c.entry_id))
    return {(o, e): n for o, e, n in result}


# --- the audit trail -------------------------------------------------------------------------
async def audit(conn: AsyncConnection, *, round_id: int, action: str, now: datetime,
                entry_id: int | None = None, officer_id: int | None = None,
                actor_name: str | None = None, criterion: str | None = None,
                old: Any = None, new: Any = None) -> None:
    await conn.execute(insert(council_audit).values(
        round_id=round_id, entry_id=entry_id, officer_id=officer_id, actor_name=actor_name,
        at=now, action=action, criterion=criterion,
        old=None if old is None else str(old), new=None if new is None else str(new)))


async def audit_of_officer(conn: AsyncConnection, officer_id: int,
                           limit: int = 500) -> list[dict]:
    result = await conn.execute(
        select(council_audit, entries.c.code, council_rounds.c.label)
        .join(council_rounds, council_rounds.c.id == council_audit.c.round_id)
        .outerjoin(entries, entries.c.id == council_audit.c.entry_id)
        .where(council_audit.c.officer_id == officer_id)
        .order_by(council_audit.c.id).limit(limit))
    return [_row(r) for r in result]
