"""A fake Telegram Bot API served over HTTP on 127.0.0.1, for a bot running in a subprocess.

It keeps updates until the bot confirms them with a later `offset`, as Telegram does, so a bot
killed mid-batch gets the same updates again when it restarts. For bots served by webhook
(testing.cluster), it builds the updates the test posts itself (`text_update`, `press_update`).

Every message sent is recorded (`sent`, and by chat: `replies_to`) with the time it arrived and
the bot process that sent it: each process may be given a base URL of its own (`base_url_for`),
so that "who sent this" can be told apart among processes sharing one token."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOT = {"id": 7000001, "is_bot": True, "first_name": "Sáng kiến", "username": "sangkien_bot",
       "can_join_groups": False, "can_read_all_group_messages": False,
       "supports_inline_queries": False}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # a bot killed mid-request hangs up: expected here, not worth a traceback


class LoopbackBotAPI:
    def __init__(self) -> None:
        self.updates: list[dict] = []
        self.sent: list[dict] = []
        self._by_chat: dict[int, list[dict]] = {}
        self.calls: list[str] = []
        self.webhook: dict | None = None
        self._ids = itertools.count(1)
        self._messages = itertools.count(1)
        self._changed = threading.Condition()
        self.server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def base_url_for(self, via: str) -> str:
        """A base URL for one bot process: what it sends is recorded with `via` (a path
        segment: letters, digits, dashes)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/{via}/bot"

    def start(self) -> LoopbackBotAPI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what the test does -----------------------------------------------------------------
    def text_update(self, user: int, text: str) -> dict:
        """A new update: `user` sends `text` in their private chat."""
        message = {"message_id": next(self._messages), "date": int(time.time()),
                   "chat": {"id": user, "type": "private"}, "text": text,
                   "from": {"id": user, "is_bot": False, "first_name": "Dân"}}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        return {"update_id": next(self._ids), "message": message}

    def press_update(self, user: int, data: str) -> dict:
        """A new update: `user` presses the inline button whose callback data is `data`."""
        query = {"id": str(next(self._messages)), "chat_instance": "c", "data": data,
                 "from": {"id": user, "is_bot": False, "first_name": "Dân"},
                 "message": {"message_id": next(self._messages), "date": int(time.time()),
                             "chat": {"id": user, "type": "private"}, "text": "…"}}
        return {"update_id": next(self._ids), "callback_query": query}

    def push_text(self, user: int, text: str) -> int:
        return self._push(self.text_update(user, text))

    def push_press(self, user: int, data: str) -> int:
        return self._push(self.press_update(user, data))

    def _push(self, update: dict) -> int:
        """Keep `update` for the bot's next getUpdates."""
        with self._changed:
            self.updates.append(update)
            self._changed.notify_all()
            return update["update_id"]

    def replies_to(self, user: int) -> list[dict]:
        with self._changed:
            return list(self._by_chat.get(user, ()))

    def answered(self, user: int, seen: int) -> bool:
        """The bot said something to `user` after their first `seen` messages, and its last
        message asks for an answer (it has buttons or a keyboard): the reply is complete."""
        with self._changed:
            replies = self._by_chat.get(user, ())
            if len(replies) <= seen:
                return False
            markup = replies[-1]["reply_markup"] or {}
        return bool(markup.get("inline_keyboard") or markup.get("keyboard"))

    def wait(self, condition, timeout: float) -> bool:
        """Wait until `condition()` holds (it is checked at every message sent), at most
        `timeout` seconds; returns whether it held."""
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    # --- the API --------------------------------------------------------------------------------
    def _answer(self, method: str, params: dict, via: str | None = None):
        self.calls.append(method)
        if method == "getMe":
            return BOT
        if method == "getUpdates":
            return self._get_updates(params)
        if method == "setWebhook":
            self.webhook = params  # the address and the secret the bot gave
        if method in ("sendMessage", "editMessageText", "sendPhoto", "sendDocument"):
            markup = params.get("reply_markup")
            message = {"chat_id": int(params["chat_id"]), "text": params.get("text", ""),
                       "method": method, "via": via, "at": time.monotonic(),
                       "reply_markup": json.loads(markup) if isinstance(markup, str) else markup}
            with self._changed:
                self.sent.append(message)
                self._by_chat.setdefault(message["chat_id"], []).append(message)
                self._changed.notify_all()
            return {"message_id": next(self._messages), "date": int(time.time()),
                    "chat": {"id": int(params["chat_id"]), "type": "private"}, "from": BOT,
                    "text": params.get("text", "")}
        return True

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 1.0)
        deadline = time.monotonic() + timeout
        with self._changed:
            if offset:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())
            return list(self.updates[:100])

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                kind = self.headers.get("Content-Type", "")
                if "json" in kind:
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
                parts = self.path.strip("/").split("/")
                method = parts[-1]
                # /<via>/bot<token>/<method> for a process given base_url_for(via)
                via = parts[0] if len(parts) > 2 else None
                body = json.dumps({"ok": True,
                                   "result": api._answer(method, params, via)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args):
                pass

        return Handler
