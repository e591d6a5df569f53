"""Telegram: the sender of an announcement sees its progress in one message, even when the
platform refuses to show a report for a moment (issue 9, item 16)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import insert

from bot.services import broadcasts as broadcast_service
from bot.services.review import Actor
from storage.tables import users
from testing.fakebotapi import FakeBotAPI, UpdateFactory, too_many
from tests.telegram_world import TelegramWorld

SENDER = 4242
FIRST_CHAT = 5_000_000


async def test_a_refused_report_leaves_one_progress_message_without_cancel(settings, clock):
    fast = replace(settings, telegram_overall_rate=1_000_000, broadcast_rate=1_000_000)
    world = TelegramWorld(fast, clock, FakeBotAPI(), UpdateFactory())
    await world.start()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    base = {"channel": "telegram", "lang": "vi", "consent_version": "2026-11",
            "consented_at": now, "role": "resident", "interests": {}, "state": "menu",
            "data": {}, "last_update_id": 0, "updated_at": now, "subscribed": True}
    try:
        async with world.engine.begin() as conn:
            sender_id = (await conn.execute(insert(users).values(
                **base, external_id=str(SENDER)).returning(users.c.id))).scalar_one()
            await conn.execute(insert(users), [
                {**base, "external_id": str(FIRST_CHAT + n)} for n in range(3)])
            await broadcast_service.create(
                conn, Actor(user_id=sender_id, role="communications"), text="Thông báo",
                photo=None, audience={"kind": "all"}, send_at=clock.now, now=clock.now)
        # The sender's chat takes the announcement, then refuses the first report: too many.
        world.api.fail(SENDER, (200, {"ok": True, "result": {
            "message_id": 1, "date": 0, "chat": {"id": SENDER, "type": "private"},
            "text": "Thông báo"}}), too_many(0))
        runtime = world.app.bot_data["runtime"]
        await runtime.broadcaster.run()
        await runtime.deliver_all()
        shown = [p for name, p in world.api.calls
                 if name in ("sendMessage", "editMessageText") and p.get("_ok")
                 and p["chat_id"] == SENDER and "Thông báo số 1" in p["text"]]
        assert len(shown) == 1  # one progress message, nothing left in the outbox for later
        assert "4/4" in shown[0]["text"] and "reply_markup" not in shown[0]
    finally:
        await world.stop()
