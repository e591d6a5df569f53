"""One person, two channels: a resident who writes on Zalo and on Telegram is two chats until
they link them with a one-time code made in Settings on one and typed on the other; then both
see (and may withdraw or answer for) the same entries."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.i18n import N_
from bot.services.permissions import Outcome
from storage import users as user_repo

LINK_VALIDITY = timedelta(minutes=15)
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # nothing to misread: no I, L, O, 0 or 1


def _hash(code: str) -> str:
    return hashlib.sha256("".join(c for c in code.upper() if c.isalnum()).encode()).hexdigest()


async def new_code(conn: AsyncConnection, user: dict, now: datetime) -> tuple[str, datetime]:
    """A code for this chat, replacing any earlier one; only its hash is kept."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    code = f"{raw[:4]}-{raw[4:]}"
    expires = now + LINK_VALIDITY
    await user_repo.put_link_code(conn, _hash(code), user["id"], expires)
    return code, expires


async def link(conn: AsyncConnection, user: dict, code: str, now: datetime,
               ) -> tuple[Outcome, int | None]:
    """Link this chat to the one the code was made in: the outcome, and the person id this
    chat takes (None when nothing changes)."""
    if not code.strip():
        return Outcome(False, N_("Please type the code after the command, for example "
                                 "/lienket ABCD-2345.")), None
    other = await user_repo.take_link_code(conn, _hash(code), now)
    if other is None:
        return Outcome(False, N_("This code is not valid or has expired (a code works once, "
                                 "for 15 minutes). Please make a new one in Settings.")), None
    if other["id"] == user["id"] or other["channel"] == user["channel"]:
        return Outcome(False, N_("Please type the code in your chat on the other channel "
                                 "(for example Zalo if you made it on Telegram).")), None
    person = other.get("person_id") or other["id"]
    if person in await user_repo.same_person(conn, user):
        return Outcome(True, N_("These two chats are already linked.")), None
    await user_repo.repoint(conn, user["id"], person)  # chats linked to this one follow it
    return Outcome(True, N_("Your chats are linked: here you now see the entries you sent "
                            "from the other one too, and there the ones from here.")), person
