"""Catalog upkeep: extract the sentences from the code and merge them into `locales/`.

`python -m bot.catalogs` rewrites `messages.pot` and merges it into every language: new sentences
arrive empty (and the catalog test fails until they are translated); English, the language of the
source, takes each sentence as it is.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot import PROJECT_ROOT
from bot.i18n import LANGUAGES

KEYWORDS = {"_": None, "N_": None}
SOURCES = ("bot", "handlers")


def extract() -> Catalog:
    catalog = Catalog(project="sangkien", copyright_holder="Sáng kiến", charset="utf-8")
    for folder in SOURCES:
        for _file, _line, message, comments, context in extract_from_dir(
            PROJECT_ROOT / folder, keywords=KEYWORDS, comment_tags=("NOTE:",)
        ):
            catalog.add(message, None, auto_comments=comments, context=context)
    return catalog


def read(lang: str, locales: Path = PROJECT_ROOT / "locales") -> Catalog:
    with (locales / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def update(locales: Path = PROJECT_ROOT / "locales") -> None:
    template = extract()
    with (locales / "messages.pot").open("wb") as fh:
        write_po(fh, template, omit_header=False, sort_output=True, no_location=True, width=100)
    for lang in LANGUAGES:
        catalog = read(lang, locales)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.project = "sangkien"
        for message in catalog:
            if message.id and lang == "en":
                message.string = message.id
        with (locales / lang / "LC_MESSAGES" / "messages.po").open("wb") as fh:
            write_po(fh, catalog, sort_output=True, no_location=True, width=100)


if __name__ == "__main__":
    update()
    sys.exit(0)
