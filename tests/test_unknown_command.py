"""A command the bot does not know: named back to the sender, shortened between letters."""

from __future__ import annotations


async def test_a_long_unknown_command_is_named_back_whole_letters_only(resident):
    letter = "g\u0303"  # g̃: two code points (no precomposed form), one letter
    await resident.say(f"/{letter * 40}")
    assert f"/{letter * 32}…" in resident.text
    assert "/trogiup" in resident.text  # and the help follows
