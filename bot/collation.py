"""Vietnamese alphabetical order, as a dictionary or an office's list sorts names.

Python sorts strings by code point, which puts "Đ" after "Z" and "Ă" after every plain letter.
Vietnamese order (CLDR's `vi` tailoring of the Unicode Collation Algorithm) is:
- letters first, in the alphabet a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y
  (f j w z, which Vietnamese words do not use, where the Latin alphabet has them);
- then tone marks, word for word: none, huyền (`), hỏi (?), ngã (~), sắc (´), nặng (.);
- then case, lower before upper.

PyICU gives this with `Collator.createInstance(Locale("vi"))`, but it has no wheels on PyPI and
needs the system's ICU headers to build; pyuca carries only the untailored table (no "ă after
a"). Both were checked; the tailoring is small enough to write down here, and the tests compare
it with a list sorted by hand.
"""

from __future__ import annotations

import unicodedata

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Combining marks that make a letter of the alphabet (ă â ê ô ơ ư), and the five tones.
_LETTER_MARKS = frozenset({"\u0306", "\u0302", "\u031b"})
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_RANK = {letter: n for n, letter in enumerate(_ALPHABET)}


def _primary(base: str) -> int:
    """The primary weight of one letter (with its letter-forming mark composed) or other char."""
    rank = _RANK.get(base)
    if rank is not None:
        return 1000 + rank
    if base.isdigit():
        return 100 + int(unicodedata.digit(base, 0))  # spaces first, then digits, then letters
    if base.isspace():
        return 0
    return 2000 + ord(base)  # anything else: after the letters, by code point


def sort_key(text: str | None) -> tuple:
    """The key that sorts `text` in Vietnamese order (None and "" first)."""
    primary: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    for char in unicodedata.normalize("NFD", text or ""):
        if char in _TONES:
            if tones:
                tones[-1] = _TONES[char]
            continue
        base = _ALPHABET_OF.get(primary[-1]) if char in _LETTER_MARKS and primary else None
        if base is not None:
            # Compose the letter-forming mark with the letter before it (a + ̆ → ă).
            primary[-1] = _primary(unicodedata.normalize("NFC", base + char))
            continue
        if unicodedata.category(char) == "Mn":
            continue  # another mark (none in Vietnamese): ignored
        lower = char.lower()
        primary.append(_primary(lower))
        tones.append(0)
        cases.append(0 if char == lower else 1)
    return tuple(primary), tuple(tones), tuple(cases)


_ALPHABET_OF = {_primary(letter): letter for letter in _ALPHABET}


def sorted_vi(items, key=lambda item: item):
    """`items` sorted in Vietnamese order of `key(item)`."""
    return sorted(items, key=lambda item: sort_key(key(item)))
