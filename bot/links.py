"""Signed, expiring links to the bot's web pages (bot.web): a file to open, a draft to upload to.

A link is `<public url>/<page>/<token>`; the token is a small JSON payload and its HMAC-SHA256
under the bot's own secret (storage.channels.secret: made once, shared by every process). An
upload link also carries a nonce that the upload takes once (single use).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

FILE_SECONDS = 7 * 24 * 3600  # an officer may open a notification's file for a week
UPLOAD_SECONDS = 24 * 3600  # an upload link lasts a day


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class BadLink(ValueError):
    """Not a link the bot made, or one that has expired."""


@dataclass(frozen=True)
class Links:
    secret: str
    public_url: str | None

    def _token(self, payload: dict) -> str:
        body = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
        mac = hmac.new(self.secret.encode(), body.encode(), hashlib.sha256).digest()
        return f"{body}.{_b64(mac[:18])}"

    def read(self, token: str, kind: str, now: float | None = None) -> dict:
        """The payload of a valid, unexpired token of `kind`; BadLink otherwise."""
        body, _, mac = token.partition(".")
        want = hmac.new(self.secret.encode(), body.encode(), hashlib.sha256).digest()[:18]
        try:
            given = _unb64(mac)
            payload = json.loads(_unb64(body))
        except (ValueError, UnicodeDecodeError):
            raise BadLink(token) from None
        if not hmac.compare_digest(given, want) or not isinstance(payload, dict):
            raise BadLink(token)
        if payload.get("t") != kind or payload.get("exp", 0) < (now or time.time()):
            raise BadLink(token)
        return payload

    def url(self, page: str, token: str) -> str | None:
        return f"{self.public_url.rstrip('/')}/{page}/{token}" if self.public_url else None

    def file(self, key: str, name: str | None, mime: str | None, now: float | None = None,
             ) -> str | None:
        """A link that opens stored file `key` (None when the bot has no public address)."""
        exp = int((now or time.time()) + FILE_SECONDS)
        return self.url("f", self._token({"t": "file", "key": key, "name": name or "",
                                          "mime": mime or "", "exp": exp}))

    def upload(self, channel: str, user: str, draft: str, now: float | None = None,
               ) -> str | None:
        """A single-use link to add files to the draft `draft` of `channel:user`."""
        exp = int((now or time.time()) + UPLOAD_SECONDS)
        return self.url("u", self._token({"t": "upload", "c": channel, "u": user, "d": draft,
                                          "n": secrets.token_urlsafe(9), "exp": exp}))
