"""The dispatcher: one incoming event in, its replies out, the conversation committed between.

A step is one transaction: read the sender's row, run the handler, write the row back with a guard
on the update id (so a redelivered update is processed once), commit, and only then send.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.context import Context
from bot.flood import FloodGate
from bot.i18n import N_, Translator
from bot.model import Attachment, Event, Option, Reply
from bot.reference import Reference
from bot.services.campaigns import CampaignCache
from bot.text import clean, fold
from storage import outbox, repo

log = logging.getLogger(__name__)

FLOOD_WARNING = N_(
    "You are sending messages very quickly. Please wait a moment; "
    "your answers so far are kept."
)
INTERNAL_ERROR = N_(
    "Sorry, something went wrong on our side. Your answers so far are kept; "
    "please send your message again in a moment."
)


class _AlreadyProcessed(Exception):
    pass


class Dispatcher:
    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        reference: Reference | None = None,
        clock: Callable[[], datetime] | None = None,
    ):
        from handlers import route  # handlers depend on bot, never the other way at import time

        self.settings = settings
        self.engine = engine
        self.ref = reference or Reference(settings)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.flood = FloodGate(settings.flood_burst, settings.flood_rate)
        self.campaigns = CampaignCache(engine, self.ref, settings.campaigns_file)
        self._route = route
        self._locks: dict[str, asyncio.Lock] = {}
        # Channels with messages waiting in the outbox, so adapters deliver right after a step.
        self.pending_channels: set[str] = set()

    def translator(self, lang: str | None) -> Translator:
        return Translator(
            self.settings.locales_dir, lang or self.settings.default_lang, self.settings.timezone
        )

    async def handle(self, event: Event) -> list[Reply]:
        key = f"{event.channel}:{event.user}"
        admitted, warn = self.flood.admit(key)
        if not admitted:
            if warn:
                return [Reply(text=self.translator(None)._(FLOOD_WARNING))]
            return []
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            try:
                return await self._handle(_normalised(event))
            except _AlreadyProcessed:
                return []
            except Exception:
                log.exception("handler failed for %s (update %s)", key, event.update_id)
                return [Reply(text=self.translator(None)._(INTERNAL_ERROR))]
            finally:
                if not lock.locked() and len(self._locks) > 10_000:
                    self._locks.pop(key, None)

    async def _handle(self, event: Event) -> list[Reply]:
        now = self.clock()
        await self.campaigns.ensure(now)
        async with self.engine.begin() as conn:
            user = await repo.load_user(conn, event.channel, event.user)
            if user is None:
                user = await repo.create_user(
                    conn, event.channel, event.user, self.settings.default_lang, now
                )
            if event.update_id is not None and user["last_update_id"] >= event.update_id:
                raise _AlreadyProcessed
            # Writing to the bot again means the person unblocked it.
            unblocked = user.get("blocked_at") is not None
            ctx = Context(
                settings=self.settings,
                ref=self.ref,
                conn=conn,
                user=user,
                event=_resolve_option(event, user["data"] or {}),
                now=now,
                t=self.translator(user["lang"]),
                translators=self.translator,
            )
            await self._route(ctx)
            if ctx.outbox.rows:
                await outbox.put(conn, ctx.outbox.rows)
                self.pending_channels.update(row["channel"] for row in ctx.outbox.rows)
            if ctx.forget_user:
                await repo.delete_user(conn, user["id"])
            else:
                values = {"state": ctx.state, "data": ctx.data, "updated_at": now}
                if unblocked:
                    values["blocked_at"] = None
                values.update(ctx.user_changes)
                if not await repo.save_user(conn, user["id"], values, event.update_id):
                    raise _AlreadyProcessed
        if ctx.campaigns_changed:
            self.campaigns.invalidate()
        return ctx.replies


    async def deliver(self, channel: str, send: Callable[[str, Reply], Awaitable[str]]) -> int:
        """Send the outbox's pending messages for `channel`. `send` answers "sent", "blocked"
        (the person blocked the bot: never retried) or "retry" (tried again later)."""
        self.pending_channels.discard(channel)
        delivered = 0
        while True:
            async with self.engine.begin() as conn:
                rows = await outbox.claim(conn, channel, self.clock())
            if not rows:
                return delivered
            results: dict[str, list[int]] = {"sent": [], "blocked": [], "retry": []}
            for row in rows:
                reply = Reply(
                    text=row["text"],
                    options=[Option(v, label) for v, label in row["options"]],
                    attachments=[Attachment(**a) for a in row["attachments"]],
                )
                results[await send(row["external_id"], reply)].append(row["id"])
            async with self.engine.begin() as conn:
                await outbox.forget(conn, results["sent"] + results["blocked"])
                await outbox.release(conn, results["retry"])
                for row in rows:
                    if row["id"] in results["blocked"]:
                        await repo.mark_blocked(conn, channel, row["external_id"], self.clock())
            delivered += len(results["sent"])
            if results["retry"]:
                return delivered


def _normalised(event: Event) -> Event:
    if event.text is None:
        return event
    return replace(event, text=clean(event.text))


def _resolve_option(event: Event, data: dict) -> Event:
    """Typing the number or the label of an offered option is the same as pressing it."""
    if event.text is None or event.choice is not None or event.text.startswith("/"):
        return event
    options = data.get("opts") or []
    text = event.text.strip()
    value = None
    numbered = data.get("numbered", True) and text.isascii() and text.isdigit()
    if numbered and 1 <= int(text) <= len(options):
        value = options[int(text) - 1][0]
    else:
        key = fold(text)
        value = next((v for v, label in options if key and fold(label) == key), None)
    if value is None:
        return event
    return replace(event, choice=value, text=None)
