"""The Zalo world: the real Zalo Bot adapter, long-polling the fake Zalo Bot API on loopback
(testing.fakezalo), with people who type what they read, since Zalo has no buttons."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

from bot.channels.zalo_bot import ZaloBotChannel
from bot.dispatcher import Dispatcher
from bot.runtime import Runtime
from bot.services import officers as officer_service
from storage import users as user_repo
from testing.fakezalo import TOKEN, FakeZaloBot

_NUMBERED = re.compile(r"^\s+(\d+)\. (.+)$", re.MULTILINE)


class ZaloWorld:
    def __init__(self, fake: FakeZaloBot, dispatcher: Dispatcher, runtime: Runtime | None = None):
        self.fake = fake
        self.dispatcher = dispatcher
        self.runtime = runtime or Runtime(dispatcher)
        self.channel = ZaloBotChannel(dispatcher, self.runtime, token=TOKEN,
                                      base_url=fake.url, poll_seconds=1)
        self.handled: Counter[str] = Counter()  # message id → times the adapter handled it
        self.pushed: Counter[str] = Counter()
        handle = self.channel.on_update

        async def counted(update: dict) -> None:
            try:
                await handle(update)
            finally:
                self.handled[update["message"]["message_id"]] += 1

        self.channel.on_update = counted

    async def start(self) -> ZaloWorld:
        await self.channel.start()
        return self

    async def stop(self) -> None:
        await self.channel.stop()

    async def settle(self, timeout: float = 15.0) -> None:
        """Wait until the adapter has taken and handled every update pushed so far."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.fake.pending or any(self.handled[k] < n for k, n in self.pushed.items()):
            if loop.time() > deadline:
                raise AssertionError(f"the bot handled {self.handled} of {self.pushed}")
            await asyncio.sleep(0.02)

    def push(self, update: dict) -> dict:
        self.pushed[update["message"]["message_id"]] += 1
        return update

    def person(self, user: str) -> ZaloPerson:
        return ZaloPerson(self, user)


def t(dispatcher, text: str) -> str:
    """A sentence as a Vietnamese resident reads it."""
    return dispatcher.translator("vi")._(text)


async def consent(person, dispatcher) -> None:
    """A first message, then "I agree" typed by its number."""
    await person.say("Xin chào")
    assert t(dispatcher, "I agree") in person.text
    await person.choose(t(dispatcher, "I agree"))


class TypingPerson:
    """Someone on a chat without buttons: reads the texts that came back (`last`) and types the
    number shown next to an option (`choose`). Subclasses say how a text is sent (`say`)."""

    last: list[str]

    async def say(self, text: str) -> list[str]:
        raise NotImplementedError

    @property
    def text(self) -> str:
        return "\n".join(self.last)

    def number_of(self, label: str) -> str:
        for number, shown in _NUMBERED.findall(self.text):
            if shown.strip() == label:
                return number
        raise AssertionError(f"no option {label!r} in {self.text!r}")

    async def choose(self, label: str) -> list[str]:
        """Type the number shown next to `label`."""
        return await self.say(self.number_of(label))


class ZaloPerson(TypingPerson):
    """Someone on Zalo: types a text, reads what came back since."""

    def __init__(self, world: ZaloWorld, user: str):
        self.world = world
        self.user = user
        self.last: list[str] = world.fake.texts(user)[-1:]  # what their chat shows last

    async def _push(self, update_of) -> list[str]:
        before = len(self.world.fake.texts(self.user))
        update = self.world.push(update_of())
        await self.world.settle()
        self.last = self.world.fake.texts(self.user)[before:]
        self.update = update
        return self.last

    async def say(self, text: str) -> list[str]:
        return await self._push(lambda: self.world.fake.push_text(self.user, text))

    async def send_photo(self, data: bytes) -> list[str]:
        return await self._push(lambda: self.world.fake.push_photo(self.user, data))

    async def send_sticker(self) -> list[str]:
        return await self._push(lambda: self.world.fake.push_sticker(self.user))

    async def again(self) -> list[str]:
        """Zalo delivers the last update again."""
        return await self._push(lambda: self.world.fake.redeliver(self.update))



async def to_title_answered(person, dispatcher) -> None:
    """From a first "Xin chào" to an idea's title answered, typing as one does on Zalo."""
    await consent(person, dispatcher)
    await person.choose(t(dispatcher, "Send an idea"))
    await person.say("ben nghe")
    await person.choose("Chuyển đổi số, đô thị thông minh")
    await person.say("Đèn đường tiết kiệm điện")


async def redelivered_title_changes_nothing(person, dispatcher, engine, channel: str) -> None:
    """The title's message delivered again by Zalo: no answer, and the draft as it was."""
    await to_title_answered(person, dispatcher)
    assert await person.again() == []
    async with engine.connect() as conn:
        row = await user_repo.load_user(conn, channel, person.user)
    assert row["state"] == "flow:description"
    assert row["data"]["draft"]["answers"]["title"] == "Đèn đường tiết kiệm điện"


async def to_files_question(person, dispatcher) -> None:
    """On to the idea's files question."""
    await to_title_answered(person, dispatcher)
    await person.say("Lắp cảm biến để đèn đường tự giảm độ sáng khi vắng người qua lại.")
    await person.choose(dispatcher.translator("vi")._("Skip"))  # no expected benefit


async def zalo_officer(world: ZaloWorld, user: str, unit: str, role: str,
                       name: str) -> ZaloPerson:
    """An officer registered on Zalo as production registers one: an invite, then /dangky."""
    dispatcher = world.dispatcher
    async with dispatcher.engine.begin() as conn:
        code, _ = await officer_service.invite(conn, dispatcher.ref, unit=unit, role=role,
                                               name=name, now=dispatcher.clock())
    officer = world.person(user)
    await officer.say(f"/dangky {code}")
    assert name in officer.text, officer.text
    return officer
