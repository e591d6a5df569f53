"""A fake Zalo Official Account API and OAuth server on 127.0.0.1, behaving as the notes on
Zalo's documentation say (docs: /work/notes/zalo_facts.md, OA sections), for the real adapter
(bot.channels.zalo_oa) in tests.

- `POST /v3.0/oa/message/cs` with header `access_token` and JSON
  `{recipient: {user_id}, message: {text, attachment?}}`: HTTP 200 always, `{error: 0, message:
  "Success", data: {message_id, user_id, sent_time}}` or `{error: <code>, message}`. A token that
  was never issued is -216, one replaced by a refresh (or `expire()`d) is -220. Text is 1 to
  2,000 characters (-210 beyond); buttons are at most five, of known types, payloads at most
  1,000 characters (-201). `refuse(user, code)` answers the next sends to a person with `code`
  (-230 outside the 7-day window, -234, -32, -216…).
- `POST /v4/oa/access_token` with header `secret_key` and the form `app_id`, `refresh_token`,
  `grant_type=refresh_token`: a new access token and a new refresh token (`expires_in` a
  string); the refresh token is single use: the old one, and the old access token, stop working.
  A used one gets an error, as Zalo's. `refresh_delay` slows the answer (to make races real).
- `/media/<name>` serves the images and files residents "send".
- `signed_push(event)` signs a webhook push as Zalo does: `X-ZEvent-Signature: mac=` hex
  SHA-256 of app id + raw body + the body's timestamp + the OA secret key; `post(url, push)`
  sends one to a webhook address.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import secrets
import time
from collections import deque

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from testing.serving import ThreadServer

APP_ID = "4412345678901234567"
OA_ID = "579745863508352884"
SECRET_KEY = "fake-app-secret-key"
ACCESS_TOKEN = "fake-oa-access-token-0"
REFRESH_TOKEN = "fake-oa-refresh-token-0"
BUTTON_TYPES = {"oa.query.show", "oa.query.hide", "oa.open.url", "oa.open.sms", "oa.open.phone"}


def _error(code: int, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message})


class FakeZaloOA:
    def __init__(self, *, app_id: str = APP_ID, secret_key: str = SECRET_KEY,
                 access_token: str = ACCESS_TOKEN, refresh_token: str = REFRESH_TOKEN):
        self.app_id = app_id
        self.secret_key = secret_key
        self.access_token = access_token
        self.refresh_token = refresh_token
        self._old_tokens: set[str] = set()
        self._used_refresh: set[str] = set()
        self.refreshes: list[str] = []  # every refresh token the OAuth endpoint was given
        self.refresh_delay = 0.0
        self.sent: list[dict] = []  # {user_id, text, buttons} of every message accepted
        self.calls = 0  # message/cs requests, accepted or not
        self._refusals: dict[str, deque[int]] = {}
        self._media: dict[str, tuple[bytes, str]] = {}
        self._counter = itertools.count(1)
        self._serving: ThreadServer | None = None
        self.port = 0

    # --- serving ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeZaloOA:
        app = Starlette(routes=[
            Route("/v3.0/oa/message/cs", self._send, methods=["POST"]),
            Route("/v4/oa/access_token", self._refresh, methods=["POST"]),
            Route("/media/{name}", self._media_file),
        ])
        self._serving = ThreadServer(app)
        self.port = self._serving.start()
        return self

    def stop(self) -> None:
        self._serving.stop()

    # --- what a test does ------------------------------------------------------------------
    def refuse(self, user_id: str, code: int, times: int = 1) -> None:
        """The next `times` messages to `user_id` get the error `code`."""
        self._refusals.setdefault(str(user_id), deque()).extend([code] * times)

    def expire(self) -> None:
        """The access token's 25 hours are over (the refresh token still works)."""
        self._old_tokens.add(self.access_token)
        self.access_token = f"fake-oa-access-token-{secrets.token_hex(6)}"

    def texts(self, user_id: str | None = None) -> list[str]:
        return [m["text"] for m in self.sent if user_id is None or m["user_id"] == str(user_id)]

    def buttons(self, user_id: str) -> list[list[dict]]:
        return [m["buttons"] for m in self.sent if m["user_id"] == str(user_id)]

    def media(self, data: bytes, mime: str, name: str = "") -> str:
        key = f"{secrets.token_hex(8)}-{name or 'file'}"
        self._media[key] = (data, mime)
        return f"{self.url}/media/{key}"

    # --- the webhook's pushes --------------------------------------------------------------
    def _user_event(self, name: str, user: str, message: dict) -> dict:
        return {"app_id": self.app_id, "user_id_by_app": f"app-{user}", "event_name": name,
                "sender": {"id": str(user)}, "recipient": {"id": OA_ID},
                "message": {"msg_id": secrets.token_hex(16), **message},
                "timestamp": str(int(time.time() * 1000) + next(self._counter))}

    def text_event(self, user: str, text: str) -> dict:
        return self._user_event("user_send_text", user, {"text": text})

    def image_event(self, user: str, *images: bytes) -> dict:
        return self._user_event("user_send_image", user, {"text": "", "attachments": [
            {"type": "image", "payload": {"url": self.media(data, "image/jpeg", "a.jpg"),
                                          "thumbnail": ""}} for data in images]})

    def file_event(self, user: str, data: bytes, name: str) -> dict:
        return self._user_event("user_send_file", user, {"attachments": [
            {"type": "file", "payload": {"url": self.media(data, "application/octet-stream",
                                                           name),
                                         "name": name, "size": str(len(data)), "type": "pdf"}}]})

    def sticker_event(self, user: str) -> dict:
        return self._user_event("user_send_sticker", user, {"attachments": [
            {"type": "sticker", "payload": {"id": "abc", "url": f"{self.url}/media/sticker"}}]})

    def oa_echo_event(self, user: str, text: str) -> dict:
        """Zalo pushes the OA's own messages back to its webhook."""
        event = self._user_event("oa_send_text", user, {"text": text})
        event["sender"], event["recipient"] = {"id": OA_ID}, {"id": str(user)}
        return event

    def follow_event(self, user: str, unfollow: bool = False) -> dict:
        return {"oa_id": OA_ID, "follower": {"id": str(user)}, "user_id_by_app": f"app-{user}",
                "event_name": "unfollow" if unfollow else "follow", "source": "oa_profile",
                "app_id": self.app_id, "timestamp": str(int(time.time() * 1000))}

    def signed_push(self, event: dict, key: str | None = None) -> tuple[dict, bytes]:
        """The headers and body of Zalo's push of `event`, signed with the OA's secret key."""
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        mac = hashlib.sha256((self.app_id + body.decode() + str(event.get("timestamp", ""))
                              + (key or self.secret_key)).encode()).hexdigest()
        return {"Content-Type": "application/json", "X-ZEvent-Signature": f"mac={mac}"}, body

    def post(self, url: str, event: dict) -> int:
        """Push `event` to a webhook address as Zalo does; its HTTP status."""
        headers, body = self.signed_push(event)
        return httpx.post(url, content=body, headers=headers, timeout=30).status_code

    # --- the API ---------------------------------------------------------------------------
    async def _send(self, request: Request) -> Response:
        self.calls += 1
        token = request.headers.get("access_token", "")
        if token in self._old_tokens:
            return _error(-220, "access_token is expired or removed")
        if token != self.access_token:
            return _error(-216, "Access token is invalid")
        try:
            body = await request.json()
        except ValueError:
            return _error(-201, "Parameter is invalid: body is not JSON")
        recipient = body.get("recipient") if isinstance(body, dict) else None
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(recipient, dict) or not recipient.get("user_id") or \
                not isinstance(message, dict):
            return _error(-201, "Parameter is invalid: recipient.user_id and message")
        user = str(recipient["user_id"])
        text = message.get("text")
        if not isinstance(text, str) or not text:
            return _error(-201, "Parameter is invalid: message.text")
        if len(text) > 2000:
            return _error(-210, "Parameter exceeds the limit: text is at most 2000 characters")
        buttons = []
        if "attachment" in message:
            attachment = message["attachment"]
            payload = attachment.get("payload") if isinstance(attachment, dict) else None
            buttons = payload.get("buttons") if isinstance(payload, dict) else None
            if attachment.get("type") != "template" or not isinstance(buttons, list) or \
                    not 1 <= len(buttons) <= 5:
                return _error(-201, "Parameter is invalid: attachment")
            for button in buttons:
                if not isinstance(button, dict) or button.get("type") not in BUTTON_TYPES or \
                        not button.get("title"):
                    return _error(-201, "Parameter is invalid: buttons")
                if button["type"].startswith("oa.query.") and (
                        not isinstance(button.get("payload"), str)
                        or not 1 <= len(button["payload"]) <= 1000):
                    return _error(-201, "Parameter is invalid: button payload")
        refusals = self._refusals.get(user)
        if refusals:
            code = refusals.popleft()
            return _error(code, {
                -230: "User has not interacted with the OA in the past 7 days",
                -234: "Message cannot be sent at night (10PM - 6AM)",
                -32: "Your OA reached limit call api",
                -213: "User has not followed OA",
                -217: "User has blocked the OA",
            }.get(code, "Refused"))
        message_id = secrets.token_hex(16)
        self.sent.append({"user_id": user, "text": text, "buttons": buttons,
                          "message_id": message_id})
        return JSONResponse({"error": 0, "message": "Success", "data": {
            "message_id": message_id, "user_id": user, "sent_time": int(time.time() * 1000)}})

    async def _refresh(self, request: Request) -> Response:
        form = await request.form()
        given = form.get("refresh_token", "")
        self.refreshes.append(given)
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        if request.headers.get("secret_key") != self.secret_key or \
                form.get("app_id") != self.app_id:
            return JSONResponse({"error": -14002, "error_name": "Invalid app",
                                 "error_description": "app_id or secret_key is invalid"})
        if form.get("grant_type") != "refresh_token":
            return JSONResponse({"error": -14003, "error_name": "Invalid grant type"})
        if given in self._used_refresh or given != self.refresh_token:
            return JSONResponse({"error": -14014, "error_name": "Invalid refresh token",
                                 "error_description": "refresh token is invalid or used"})
        self._used_refresh.add(given)
        self._old_tokens.add(self.access_token)
        number = secrets.token_hex(6)
        self.access_token = f"fake-oa-access-token-{number}"
        self.refresh_token = f"fake-oa-refresh-token-{number}"
        return JSONResponse({"access_token": self.access_token,
                             "refresh_token": self.refresh_token, "expires_in": "90000"})

    async def _media_file(self, request: Request) -> Response:
        found = self._media.get(request.path_params["name"])
        if found is None:
            return Response(status_code=404)
        return Response(found[0], media_type=found[1])
