"""Messages to people other than the sender, rendered in each recipient's own language and
committed in the same transaction as the change they announce (storage.outbox delivers them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.calendar import QuietHours
from bot.i18n import Translator
from bot.model import Attachment, Option, Reply


@dataclass
class Message:
    text: str
    options: list[Option] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


Render = Callable[[Translator], Message]


class Outbox:
    def __init__(self, translator: Callable[[str | None], Translator], now: datetime,
                 not_before: datetime | None = None, *, quiet: QuietHours | None = None,
                 sender: tuple[str, str] | None = None):
        """`not_before`: every message of this box waits until then (a job's, at night).
        `quiet`: a message to a resident other than `sender` (channel, external_id) queued
        during the quiet hours waits until they end; officers are told at once."""
        self._translator = translator
        self._now = now
        self._not_before = not_before
        self._resident_not_before = quiet.end_after(now) if quiet else None
        self._sender = sender
        self.rows: list[dict] = []

    def add(self, recipient: dict, render: Render) -> None:
        """`recipient` has channel, external_id and lang (a users row, or an officer's), and
        role (a users row's is "resident" for a resident)."""
        message = render(self._translator(recipient.get("lang")))
        address = (recipient["channel"], recipient["external_id"])
        not_before = self._not_before
        if recipient.get("role") == "resident" and address != self._sender:
            not_before = not_before or self._resident_not_before
        self.rows.append(row(*address, message, self._now, not_before))


def row(channel: str, external_id: str, message: Message | Reply, now: datetime,
        not_before: datetime | None = None) -> dict:
    """One outbox row: a message for `external_id` on `channel`."""
    return {
        "channel": channel,
        "external_id": external_id,
        "text": message.text,
        "options": [[o.value, o.label] for o in message.options],
        "attachments": [a.as_dict() for a in message.attachments],
        "created_at": now,
        "status": "pending",
        "not_before": not_before,
    }
