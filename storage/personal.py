"""Where the schema keeps a person's name, phone number or other contact, and what erasing a
resident's data does to each place (tests/test_privacy.py checks that every column and every
detail key that may hold one is classified here, so that a new one cannot be forgotten)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.search import SEARCHES_KEPT, search_key
from storage.tables import attachments, entries

# Columns that hold a person's name, phone or contact, and what erasure does to them.
PERSONAL_COLUMNS = {
    "users.display_name": "the resident's row is deleted",
    "users.external_id": "the resident's row is deleted",
    "users.data": "the resident's row (with any draft) is deleted",
    "users.person_id": "the resident's row is deleted (chats linked to it stay their own)",
    "tasks.external_id": "deleted with the requester's row (an officer's request, kept only "
                         "until its result is sent)",
    "entries.contact_name": "cleared",
    "entries.contact_phone": "cleared",
    "entries.details": "the keys in PERSONAL_DETAILS are removed",
    "entries.show_name": "consent to show the name publicly: withdrawn",
    "attachments.file_name": "cleared (a file name often carries a name)",
    # The officers' search (issue 13).
    "entries.search_text": "made again from the title and description alone (no name)",
    "searches.query": f"kept {SEARCHES_KEPT.days} days, then deleted (storage/search.log); "
                      "erasure leaves it: it is the trace of which officer looked a person "
                      "up, and it names no chat or entry of theirs",
}

# Columns whose name looks personal but that hold nobody's name or contact, and why.
IMPERSONAL_COLUMNS = {
    "counters.name": "the name of a tracking-code counter",
    "entries.title": "the entry's subject, written for the public",
    "entries.description": "the entry's content, kept: the entry itself stays",
    "attachments.file_ref": "the platform's file id or the file store's key, never a name",
    "history.note": "officers' reasons and questions about the entry",
    "history.actor_name": "officers' names only; residents act without a name",
    "officers.name": "an officer's working name, not a resident's",
    "invites.name": "an officer's working name, not a resident's",
    "outbox.external_id": "delivered messages are deleted at once (storage/outbox.py)",
    "outbox.text": "delivered messages are deleted at once (storage/outbox.py)",
    "campaigns.title_vi": "a campaign's title",
    "campaigns.title_en": "a campaign's title",
    "campaigns.description_vi": "a campaign's description",
    "campaigns.description_en": "a campaign's description",
    "broadcasts.text": "an announcement to the public",
    "broadcasts.photo_file": "an announcement's photo, sent to the public by an office",
    "deliveries.external_id": "a chat identity in an announcement's ledger, no name",
    "secrets.name": "the name of one of the bot's own secrets",
    "leases.name": "what a process holds (polling a token), no person",
    "pacing.name": "a shared rate (a channel's broadcasts), no person",
    "flood.key": "a chat identity with a message count, dropped after a day idle",
    "searches.actor_name": "officers' names only: who searched",
    # The selection council (issue 14).
    "councils.name": "a council's name",
    "council_recusals.note": "a council member's own declaration of their link to a dossier, "
                             "for the minutes; no resident's contact",
    "council_comments.comment": "a council member's assessment of a dossier",
    "council_audit.actor_name": "council members' names only: who scored",
    "council_audit.old": "a score or a member's comment before a change",
    "council_audit.new": "a score or a member's comment after a change",
}

# Keys of an entry's `details` (the answers that have no column of their own).
PERSONAL_DETAILS = frozenset({"authors"})
IMPERSONAL_DETAILS = frozenset({
    "benefit", "entry_type", "owner",  # owner: an organisation
    "applied_where", "applied_since", "applied_result", "ip_status", "campaign",
})


def without_personal_details(details: dict | None) -> dict:
    return {k: v for k, v in (details or {}).items() if k not in PERSONAL_DETAILS}


async def erase_from_entries(conn: AsyncConnection, user_id: int, now: datetime) -> int:
    """Remove every name, phone and contact of the resident from their entries and attachments;
    the entries themselves stay, anonymous. Returns how many entries were anonymised."""
    rows = (await conn.execute(
        select(entries.c.id, entries.c.details, entries.c.title, entries.c.description)
        .where(entries.c.user_id == user_id)
    )).all()
    for entry_id, details, title, description in rows:
        await conn.execute(update(entries).where(entries.c.id == entry_id).values(
            contact_name=None, contact_phone=None, show_name=False, user_id=None,
            details=without_personal_details(details), updated_at=now,
            search_text=search_key(title, description, None),
        ))
    if rows:
        await conn.execute(update(attachments)
                           .where(attachments.c.entry_id.in_([r.id for r in rows]))
                           .values(file_name=None))
    return len(rows)
