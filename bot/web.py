"""`sangkien serve`: one ASGI application (Starlette on uvicorn) for everything that comes over
HTTP: the webhooks of the enabled channels, the upload page, signed file links and /healthz.

- `POST /telegram`: Telegram's webhook, in python-telegram-bot's custom-webhook pattern (the
  Application runs without its updater). Each update is processed before the answer, so that
  one the database could not take (an outage) gets 503 and Telegram delivers it again. The
  secret header `X-Telegram-Bot-Api-Secret-Token` is checked in constant time.
- `POST /zalo/bot`: the Zalo Bot API's webhook, with its `X-Bot-Api-Secret-Token`.
- `POST /zalo/oa`: a Zalo Official Account's webhook, signed in `X-ZEvent-Signature`.
- `GET|POST /u/<token>`: the upload page of a draft, for chats that take no documents.
- `GET /f/<token>`: a stored file, for officers and residents on such chats.

Webhook secrets are derived from the bot's own secret (storage.channels.secret), so every
process that serves agrees on them without configuration. A forged request gets 403 and
changes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
import json
import logging
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.channels.zalo_oa import ZaloOAChannel
from bot.files import keep, sniff
from bot.i18n import N_
from bot.links import BadLink
from bot.model import Attachment, Event
from bot.runtime import Runtime, redelivery
from storage import channels as channel_repo
from storage import users as user_repo

log = logging.getLogger(__name__)
FILES_STEP = "flow:files"
PAGE_TITLE = N_("Add documents to your entry")
PAGE_INTRO = N_("Choose the files on your phone, then press Send. They join the entry you are "
                "writing in the chat, and the chat says so.")
PAGE_SEND = N_("Send")
PAGE_CHOOSE = N_("Files")
PAGE_DONE = N_("Received. You can close this page and go back to the chat.")
PAGE_GONE = N_("This link is no longer valid (it works once, for one day). Ask for a new one "
               "in the chat.")
PAGE_MOVED = N_("This link is for the files question of your entry. Go back to that question "
                "in the chat (or start the entry again), then open the link again.")
PAGE_NONE = N_("No file was chosen.")
PAGE_TOO_MUCH = N_("Too many files, or a file too large: at most {count} files, each at most "
                   "{limit} MB. Please choose again.")


class _Used(BadLink):
    """An upload link whose files were received already."""


@dataclass
class Webhooks:
    """The secrets the platforms send back, derived from the bot's own."""
    telegram: str
    zalo_bot: str


def derived(key: str, name: str) -> str:
    return hmac.new(key.encode(), name.encode(), hashlib.sha256).hexdigest()[:48]


async def webhook_secrets(runtime: Runtime) -> Webhooks:
    """Derived from the bot's one secret (the one that signs links), so no second one is kept."""
    key = (await runtime.dispatcher.links()).secret
    return Webhooks(telegram=derived(key, "webhook:telegram"),
                    zalo_bot=derived(key, "webhook:zalo_bot"))


def _same(given: str | None, expected: str) -> bool:
    return hmac.compare_digest((given or "").encode(), expected.encode())


def _page(t, body: str, status: int = 200) -> HTMLResponse:
    lang = "vi" if t.lang.startswith("vi") else "en"
    title = html.escape(t._(PAGE_TITLE))
    return HTMLResponse(
        f"<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:32rem;"
        f"margin:1rem auto;padding:0 1rem;line-height:1.5}}button,input{{font-size:1.1rem}}"
        f"button{{padding:.6rem 1.4rem;margin-top:1rem}}</style></head>"
        f"<body><h1>{title}</h1>{body}</body></html>", status_code=status)


def zalo_oa_channel(settings, dispatcher, runtime: Runtime) -> ZaloOAChannel | None:
    """The Official Account channel when its credentials are set (webhook only), else None."""
    if not settings.zalo_oa_app_id:
        return None
    return ZaloOAChannel(dispatcher, runtime, app_id=settings.zalo_oa_app_id,
                         secret_key=settings.zalo_oa_secret_key,
                         access_token=settings.zalo_oa_access_token,
                         refresh_token=settings.zalo_oa_refresh_token,
                         base_url=settings.zalo_oa_base_url, oauth_url=settings.zalo_oa_oauth_url,
                         webhook_key=settings.zalo_oa_webhook_key)


def _say(t, message: str, status: int = 200, more: str = "") -> HTMLResponse:
    """A page that says one sentence (then `more`, HTML already escaped)."""
    return _page(t, f"<p>{html.escape(t._(message))}</p>{more}", status)


def build_app(runtime: Runtime, *, telegram=None, zalo_bot=None, zalo_oa=None,
              secrets: Webhooks | None = None) -> Starlette:
    """The application. `telegram` is a python-telegram-bot Application, `zalo_bot` and
    `zalo_oa` the Zalo channels; each is routed when given."""
    dispatcher = runtime.dispatcher
    settings = dispatcher.settings

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True, "channels": sorted(runtime.channels)})

    async def telegram_hook(request: Request) -> Response:
        if not _same(request.headers.get("X-Telegram-Bot-Api-Secret-Token"), secrets.telegram):
            return Response(status_code=403)
        try:
            data = await request.json()
        except ValueError:
            return Response(status_code=400)
        # Handled now, not queued: an update that could not be taken because the database
        # was out of reach gets 503, and Telegram delivers it again later.
        with redelivery() as unprocessed:
            await telegram.process_update(Update.de_json(data, telegram.bot))
        return Response(status_code=503 if unprocessed else 200)

    async def zalo_bot_hook(request: Request) -> Response:
        if not _same(request.headers.get("X-Bot-Api-Secret-Token"), secrets.zalo_bot):
            return Response(status_code=403)
        try:
            body = json.loads(await request.body())
        except ValueError:
            return Response(status_code=400)
        return Response(status_code=await zalo_bot.webhook(request.headers, body,
                                                            secrets.zalo_bot))

    async def zalo_oa_hook(request: Request) -> Response:
        return Response(status_code=await zalo_oa.webhook(request.headers, await request.body()))

    async def _upload_target(token: str):
        links = await dispatcher.links()
        payload = links.read(token, "upload")
        async with dispatcher.engine.connect() as conn:
            if await channel_repo.taken(conn, "upload", payload["n"]):
                raise _Used(token)
            user = await user_repo.load_user(conn, payload["c"], payload["u"])
        return payload, user

    async def upload(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            payload, user = await _upload_target(token)
        except BadLink as error:  # forged, expired, or used already
            t = dispatcher.translator(None)
            return _say(t, PAGE_GONE, 410 if isinstance(error, _Used) else 403)
        t = dispatcher.translator(user["lang"] if user else None)
        draft = ((user or {}).get("data") or {}).get("draft") or {}
        if user is None or draft.get("started") != payload["d"]:
            return _say(t, PAGE_GONE, 410)
        if user["state"] != FILES_STEP:
            return _say(t, PAGE_MOVED, 409)
        if request.method == "GET":
            return _page(t, _form(t))
        return await _receive(request, t, payload)

    def _form(t) -> str:
        return (f"<p>{html.escape(t._(PAGE_INTRO))}</p>"
                f"<form method=\"post\" enctype=\"multipart/form-data\">"
                f"<label>{html.escape(t._(PAGE_CHOOSE))}<br>"
                f"<input type=\"file\" name=\"files\" multiple></label><br>"
                f"<button type=\"submit\">{html.escape(t._(PAGE_SEND))}</button></form>")

    async def _receive(request: Request, t, payload: dict) -> Response:
        limit = max(settings.max_document_bytes, settings.max_photo_bytes)
        try:
            form = await request.form(max_files=settings.max_attachments, max_fields=10,
                                      max_part_size=limit)
        except (MultiPartException, HTTPException):  # Starlette raises the latter in an app
            text = t._(PAGE_TOO_MUCH).format(count=settings.max_attachments,
                                              limit=t.number(round(limit / 1_048_576)))
            return _page(t, f"<p>{html.escape(text)}</p>{_form(t)}", 413)
        chosen = [f for f in form.getlist("files") if getattr(f, "filename", "")]
        if not chosen:
            return _say(t, PAGE_NONE, 400, _form(t))
        async with dispatcher.engine.begin() as conn:
            first = await channel_repo.take_message(conn, "upload", payload["n"],
                                                    dispatcher.clock())
        if not first:
            return _say(t, PAGE_GONE, 410)
        said: list[str] = []
        channel = runtime.channels.get(payload["c"])
        for number, part in enumerate(chosen):
            data = await part.read(limit + 1)
            name = Path(part.filename).name[:200]
            mime = sniff(data, name)
            attachment = Attachment(kind="photo" if mime.startswith("image/") else "document",
                                    ref=f"upload:{name}", name=name, mime=mime, size=len(data))
            if len(data) <= limit:
                attachment = await keep(runtime.files, attachment, data)
            event = Event(channel=payload["c"], user=payload["u"], attachment=attachment,
                          message_id=f"u:{payload['n']}:{number}")
            for reply in await dispatcher.handle(event):
                said.append(reply.text)
                if channel is not None:
                    await channel.send(reply.to or payload["u"], reply)
        with contextlib.suppress(Exception):
            await runtime.deliver_pending()
        items = "".join(f"<li>{html.escape(text)}</li>" for text in said)
        return _say(t, PAGE_DONE, more=f"<ul>{items}</ul>")

    async def file(request: Request) -> Response:
        links = await dispatcher.links()
        try:
            payload = links.read(request.path_params["token"], "file")
            data = await runtime.files.read(payload["key"])
        except (BadLink, FileNotFoundError, KeyError):
            return Response(status_code=404)
        name = payload.get("name") or "file"
        mime = payload.get("mime") or "application/octet-stream"
        disposition = "inline" if mime.startswith("image/") or mime == "application/pdf" \
            else "attachment"
        plain = name.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
        return Response(data, media_type=mime, headers={
            "Content-Disposition": f"{disposition}; filename=\"{plain}\"; "
                                   f"filename*=UTF-8''{urllib.parse.quote(name)}",
            "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})

    routes = [Route("/healthz", healthz),
              Route("/u/{token}", upload, methods=["GET", "POST"]),
              Route("/f/{token}", file)]
    if telegram is not None:
        routes.append(Route("/telegram", telegram_hook, methods=["POST"]))
    if zalo_bot is not None:
        routes.append(Route("/zalo/bot", zalo_bot_hook, methods=["POST"]))
    if zalo_oa is not None:
        routes.append(Route("/zalo/oa", zalo_oa_hook, methods=["POST"]))
    return Starlette(routes=routes)
