"""The tracking code the bot shows as an example is one a person could type: of the current
shape, with its right check letter."""

from __future__ import annotations

import re

from tests.officers import register_officer

SHOWN = re.compile(r"SK-\d\d-\d{5}-[0-9A-Z]{4}-[A-Z]")


async def test_typing_the_example_code_shown_at_the_lookup_finds_no_typing_mistake(resident):
    await resident.press("menu:lookup")
    example = SHOWN.search(resident.text).group()
    await resident.say(example)
    assert f"Không tìm thấy hồ sơ có mã {example}" in resident.text, resident.text
    await resident.say("hello")  # not a code: the same example is shown
    assert example in resident.text and "có dạng" in resident.text


async def test_an_officer_told_how_to_use_hoso_is_shown_a_code_of_the_current_shape(dispatcher):
    officer = await register_officer(dispatcher, "9701", "ben-nghe", "ward_officer", "Cán bộ Lan")
    await officer.say("/hoso 123")
    example = SHOWN.search(officer.text).group()
    await officer.say(f"/hoso {example}")
    assert f"Không tìm thấy hồ sơ có mã {example}" in officer.text, officer.text
