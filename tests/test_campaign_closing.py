"""A campaign that closes while a resident is filling in its form: sending is refused with the
day it closed, and the form is kept at its summary."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from bot.dispatcher import Dispatcher
from bot.services import campaigns as campaign_service
from handlers.campaigns import button
from storage import campaigns as campaign_repo
from storage import entries as entry_repo
from storage import users as user_repo
from storage.tables import entries
from tests.conftest import Resident
from tests.flows import fill_idea


async def _green_campaign(dispatcher) -> None:
    raw = {
        "slug": "nang-luong-xanh", "title_vi": "Sáng kiến năng lượng xanh", "title_en": None,
        "description_vi": "Ý tưởng tiết kiệm năng lượng.", "description_en": None,
        "kinds": ["idea"], "opens": date(2026, 11, 1), "closes": date(2026, 12, 31),
    }
    async with dispatcher.engine.begin() as conn:
        await campaign_service.seed(conn, dispatcher.ref, dispatcher.settings.campaigns_file,
                                    dispatcher.clock())
        await campaign_service.add(conn, dispatcher.ref, raw, dispatcher.clock())
    dispatcher.campaigns.invalidate()


async def test_an_idea_confirmed_after_its_campaign_closed_is_refused_and_kept(
        dispatcher, resident):
    await _green_campaign(dispatcher)
    await resident.say("/start c_nang-luong-xanh")
    await resident.press(button("idea", "nang-luong-xanh"))
    await resident.say("ben nghe")
    await resident.press("pick:economy")
    await resident.say("Tiêu đề")
    await resident.say("Mô tả đủ dài của ý tưởng.")
    for _ in range(4):
        await resident.press("nav:skip")
    assert "form:confirm" in resident.values
    dispatcher.clock.now = datetime(2027, 1, 2, 3, 0, tzinfo=UTC)
    await resident.press("form:confirm")
    assert "Chiến dịch này đã kết thúc vào ngày 31/12/2026" in resident.text
    assert "form:confirm" in resident.values
    async with dispatcher.engine.connect() as conn:
        row = await user_repo.load_user(conn, "console", "1001")
        stored = await conn.scalar(select(func.count()).select_from(entries))
    assert row["state"] == "flow:summary" and row["data"]["draft"]["answers"]["title"] == "Tiêu đề"
    assert stored == 0


async def test_a_campaign_closed_by_another_process_refuses_entries_a_second_later(
        settings, engine, clock):
    """Two processes, two caches: the campaign closed through one (here the operator's
    command) takes no entry in the other a second later (it was up to 30 s)."""
    other = Dispatcher(settings, engine, clock=clock)
    try:
        resident = Resident(other, user="1201")
        await resident.consent()
        await fill_idea(resident)  # the second process has read the campaigns by now
        async with engine.begin() as conn:
            assert await campaign_repo.close(conn, "phong-trao-2026-2030", clock.now)
        await asyncio.sleep(other.campaigns.check + 0.1)
        await resident.press("form:confirm")
        async with engine.connect() as conn:
            assert await entry_repo.count_entries(conn) == 0
        assert "form:confirm" in resident.values  # the draft is kept, with a sentence
    finally:
        await other.close()
