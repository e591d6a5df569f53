"""Text helpers: NFC normalisation, accent-free matching keys, splitting long messages."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
# Control characters other than newline and tab are dropped from what residents type.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean(text: str) -> str:
    """NFC-normalise, drop control and direction-override characters, trim each end."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """A matching key: lower case, no accents (đ → d), punctuation as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return _SPACES.sub(" ", _PUNCT.sub(" ", bare)).strip()


def split_message(text: str, limit: int) -> list[str]:
    """Split at paragraph boundaries, then lines, then spaces, so that each part fits `limit`."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > limit // 4:
                break
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest:
        parts.append(rest)
    return parts
