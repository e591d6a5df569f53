"""The channel-agnostic message model: what comes in (Event) and what goes out (Reply).

Options are values plus labels. Telegram shows them as inline buttons; a channel without buttons
(Zalo, the console) shows a numbered list, and typing the number or the label always works.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Attachment:
    kind: str  # "photo" or "document"
    ref: str  # channel file id (Telegram) or path (console), as it arrived
    name: str | None = None
    mime: str | None = None  # once stored: the type read from the bytes (bot.files.sniff)
    size: int | None = None
    key: str | None = None  # the bot's file store key; None for files kept before it existed
    sha256: str | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "ref": self.ref, "name": self.name, "mime": self.mime,
                "size": self.size, "key": self.key, "sha256": self.sha256}


@dataclass(frozen=True)
class Event:
    """One incoming message from a person, whatever the channel."""

    channel: str
    user: str  # the channel's identity of the sender
    update_id: int | None = None
    # A message's own id on channels whose updates carry no increasing id and may come again.
    message_id: str | None = None
    text: str | None = None
    choice: str | None = None  # an option value (a pressed button)
    attachment: Attachment | None = None
    contact: str | None = None  # a shared phone number
    other: str | None = None  # a kind of message the bot does not take: sticker, voice, location…
    display_name: str | None = None

    @property
    def command(self) -> str | None:
        """`/start payload` → "start"; also strips a Telegram `@botname` suffix."""
        if self.text and self.text.startswith("/"):
            head = self.text[1:].split(maxsplit=1)[0] if len(self.text) > 1 else ""
            return head.split("@", 1)[0].lower()
        return None

    @property
    def command_args(self) -> str:
        if self.text and self.text.startswith("/"):
            parts = self.text.split(maxsplit=1)
            return parts[1].strip() if len(parts) > 1 else ""
        return ""


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass
class Reply:
    text: str
    options: list[Option] = field(default_factory=list)
    to: str | None = None  # channel identity; None means the sender of the event
    request_contact: str | None = None  # label of a "share my phone number" button, if offered
    remove_keyboard: bool = False  # take away the keyboard a previous request_contact showed
    attachments: list[Attachment] = field(default_factory=list)
    # Typing an option's number picks it. A text channel shows the numbers only when this holds,
    # so a number is never shown where typing it would be taken as an answer.
    numbered: bool = True
