"""A fake Telegram Bot API served over HTTP on 127.0.0.1, for a bot running in a subprocess.

It keeps updates until the bot confirms them with a later `offset`, as Telegram does, so a bot
killed mid-batch gets the same updates again when it restarts."""

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

    def start(self) -> LoopbackBotAPI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what the test does -----------------------------------------------------------------
    def push_text(self, user: int, text: str) -> int:
        message = {"message_id": next(self._messages), "date": int(time.time()),
                   "chat": {"id": user, "type": "private"}, "text": text,
                   "from": {"id": user, "is_bot": False, "first_name": "Dân"}}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        return self._push({"message": message})

    def push_press(self, user: int, data: str) -> int:
        query = {"id": str(next(self._messages)), "chat_instance": "c", "data": data,
                 "from": {"id": user, "is_bot": False, "first_name": "Dân"},
                 "message": {"message_id": next(self._messages), "date": int(time.time()),
                             "chat": {"id": user, "type": "private"}, "text": "…"}}
        return self._push({"callback_query": query})

    def _push(self, body: dict) -> int:
        with self._changed:
            update_id = next(self._ids)
            self.updates.append({"update_id": update_id, **body})
            self._changed.notify_all()
            return update_id

    def replies_to(self, user: int) -> list[dict]:
        with self._changed:
            return [m for m in self.sent if m["chat_id"] == user]

    # --- the API --------------------------------------------------------------------------------
    def _answer(self, method: str, params: dict):
        self.calls.append(method)
        if method == "getMe":
            return BOT
        if method == "getUpdates":
            return self._get_updates(params)
        if method == "setWebhook":
            self.webhook = params  # the address and the secret the bot gave
        if method in ("sendMessage", "editMessageText", "sendPhoto", "sendDocument"):
            with self._changed:
                self.sent.append({"chat_id": int(params["chat_id"]),
                                  "text": params.get("text", ""), "at": time.monotonic()})
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
                method = self.path.rsplit("/", 1)[-1]
                body = json.dumps({"ok": True, "result": api._answer(method, params)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args):
                pass

        return Handler
