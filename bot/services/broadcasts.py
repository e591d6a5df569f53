"""Announcements: who may send them, to whom they go, and their ledger of deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.buttons import Button
from bot.i18n import N_
from bot.services.review import Actor, Outcome
from storage import broadcasts as broadcast_repo

SENDER_ROLES = ("communications", "admin")
# The Cancel button of the sender's progress report: "bc:cancel:<broadcast id>".
CANCEL = Button("bc", "action", "broadcast")
AUDIENCES = {
    "all": N_("All subscribers"),
    "ward": N_("Subscribers interested in one ward"),
    "field": N_("Subscribers interested in one field"),
    "officers": N_("Officers"),
}


def may_send(actor: Actor) -> bool:
    return actor.role in SENDER_ROLES


def _wants(person: dict, audience: dict) -> bool:
    interests = person.get("interests") or {}
    if audience["kind"] == "ward":
        wards = interests.get("wards") or []
        return not wards or audience["ward"] in wards
    if audience["kind"] == "field":
        fields = interests.get("fields") or []
        return not fields or audience["field"] in fields
    return True


async def recipients(conn: AsyncConnection, audience: dict):
    """The audience's chats, in chunks, so that 100,000 recipients never sit in memory."""
    if audience["kind"] == "officers":
        unit = audience.get("unit")
        yield await broadcast_repo.officer_chats(conn, None if unit in (None, "all") else unit)
        return
    async for chunk in broadcast_repo.subscribers(conn):
        yield [person for person in chunk if _wants(person, audience)]


async def count(conn: AsyncConnection, audience: dict) -> int:
    return sum([len(chunk) async for chunk in recipients(conn, audience)])


async def create(conn: AsyncConnection, actor: Actor, *, text: str, photo: dict | None,
                 audience: dict, send_at: datetime, now: datetime) -> Outcome:
    if not may_send(actor):
        return Outcome(False, N_("Only the communications office and administrators can send "
                                 "announcements."))
    broadcast_id = await broadcast_repo.create(conn, {
        "sender_id": actor.user_id, "text": text,
        "photo": photo["ref"] if photo else None, "photo_file": photo,
        "audience": {**audience, "scheduled": send_at > now}, "status": "scheduled",
        "send_at": send_at, "created_at": now, "reported": 0,
    })
    return Outcome(True, N_("Announcement #{id} is queued; you will get its progress here."),
                   {"id": broadcast_id})


async def start(conn: AsyncConnection, broadcast: dict, now: datetime) -> int | None:
    """Claim a due broadcast and write its ledger: one pending row per recipient. Returns the
    number of recipients, or None when another worker claimed it first."""
    if not await broadcast_repo.set_status(conn, broadcast["id"], ("scheduled",), "sending",
                                           started_at=now):
        return None
    total = 0
    async for chunk in recipients(conn, broadcast["audience"]):
        await broadcast_repo.add_deliveries(conn, [
            {"broadcast_id": broadcast["id"], "user_id": p["id"], "channel": p["channel"],
             "external_id": p["external_id"], "lang": p["lang"], "status": "pending",
             "attempts": 0}
            for p in chunk
        ])
        total += len(chunk)
    return total


async def cancel(conn: AsyncConnection, actor: Actor, broadcast_id: int, now: datetime) -> Outcome:
    broadcast = await broadcast_repo.get(conn, broadcast_id)
    if broadcast is None or not may_send(actor):
        return Outcome(False, N_("Only the communications office and administrators can send "
                                 "announcements."))
    if not await broadcast_repo.set_status(conn, broadcast_id, ("scheduled", "sending"),
                                           "cancelled", finished_at=now):
        return Outcome(False, N_("Announcement #{id} has already finished."), {"id": broadcast_id})
    await broadcast_repo.cancel_pending(conn, broadcast_id)
    return Outcome(True, N_("Announcement #{id} is cancelled; nobody else will receive it."),
                   {"id": broadcast_id})
