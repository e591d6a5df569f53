"""Binding chats to units and roles: one-time invite codes, registration, revocation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.i18n import N_
from bot.reference import Reference
from bot.services.permissions import OFFICER_ROLES, Outcome
from storage import officers as officer_repo
from storage import users as user_repo

INVITE_VALIDITY = timedelta(days=7)
# Letters and digits that cannot be mistaken for one another when read aloud or copied.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# The registration's welcome, per role; the unit's name already says which office it is.
REGISTERED = {
    "ward_officer": N_("Welcome, {name}. You are registered as an officer of {unit}."),
    "district_officer": N_("Welcome, {name}. You are registered as an officer of {unit}."),
    "communications": N_("Welcome, {name}. You are registered as an officer of the "
                         "communications office (Culture and Information Office)."),
    "admin": N_("Welcome, {name}. You are registered as an administrator."),
    "council_member": N_("Welcome, {name}. You are registered as a member of the selection "
                         "council ({unit}); the district office seats you on its councils."),
}


def _normalise(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


class InviteError(ValueError):
    pass


async def invite(
    conn: AsyncConnection, ref: Reference, *, unit: str, role: str, name: str | None,
    now: datetime,
) -> tuple[str, datetime]:
    """Create a one-time code for `unit` and `role`; only its hash is stored."""
    if role not in OFFICER_ROLES:
        raise InviteError(f"unknown role {role!r}; one of: {', '.join(OFFICER_ROLES)}")
    target = ref.unit_by_slug.get(unit)
    if target is None or target.legacy:
        current = ", ".join(u.slug for u in ref.units)
        raise InviteError(f"unknown unit {unit!r} in the current map; one of: {current}")
    if role == "ward_officer" and target.kind != "ward":
        raise InviteError("a ward officer must belong to a ward")
    # A council member belongs to their own unit, a ward or above (issue 14): the dossiers of
    # that unit are the ones they are recused from.
    if role not in ("ward_officer", "council_member") and target.kind == "ward":
        raise InviteError(f"a {role} belongs to a unit above the wards (a district or the city)")
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    code = f"{raw[:5]}-{raw[5:]}"
    expires = now + INVITE_VALIDITY
    await officer_repo.create_invite(
        conn, code_hash=_hash(code), unit=unit, role=role, name=name, now=now, expires_at=expires
    )
    return code, expires


async def redeem(
    conn: AsyncConnection, *, user: dict, code: str, display_name: str | None, now: datetime
) -> Outcome:
    """Bind the chat to the invite's unit and role, once, before the code expires. The caller
    records the role on the chat's own row, with the rest of its step."""
    found = await officer_repo.invite_by_hash(conn, _hash(code)) if code.strip() else None
    if found is None:
        return Outcome(False, N_("This registration code is not valid. Please check it with "
                                 "the person who gave it to you."))
    if found["used_at"] is not None:
        return Outcome(False, N_("This registration code has already been used."))
    if found["expires_at"] < now:
        return Outcome(False, N_("This registration code expired on {date}. Please ask for a "
                                 "new one."), {"date": found["expires_at"]})
    # Claim the code before touching any binding: of two chats using it at once, the loser
    # keeps whatever it had.
    if not await officer_repo.claim_invite(conn, found["id"], now):
        return Outcome(False, N_("This registration code has already been used."))
    name = found["name"] or display_name or f"#{user['id']}"
    officer_id = await officer_repo.create_officer(
        conn, user_id=user["id"], unit=found["unit"], role=found["role"], name=name, now=now
    )
    await officer_repo.link_invite(conn, found["id"], officer_id)
    return Outcome(True, REGISTERED[found["role"]],
                   {"name": name, "role": found["role"], "unit": found["unit"]})


async def revoke(conn: AsyncConnection, officer_id: int, now: datetime) -> bool:
    officer = await officer_repo.officer_by_id(conn, officer_id)
    if officer is None or not await officer_repo.revoke(conn, officer_id, now):
        return False
    if await officer_repo.active_officer(conn, officer["user_id"]) is None:
        await user_repo.set_role(conn, officer["user_id"], "resident")
    return True
