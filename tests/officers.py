"""Fixtures' helpers for officers: invite through the service, register through the chat."""

from __future__ import annotations

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


def last_options(person: Resident) -> list[str]:
    return [o.value for o in person.inbox[-1].options] if person.inbox else []
