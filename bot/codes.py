"""Tracking codes such as `SK-26-00042-7KQ4-L`: readable over the phone, not guessable.

Kind, year and number say what the code is; four random characters make trying codes futile (one
chance in a million per number, under the flood limit); a check letter catches typing mistakes.
The random part is in Crockford's base32 (digits and letters without I, L, O and U), so that
what is read aloud is written one way only; typed I and L are read as 1, O as 0.

The check letter is a weighted sum of the characters' values modulo 23 (a prime), with distinct
weights, over everything before it. Any single mistyped digit and any swap of two neighbouring
characters gives another letter and is caught (in the random part too, except the pairs whose
values differ by exactly 23, such as 0 and Q, which nobody mistakes for each other).
I, O and Z, easily taken for 1, 0 and 2, are not used as check letters.

Codes made before the random part (`SK-26-00042-Y`) are still understood, and found.
"""

from __future__ import annotations

import re
import secrets

CHECK_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"  # 23 letters: no I, O or Z
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O or U
RANDOM_LENGTH = 4
PREFIXES = {"idea": "SK", "award": "GT"}
_KIND_DIGIT = {"SK": 1, "GT": 2}
_VALUE = {c: i for i, c in enumerate(CROCKFORD)}
_CURRENT = re.compile(rf"^(SK|GT)(\d{{2}})(\d{{5,9}})([{CROCKFORD}]{{{RANDOM_LENGTH}}})([A-Z])$")
_OLD = re.compile(r"^(SK|GT)(\d{2})(\d{5,9})()([A-Z])$")
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _check_letter(prefix: str, year: int, seq: int, tail: str = "") -> str:
    chars = f"{_KIND_DIGIT[prefix]}{year:02d}{seq:05d}{tail}"
    total = sum((i + 1) * _VALUE[c] for i, c in enumerate(reversed(chars)))
    return CHECK_LETTERS[total % 23]


def random_part() -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(RANDOM_LENGTH))


def make_code(kind: str, year: int, seq: int, tail: str | None = None) -> str:
    """A new code; `tail` (the random part) is drawn here unless given."""
    prefix = PREFIXES[kind]
    yy = year % 100
    tail = random_part() if tail is None else tail
    return f"{prefix}-{yy:02d}-{seq:05d}-{tail}-{_check_letter(prefix, yy, seq, tail)}"


class CodeError(ValueError):
    """`reason` is "format" (not a code at all) or "check" (a code with a typo in it)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse_code(text: str) -> str:
    """Return the canonical code for what a person typed (any case, spaces or dashes, old codes
    too), or raise CodeError."""
    compact = re.sub(r"[\s\-_.·/]", "", text.upper())
    if len(compact) > 3:
        compact = compact[:2] + compact[2:-1].translate(_MISREAD) + compact[-1]
    reason = "format"
    for pattern in (_CURRENT, _OLD):
        match = pattern.match(compact)
        if not match:
            continue
        prefix, yy, seq, tail, check = match.groups()
        if len(seq) > 5 and seq.startswith("0"):
            continue
        if _check_letter(prefix, int(yy), int(seq), tail) != check:
            reason = "check"
            continue
        return "-".join(part for part in (prefix, yy, seq, tail, check) if part)
    raise CodeError(reason)


# The code the bot's sentences show as an example: of the current shape, with its right check
# letter, so that typing it finds no typing mistake (SK-26-00042-7KQ4-L).
EXAMPLE_CODE = make_code("idea", 2026, 42, "7KQ4")
