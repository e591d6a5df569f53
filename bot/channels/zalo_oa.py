"""A ward's Zalo Official Account (OA API v3): residents write to the OA, Zalo pushes each
message to the bot's webhook (`sangkien serve`, bot.web calls `ZaloOAChannel.webhook`).

- A push is taken only with its signature: `X-ZEvent-Signature` is `mac=` and the hex SHA-256
  of the app id, the raw body, the body's `timestamp` and the OA's secret key (a plain hash, not
  an HMAC). Zalo pushes the same message again when the bot is slow (after 30 s, 5 min…): each
  message's id is taken by the step that handles it (Event.message_id), so it counts once.
- Replies are consultation messages (`message/cs`), 2,000 characters at most; up to five options
  also come as buttons (`oa.query.show`: a tap sends the option's label as the person's text),
  below the numbered lines, since typing the number or the label always works.
- Zalo lets an OA write to a person only within 7 days of their last message. A message outside
  that window is held (Outcome.HELD) and goes out when they write again (Runtime.wake). The last
  message's time is the users row's `updated_at`, which every step writes, in any process.
- The access token lasts 25 hours; the refresh token is single use. One process at a time
  refreshes, holding the tokens' row locked (storage.channels.lock_tokens) while it calls Zalo
  and until the new pair is saved; a process that waited reads the pair the other one saved.

The client is the project's own (bot.channels.zalo_http). Tokens and secrets are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.channels.base import REPLY_WINDOW, Outcome, SendResult
from bot.channels.text import render_parts
from bot.channels.zalo_http import ZaloError, ZaloOAClient, fetched
from bot.dispatcher import Dispatcher
from bot.model import Attachment, Event, Reply
from bot.runtime import Runtime
from storage import channels as channel_repo
from storage import users as user_repo

log = logging.getLogger(__name__)
CHANNEL = "zalo_oa"
DEFAULT_BASE_URL = "https://openapi.zalo.me"
DEFAULT_OAUTH_URL = "https://oauth.zaloapp.com"
MAX_TEXT = 2_000
MAX_BUTTONS = 5
MAX_PAYLOAD = 1_000  # an oa.query.* button's payload
SIGNATURE_HEADER = "X-ZEvent-Signature"
TIMESTAMP_HEADER = "X-ZEvent-Timestamp"  # some senders; the body's `timestamp` comes first
WINDOW = REPLY_WINDOW["zalo_oa"]  # an OA may write to a person this long after they last wrote
REFRESH_AHEAD = timedelta(hours=1)  # a token this close to its end is renewed before use
ACK_SECONDS = 1.5  # Zalo wants its 200 within 2 s; a longer step goes on after the answer
RATE_LIMITED_SECONDS = 30.0  # -32: the app's calls per minute are spent
REFRESH_PAUSE = 60.0  # after a refused refresh, none is tried again for this long

TOKEN_CODES = frozenset({-216, -220})  # invalid, expired
HELD_CODES = frozenset({-213, -230, -232, -234})  # not a follower, outside the window, at night
BLOCKED_CODES = frozenset({-217, -227})  # blocked the OA, banned or inactive
RATE_CODES = frozenset({-32, 429})
PARAMETER_CODES = frozenset({-201})  # a parameter refused (buttons are sent once more without)

_OTHER_EVENTS = {
    "user_send_sticker": "sticker",
    "user_send_gif": "animation",
    "user_send_audio": "voice",
    "user_send_video": "video",
    "user_send_location": "location",
}


def outcome(error: ZaloError) -> SendResult:
    """What one of Zalo's refusals means for the message."""
    if error.code in RATE_CODES:
        return SendResult.retry(RATE_LIMITED_SECONDS)
    if error.code in HELD_CODES:
        return SendResult.HELD
    if error.code in BLOCKED_CODES:
        return SendResult.BLOCKED
    if error.code >= 500 or error.code == 408:
        return SendResult.retry(1.0)
    return SendResult.FAILED


def signature(app_id: str, raw_body: bytes, timestamp: str, key: str) -> str:
    return hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + key.encode()) \
        .hexdigest()


def _header(headers, name: str) -> str:
    value = headers.get(name)
    if value is None:  # a plain dict: its keys as they came
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return str(value or "")


def _attachments(message: dict, kind: str) -> list[dict]:
    found = message.get("attachments")
    return [a.get("payload") for a in found if isinstance(a, dict)
            and a.get("type") == kind and isinstance(a.get("payload"), dict)
            and isinstance(a["payload"].get("url"), str) and a["payload"]["url"]] \
        if isinstance(found, list) else []


def events_from_push(push: dict) -> list[Event]:
    """The Events of one push: none for what is not a person's message (follow, the OA's own
    messages coming back, delivery and read receipts); one per image of a message of images."""
    name = push.get("event_name")
    if not isinstance(name, str) or not name.startswith("user_send_"):
        return []
    sender = push.get("sender") if isinstance(push.get("sender"), dict) else {}
    message = push.get("message") if isinstance(push.get("message"), dict) else {}
    user = str(sender.get("id") or "")
    if not user:
        return []
    msg_id = message.get("msg_id")
    msg_id = str(msg_id) if msg_id not in (None, "") else None
    base = {"channel": CHANNEL, "user": user, "message_id": msg_id}
    if name == "user_send_text":
        return [Event(**base, text=str(message.get("text") or ""))]
    if name in ("user_send_image", "user_send_file"):
        kind = "photo" if name == "user_send_image" else "document"
        found = _attachments(message, "image" if kind == "photo" else "file")
        if not found:
            return [Event(**base, other=kind)]
        events = []
        for number, payload in enumerate(found):
            size = payload.get("size")
            attachment = Attachment(
                kind=kind, ref=payload["url"],
                name=str(payload["name"]) if kind == "document" and payload.get("name") else None,
                size=int(size) if str(size).isdigit() else None)
            # One message, several images: each is its own step, so each needs its own id.
            message_id = msg_id if number == 0 or msg_id is None else f"{msg_id}:{number}"
            events.append(Event(**{**base, "message_id": message_id}, attachment=attachment))
        return events
    return [Event(**base, other=_OTHER_EVENTS.get(name, "other"))]


class ZaloOAChannel:
    """The Channel for a Zalo Official Account (bot.channels.base), served by its webhook."""

    name = CHANNEL
    max_text = MAX_TEXT
    has_buttons = True  # up to MAX_BUTTONS options; more are numbered lines only
    typed_options = True  # a tap sends the label back as text (see bot.channels.base)
    can_edit = False
    can_send_documents = False
    rate = 10.0  # Zalo allows an app 4,000 calls a minute; kept modest
    per_chat_seconds = 0.5

    def __init__(self, dispatcher: Dispatcher, runtime: Runtime, *, app_id: str,
                 secret_key: str, access_token: str, refresh_token: str,
                 base_url: str | None = None, oauth_url: str | None = None,
                 webhook_key: str | None = None, ack_seconds: float = ACK_SECONDS,
                 http: httpx.AsyncClient | None = None):
        """`secret_key`: the app's secret (OAuth); `webhook_key`: the OA secret key that signs
        the webhook's pushes, when it is not the same."""
        self.dispatcher = dispatcher
        self.runtime = runtime
        self.api = ZaloOAClient(base_url or DEFAULT_BASE_URL, oauth_url or DEFAULT_OAUTH_URL,
                                http=http)
        self.app_id = app_id
        self._secret_key = secret_key
        self._webhook_key = webhook_key or secret_key
        self._seed = (access_token, refresh_token)
        self._tokens: dict | None = None
        self._refreshing = asyncio.Lock()
        self._refused_until = 0.0  # time.monotonic() before which no refresh is tried
        self.ack_seconds = ack_seconds
        self._tasks: set[asyncio.Task] = set()
        runtime.add(self)

    # --- in --------------------------------------------------------------------------------
    def verified(self, headers, raw_body: bytes) -> dict | None:
        """The push, when its signature is right; None otherwise (or when it is not JSON)."""
        given = _header(headers, SIGNATURE_HEADER).strip()
        if given[:4].lower() == "mac=":
            given = given[4:].strip()
        if not given:
            return None
        try:
            push = json.loads(raw_body)
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(push, dict):
            return None
        timestamp = push.get("timestamp")
        if timestamp is None:
            timestamp = _header(headers, TIMESTAMP_HEADER)
        expected = signature(self.app_id, raw_body, str(timestamp), self._webhook_key)
        if not hmac.compare_digest(given.lower().encode(), expected.encode()):
            return None
        return push

    async def webhook(self, headers, raw_body: bytes) -> int:
        """A push to the webhook: 403 unless signed; else 200, once the step is done or after
        `ack_seconds` (the step then goes on: Zalo would push the message again otherwise)."""
        push = self.verified(headers, raw_body)
        if push is None:
            log.warning("a Zalo OA push with a missing or wrong signature was refused")
            return 403
        task = asyncio.create_task(self.on_push(push))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), self.ack_seconds)
        return 200

    async def drain(self) -> None:
        """Wait for the steps still running after their push was answered."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def on_push(self, push: dict) -> None:
        try:
            if push.get("event_name") == "unfollow":
                await self._unfollowed(push)
                return
            for event in events_from_push(push):
                await self.on_event(event)
        except Exception:
            log.exception("error while handling a Zalo OA push")

    async def on_event(self, event: Event) -> None:
        """Handle one message: what was held for its sender, the step, then its replies and
        whatever it left in the outbox."""
        await self.runtime.converse(self, event, self._prepare)

    async def _prepare(self, event: Event) -> Event:
        """What was held for the sender is freed first; a file they sent is fetched."""
        await self.runtime.wake(CHANNEL, event.user)
        return await self._fetch(event) if event.attachment is not None else event

    async def _fetch(self, event: Event) -> Event:
        settings = self.dispatcher.settings
        limit = settings.max_photo_bytes if event.attachment.kind == "photo" \
            else settings.max_document_bytes
        return await fetched(self.api.http, self.runtime.files, event, limit)

    async def _unfollowed(self, push: dict) -> None:
        """Someone unfollowed the OA: announcements skip them until they write again."""
        follower = push.get("follower") if isinstance(push.get("follower"), dict) else {}
        user = str(follower.get("id") or "")
        if user:
            async with self.dispatcher.engine.begin() as conn:
                await user_repo.mark_blocked(conn, self.dispatcher.clock(), channel=CHANNEL,
                                             external_id=user)

    # --- out -------------------------------------------------------------------------------
    def render(self, reply: Reply) -> list[dict]:
        """The messages for `reply`: numbered lines as on every text channel, and up to five
        options as buttons too, on the last part."""
        messages: list[dict] = [{"text": part} for part in render_parts(reply, self.max_text)]
        buttons = _buttons(reply)
        if buttons:
            messages[-1]["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
        return messages

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        if not await self.reachable(recipient):
            return SendResult.HELD
        text = reply.text
        links = [await self.runtime.attachment_line(CHANNEL, recipient, a)
                 for a in reply.attachments]
        if links:
            text = "\n".join([text, *links]) if text else "\n".join(links)
        for message in self.render(replace(reply, text=text)):
            result = await self._send_one(recipient, message)
            if result.outcome is not Outcome.SENT:
                return result
        return SendResult.SENT

    async def _send_one(self, recipient: str, message: dict) -> SendResult:
        token = await self._access_token()
        refreshed = False
        while True:
            try:
                await self.api.send_message(token, recipient, message)
                return SendResult.SENT
            except ZaloError as error:
                if error.code in TOKEN_CODES and not refreshed:
                    refreshed = True
                    token = await self._refresh(token)
                    if token is None:  # the operator must authorise the OA again
                        return SendResult.retry(REFRESH_PAUSE)
                    continue
                if error.code in PARAMETER_CODES and "attachment" in message:
                    log.warning("Zalo refused a message's buttons (%s); sent without them",
                                error.code)
                    message = {"text": message["text"]}  # the numbered lines are in it
                    continue
                if error.code in TOKEN_CODES:
                    log.error("Zalo refuses the OA's new access token too (%s): does the app "
                              "have the permission to send messages?", error.code)
                result = outcome(error)
                log.info("message to a Zalo OA follower not sent (%s): %s", result.status, error)
                return result
            except httpx.HTTPError as error:
                log.info("message to a Zalo OA follower not sent: %s", type(error).__name__)
                return SendResult.retry(1.0)

    async def reachable(self, recipient: str) -> bool:
        """False when the person last wrote 7 days ago or more (Zalo would refuse with -230).
        A cached row can only be older than the database's: an old one is read again."""
        now = self.dispatcher.clock()
        cached = self.dispatcher.sessions.get((CHANNEL, recipient))
        if cached is not None and now - cached["updated_at"] < WINDOW:
            return True
        async with self.dispatcher.engine.connect() as conn:
            row = await user_repo.load_user(conn, CHANNEL, recipient)
        return row is None or now - row["updated_at"] < WINDOW

    # --- tokens ----------------------------------------------------------------------------
    async def _access_token(self) -> str:
        if self._tokens is None:
            async with self.dispatcher.engine.begin() as conn:
                self._tokens = await channel_repo.load_tokens(conn, CHANNEL) or \
                    await channel_repo.seed_tokens(conn, CHANNEL, *self._seed,
                                                   self.dispatcher.clock())
        token = self._tokens["access_token"]
        expires = self._tokens["expires_at"]
        if expires is not None and self.dispatcher.clock() >= expires - REFRESH_AHEAD:
            token = await self._refresh(token) or token
        return token

    async def _refresh(self, stale: str) -> str | None:
        """A fresh access token in place of `stale`: the one another task or process got
        meanwhile, else a new pair from Zalo, saved before it is used. None when refused."""
        async with self._refreshing:
            if self._tokens is not None and self._tokens["access_token"] != stale:
                return self._tokens["access_token"]  # renewed while this task waited
            if time.monotonic() < self._refused_until:
                return None
            engine, now = self.dispatcher.engine, self.dispatcher.clock()
            try:
                async with engine.begin() as conn:
                    row = await channel_repo.lock_tokens(conn, CHANNEL)
                    if row is None:
                        row = await channel_repo.seed_tokens(conn, CHANNEL, *self._seed, now)
                        row = await channel_repo.lock_tokens(conn, CHANNEL)
                    if row["access_token"] == stale:  # nobody renewed it: this process does
                        answer = await self.api.refresh(self.app_id, self._secret_key,
                                                        row["refresh_token"])
                        if not await channel_repo.replace_tokens(
                                conn, CHANNEL, row["version"], answer["access_token"],
                                answer["refresh_token"], _expiry(answer, now), now):
                            log.warning("the Zalo OA tokens changed during a refresh")
            except ZaloError as error:
                log.error("Zalo refused to renew the OA's access token (%s): authorise the OA "
                          "again if this goes on", error.code)
                self._refused_until = time.monotonic() + REFRESH_PAUSE
                return None
            except httpx.HTTPError as error:
                log.warning("could not reach Zalo to renew the OA's token: %s",
                            type(error).__name__)
                self._refused_until = time.monotonic() + 5.0
                return None
            async with engine.connect() as conn:
                self._tokens = await channel_repo.load_tokens(conn, CHANNEL)
            return self._tokens["access_token"]

    # --- serving ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Nothing to start: Zalo pushes to the webhook. The tokens are read (or seeded)."""
        await self._access_token()

    async def stop(self) -> None:
        await self.drain()
        await self.api.close()


def _buttons(reply: Reply) -> list[dict]:
    """Up to five options as buttons whose tap sends the option's label (the dispatcher takes
    a typed label as the option, and a label still means the same option on an older message,
    which a number would not)."""
    if not reply.options or len(reply.options) > MAX_BUTTONS:
        return []
    if any(len(o.label) > MAX_PAYLOAD for o in reply.options):
        return []
    return [{"title": o.label, "type": "oa.query.show", "payload": o.label}
            for o in reply.options]


def _expiry(answer: dict[str, Any], now: datetime) -> datetime | None:
    seconds = str(answer.get("expires_in") or "")  # a string in Zalo's answer
    return now + timedelta(seconds=int(seconds)) if seconds.isdigit() else None
