"""The Zalo Bot API channel (bot.zaloplatforms.com): Telegram-like, but text only.

Zalo Bot has no buttons, no edits and no documents, so replies go through the shared text
renderer (numbered options; typing the number or the label picks them) and are split at 2,000
characters. Its updates carry no increasing id and may be delivered again: each message's id is
taken by the step that handles it (Event.message_id), so a redelivery is processed once, in any
process. The bot's own messages can come back as updates and are dropped. Photos residents send
are downloaded at once into the bot's file store, since their addresses expire.

The client is the project's own (bot.channels.zalo_http): the Python packages for Zalo are
unmaintained or for the Official Account API only. Its URLs hold the token and are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from dataclasses import replace
from typing import Any

import httpx

from bot.channels.base import SendResult
from bot.channels.text import render_parts
from bot.channels.zalo_http import ZaloClient, ZaloError, fetched
from bot.dispatcher import Dispatcher
from bot.model import Attachment, Event, Reply
from bot.runtime import Runtime

log = logging.getLogger(__name__)
CHANNEL = "zalo_bot"
DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
MAX_TEXT = 2_000
POLL_SECONDS = 30
SECRET_HEADER = "X-Bot-Api-Secret-Token"

_OTHER_EVENTS = {
    "message.sticker.received": "sticker",
    "message.unsupported.received": "other",
}


def event_from_update(update: dict, bot_id: str | None = None) -> Event | None:
    """One update as an Event; None for what the bot ignores (its own messages, groups, events
    that are not messages)."""
    if not isinstance(update, dict):
        return None
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    sender = message.get("from") if isinstance(message.get("from"), dict) else {}
    chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    sender_id = str(sender.get("id") or "")
    if sender.get("is_bot") or not sender_id or (bot_id and sender_id == bot_id):
        return None
    if str(chat.get("chat_type") or "PRIVATE").upper() != "PRIVATE":
        return None
    message_id = message.get("message_id")
    base = {
        "channel": CHANNEL,
        "user": str(chat.get("id") or sender_id),
        "message_id": str(message_id) if message_id not in (None, "") else None,
        "display_name": sender.get("display_name") or sender.get("name"),
    }
    name = update.get("event_name", "")
    if name == "message.text.received" or (not name and isinstance(message.get("text"), str)):
        return Event(**base, text=str(message.get("text") or ""))
    if name == "message.image.received":
        url = message.get("photo_url") or message.get("photo")
        if isinstance(url, str) and url:
            return Event(**base, attachment=Attachment(kind="photo", ref=url))
        return Event(**base, other="photo")
    if name in _OTHER_EVENTS or name.startswith("message."):
        return Event(**base, other=_OTHER_EVENTS.get(name, "other"))
    return None


def unwrap(body: Any) -> list[dict]:
    """The updates in a getUpdates answer or a webhook push: one update, a list of them, or
    either inside Zalo's `{ok, result}` wrapper."""
    if isinstance(body, dict) and "result" in body and "event_name" not in body:
        body = body["result"]
    if isinstance(body, dict):
        return [body]
    if isinstance(body, list):
        return [u for u in body if isinstance(u, dict)]
    return []


class ZaloBotChannel:
    """The Channel for the Zalo Bot API (bot.channels.base): served by long polling
    (`sangkien run`) or by its webhook (`sangkien serve`, see bot.web)."""

    polls = True  # `sangkien run` long-polls it, one process at a time (a lease)
    name = CHANNEL
    max_text = MAX_TEXT
    has_buttons = False
    can_edit = False
    can_send_documents = False
    rate = 10.0  # not published; kept modest
    per_chat_seconds = 0.5

    def __init__(self, dispatcher: Dispatcher, runtime: Runtime, *, token: str,
                 base_url: str | None = None, poll_seconds: int = POLL_SECONDS,
                 http: httpx.AsyncClient | None = None):
        self.dispatcher = dispatcher
        self.runtime = runtime
        self.api = ZaloClient(f"{(base_url or DEFAULT_BASE_URL).rstrip('/')}/bot{token}",
                              http=http)
        self.poll_seconds = poll_seconds
        self.bot_id: str | None = None
        self._poller: asyncio.Task | None = None
        runtime.add(self)

    # --- in --------------------------------------------------------------------------------
    async def on_update(self, update: dict) -> None:
        """Handle one update: the step, then its replies and whatever it left in the outbox."""
        event = event_from_update(update, self.bot_id)
        if event is not None:
            await self.runtime.converse(self, event, self._fetch)

    async def _fetch(self, event: Event) -> Event:
        if event.attachment is None:
            return event
        return await fetched(self.api.http, self.runtime.files, event,
                             self.dispatcher.settings.max_photo_bytes)

    async def webhook(self, headers, body: Any, secret: str) -> int:
        """A push to the webhook: 403 unless it carries the secret set with setWebhook."""
        given = headers.get(SECRET_HEADER) or ""
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return 403
        for update in unwrap(body):
            await self.on_update(update)
        return 200

    # --- out -------------------------------------------------------------------------------
    async def send(self, recipient: str, reply: Reply) -> SendResult:
        text = reply.text
        links = [await self.runtime.attachment_line(CHANNEL, recipient, a)
                 for a in reply.attachments]
        if links:
            text = "\n".join([text, *links]) if text else "\n".join(links)
        try:
            for part in render_parts(replace(reply, text=text), self.max_text):
                await self.api.call("sendMessage", chat_id=recipient, text=part)
        except ZaloError as error:
            result = error.outcome()
            log.info("message to a Zalo chat not sent (%s): %s", result.status, error)
            return result
        except httpx.HTTPError as error:
            log.info("message to a Zalo chat not sent: %s", type(error).__name__)
            return SendResult.retry(1.0)
        return SendResult.SENT

    # --- serving ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Long polling (`sangkien run`): a webhook would take the updates away, so it is
        removed first; only one process may poll a token."""
        me = await self.api.call("getMe")
        self.bot_id = str(me.get("id")) if isinstance(me, dict) and me.get("id") else None
        with contextlib.suppress(ZaloError):
            await self.api.call("deleteWebhook")
        self._poller = asyncio.create_task(self._poll())

    async def start_webhook(self, url: str, secret: str) -> None:
        """Webhook mode (`sangkien serve`): Zalo pushes each update to `url` with `secret`."""
        me = await self.api.call("getMe")
        self.bot_id = str(me.get("id")) if isinstance(me, dict) and me.get("id") else None
        await self.api.call("setWebhook", url=url, secret_token=secret)

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        await self.api.close()

    async def _poll(self) -> None:
        pause = 1.0
        while True:
            try:
                body = await self.api.call("getUpdates", timeout=str(self.poll_seconds),
                                           http_timeout=self.poll_seconds + 15)
            except ZaloError as error:
                if error.code == 408:  # nothing came during the poll
                    pause = 1.0
                    continue
                log.warning("Zalo getUpdates refused: %s", error)
            except httpx.HTTPError as error:
                log.warning("Zalo getUpdates failed: %s", type(error).__name__)
            else:
                pause = 1.0
                for update in unwrap(body):
                    await self.on_update(update)
                continue
            await asyncio.sleep(pause)
            pause = min(pause * 2, 30.0)
