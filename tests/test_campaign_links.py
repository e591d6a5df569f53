"""A poster's deep link (`/start c_<slug>`) that is longer than any campaign's slug."""

from __future__ import annotations

from bot.services.campaigns import SLUG_MAX


async def test_a_link_longer_than_a_slug_names_no_campaign(resident):
    slug = "phong-trao-2026-2030"  # a campaign of the data file
    await resident.say(f"/start c_{slug}{'-x' * 30}")
    assert "menu:idea" in resident.values
    assert "…" in resident.text and "-x" * 30 not in resident.text


async def test_a_long_link_is_cut_between_letters_not_inside_one(resident):
    letter = "g\u0303"  # g̃: two code points (no precomposed form), one letter
    await resident.say(f"/start c_{letter * 60}")
    assert letter * SLUG_MAX + "…" in resident.text
