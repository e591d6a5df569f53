"""What a channel is: one adapter that turns its platform's updates into Events and sends Replies.

A channel says what it can do (its capabilities) and sends one reply to one recipient, answering
with one of five outcomes. Everything else (the outbox, announcements, reminders) belongs to the
runtime (bot.runtime), which sends through whichever channel a recipient belongs to.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar, Protocol, runtime_checkable

from bot.model import Reply

# Channels where a person cannot send a document in the chat (the Zalo Bot API takes text,
# photos and stickers only): the files question offers a link to the upload page instead.
DOCUMENTS_BY_LINK = frozenset({"zalo_bot"})
# Channels that may write to a person only for a while after their last message (a Zalo
# Official Account: 7 days); later, what is due for them waits until they write again.
REPLY_WINDOW = {"zalo_oa": timedelta(days=7)}


class Outcome(enum.Enum):
    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot or has no chat: never retried
    RETRY_AFTER = "retry_after"  # the platform asks to wait; nothing was sent
    FAILED = "failed"  # refused for good
    # The platform forbids writing to this person now (Zalo OA: no message from them for 7
    # days): nothing was sent; the message waits until they write again (storage.outbox.wake).
    HELD = "held"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    retry_after: float | None = None

    SENT: ClassVar[SendResult]
    BLOCKED: ClassVar[SendResult]
    FAILED: ClassVar[SendResult]
    HELD: ClassVar[SendResult]

    @classmethod
    def retry(cls, seconds: float) -> SendResult:
        return cls(Outcome.RETRY_AFTER, max(0.0, float(seconds)))

    @property
    def status(self) -> str:
        """The word the outbox and the broadcast ledger record."""
        return self.outcome.value


SendResult.SENT = SendResult(Outcome.SENT)
SendResult.BLOCKED = SendResult(Outcome.BLOCKED)
SendResult.FAILED = SendResult(Outcome.FAILED)
SendResult.HELD = SendResult(Outcome.HELD)


@runtime_checkable
class Channel(Protocol):
    """One platform. `send` never raises for a platform's refusal: it answers with an outcome.

    A channel with `can_edit` also has `async edit(recipient, reply, ref) -> str | None`: show
    `reply` in place of message `ref` (a new message when `ref` is None) and answer the
    message's ref, or None when it could not. A channel that `sangkien run` serves (it listens
    by itself) also has `async start()` and `async stop()`, called by `Runtime.serve`.

    Optional: `typed_options = True` when its buttons send the option's text back as the
    person's message (Zalo OA): the runtime then records what a notification offers, as for a
    channel without buttons. `async reachable(recipient) -> bool`, False when the platform will
    not take a message for the person now: the outbox holds it without offering its options."""

    name: str
    max_text: int
    has_buttons: bool
    can_edit: bool
    can_send_documents: bool
    # Messages per second the platform allows this bot overall, and to one chat.
    rate: float
    per_chat_seconds: float

    async def send(self, recipient: str, reply: Reply) -> SendResult: ...
