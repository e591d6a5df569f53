"""Submitting, looking up, withdrawing entries, and erasing a resident's personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.codes import PREFIXES, make_code
from bot.drafts import files_of
from storage import entries as entry_repo
from storage import personal


@dataclass(frozen=True)
class Submitted:
    code: str
    unit: str
    entry: dict  # the stored row, for the notifications that follow


async def submit(
    conn: AsyncConnection,
    *,
    user_id: int,
    draft: dict[str, Any],
    lang: str,
    now: datetime,
    year: int,
    due_at: datetime | None = None,
) -> Submitted:
    """Store a confirmed draft as an entry in its unit's queue, with status `submitted`."""
    kind = draft["kind"]
    answers = dict(draft["answers"])
    seq = await entry_repo.next_counter(conn, f"{PREFIXES[kind]}{year % 100:02d}")
    code = make_code(kind, year, seq)
    core = {"ward", "field", "title", "description", "contact_name", "phone", "show_name"}
    field = answers.get("field") if kind == "idea" else answers.get("award_field")
    details = {k: v for k, v in answers.items() if k not in core | {"award_field", "files"}}
    values = {
        "code": code,
        "kind": kind,
        "user_id": user_id,
        "unit": answers["ward"],
        "campaign": draft.get("campaign"),
        "field": field,
        "title": answers["title"],
        "description": answers["description"],
        "details": details,
        "contact_name": answers.get("contact_name"),
        "contact_phone": answers.get("phone"),
        "show_name": bool(answers.get("show_name")) and bool(answers.get("contact_name")),
        "status": "submitted",
        "lang": lang,
        "created_at": now,
        "updated_at": now,
        "queue_since": now,
        "due_at": due_at,
        "paused_at": None,
    }
    entry_id = await entry_repo.insert_submitted(conn, values, actor_id=user_id, role="resident")
    await entry_repo.insert_attachments(conn, entry_id, files_of(draft), now)
    return Submitted(code=code, unit=answers["ward"],
                     entry={**values, "id": entry_id})


async def erase_resident(conn: AsyncConnection, *, user_id: int, now: datetime) -> int:
    """Remove every name, phone and contact from the resident's entries (storage/personal.py
    lists where they are); the caller then forgets the resident."""
    return await personal.erase_from_entries(conn, user_id, now)
