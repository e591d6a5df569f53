"""Tasks: what an officer asks for that takes longer than a step (statistics, the yearly report,
exports, a poster). The step only writes the request (`bot/services/tasks.request`); a worker
process builds the result and queues it in the outbox (`bot/taskworker.py`). So a long build never
holds the event loop, nor the sender's conversation, nor anyone else's.

A kind of task is a function registered here by the handler module of its feature:

    @task("report")
    async def build(env: TaskEnv, params: dict) -> list[Reply]: ...

It reads the database through services with `env.engine`, speaks in the requester's language
(`env.t`), stores the files it makes with `env.keep` (they go out as documents, or as signed
links where the chat takes none) and tells how far it is with `env.progress(stage)`.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.files import FileStore, sniff
from bot.i18n import Translator
from bot.model import Attachment, Reply
from bot.reference import Reference
from bot.services.permissions import Actor, actor_for

TaskFn = Callable[["TaskEnv", dict], Awaitable[list[Reply]]]
TASKS: dict[str, TaskFn] = {}


def task(kind: str) -> Callable[[TaskFn], TaskFn]:
    def register(fn: TaskFn) -> TaskFn:
        TASKS[kind] = fn
        return fn
    return register


@dataclass
class TaskEnv:
    settings: Settings
    engine: Any  # AsyncEngine
    ref: Reference
    t: Translator  # the requester's language
    translators: Callable[[str | None], Translator]
    files: FileStore
    now: datetime  # the bot's clock when the task was taken
    requester: dict  # channel, external_id, lang, user_id
    report: Callable[[str, float | None], Awaitable[None]]

    async def progress(self, stage: str, fraction: float | None = None) -> None:
        """`stage` (a msgid) is reached: the requester hears of it if the task is long."""
        await self.report(stage, fraction)

    async def actor(self) -> Actor:
        """The requester as they are now (an officer revoked since the request is a resident)."""
        async with self.engine.connect() as conn:
            return await actor_for(conn, {**self.requester, "id": self.requester["user_id"]})

    async def keep(self, data: bytes, name: str, mime: str | None = None) -> Attachment:
        """Store a file this task made; the returned attachment goes on a reply."""
        mime = mime or mimetypes.guess_type(name)[0] or sniff(data, name)
        stored = await self.files.put(data, name=name, mime=mime)
        kind = "photo" if mime in ("image/png", "image/jpeg") else "document"
        return Attachment(kind, stored.key, name, mime, stored.size, key=stored.key,
                          sha256=stored.sha256)
