"""The tracking codes a scripted resident reads back from the bot's messages."""

from __future__ import annotations

import re

CODE = re.compile(r"\b(SK|GT)-\d{2}-\d{5,}-(?:[0-9A-HJKMNP-TV-Z]{4}-)?[A-Z]\b")


def code_in(text: str) -> str:
    match = CODE.search(text)
    assert match, f"no tracking code in {text!r}"
    return match.group(0)
