"""Campaigns: seeded from the data file, added from TOML files or by communications officers,
closed by operators, and read by every step from a cache that refreshes itself."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.reference import Campaign, Reference, read_campaign_file
from bot.text import fold
from storage import campaigns as campaign_repo

CAMPAIGN_FIELDS = ("slug", "title_vi", "title_en", "description_vi", "description_en", "kinds",
                   "fields", "units", "opens", "closes")


class CampaignError(ValueError):
    pass


SLUG_MAX = 48  # fits a deep link's payload and any button value that names it


def deep_link(username: str | None, slug: str) -> str | None:
    """The Telegram link that opens the bot on a campaign's card (`/start c_<slug>`), or None
    without a bot username; "@sangkien_bot" and "sangkien_bot" make the same link."""
    username = (username or "").lstrip("@")
    return f"https://t.me/{username}?start=c_{slug}" if username else None
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def slug_for(title: str, today: date) -> str:
    """Up to six words of the title and the year, cut at a hyphen, never inside a word."""
    year = str(today.year)
    words = re.sub(r"[^a-z0-9 ]", "", fold(title)).split()[:6]
    while words and len("-".join(words + [year])) > SLUG_MAX:
        words.pop()
    return "-".join(words + [year]) if words else f"chien-dich-{year}"


def _values(raw: dict, ref: Reference, now: datetime) -> dict:
    values = {key: raw.get(key) for key in CAMPAIGN_FIELDS}
    values["title_en"] = values["title_en"] or values["title_vi"]
    values["description_en"] = values["description_en"] or values["description_vi"]
    values["kinds"] = list(values["kinds"])
    values["fields"] = list(values["fields"] or [])
    values["units"] = list(values["units"] or [])
    unknown = [u for u in values["units"] if u not in ref.unit_by_slug]
    if unknown:
        raise CampaignError(f"campaign {values['slug']}: unknown units {', '.join(unknown)}")
    known_fields = {f.slug for f in ref.idea_fields + ref.award_fields}
    if not set(values["fields"]) <= known_fields:
        raise CampaignError(f"campaign {values['slug']}: unknown fields")
    return {**values, "created_at": now}


async def add(conn: AsyncConnection, ref: Reference, raw: dict, now: datetime) -> str:
    if len(raw["slug"]) > SLUG_MAX or not SLUG.fullmatch(raw["slug"]):
        raise CampaignError(f"campaign slug {raw['slug']!r}: lowercase letters, digits and "
                            f"hyphens, at most {SLUG_MAX} characters")
    if await campaign_repo.exists(conn, raw["slug"]):
        raise CampaignError(f"a campaign {raw['slug']!r} exists already")
    await campaign_repo.insert_campaign(conn, _values(raw, ref, now))
    return raw["slug"]


async def add_file(conn: AsyncConnection, ref: Reference, path: Path, now: datetime) -> list:
    try:
        items = read_campaign_file(path)
    except (OSError, ValueError) as error:
        raise CampaignError(str(error)) from None
    return [await add(conn, ref, item, now) for item in items]


async def seed(conn: AsyncConnection, ref: Reference, path: Path, now: datetime) -> None:
    """A fresh install starts with the campaigns of the data file. Several processes starting
    together on it all find none: each campaign is inserted by the first one only."""
    if await campaign_repo.count(conn) == 0:
        for item in read_campaign_file(path):
            await campaign_repo.insert_if_absent(conn, _values(item, ref, now))


class CampaignCache:
    """Campaigns change a few times a year; every step reads them from memory. At most every
    `check` seconds a step reads the campaigns' version (a counter every change bumps, in any
    process), and they are loaded again only when it moved: closing a campaign takes effect
    within a second in every process, without a query per step (and every `ttl` seconds the
    campaigns are loaded again in any case)."""

    def __init__(self, engine: AsyncEngine, ref: Reference, path: Path, ttl: float = 30.0,
                 check: float = 1.0):
        self.engine, self.ref, self.path, self.ttl, self.check = engine, ref, path, ttl, check
        self._loaded_at: float | None = None
        self._checked_at = 0.0
        self._version: int | None = None
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._loaded_at = None

    def _fresh(self) -> bool:
        return self._loaded_at is not None and time.monotonic() - self._loaded_at < self.ttl

    async def ensure(self, now: datetime) -> None:
        if self._loaded_at is not None and self._fresh():
            if time.monotonic() - self._checked_at < self.check:
                return
            async with self.engine.connect() as conn:
                current = await campaign_repo.version(conn)
            self._checked_at = time.monotonic()
            if current == self._version:
                return
        async with self._lock:  # one refresh at a time; the steps waiting on it reuse it
            async with self.engine.begin() as conn:
                if self._loaded_at is not None and self._fresh() and \
                        await campaign_repo.version(conn) == self._version:
                    return
                await seed(conn, self.ref, self.path, now)
                rows = await campaign_repo.all_campaigns(conn)
                self._version = await campaign_repo.version(conn)
            self.ref.campaigns = [Campaign.from_mapping(row) for row in rows]
            self._loaded_at = self._checked_at = time.monotonic()
