"""Every sentence the bot can say is in the catalogs, in Vietnamese and in English."""

from __future__ import annotations

import re
import unicodedata

import pytest

from bot.catalogs import extract, read

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
CODE_MESSAGES = {m.id for m in extract() if m.id}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_sentence_in_the_code_is_translated(lang):
    catalog = read(lang)
    missing = sorted(m for m in CODE_MESSAGES if not (catalog.get(m) and catalog.get(m).string))
    assert missing == [], f"untranslated in {lang}: run `python -m bot.catalogs`, then translate"
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert fuzzy == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_catalogs_hold_no_sentence_the_code_no_longer_says(lang):
    stale = sorted(m.id for m in read(lang) if m.id and m.id not in CODE_MESSAGES)
    assert stale == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_translations_keep_their_placeholders(lang):
    for message in read(lang):
        if message.id:
            assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
                PLACEHOLDER.findall(message.id)
            ), message.id


def test_vietnamese_is_nfc_and_really_vietnamese():
    catalog = read("vi")
    translated = [m for m in catalog if m.id]
    for message in translated:
        assert unicodedata.normalize("NFC", message.string) == message.string, message.id
    # Proper names and codes may stay as they are; sentences may not.
    copied = [m.id for m in translated if m.string == m.id and " " in m.id]
    assert copied == []
    assert any("anh/chị" in m.string for m in translated)
