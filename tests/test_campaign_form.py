"""The communications office creates a campaign in chat (`/chiendichmoi`): what it is told when
the campaign is created (its link, when the bot's username is known), and when the title is
taken (the form is kept, its summary shown again)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from storage import users as user_repo
from tests.officers import register_officer

TITLE = "Ý tưởng cho mùa lễ hội cuối năm"
SLUG = "y-tuong-cho-mua-le-hoi-2026"


@pytest.fixture
def settings(settings):
    return replace(settings, telegram_bot_username="sangkien_q1_bot")


async def _create(comms) -> None:
    await comms.say("/chiendichmoi")
    await comms.say(TITLE)
    await comms.press("nav:skip")
    await comms.say("Mời anh/chị góp ý tưởng tổ chức lễ hội an toàn, văn minh.")
    await comms.press("nav:skip")
    await comms.press("pick:idea")
    await comms.say("1/12/2026")
    await comms.say("31/12/2026")
    await comms.press("form:confirm")


async def test_a_campaign_created_in_chat_comes_with_its_link(dispatcher):
    comms = await register_officer(dispatcher, "9105", "quan-1", "communications", "Phòng VHTT")
    await _create(comms)
    assert f"Đã tạo chiến dịch {SLUG}." in comms.text
    assert f"https://t.me/sangkien_q1_bot?start=c_{SLUG}" in comms.text


async def test_a_title_taken_this_year_is_refused_and_the_form_kept(dispatcher):
    comms = await register_officer(dispatcher, "9105", "quan-1", "communications", "Phòng VHTT")
    await _create(comms)
    await _create(comms)
    assert "Đã có chiến dịch với tiêu đề này; vui lòng đổi tiêu đề khác." in comms.text
    assert "form:confirm" in comms.values
    async with dispatcher.engine.connect() as conn:
        row = await user_repo.load_user(conn, "console", "9105")
    assert row["state"] == "flow:summary"
    assert row["data"]["draft"]["answers"]["title_vi"] == TITLE
