"""Text helpers: NFC normalisation, accent-free matching keys, visible length, splitting long
messages."""

from __future__ import annotations

import re
import unicodedata

import regex  # grapheme clusters (\X): what a reader sees as one character

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
# Control characters other than newline and tab are dropped from what residents type. The zero-width
# joiner and non-joiner (U+200D, U+200C) stay: they hold emoji sequences and some scripts together.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_GRAPHEME = regex.compile(r"\X")


def clean(text: str) -> str:
    """NFC-normalise, drop control and direction-override characters, trim each end."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


def graphemes(text: str) -> list[str]:
    """The characters a reader sees: an emoji family or a letter with its accents is one."""
    return _GRAPHEME.findall(text)


def _invisible(cluster: str) -> bool:
    return all(unicodedata.category(c) == "Cf" for c in cluster)


def visible_length(text: str) -> int:
    """How many characters a reader sees: grapheme clusters, not counting invisible format
    characters (word joiners, zero-width spaces) nor the spaces at either end."""
    kept = "".join(g for g in graphemes(text) if not _invisible(g))
    return len(graphemes(kept.strip()))


def shorten(text: str, limit: int) -> str:
    """At most `limit` visible characters, never cutting one apart."""
    clusters = graphemes(text)
    return text if len(clusters) <= limit else "".join(clusters[:limit]) + "…"


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
