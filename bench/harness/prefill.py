"""Conversations in progress, written straight into `users` with SQLAlchemy Core: residents who
consented, chose a ward and a field and are about to type a title (state `flow:title`), with the
row the dispatcher itself writes at that point (see the step part's warm-up for the real one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reference import Reference
from storage.tables import users

FIRST_ID = 50_000_000  # far from the ids of the scripted residents
BATCH = 10_000


def draft_row(n: int, ref: Reference, now: datetime) -> dict:
    ward = ref.wards[n % len(ref.wards)].slug
    field = ref.idea_fields[n % len(ref.idea_fields)].slug
    campaign = ref.campaigns[0].slug if ref.campaigns else None
    return {
        "channel": "telegram",
        "external_id": str(resident_id(n)),
        "lang": "vi",
        "consent_version": "2026-11",
        "consented_at": now - timedelta(minutes=5 + n % 600),
        "display_name": f"Cư dân {n}",
        "subscribed": False,
        "role": "resident",
        "state": "flow:title",
        "data": {
            "opts": [["nav:back", "Quay lại"], ["nav:cancel", "Hủy"]],
            "numbered": False,
            "draft": {
                "kind": "idea",
                "answers": {"campaign": campaign, "ward": ward, "field": field},
                "trail": ["ward", "field"],
                "files": [],
            },
        },
        "last_update_id": 100 + n,
        "updated_at": now - timedelta(seconds=n % 3600),
    }


def resident_id(n: int) -> int:
    """The Telegram user id of prefilled resident number `n`."""
    return FIRST_ID + n


async def prefill(engine: AsyncEngine, ref: Reference, count: int = 10_000,
                  first: int = 0) -> None:
    """Residents number `first` to `first + count - 1`, each about to type a title."""
    now = datetime.now(UTC)
    end = first + count
    for start in range(first, end, BATCH):
        rows = [draft_row(n, ref, now) for n in range(start, min(end, start + BATCH))]
        async with engine.begin() as conn:
            await conn.execute(insert(users), rows)
