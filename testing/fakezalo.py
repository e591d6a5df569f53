"""A fake Zalo Bot API on 127.0.0.1, behaving as Zalo's documentation says, for the real adapter
(bot.channels.zalo_bot) in tests, in a subprocess and in bench.

- `POST /bot<token>/<method>`, answers `{ok, result}` or `{ok: false, error_code, description}`;
  a wrong token is 401.
- getUpdates long-polls for `timeout` seconds and returns ONE update, or HTTP 408 with
  error_code 408 when none came; updates have no id and no offset: once returned, an update is
  gone unless the test delivers it again (`redeliver`), as Zalo may.
- setWebhook takes `url` and `secret_token` (8 to 256 characters); while a webhook is set,
  getUpdates is refused and updates are pushed to it with `X-Bot-Api-Secret-Token`.
- sendMessage takes 1 to 2,000 characters; with `echo`, each message the bot sends comes back as
  an update from the bot itself. `fail(chat, status, code)` refuses the next sends to a chat.
- `/media/<name>` serves the photos residents "send" (`push_photo`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import threading
import time
from collections import deque
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from testing.serving import ThreadServer

BOT_ID = "9900112233"
TOKEN = "12345689:fake-zalo-token"


def _error(status: int, code: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error_code": code, "description": description},
                        status_code=status)


class FakeZaloBot:
    def __init__(self, token: str = TOKEN, *, echo: bool = False):
        self.token = token
        self.echo = echo
        self.sent: list[dict] = []  # every sendMessage / sendPhoto accepted
        self.calls: list[str] = []
        self.webhook: dict | None = None
        self.pushed: list[int] = []  # status codes the webhook answered
        self.polling = 0  # getUpdates calls in flight now, and the most there ever were
        self.most_polling = 0
        self._queue: deque[dict] = deque()
        self._delivered: list[dict] = []
        self._failures: dict[str, deque[tuple[int, int, str]]] = {}
        self._media: dict[str, tuple[bytes, str]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._arrived: asyncio.Event | None = None
        self._serving: ThreadServer | None = None
        self._pusher: asyncio.Task | None = None
        self.port = 0

    # --- serving ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeZaloBot:
        app = Starlette(routes=[
            Route("/bot{token}/{method}", self._method, methods=["POST", "GET"]),
            Route("/media/{name}", self._media_file),
        ])
        self._serving = ThreadServer(app, after=self._end_pushes)

        def on_loop(loop: asyncio.AbstractEventLoop) -> None:
            self._loop, self._arrived = loop, asyncio.Event()

        self.port = self._serving.start(on_loop)
        return self

    def stop(self) -> None:
        self._serving.stop()

    async def _end_pushes(self) -> None:
        """The webhook's pushes end with the server."""
        if self._pusher is not None:
            self.webhook = None
            self._arrived.set()
            await self._pusher

    # --- what a test does ------------------------------------------------------------------
    def _message(self, user: str, **content: Any) -> dict:
        return {
            "from": {"id": user, "display_name": "Người dân", "is_bot": False},
            "chat": {"id": user, "chat_type": "PRIVATE"},
            "message_id": secrets.token_hex(16),
            "date": int(time.time() * 1000),
            **content,
        }

    def push_text(self, user: str, text: str) -> dict:
        return self.push({"event_name": "message.text.received",
                          "message": self._message(user, text=text)})

    def push_photo(self, user: str, data: bytes, caption: str = "") -> dict:
        name = f"{secrets.token_hex(8)}.jpg"
        self._media[name] = (data, "image/jpeg")
        return self.push({"event_name": "message.image.received", "message": self._message(
            user, photo_url=f"{self.url}/media/{name}", caption=caption)})

    def push_sticker(self, user: str) -> dict:
        return self.push({"event_name": "message.sticker.received",
                          "message": self._message(user, sticker="abc", url="")})

    def push(self, update: dict) -> dict:
        with self._lock:
            self._queue.append(update)
        self._wake()
        return update

    def redeliver(self, update: dict) -> dict:
        """Zalo may deliver an update again: the same message, the same id."""
        return self.push(json.loads(json.dumps(update)))

    def fail(self, chat_id: str, status: int, code: int, description: str = "",
             times: int = 1) -> None:
        self._failures.setdefault(str(chat_id), deque()).extend(
            [(status, code, description)] * times)

    def texts(self, chat_id: str | None = None) -> list[str]:
        return [m["text"] for m in self.sent
                if "text" in m and (chat_id is None or m["chat_id"] == str(chat_id))]

    @property
    def pending(self) -> int:
        return len(self._queue)

    def _wake(self) -> None:
        if self._loop is not None and self._arrived is not None:
            self._loop.call_soon_threadsafe(self._arrived.set)

    # --- the API ---------------------------------------------------------------------------
    async def _method(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error(401, 401, "Unauthorized")
        method = request.path_params["method"]
        self.calls.append(method)
        try:
            params = await request.json() if await request.body() else {}
        except ValueError:
            return _error(400, 400, "Bad Request: body is not JSON")
        params = {**dict(request.query_params), **(params if isinstance(params, dict) else {})}
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, 404, "Not Found: method not found")
        self._request = request
        return await handler(params)

    async def _m_getMe(self, params: dict) -> Response:
        return JSONResponse({"ok": True, "result": {
            "id": BOT_ID, "account_name": "bot.sangkien", "account_type": "BASIC",
            "can_join_groups": False}})

    async def _m_getUpdates(self, params: dict) -> Response:
        request = self._request  # a poller that hung up gets nothing: the update waits
        if self.webhook is not None:
            return _error(409, 409, "Conflict: a webhook is set; delete it to use getUpdates")
        try:
            wait = float(params.get("timeout", 0) or 0)
        except ValueError:
            return _error(400, 400, "Bad Request: timeout must be a number")
        deadline = time.monotonic() + min(wait, 60)
        self.polling += 1
        self.most_polling = max(self.most_polling, self.polling)
        try:
            return await self._next_update(request, deadline)
        finally:
            self.polling -= 1

    async def _next_update(self, request: Request, deadline: float) -> Response:
        while True:
            if await request.is_disconnected():
                return Response(status_code=499)
            with self._lock:
                if self._queue:
                    update = self._queue.popleft()
                    self._delivered.append(update)
                    return JSONResponse({"ok": True, "result": update})
                self._arrived.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                return _error(408, 408, "Request timeout")
            try:
                await asyncio.wait_for(self._arrived.wait(), min(left, 0.2))
            except TimeoutError:
                pass

    async def _m_setWebhook(self, params: dict) -> Response:
        url, secret = params.get("url", ""), params.get("secret_token", "")
        if not isinstance(url, str) or not url.startswith(("https://", "http://127.0.0.1")):
            return _error(400, 400, "Bad Request: url must be https")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            return _error(400, 400, "Bad Request: secret_token must be 8-256 characters")
        self.webhook = {"url": url, "secret_token": secret}
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.get_running_loop().create_task(self._push_loop())
        return JSONResponse({"ok": True, "result": {"url": url, "updated_at": int(time.time())}})

    async def _m_deleteWebhook(self, params: dict) -> Response:
        self.webhook = None
        self._wake()
        return JSONResponse({"ok": True, "result": {"url": "", "updated_at": int(time.time())}})

    async def _m_getWebhookInfo(self, params: dict) -> Response:
        return JSONResponse({"ok": True, "result": {"url": (self.webhook or {}).get("url", "")}})

    def _refused(self, chat_id: str) -> Response | None:
        queue = self._failures.get(chat_id)
        if queue:
            status, code, description = queue.popleft()
            return _error(status, code, description)
        return None

    def _sent(self, record: dict) -> Response:
        message_id = secrets.token_hex(16)
        self.sent.append({**record, "message_id": message_id})
        if self.echo:
            self.push({"event_name": "message.text.received", "message": {
                "from": {"id": BOT_ID, "display_name": "Sáng kiến", "is_bot": True},
                "chat": {"id": record["chat_id"], "chat_type": "PRIVATE"},
                "message_id": message_id, "date": int(time.time() * 1000),
                "text": record.get("text", "")}})
        return JSONResponse({"ok": True, "result": {
            "message_id": message_id, "date": int(time.time() * 1000)}})

    async def _m_sendMessage(self, params: dict) -> Response:
        chat_id, text = str(params.get("chat_id", "")), params.get("text")
        if not chat_id:
            return _error(400, 400, "Bad Request: chat_id is required")
        if not isinstance(text, str) or not 1 <= len(text) <= 2000:
            return _error(400, 400, "Bad Request: text must be 1-2000 characters")
        return self._refused(chat_id) or self._sent({"chat_id": chat_id, "text": text})

    async def _m_sendPhoto(self, params: dict) -> Response:
        chat_id, photo = str(params.get("chat_id", "")), params.get("photo")
        caption = params.get("caption") or ""
        if not isinstance(photo, str) or not photo.startswith(("https://", "http://")):
            return _error(400, 400, "Bad Request: photo must be a URL")
        if len(caption) > 2000:
            return _error(400, 400, "Bad Request: caption must be at most 2000 characters")
        return self._refused(chat_id) or self._sent(
            {"chat_id": chat_id, "photo": photo, "caption": caption})

    async def _m_sendChatAction(self, params: dict) -> Response:
        return JSONResponse({"ok": True, "result": True})

    async def _media_file(self, request: Request) -> Response:
        found = self._media.get(request.path_params["name"])
        if found is None:
            return Response(status_code=404)
        return Response(found[0], media_type=found[1])

    async def _push_loop(self) -> None:
        """While a webhook is set, push each update to it as Zalo does, with the secret."""
        async with httpx.AsyncClient(timeout=30) as client:
            while self.webhook is not None:
                with self._lock:
                    update = self._queue.popleft() if self._queue else None
                    if update is None:
                        self._arrived.clear()
                if update is None:
                    try:
                        await asyncio.wait_for(self._arrived.wait(), 1.0)
                    except TimeoutError:
                        pass
                    continue
                hook = self.webhook
                try:
                    response = await client.post(
                        hook["url"], json=update,
                        headers={"X-Bot-Api-Secret-Token": hook["secret_token"]})
                    self.pushed.append(response.status_code)
                except httpx.HTTPError:
                    self.pushed.append(0)
