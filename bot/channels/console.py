"""The console channel: a terminal (human mode) or a JSON-lines pipe (for scripts and tests).

It is the text-only reference channel: options are printed as numbered lines, and typing the
number or the label picks them, exactly as on Zalo.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.channels.base import SendResult
from bot.channels.text import render_parts
from bot.dispatcher import Dispatcher
from bot.files import keep
from bot.i18n import N_
from bot.model import Attachment, Event, Reply
from bot.runtime import Runtime

CHANNEL = "console"
MAX_TEXT = 1_000_000  # a terminal has no limit worth splitting at
HUMAN_INTRO = N_(
    "Console chat with Sáng kiến. Type a message and press Enter; :photo PATH or :doc PATH "
    "sends a file, :contact NUMBER shares a phone number; Ctrl-D quits."
)


def _attachment(kind: str, path: str) -> Attachment:
    if not os.path.isfile(path):
        raise ValueError(f"no such file: {path}")
    mime = mimetypes.guess_type(path)[0]
    return Attachment(
        kind=kind, ref=os.path.abspath(path), name=os.path.basename(path), mime=mime,
        size=os.path.getsize(path),
    )


def event_from_json(line: str, default_user: str, name: str | None = None) -> Event:
    """Read one JSON input line; raise ValueError with a reason when it is malformed."""
    if not line.lstrip().startswith("{"):
        return Event(channel=CHANNEL, user=default_user, text=line, display_name=name)
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"malformed JSON: {error.msg} at column {error.colno}") from None
    if not isinstance(obj, dict):
        raise ValueError("each line must be a JSON object")
    user = obj.get("user", default_user)
    if not isinstance(user, (int, str)) or isinstance(user, bool) or str(user) == "":
        raise ValueError("'user' must be a number or a string")
    update_id = obj.get("update_id")
    if update_id is not None and (not isinstance(update_id, int) or isinstance(update_id, bool)):
        raise ValueError("'update_id' must be an integer")
    if "name" in obj and not isinstance(obj["name"], str):
        raise ValueError("'name' must be a string")
    base = {"channel": CHANNEL, "user": str(user), "update_id": update_id,
            "display_name": obj.get("name", name if str(user) == default_user else None)}
    for key in ("text", "choose", "photo", "document", "contact"):
        if key in obj and not isinstance(obj[key], str):
            raise ValueError(f"'{key}' must be a string")
    if "text" in obj:
        return Event(**base, text=obj["text"])
    if "choose" in obj:
        return Event(**base, choice=obj["choose"])
    if "photo" in obj:
        return Event(**base, attachment=_attachment("photo", obj["photo"]))
    if "document" in obj:
        return Event(**base, attachment=_attachment("document", obj["document"]))
    if "contact" in obj:
        return Event(**base, contact=obj["contact"])
    if "other" in obj:
        return Event(**base, other=str(obj["other"]))
    raise ValueError("a line needs one of: text, choose, photo, document, contact")


def reply_to_json(reply: Reply, sender: str) -> str:
    to = reply.to or sender
    line = {
        "to": int(to) if to.isdigit() else to,
        "text": reply.text,
        "options": [{"value": o.value, "label": o.label} for o in reply.options],
    }
    if reply.attachments:
        line["attachments"] = [{"kind": a.kind, "ref": a.ref, "key": a.key, "name": a.name,
                                "mime": a.mime} for a in reply.attachments]
    return json.dumps(line, ensure_ascii=False)


def render_human(reply: Reply) -> str:
    files = "".join(f"\n  [{a.kind}: {a.name or a.ref}]" for a in reply.attachments)
    return "\n".join(render_parts(replace(reply, text=reply.text + files), MAX_TEXT))


class ConsoleChannel:
    """The Channel for this terminal (bot.channels.base): every identity typed in it is one of
    its recipients; what is sent is written by `write(recipient, reply)`."""

    name = CHANNEL
    max_text = MAX_TEXT
    has_buttons = False
    can_edit = False
    can_send_documents = True
    rate = 1_000.0
    per_chat_seconds = 0.0

    def __init__(self, write: Callable[[str, Reply], None]):
        self.write = write

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        self.write(recipient, reply)
        return SendResult.SENT


async def stored(runtime: Runtime, event: Event) -> Event:
    """The file a console user sends, kept in the bot's file store (read from its path)."""
    if event.attachment is None:
        return event
    data = await asyncio.to_thread(Path(event.attachment.ref).read_bytes)
    return replace(event, attachment=await keep(runtime.files, event.attachment, data))


def event_from_human(line: str, user: str, name: str | None = None) -> Event:
    base = {"channel": CHANNEL, "user": user, "display_name": name}
    command, _, rest = line.partition(" ")
    if command == ":photo":
        return Event(**base, attachment=_attachment("photo", rest.strip()))
    if command == ":doc":
        return Event(**base, attachment=_attachment("document", rest.strip()))
    if command == ":contact":
        return Event(**base, contact=rest.strip())
    return Event(**base, text=line)


async def _lines(stream: TextIO):
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, stream.readline)
        if not line:
            return
        yield line.rstrip("\r\n")


async def run_json(
    dispatcher: Dispatcher, user: str, name: str | None = None, stdin=sys.stdin, stdout=sys.stdout
) -> None:
    def emit(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    runtime = Runtime(dispatcher, [ConsoleChannel(
        lambda to, reply: emit(reply_to_json(replace(reply, to=to), to)))])
    async for line in _lines(stdin):
        if not line.strip():
            continue
        clock = _clock_line(line)
        if clock is not None:
            await _advance_clock(runtime, clock, emit)
            emit(json.dumps({"idle": True}))
            continue
        try:
            event = event_from_json(line, user, name)
        except ValueError as error:
            emit(json.dumps({"error": str(error)}, ensure_ascii=False))
            emit(json.dumps({"idle": True}))
            continue
        for reply in await dispatcher.handle(await stored(runtime, event)):
            emit(reply_to_json(reply, event.user))
        await runtime.run_requested_tasks()
        await runtime.deliver_pending()
        emit(json.dumps({"idle": True}))
    runtime.tasks.close()


def _clock_line(line: str) -> str | None:
    if not line.lstrip().startswith("{") or '"clock"' not in line:
        return None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return None
    return obj.get("clock") if isinstance(obj, dict) and isinstance(obj.get("clock"), str) \
        else None


async def _advance_clock(runtime: Runtime, value: str, emit) -> None:
    """`{"clock": "<ISO time>"}`: set the simulated time and run whatever is due then."""
    dispatcher = runtime.dispatcher
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        emit(json.dumps({"error": f"'clock' must be an ISO time, not {value!r}"}))
        return
    if now.tzinfo is None:
        now = now.replace(tzinfo=ZoneInfo(dispatcher.settings.timezone))
    if not hasattr(dispatcher.clock, "fixed"):
        emit(json.dumps({"error": "this session's clock cannot be set"}))
        return
    dispatcher.clock.fixed = now
    await runtime.tick(now)


async def run_human(
    dispatcher: Dispatcher, user: str, name: str | None = None, stdin=sys.stdin, stdout=sys.stdout
) -> None:
    def write(to: str, reply: Reply) -> None:
        prefix = "" if to == user else f"[→ {to}] "
        stdout.write(prefix + render_human(reply) + "\n\n")

    runtime = Runtime(dispatcher, [ConsoleChannel(write)])
    stdout.write(dispatcher.translator(None)._(HUMAN_INTRO) + "\n\n")
    stdout.flush()
    first = Event(channel=CHANNEL, user=user, text="/start", display_name=name)
    pending = [first]
    lines = _lines(stdin)
    while True:
        for event in pending:
            for reply in await dispatcher.handle(await stored(runtime, event)):
                write(user, reply)
            await runtime.run_requested_tasks()
            await runtime.deliver(CHANNEL)
        stdout.write("> ")
        stdout.flush()
        try:
            line = await anext(lines)
        except StopAsyncIteration:
            stdout.write("\n")
            runtime.tasks.close()
            return
        try:
            pending = [event_from_human(line, user, name)] if line.strip() else []
        except ValueError as error:
            stdout.write(f"{error}\n")
            pending = []
