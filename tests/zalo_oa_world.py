"""The Zalo OA world: the real Official Account adapter, given signed pushes as the web app
would give them (ZaloOAChannel.webhook), sending to the fake OA API on loopback
(testing.fakezalo_oa), with people who type what they read or tap a button."""

from __future__ import annotations

from bot.channels.zalo_oa import ZaloOAChannel
from bot.dispatcher import Dispatcher
from bot.runtime import Runtime
from testing.fakezalo_oa import ACCESS_TOKEN, APP_ID, REFRESH_TOKEN, SECRET_KEY, FakeZaloOA
from tests.zalo_world import TypingPerson


def oa_channel(fake: FakeZaloOA, dispatcher: Dispatcher,
               runtime: Runtime | None = None) -> ZaloOAChannel:
    return ZaloOAChannel(dispatcher, runtime or Runtime(dispatcher), app_id=APP_ID,
                         secret_key=SECRET_KEY, access_token=ACCESS_TOKEN,
                         refresh_token=REFRESH_TOKEN, base_url=fake.url, oauth_url=fake.url)


class OAWorld:
    def __init__(self, fake: FakeZaloOA, dispatcher: Dispatcher,
                 runtime: Runtime | None = None):
        self.fake = fake
        self.dispatcher = dispatcher
        self.runtime = runtime or Runtime(dispatcher)
        self.channel = oa_channel(fake, dispatcher, self.runtime)

    async def push(self, event: dict, headers: dict | None = None,
                   body: bytes | None = None) -> int:
        """Zalo pushes `event` (signed, unless headers and body are given) and the step ends."""
        signed_headers, signed_body = self.fake.signed_push(event)
        status = await self.channel.webhook(headers if headers is not None else signed_headers,
                                            body if body is not None else signed_body)
        await self.channel.drain()
        return status

    async def stop(self) -> None:
        await self.channel.stop()

    def person(self, user: str) -> OAPerson:
        return OAPerson(self, user)


class OAPerson(TypingPerson):
    """Someone writing to the OA: types a text, taps a button, reads what came back since."""

    def __init__(self, world: OAWorld, user: str):
        self.world = world
        self.user = user
        self.last: list[str] = []
        self.buttons: list[dict] = []
        self.event: dict | None = None

    async def _push(self, event: dict) -> list[str]:
        fake = self.world.fake
        before = len(fake.texts(self.user))
        self.event = event
        assert await self.world.push(event) == 200
        self.last = fake.texts(self.user)[before:]
        self.buttons = [b for m in fake.buttons(self.user)[before:] for b in m]
        return self.last

    async def say(self, text: str) -> list[str]:
        return await self._push(self.world.fake.text_event(self.user, text))

    async def send_photo(self, *images: bytes) -> list[str]:
        return await self._push(self.world.fake.image_event(self.user, *images))

    async def again(self) -> list[str]:
        """Zalo pushes the last message again (the bot answered late, it thinks)."""
        return await self._push(self.event)

    async def tap(self, title: str) -> list[str]:
        """Tap the button `title` of the last message: Zalo sends its payload as a text."""
        button = next((b for b in self.buttons if b["title"] == title), None)
        assert button, f"no button {title!r} in {self.buttons}"
        return await self.say(button["payload"])

