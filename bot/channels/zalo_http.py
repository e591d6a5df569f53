"""A thin async client for Zalo's HTTP APIs, the project's own.

Checked before writing it (December 2026): `python-zalo-bot` 0.1.9 (the SDK the Bot API's
quick-start names: a fork of python-telegram-bot that defaults to the old host bot-api.zapps.me,
pins httpx<0.29 and keeps Telegram's offset/limit leftovers; beside the real python-telegram-bot
it would be a second copy of the same machinery), `zalo-sdk` 0.3.0 (Official Account and ZNS
only), `zalo-python-sdk` 1.17 (2017, built on the v2 message API Zalo has shut down) and
`zalo-bot` 0.1.0 (not a Zalo library at all). None covers both APIs; this client is a few lines
of httpx and maps Zalo's refusals to the runtime's outcomes (bot.channels.base).

A request's URL may hold a token (the Bot API puts it in the path, like Telegram's): it is never
logged, and errors name the method, never the URL. The Official Account API carries its tokens in
headers and forms (ZaloOAClient), which are never logged either.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import httpx

from bot.channels.base import SendResult
from bot.files import FileStore, keep
from bot.model import Event

log = logging.getLogger(__name__)
TIMEOUT = httpx.Timeout(15.0, connect=10.0)


class ZaloError(Exception):
    """A refusal: Zalo's error code (HTTP status when the body says none) and its description."""

    def __init__(self, method: str, code: int, description: str = "",
                 retry_after: float | None = None):
        super().__init__(f"{method}: {code} {description}".strip())
        self.method = method
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def outcome(self) -> SendResult:
        """What the refusal means for the message (the Bot API's codes are HTTP-like)."""
        if self.code == 429:
            return SendResult.retry(self.retry_after or 1.0)
        if self.code >= 500 or self.code == 408:
            return SendResult.retry(1.0)
        if self.code in (403, 404):  # the person cannot be written to (blocked, never wrote)
            return SendResult.BLOCKED
        return SendResult.FAILED


class ZaloClient:
    """Calls `<base>/<method>` with a JSON body and unwraps `{ok, result, error_code}`."""

    def __init__(self, base: str, http: httpx.AsyncClient | None = None):
        self._base = base
        self.http = http or httpx.AsyncClient(timeout=TIMEOUT)
        self._own = http is None

    async def call(self, method: str, http_timeout: float | None = None, **params: Any) -> Any:
        timeout = httpx.Timeout(http_timeout, connect=10.0) if http_timeout else TIMEOUT
        response = await self.http.post(f"{self._base}/{method}", json=params, timeout=timeout)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ZaloError(method, response.status_code, "not a JSON answer")
        if response.status_code >= 400 or body.get("ok") is False:
            code = body.get("error_code") or response.status_code
            retry = response.headers.get("Retry-After")
            raise ZaloError(method, int(code) if str(code).lstrip("-").isdigit() else
                            response.status_code, str(body.get("description") or ""),
                            float(retry) if retry and retry.isdigit() else None)
        return body.get("result")

    async def close(self) -> None:
        if self._own:
            await self.http.aclose()


class ZaloOAClient:
    """Zalo Official Account's OpenAPI (`<base>/v3.0/oa/...`, the access token in an
    `access_token` header) and its OAuth server (`<oauth>/v4/oa/access_token`, the app's secret
    in a `secret_key` header). OpenAPI answers `{error, message, data}`, HTTP 200 even when it
    refuses: an `error` other than 0 raises ZaloError with that code."""

    def __init__(self, base: str, oauth: str, http: httpx.AsyncClient | None = None):
        self._base = base.rstrip("/")
        self._oauth = oauth.rstrip("/")
        self.http = http or httpx.AsyncClient(timeout=TIMEOUT)
        self._own = http is None

    async def send_message(self, access_token: str, user_id: str, message: dict) -> dict:
        """A consultation message (`message/cs`): answers its `data` (message_id, user_id…)."""
        response = await self.http.post(
            f"{self._base}/v3.0/oa/message/cs", headers={"access_token": access_token},
            json={"recipient": {"user_id": user_id}, "message": message}, timeout=TIMEOUT)
        body = _json(response)
        method = "message/cs"
        if not isinstance(body, dict):
            raise ZaloError(method, response.status_code, "not a JSON answer")
        code = body.get("error", 0)
        code = int(code) if str(code).lstrip("-").isdigit() else response.status_code
        if code == 0 and response.status_code >= 400:
            code = response.status_code
        if code != 0:
            raise ZaloError(method, code, str(body.get("message") or ""))
        return body.get("data") if isinstance(body.get("data"), dict) else {}

    async def refresh(self, app_id: str, secret_key: str, refresh_token: str) -> dict:
        """A new pair for the single-use `refresh_token`: {access_token, refresh_token,
        expires_in}; ZaloError when refused (the token used, expired or revoked)."""
        response = await self.http.post(
            f"{self._oauth}/v4/oa/access_token", headers={"secret_key": secret_key},
            data={"app_id": app_id, "refresh_token": refresh_token,
                  "grant_type": "refresh_token"}, timeout=TIMEOUT)
        body = _json(response)
        method = "oa/access_token"
        if not isinstance(body, dict):
            raise ZaloError(method, response.status_code, "not a JSON answer")
        if isinstance(body.get("access_token"), str) and isinstance(
                body.get("refresh_token"), str) and body["access_token"] and body["refresh_token"]:
            return body
        code = body.get("error")
        code = int(code) if str(code).lstrip("-").isdigit() and int(code) else \
            response.status_code
        raise ZaloError(method, code, str(body.get("error_description") or body.get("error_name")
                                          or body.get("message") or ""))

    async def close(self) -> None:
        if self._own:
            await self.http.aclose()


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


async def download(http: httpx.AsyncClient, url: str, limit: int) -> bytes:
    """The bytes at `url`, at most `limit` of them: ValueError(size) when there are more."""
    if not url.startswith(("https://", "http://")):
        raise httpx.InvalidURL("not an http(s) address")
    async with http.stream("GET", url, timeout=TIMEOUT, follow_redirects=True) as response:
        response.raise_for_status()
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise ValueError(int(declared))
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise ValueError(size)
            chunks.append(chunk)
    return b"".join(chunks)


async def fetched(http: httpx.AsyncClient, files: FileStore, event: Event, limit: int) -> Event:
    """The event with its attachment downloaded now into the file store (Zalo's addresses
    expire). One larger than `limit` goes on with its size, for the form to say why it cannot be
    taken; one that cannot be downloaded becomes "another kind of message", which the form
    answers too."""
    try:
        data = await download(http, event.attachment.ref, limit)
    except ValueError as error:  # larger than the limit: the size the form will name
        size = error.args[0] if error.args and isinstance(error.args[0], int) else limit + 1
        return replace(event, attachment=replace(event.attachment, size=size))
    except httpx.HTTPError as error:
        log.warning("could not download a file sent on Zalo: %s", type(error).__name__)
        return replace(event, attachment=None, other=event.attachment.kind)
    return replace(event, attachment=await keep(files, event.attachment, data))
