"""An officer's welcome and their /trogiup say the same about their role: what it does here and
its own commands."""

from __future__ import annotations

import pytest

from tests.officers import register_officer


@pytest.mark.parametrize("user, unit, role", [
    ("9401", "ben-nghe", "ward_officer"),
    ("9402", "quan-1", "district_officer"),
    ("9403", "quan-1", "communications"),
    ("9404", "quan-1", "admin"),
])
async def test_the_welcome_and_the_help_tell_a_role_the_same(dispatcher, user, unit, role):
    officer = await register_officer(dispatcher, user, unit, role, "Cán bộ")
    role_part = officer.text.split("\n\n", 1)[1]  # after the welcome's first paragraph
    assert role_part.strip()
    await officer.say("/trogiup")
    assert officer.text.endswith(role_part)
