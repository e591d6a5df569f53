"""Every sentence the bot can say is in the catalogs, in Vietnamese and in English."""

from __future__ import annotations

import ast
import re
import unicodedata

import pytest

from bot import PROJECT_ROOT
from bot.catalogs import SOURCES, extract, read

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


def _gettext_calls():
    """Every `_(…)`, `x._(…)` and `N_(…)` call in the sources, found by walking their syntax
    trees (inside f-strings too, where the extractor does not look)."""
    for folder in SOURCES:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    func = node.func
                    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                    if name in ("_", "N_"):
                        yield f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}", node


def test_every_sentence_given_to_gettext_is_one_the_extractor_sees():
    built, unseen = [], []
    for where, call in _gettext_calls():
        arg = call.args[0] if len(call.args) == 1 and not call.keywords else None
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            if arg.value not in CODE_MESSAGES:
                unseen.append(f"{where}: {arg.value!r}")
        elif (getattr(call.func, "id", None) == "N_"
              or not isinstance(arg, ast.Name | ast.Attribute)):
            built.append(f"{where}: {ast.unparse(call)}")  # a sentence put together in code
    assert unseen == [], "not extracted (inside an f-string?): give it a line of its own"
    # A name may carry a sentence marked with N_ where it is defined; nothing else may.
    assert built == [], "translate a literal sentence (with placeholders), not a built string"
