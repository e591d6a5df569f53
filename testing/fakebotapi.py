"""An in-process fake of the Telegram Bot API, plugged into python-telegram-bot as its request
object. It records every call, answers like the real API, and can be told to fail for a chat
with 403 (blocked), 429 (retry after N seconds) or 400 (bad request)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "Sáng kiến",
    "username": "sangkien_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

BLOCKED = (
    403,
    {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
)
BAD_MARKUP = (
    400,
    {"ok": False, "error_code": 400,
     "description": "Bad Request: can't parse reply keyboard markup JSON object"},
)


def too_many(retry_after: int = 1) -> tuple[int, dict]:
    return 429, {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)


class FakeBotAPI(BaseRequest):
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.failures: dict[int, list[tuple[int, dict]]] = {}
        self.pending_updates: list[dict] = []
        self._message_ids = itertools.count(1)
        self.files: dict[str, bytes] = {}  # file id → what getFile's download returns

    def put_file(self, file_id: str, data: bytes) -> None:
        self.files[file_id] = data

    def _file(self, file_id: str) -> bytes:
        # Unless a test says otherwise, a photo is a JPEG and a document a PDF.
        default = JPEG if not file_id.startswith("doc") else b"%PDF-1.4\n%fake\n"
        return self.files.get(file_id, default)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def fail(self, chat_id: int, *answers: tuple[int, dict]) -> None:
        """The next calls for `chat_id` get these answers, in order."""
        self.failures.setdefault(chat_id, []).extend(answers)

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages successfully sent (to one chat, or to all)."""
        return [
            p for name, p in self.calls
            if name == "sendMessage" and p.get("_ok")
            and (chat_id is None or p["chat_id"] == chat_id)
        ]

    def calls_named(self, name: str) -> list[dict[str, Any]]:
        return [p for n, p in self.calls if n == name]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=None,
        write_timeout=None,
        connect_timeout=None,
        pool_timeout=None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        if "/file/bot" in url:  # downloading what getFile pointed to
            return 200, self._file(name)
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.multipart_data:
            params["_uploaded"] = {k: v[1] for k, v in request_data.multipart_data.items()}
        self.calls.append((name, params))
        chat_id = params.get("chat_id")
        if chat_id is not None and self.failures.get(int(chat_id)):
            status, body = self.failures[int(chat_id)].pop(0)
            return status, json.dumps(body).encode()
        params["_ok"] = True
        return 200, json.dumps({"ok": True, "result": await self._result(name, params)}).encode()

    async def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name == "getFile":
            file_id = params["file_id"]
            return {"file_id": file_id, "file_unique_id": f"u-{file_id}",
                    "file_size": len(self._file(file_id)), "file_path": f"files/{file_id}"}
        if name == "getUpdates":
            if not self.pending_updates:
                await asyncio.sleep(0.01)
            updates, self.pending_updates = self.pending_updates, []
            return updates
        if name in ("sendMessage", "sendPhoto", "sendDocument", "editMessageText"):
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        return True


class UpdateFactory:
    """Builds updates as Telegram sends them, with increasing update ids."""

    def __init__(self, start: int = 1000) -> None:
        self._ids = itertools.count(start)
        self._message_ids = itertools.count(1)

    def _user(self, user_id: int, lang: str = "vi") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": "Lan", "language_code": lang}

    def _message(self, user_id: int, **content: Any) -> dict:
        return {
            "update_id": next(self._ids),
            "message": {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": "Lan"},
                "from": self._user(user_id),
                **content,
            },
        }

    def text(self, user_id: int, text: str) -> dict:
        entities = []
        if text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._message(user_id, text=text, entities=entities)

    def press(self, user_id: int, data: str) -> dict:
        return {
            "update_id": next(self._ids),
            "callback_query": {
                "id": str(next(self._ids)),
                "from": self._user(user_id),
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": next(self._message_ids),
                    "date": int(time.time()),
                    "chat": {"id": user_id, "type": "private"},
                    "from": BOT_USER,
                    "text": "…",
                },
            },
        }

    def photo(self, user_id: int, size: int = 200_000) -> dict:
        n = next(self._message_ids)
        sizes = [
            {"file_id": f"small{n}", "file_unique_id": f"us{n}", "width": 90, "height": 90,
             "file_size": 2_000},
            {"file_id": f"photo{n}", "file_unique_id": f"u{n}", "width": 1280, "height": 960,
             "file_size": size},
        ]
        return self._message(user_id, photo=sizes)

    def document(self, user_id: int, name: str, mime: str, size: int = 100_000) -> dict:
        n = next(self._message_ids)
        doc = {"file_id": f"doc{n}", "file_unique_id": f"ud{n}", "file_name": name,
               "mime_type": mime, "file_size": size}
        return self._message(user_id, document=doc)

    def contact(self, user_id: int, phone: str) -> dict:
        return self._message(
            user_id, contact={"phone_number": phone, "first_name": "Lan", "user_id": user_id}
        )

    def sticker(self, user_id: int) -> dict:
        sticker = {"file_id": "stk", "file_unique_id": "ustk", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "type": "regular"}
        return self._message(user_id, sticker=sticker)
