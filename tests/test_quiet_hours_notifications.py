"""Quiet hours for what an officer's action tells a resident: an officer working at 22:00 is
answered at once, the resident hears of it at 07:00, once; officers are told at any hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import entries as entry_repo
from tests import officers
from tests.flows import submit_idea

staff = officers.staff  # the fixture


def local(day: int, hour: int) -> datetime:
    """A moment of November 2026 in Ho Chi Minh City (UTC+7)."""
    return datetime(2026, 11, day, hour, tzinfo=UTC) - timedelta(hours=7)


async def test_the_resident_hears_at_seven_that_an_officer_took_their_entry_at_22(
        resident, staff, engine, clock):
    lan = staff["lan"]
    code = await submit_idea(resident)
    async with engine.connect() as conn:
        entry_id = (await entry_repo.entry_by_code(conn, code))["id"]
    before = len(resident.inbox)

    clock.now = local(25, 22)
    await lan.press(f"q:take:{entry_id}")
    assert lan.last  # the officer, who wrote, is answered at once
    await resident.deliver()
    assert len(resident.inbox) == before

    clock.now = local(26, 6)
    await resident.deliver()
    assert len(resident.inbox) == before
    clock.now = local(26, 7)
    await resident.deliver()
    await resident.deliver()
    assert len(resident.inbox) == before + 1 and code in resident.inbox[-1].text


async def test_officers_hear_at_once_of_an_entry_sent_at_23(resident, staff, clock):
    clock.now = local(25, 23)
    code = await submit_idea(resident)
    assert code in staff["lan"].inbox[-1].text
