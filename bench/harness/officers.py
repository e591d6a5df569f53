"""Officers in every unit of the map, registered as production registers them: an invite made
by the service (`bot.services.officers.invite`, what `sangkien officers invite` does), redeemed
by the officer's own `/dangky CODE` through the bot. With them in the database, a resident's
confirmation writes its notices to the outbox and the runtime delivers them, as it does for a
city office (without them that work is skipped, and a step looks cheaper than it is)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application

from bench.harness.script import last_sent
from bot.services import officers as officer_service
from testing.fakebotapi import FakeBotAPI, UpdateFactory

FIRST_OFFICER_ID = 40_000_000  # far from the scripted residents' and the prefilled ones' ids


def _role(kind: str) -> str:
    return "ward_officer" if kind == "ward" else "district_officer"


async def seed_officers(app: Application, api: FakeBotAPI) -> int:
    """One officer per unit of the current map (a ward officer in each ward, a district officer
    in each unit above them); returns how many were registered."""
    dispatcher = app.bot_data["channel"].dispatcher
    units = [u for u in dispatcher.ref.units if not u.legacy]
    factory = UpdateFactory(start=1)
    for n, unit in enumerate(units):
        name = f"Cán bộ {unit.slug}"
        async with dispatcher.engine.begin() as conn:
            code, _ = await officer_service.invite(conn, dispatcher.ref, unit=unit.slug,
                                                   role=_role(unit.kind), name=name,
                                                   now=dispatcher.clock())
        user_id = FIRST_OFFICER_ID + n
        await app.process_update(Update.de_json(factory.text(user_id, f"/dangky {code}"),
                                                app.bot))
        reply = last_sent(api, user_id)["text"]
        if name not in reply:
            raise RuntimeError(f"officer of {unit.slug} not registered: {reply[:160]!r}")
    return len(units)
