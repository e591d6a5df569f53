"""Helpers for officers: invite through the service, register through the chat; `staff`, a
fixture of registered officers (two of Bến Nghé, one of Bến Thành, the district, communications)."""

from __future__ import annotations

import pytest

from bot.dispatcher import Dispatcher
from bot.services import officers as officer_service
from tests.conftest import Resident


async def register_officer(dispatcher: Dispatcher, user: str, unit: str, role: str,
                           name: str) -> Resident:
    async with dispatcher.engine.begin() as conn:
        code, _ = await officer_service.invite(
            conn, dispatcher.ref, unit=unit, role=role, name=name, now=dispatcher.clock()
        )
    officer = Resident(dispatcher, user=user, name=name)
    await officer.say(f"/dangky {code}")
    assert name in officer.text, officer.text
    return officer


async def communications_officer(dispatcher: Dispatcher) -> Resident:
    return await register_officer(dispatcher, "9105", "quan-1", "communications", "Phòng VHTT")


async def campaign_until_opens(comms: Resident) -> None:
    """/chiendichmoi, up to its first date question (when the campaign opens)."""
    await comms.say("/chiendichmoi")
    await comms.say("Ý tưởng cho mùa lễ hội cuối năm")
    await comms.press("nav:skip")
    await comms.say("Mời anh/chị góp ý tưởng tổ chức lễ hội an toàn, văn minh.")
    await comms.press("nav:skip")
    await comms.press("pick:idea")


def last_options(person: Resident) -> list[str]:
    return [o.value for o in person.inbox[-1].options] if person.inbox else []


@pytest.fixture
async def staff(dispatcher):
    return {
        "lan": await register_officer(dispatcher, "9001", "ben-nghe", "ward_officer", "Cán bộ Lan"),
        "hung": await register_officer(dispatcher, "9002", "ben-nghe", "ward_officer",
                                       "Cán bộ Hùng"),
        "other": await register_officer(dispatcher, "9003", "ben-thanh", "ward_officer",
                                        "Cán bộ Bến Thành"),
        "district": await register_officer(dispatcher, "9004", "quan-1", "district_officer",
                                           "Phòng Nội vụ"),
        "comms": await register_officer(dispatcher, "9005", "quan-1", "communications",
                                        "Phòng VHTT"),
    }
