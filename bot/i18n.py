"""Gettext catalogs (Babel): compiled from `locales/*/LC_MESSAGES/messages.po` when needed.

Every user-visible sentence goes through a `Translator`; dates and numbers go through Babel in
the local zone, as an office of that language writes them ("20:53 ngày 02/12/2026", "3.000").
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LANGUAGES = ("vi", "en")
DOMAIN = "messages"
# Babel patterns: how each language writes a date, a moment, and a date in a formal letter.
DATE_FORMATS = {
    "vi": {"date": "dd/MM/yyyy", "datetime": "HH:mm 'ngày' dd/MM/yyyy",
           "formal": "'ngày' d 'tháng' M 'năm' y"},
    "en": {"date": "d MMMM y", "datetime": "h:mm a, d MMMM y", "formal": "d MMMM y"},
}
# Placeholders that hold a number which is a name, not a quantity: never grouped.
IDENTIFIERS = frozenset({"id", "code", "year", "years", "version"})


def N_(message: str) -> str:
    """Mark a sentence for extraction where it is defined; it is translated where it is shown."""
    return message


def compile_catalogs(locales_dir: Path) -> list[Path]:
    """Build `.mo` files from `.po` files that are newer (the `.mo` files are never committed)."""
    built = []
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parent.parent.name)
        # A temporary file of this process's own: processes starting at once each write theirs
        # and the last rename wins (the files are the same).
        with tempfile.NamedTemporaryFile("wb", dir=mo_path.parent, suffix=".mo.tmp",
                                         delete=False) as fh:
            write_mo(fh, catalog)
        Path(fh.name).replace(mo_path)
        built.append(mo_path)
    return built


@lru_cache(maxsize=8)
def _translations(locales_dir: str, lang: str) -> Translations:
    compile_catalogs(Path(locales_dir))
    return Translations.load(locales_dir, [lang], DOMAIN)


class Sentence(str):
    """A translated sentence: `format` writes the numbers it is given as its language does
    ("3.000" in Vietnamese), so that no caller can print a raw int."""

    def __new__(cls, text: str, lang: str):
        sentence = super().__new__(cls, text)
        sentence.lang = lang
        return sentence

    def __reduce__(self):
        return str, (str(self),)  # copied or pickled, it is a plain sentence

    def format(self, *args, **kwargs) -> str:
        for key, value in kwargs.items():
            if isinstance(value, int | float) and not isinstance(value, bool) \
                    and key not in IDENTIFIERS:
                kwargs[key] = format_decimal(value, locale=self.lang)
        return str.format(self, *args, **kwargs)


class Translator:
    """The sentences and date formats of one language."""

    def __init__(self, locales_dir: Path, lang: str, timezone: str = "Asia/Ho_Chi_Minh"):
        self.lang = lang if lang in LANGUAGES else LANGUAGES[0]
        self._t = _translations(str(locales_dir), self.lang)
        self.tz = ZoneInfo(timezone)

    def _(self, message: str) -> Sentence:
        return Sentence(self._t.gettext(message), self.lang)

    def tr(self, marked: str) -> Sentence:
        """Translate a sentence marked with N_ where it was defined (not extracted again here)."""
        return Sentence(self._t.gettext(marked), self.lang)

    def datetime(self, value: datetime) -> str:
        """A moment, local: "20:53 ngày 02/12/2026"."""
        local = value.astimezone(self.tz)
        return format_datetime(local, DATE_FORMATS[self.lang]["datetime"], locale=self.lang)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.lang)

    def _local_date(self, value: date | datetime) -> date:
        return value.astimezone(self.tz).date() if isinstance(value, datetime) else value

    def date(self, value: date | datetime) -> str:
        """A day, local: "02/12/2026" (sentences say "ngày {date}" themselves)."""
        return format_date(self._local_date(value), DATE_FORMATS[self.lang]["date"],
                           locale=self.lang)

    def formal_date(self, value: date | datetime) -> str:
        """A day as a formal letter writes it: "ngày 1 tháng 1 năm 2026"."""
        return format_date(self._local_date(value), DATE_FORMATS[self.lang]["formal"],
                           locale=self.lang)
