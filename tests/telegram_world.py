"""A bot process on Telegram for tests: the real python-telegram-bot Application on the fake
Bot API (testing/fakebotapi.py), with the steps tests take through it. The `world` and `both`
fixtures (tests/conftest.py) build it."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from telegram import Update

from bot.channels.telegram import build_application
from bot.dispatcher import Dispatcher
from bot.runtime import Runtime
from bot.services import officers as officer_service
from bot.web import build_app, webhook_secrets
from storage.db import create_engine, migrate
from testing.fakebotapi import FakeBotAPI, UpdateFactory
from testing.serving import serving

LAN = 424242


class TelegramWorld:
    """A bot process: engine, dispatcher and Application, on a given database."""

    def __init__(self, settings, clock, api: FakeBotAPI, updates: UpdateFactory):
        self.settings, self.clock, self.api, self.updates = settings, clock, api, updates

    async def start(self) -> None:
        self.engine = create_engine(self.settings.database_url)
        await migrate(self.engine)
        dispatcher = Dispatcher(self.settings, self.engine, clock=self.clock)
        self.app = build_application(self.settings, dispatcher, token="123:TEST", request=self.api)
        await self.app.initialize()

    async def stop(self) -> None:
        await self.app.shutdown()
        await self.engine.dispose()

    async def feed(self, data: dict) -> None:
        await self.app.process_update(Update.de_json(data, self.app.bot))

    async def text(self, text: str, user: int = LAN) -> None:
        await self.feed(self.updates.text(user, text))

    async def press(self, data: str, user: int = LAN) -> None:
        assert data in self.buttons(user), f"{data!r} not among {self.buttons(user)}"
        await self.feed(self.updates.press(user, data))

    async def finish_tasks(self) -> int:
        """Run the tasks the steps asked for (bot/tasks.py) on this loop and send their results;
        returns how many ran."""
        runtime = self.app.bot_data["runtime"]
        runtime.tasks.inline = True
        done = await runtime.tasks.run_pending()
        await runtime.deliver_all()
        return done

    def last(self, user: int = LAN) -> dict:
        return self.api.sent(user)[-1]

    def keyboard(self, user: int = LAN) -> list[str]:
        """Labels on the reply keyboard (the phone question, with its contact-sharing button)."""
        markup = self.last(user).get("reply_markup") or {}
        return [b["text"] for row in markup.get("keyboard", []) for b in row]

    def buttons(self, user: int = LAN) -> list[str]:
        markup = self.last(user).get("reply_markup") or {}
        return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]




async def consent(world: TelegramWorld, user: int = LAN) -> None:
    await world.text("/start", user)
    await world.press("consent:yes", user)


async def register(world: TelegramWorld, user: int, unit: str, role: str, name: str) -> None:
    async with world.engine.begin() as conn:
        dispatcher = world.app.bot_data["channel"].dispatcher
        code, _ = await officer_service.invite(conn, dispatcher.ref, unit=unit, role=role,
                                               name=name, now=world.clock.now)
    await world.text(f"/dangky {code}", user)
    assert name in world.last(user)["text"]


TELEGRAM_CHAT = 777001
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def subscriber_row(channel: str, external_id: str) -> dict:
    return {"channel": channel, "external_id": external_id, "lang": "vi",
            "consent_version": "2026-11", "consented_at": NOW, "subscribed": True,
            "role": "resident", "interests": {}, "state": "menu", "data": {},
            "last_update_id": 0, "updated_at": NOW}


@contextlib.asynccontextmanager
async def by_webhook(dispatcher: Dispatcher, settings):
    """The real Application on the fake Bot API, served by `sangkien serve`'s ASGI application
    over HTTP: yields (base URL, the fake API, the webhook's secret header)."""
    runtime = Runtime(dispatcher)
    api = FakeBotAPI()
    application = build_application(settings, dispatcher, runtime=runtime, token="123:TEST",
                                    request=api)
    secrets = await webhook_secrets(runtime)
    await application.initialize()
    await application.start()
    try:
        async with serving(build_app(runtime, telegram=application, secrets=secrets)) as url:
            yield url, api, {"X-Telegram-Bot-Api-Secret-Token": secrets.telegram}
    finally:
        await application.stop()
        await application.shutdown()
