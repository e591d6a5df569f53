"""Sending across processes (issue 11). The outbox: a process claims a few messages at a time,
settles each one as soon as it is sent, and renews its claims while it sends; one that dies
mid-batch leaves at most the message in flight to be sent twice, and another process sends the
rest as soon as the short lease runs out, not minutes later. Broadcasts: their rate is the bot's
on the platform, kept by all processes together. Each story runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import time

from sqlalchemy import insert

from bot import runtime as runtime_module
from bot.channels.base import SendResult
from bot.channels.console import ConsoleChannel
from bot.dispatcher import Dispatcher
from bot.model import Reply
from bot.runtime import Runtime
from bot.services import broadcasts as broadcast_service
from bot.services.outbox import row as outbox_row
from bot.services.review import Actor
from storage import outbox
from storage.tables import users
from tests.telegram_world import subscriber_row


class Recorder(ConsoleChannel):
    """The console, recording every message; frozen (a killed process: it never answers, and
    nothing after it runs) once `freeze_after` messages went out."""

    def __init__(self, sent: list[str], freeze_after: int | None = None):
        super().__init__(lambda to, reply: sent.append(to))
        self.freeze_after, self.sent = freeze_after, sent

    async def send(self, recipient, reply):
        if self.freeze_after is not None and len(self.sent) >= self.freeze_after:
            await asyncio.Event().wait()
        return await super().send(recipient, reply)


@contextlib.asynccontextmanager
async def _no_heartbeat(_every, _renew):
    yield


async def _queue(engine, clock, count: int) -> list[str]:
    people = [str(5000 + n) for n in range(count)]
    async with engine.begin() as conn:
        await outbox.put(conn, [outbox_row("console", p, Reply(f"Tin cho {p}"), clock())
                                for p in people])
    return people


async def test_a_process_killed_mid_delivery_leaves_at_most_one_message_twice(
        settings, engine, clock, monkeypatch):
    monkeypatch.setattr(outbox, "LEASE", outbox.LEASE / 30)  # one second, for the test
    people = await _queue(engine, clock, 100)
    sent: list[str] = []
    first = Dispatcher(settings, engine, clock=clock)
    second = Dispatcher(settings, engine, clock=clock)
    dying = Runtime(first, [Recorder(sent, freeze_after=40)])
    taking_over = Runtime(second, [Recorder(sent)])
    try:
        # Killed: it sends nothing more, and renews none of its claims (its heartbeat died with
        # it; the other process's sends are quick and need none).
        monkeypatch.setattr(runtime_module, "renewed", _no_heartbeat)
        frozen = asyncio.create_task(dying.deliver("console"))
        while len(sent) < 40:
            await asyncio.sleep(0.01)
        started = time.monotonic()
        # What the frozen process had not claimed goes at once; what it had claimed, when its
        # lease runs out.
        while set(sent) != set(people) and time.monotonic() - started < 10:
            await taking_over.deliver("console")
            await asyncio.sleep(0.05)
        waited = time.monotonic() - started
        assert sorted(set(sent)) == people, "everyone got the message"
        assert len(sent) - len(people) <= 1, "at most the message in flight went twice"
        assert waited < 3 * outbox.LEASE.total_seconds(), "taken over when the lease ran out"
        frozen.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await frozen
    finally:
        await first.close()
        await second.close()


async def test_a_slow_delivery_keeps_its_claims_so_no_other_process_sends_them(
        settings, engine, clock, monkeypatch):
    monkeypatch.setattr(outbox, "LEASE", outbox.LEASE / 30)
    people = await _queue(engine, clock, 6)
    sent: list[str] = []

    class Slow(Recorder):
        async def send(self, recipient, reply):
            await asyncio.sleep(0.5)  # a platform that answers slowly, longer than the lease
            return await super().send(recipient, reply)

    first = Dispatcher(settings, engine, clock=clock)
    second = Dispatcher(settings, engine, clock=clock)
    try:
        slow = asyncio.create_task(Runtime(first, [Slow(sent)]).deliver("console"))
        other = Runtime(second, [Recorder(sent)])
        while not slow.done():
            await other.deliver("console")
            await asyncio.sleep(0.1)
        assert sent == people, "each message once, in order, by the process that claimed it"
    finally:
        await first.close()
        await second.close()


async def test_a_message_the_platform_asks_to_wait_for_keeps_the_persons_later_ones_behind(
        settings, engine, clock):
    async with engine.begin() as conn:
        await outbox.put(conn, [outbox_row("console", p, Reply(text), clock()) for p, text in
                                [("1", "một"), ("1", "hai"), ("2", "ba")]])
    sent: list[tuple[str, str]] = []
    refused = {"một"}

    class Busy(ConsoleChannel):
        async def send(self, recipient, reply):
            if reply.text in refused:
                refused.discard(reply.text)
                return SendResult.retry(1)
            sent.append((recipient, reply.text))
            return await super().send(recipient, reply)

    dispatcher = Dispatcher(settings, engine, clock=clock)
    try:
        runtime = Runtime(dispatcher, [Busy(lambda to, reply: None)])
        await runtime.deliver("console")
        assert sent == [("2", "ba")], "the other person's message went; theirs waited"
        await runtime.deliver("console")
        assert sent == [("2", "ba"), ("1", "một"), ("1", "hai")], "then theirs, in order"
    finally:
        await dispatcher.close()


async def test_two_processes_sending_one_announcement_keep_the_bot_within_its_rate(
        settings, engine, clock):
    rate = 40.0
    async with engine.begin() as conn:
        await conn.execute(insert(users), [subscriber_row("console", str(7000 + n))
                                           for n in range(120)])
        await broadcast_service.create(
            conn, Actor(user_id=None, role="communications"), text="Ngày hội sáng kiến",
            photo=None, audience={"kind": "all"}, send_at=clock.now, now=clock.now)
    moments: list[float] = []

    class Timed(ConsoleChannel):
        async def send(self, recipient, reply):
            moments.append(time.monotonic())
            return await super().send(recipient, reply)

    pair = [Dispatcher(settings, engine, clock=clock) for _ in range(2)]
    try:
        runtimes = [Runtime(d, [Timed(lambda to, reply: None)], broadcast_rate=rate)
                    for d in pair]
        await asyncio.gather(*(r.broadcaster.run() for r in runtimes))
        moments.sort()
        busiest = max(sum(1 for m in moments[i:] if m < start + 1.0)
                      for i, start in enumerate(moments))
        assert len(moments) == 120, "each subscriber once"
        # A process reserves a fifth of a second of the rate at a time: never more than that
        # beyond the rate in any second (two processes pacing alone would send twice the rate).
        assert busiest <= rate * 1.2 + 1, f"{busiest} messages in one second"
    finally:
        for dispatcher in pair:
            await dispatcher.close()
