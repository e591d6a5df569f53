"""Tracking codes such as `SK-26-00042-Y`: short, readable over the phone, with a check letter.

The check letter is a weighted sum of the digits modulo 23 (a prime), with distinct weights, so any
single mistyped digit and any swap of two neighbouring digits gives another letter and is caught.
I, O and Z, easily taken for 1, 0 and 2, are not used.
"""

from __future__ import annotations

import re

CHECK_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"  # 23 letters: no I, O or Z
PREFIXES = {"idea": "SK", "award": "GT"}
_KIND_DIGIT = {"SK": 1, "GT": 2}
_LOOSE = re.compile(r"^(SK|GT)(\d{2})(\d{5,9})([A-Z])$")


def _check_letter(prefix: str, year: int, seq: int) -> str:
    digits = f"{_KIND_DIGIT[prefix]}{year:02d}{seq:05d}"
    total = sum((i + 1) * int(d) for i, d in enumerate(reversed(digits)))
    return CHECK_LETTERS[total % 23]


def make_code(kind: str, year: int, seq: int) -> str:
    prefix = PREFIXES[kind]
    yy = year % 100
    return f"{prefix}-{yy:02d}-{seq:05d}-{_check_letter(prefix, yy, seq)}"


class CodeError(ValueError):
    """`reason` is "format" (not a code at all) or "check" (a code with a typo in it)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse_code(text: str) -> str:
    """Return the canonical code for what a person typed, or raise CodeError."""
    compact = re.sub(r"[\s\-_.·/]", "", text.upper())
    # Read over the phone, O and I are often typed for 0 and 1 in the digit part.
    if len(compact) > 3:
        compact = compact[:2] + compact[2:-1].replace("O", "0").replace("I", "1") + compact[-1]
    match = _LOOSE.match(compact)
    if not match:
        raise CodeError("format")
    prefix, yy, seq, check = match.groups()
    if len(seq) > 5 and seq.startswith("0"):
        raise CodeError("format")
    if _check_letter(prefix, int(yy), int(seq)) != check:
        raise CodeError("check")
    return f"{prefix}-{yy}-{seq}-{check}"
