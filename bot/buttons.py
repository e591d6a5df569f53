"""Button values: what an option carries back when it is pressed (or its number typed).

Every value is built and read by one `Button` of this module's kind: a short prefix and named
fields, joined by ":". Telegram refuses `callback_data` over 64 bytes, so `pack` checks the
length in UTF-8 and refuses anything longer; long data (a campaign's slug, a title) is never put
in a value: use a short id (a row id, or `short_id` of the text).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

MAX_BYTES = 64  # Telegram's callback_data limit, the strictest of our channels
SEPARATOR = ":"


class ButtonError(ValueError):
    """A value that cannot be packed: a separator inside a field, or longer than 64 bytes."""


@dataclass(frozen=True)
class Button:
    prefix: str
    fields: tuple[str, ...] = ()

    def __init__(self, prefix: str, *fields: str):
        object.__setattr__(self, "prefix", prefix)
        object.__setattr__(self, "fields", fields)

    def pack(self, *values: object) -> str:
        if len(values) != len(self.fields):
            raise ButtonError(f"{self.prefix}: {len(self.fields)} field(s), {len(values)} given")
        parts = [str(v) for v in values]
        if any(SEPARATOR in p for p in parts):
            raise ButtonError(f"{self.prefix}: a field may not contain {SEPARATOR!r}")
        value = SEPARATOR.join([self.prefix, *parts])
        if len(value.encode("utf-8")) > MAX_BYTES:
            raise ButtonError(f"{self.prefix}: {value!r} is over {MAX_BYTES} bytes")
        return value

    def matches(self, value: str | None) -> bool:
        return self.unpack(value) is not None

    def unpack(self, value: str | None) -> dict[str, str] | None:
        """The fields by name, or None when `value` is not this button (or malformed)."""
        if not value:
            return None
        parts = value.split(SEPARATOR)
        if parts[0] != self.prefix or len(parts) != len(self.fields) + 1:
            return None
        return dict(zip(self.fields, parts[1:], strict=True))


def short_id(text: str, length: int = 10) -> str:
    """A stable, short stand-in for a long key (a slug), safe in a button value."""
    return hashlib.blake2s(text.encode("utf-8"), digest_size=8).hexdigest()[:length]


def prefix_of(value: str | None) -> str:
    """Which feature a value belongs to: its prefix ("" for none), to route it to its handler."""
    return (value or "").split(SEPARATOR, 1)[0]
