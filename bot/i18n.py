"""Gettext catalogs (Babel): compiled from `locales/*/LC_MESSAGES/messages.po` when needed.

Every user-visible sentence goes through a `Translator`; dates go through Babel in the local zone.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LANGUAGES = ("vi", "en")
DOMAIN = "messages"


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
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog)
        tmp.replace(mo_path)
        built.append(mo_path)
    return built


@lru_cache(maxsize=8)
def _translations(locales_dir: str, lang: str) -> Translations:
    compile_catalogs(Path(locales_dir))
    return Translations.load(locales_dir, [lang], DOMAIN)


class Translator:
    """The sentences and date formats of one language."""

    def __init__(self, locales_dir: Path, lang: str, timezone: str = "Asia/Ho_Chi_Minh"):
        self.lang = lang if lang in LANGUAGES else LANGUAGES[0]
        self._t = _translations(str(locales_dir), self.lang)
        self.tz = ZoneInfo(timezone)

    def _(self, message: str) -> str:
        return self._t.gettext(message)

    def tr(self, marked: str) -> str:
        """Translate a sentence marked with N_ where it was defined (not extracted again here)."""
        return self._t.gettext(marked)

    def datetime(self, value: datetime) -> str:
        local = value.astimezone(self.tz)
        return f"{format_time(local, 'short', locale=self.lang)}, {self.date(local)}"

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.lang)

    def date(self, value: date | datetime) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return format_date(value, "long", locale=self.lang)
