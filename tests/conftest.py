"""Fixtures that build the world: a database (SQLite file, and PostgreSQL when TEST_DATABASE_URL
names one), settings, a dispatcher with a controllable clock, and a resident to talk to it."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.channels.console import ConsoleChannel
from bot.config import DATA_DIR, Settings
from bot.dispatcher import Dispatcher
from bot.i18n import compile_catalogs
from bot.model import Attachment, Event, Reply
from bot.runtime import Runtime
from storage.db import create_engine, migrate, normalise_url
from testing.fakebotapi import FakeBotAPI, UpdateFactory
from testing.fakezalo import FakeZaloBot
from tests.telegram_world import TelegramWorld

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL")
# Most stories are told on the map of the 10 wards before 1 July 2025 (the default for a new
# install is the 2025 map); the tests of the 2025 map choose it themselves.
TEN_WARDS = DATA_DIR / "units.toml"
TEN_WARDS_ENV = {"SANGKIEN_UNITS_FILE": str(TEN_WARDS)}
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def pytest_sessionstart(session):
    compile_catalogs(ROOT / "locales")


class Clock:
    """The time the bot believes it is; tests move it."""

    def __init__(self, when: datetime):
        self.now = when

    def __call__(self) -> datetime:
        return self.now


async def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sangkien.db'}"
    await reset_postgres(PG_URL)
    return normalise_url(PG_URL)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'sangkien.db'}"


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    # Scripted residents answer far faster than people; the flood test sets its own limits.
    # The suite's databases are temporary files: FULL's fsync at every commit would only slow it
    # (what each level survives, and FULL as the default, are tested in test_cli).
    return Settings(database_url=db_url, flood_burst=10_000, files_dir=str(tmp_path / "files"),
                    units_file=TEN_WARDS, sqlite_synchronous="NORMAL")


@pytest.fixture
def clock() -> Clock:
    # 25 November 2026, 10:00 in Ho Chi Minh City.
    return Clock(datetime(2026, 11, 25, 3, 0, tzinfo=UTC))


@pytest.fixture
async def engine(settings):
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def dispatcher(settings, engine, clock):
    dispatcher = Dispatcher(settings, engine, clock=clock)
    yield dispatcher
    await dispatcher.close()


MAILBOXES: dict[int, dict[str, list[Reply]]] = {}


def mailbox(dispatcher: Dispatcher) -> dict[str, list[Reply]]:
    """Messages the bot sent to people other than the sender (through the outbox)."""
    return MAILBOXES.setdefault(id(dispatcher), {})


def mailbox_channel(dispatcher: Dispatcher) -> ConsoleChannel:
    """The console channel, writing into the dispatcher's mailbox."""
    box = mailbox(dispatcher)
    return ConsoleChannel(lambda to, reply: box.setdefault(to, []).append(reply))


def mailbox_runtime(dispatcher: Dispatcher, name: str = "console") -> Runtime:
    """A runtime whose channel `name` writes into the dispatcher's mailbox."""
    channel = mailbox_channel(dispatcher)
    if name != channel.name:
        channel.name = name  # a resident of another channel, delivered the same way
    return Runtime(dispatcher, [channel])


class Resident:
    """One person talking to the dispatcher through the console channel's event model.

    `last` holds the direct replies to this person's last message; `inbox` holds what the bot
    sent them because of someone else (new entries for officers, status changes for authors)."""

    def __init__(self, dispatcher: Dispatcher, user: str = "1001", name: str | None = None,
                 channel: str = "console"):
        self.dispatcher = dispatcher
        self.user = user
        self.name = name
        self.channel = channel
        self.last: list[Reply] = []

    @property
    def inbox(self) -> list[Reply]:
        return mailbox(self.dispatcher).setdefault(self.user, [])

    async def deliver(self) -> None:
        await mailbox_runtime(self.dispatcher, self.channel).deliver(self.channel)

    async def _send(self, **kwargs) -> list[Reply]:
        event = Event(channel=self.channel, user=self.user, display_name=self.name, **kwargs)
        self.last = await self.dispatcher.handle(event)
        await self.deliver()
        return self.last

    async def say(self, text: str, **kwargs) -> list[Reply]:
        return await self._send(text=text, **kwargs)

    async def say_and_wait(self, text: str) -> list[Reply]:
        """Say `text`, let the tasks it asked for run (bot/tasks.py, on this loop) and take what
        they sent as part of the answer: `last` is the step's replies, then the task's."""
        await self.say(text)
        before = len(self.inbox)
        runtime = mailbox_runtime(self.dispatcher, self.channel)
        runtime.tasks.inline = True
        await runtime.tasks.run_pending()
        await runtime.deliver(self.channel)
        self.last = self.last + self.inbox[before:]
        return self.last

    async def press(self, value: str) -> list[Reply]:
        offered = [o.value for r in self.last + self.inbox[-1:] for o in r.options]
        assert value in offered, f"{value!r} not offered; options were {offered}"
        return await self._send(choice=value)

    async def press_anyway(self, value: str) -> list[Reply]:
        """Press a button from an older message, or a forged one."""
        return await self._send(choice=value)

    async def press_label(self, label: str) -> list[Reply]:
        return await self.press(self.option_value(label))

    async def send_photo(self, size: int = 300_000, ref: str = "photo-1") -> list[Reply]:
        return await self._send(attachment=Attachment("photo", ref, None, "image/jpeg", size))

    async def send_document(self, name: str, mime: str | None, size: int = 100_000):
        return await self._send(attachment=Attachment("document", f"doc-{name}", name, mime, size))

    async def share_contact(self, phone: str) -> list[Reply]:
        return await self._send(contact=phone)

    async def send_other(self, kind: str) -> list[Reply]:
        return await self._send(other=kind)

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    def option_value(self, label: str) -> str:
        for reply in self.last:
            for option in reply.options:
                if option.label == label:
                    return option.value
        raise AssertionError(f"no option labelled {label!r} in {self.labels}")

    @property
    def labels(self) -> list[str]:
        return [o.label for r in self.last for o in r.options]

    @property
    def values(self) -> list[str]:
        return [o.value for r in self.last for o in r.options]

    async def consent(self) -> None:
        await self.say("/start")
        await self.press("consent:yes")


@pytest.fixture
async def resident(dispatcher) -> Resident:
    person = Resident(dispatcher)
    await person.consent()
    return person


def with_settings(settings: Settings, **changes) -> Settings:
    return replace(settings, **changes)


@pytest.fixture
async def world(settings, clock):
    world = TelegramWorld(settings, clock, FakeBotAPI(), UpdateFactory())
    await world.start()
    yield world
    await world.stop()


@pytest.fixture
async def both(settings, clock):
    """The Telegram world, whose runtime also serves the console."""
    world = TelegramWorld(settings, clock, FakeBotAPI(), UpdateFactory())
    await world.start()
    world.dispatcher = world.app.bot_data["channel"].dispatcher
    world.runtime = world.app.bot_data["runtime"]
    world.runtime.add(mailbox_channel(world.dispatcher))
    yield world
    await world.stop()


@pytest.fixture
def fake_zalo():
    """The fake Zalo Bot API, served on loopback (testing/fakezalo.py)."""
    api = FakeZaloBot().start()
    yield api
    api.stop()
