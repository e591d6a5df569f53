"""What a confirmation tells the ward's officers (issue 12): the notice is written with the
entry, already claimed by the process that took the step, which sends it right after the commit
from what it holds; another process delivering meanwhile does not send it too. If the process
stops between the commit and the send, the notice is not lost: another sends it once the
short claim runs out. Each story runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time

from bot.channels.console import ConsoleChannel
from bot.dispatcher import Dispatcher
from bot.model import Event
from bot.runtime import Runtime
from storage import outbox
from tests.conftest import Resident
from tests.flows import fill_idea
from tests.officers import register_officer

OFFICER = "9001"


class Recorder(ConsoleChannel):
    def __init__(self, sent: list[tuple[str, str]], process: str):
        super().__init__(lambda to, reply: sent.append((process, to)))


async def _confirmed_by(first: Dispatcher) -> None:
    """A resident of Bến Nghé fills in an idea on `first` and confirms it (the step only: the
    runtime's delivery after it is the story's)."""
    await register_officer(first, OFFICER, "ben-nghe", "ward_officer", "Cán bộ Lan")
    resident = Resident(first, user="1001", name="Lan")
    await resident.consent()
    await fill_idea(resident)
    await first.handle(Event(channel="console", user="1001", choice="form:confirm"))


async def test_the_officer_is_told_once_by_the_process_that_took_the_confirmation(
        settings, engine, clock):
    first = Dispatcher(settings, engine, clock=clock)
    second = Dispatcher(settings, engine, clock=clock)
    sent: list[tuple[str, str]] = []
    try:
        here = Runtime(first, [Recorder(sent, "first")])
        other = Runtime(second, [Recorder(sent, "second")])
        await _confirmed_by(first)
        await other.deliver("console")  # another process's delivery loop, between the two
        assert sent == [], "the other process leaves the notice to the one that wrote it"
        await here.deliver_pending()
        await other.deliver("console")
        assert sent == [("first", OFFICER)], "told once, right after the step"
    finally:
        await first.close()
        await second.close()


async def test_a_process_stopped_after_the_commit_leaves_the_notice_to_another(
        settings, engine, clock, monkeypatch):
    monkeypatch.setattr(outbox, "LEASE", outbox.LEASE / 30)  # one second, for the test
    first = Dispatcher(settings, engine, clock=clock)
    second = Dispatcher(settings, engine, clock=clock)
    sent: list[tuple[str, str]] = []
    try:
        Runtime(first, [Recorder(sent, "first")])  # it serves the console, then stops
        other = Runtime(second, [Recorder(sent, "second")])
        await _confirmed_by(first)
        started = time.monotonic()
        while not sent and time.monotonic() - started < 10:
            await other.deliver("console")
            await asyncio.sleep(0.05)
        assert sent == [("second", OFFICER)], "the notice was kept, and sent by the other"
    finally:
        await first.close()
        await second.close()
