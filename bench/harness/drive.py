"""Feeding scripted residents to an Application and timing every `process_update`."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import Application

from bench.harness.core import LoopMonitor, Run
from bench.harness.script import (
    STEPS_PER_RESIDENT,
    FlowScript,
    Step,
    as_update,
    keyboard_labels,
)
from bench.harness.script import last_sent as last_message
from bench.refbots import bots
from bot.config import Settings
from storage import entries as entry_repo
from testing.codes import CODE
from testing.fakebotapi import FakeBotAPI, UpdateFactory


class BenchError(RuntimeError):
    """The product did not behave as the script expects (its flow may have changed)."""


async def drive(app: Application, updates: Iterable) -> Run:
    """Feed the updates one by one, each decoded just before it is handed over (outside the
    time taken), as the network would bring them. The collector is left as production leaves
    it: what start-up built is frozen once (`freeze_startup`), and every full collection of what
    came after pauses the loop here as it would there (the loop monitor sees it)."""
    run = Run()
    async with LoopMonitor() as monitor:
        start, idle = time.perf_counter(), 0.0
        for data in updates:  # update dicts, or anything `app.process_update` takes as is
            update = Update.de_json(data, app.bot) if isinstance(data, dict) else data
            t0 = time.perf_counter()
            await app.process_update(update)
            t1 = time.perf_counter()
            run.latencies.append(t1 - t0)
            await _between_updates()
            idle += time.perf_counter() - t1
        run.wall = time.perf_counter() - start - idle  # the monitor's turns are not the bot's
    run.max_gap = monitor.max_gap
    return run


def freeze_startup() -> None:
    """What `sangkien run` does once start-up is built (bot.cli): everything alive now is left
    out of the collector's passes for good. Called once, never around a round."""
    gc.collect()
    gc.freeze()


async def _between_updates() -> None:
    """Hand the loop over between two updates, as the network does in production (the fake API
    never really waits, so a bot on it would otherwise hold the loop for a whole round). Two
    turns, so that a timer that fell due during the update gets to run its task."""
    await asyncio.sleep(0)
    await asyncio.sleep(0)


@dataclass
class Subject:
    """One bot under test. `progress` counts what a finished resident leaves behind (an entry,
    or the messages sent), to check after each round that every resident got through."""

    key: str
    app: Application
    api: FakeBotAPI
    script: FlowScript
    progress: Callable[[], Awaitable[int]]
    per_resident: int = 1
    run: Run = field(default_factory=Run)
    rounds: int = 0

    def user_ids(self, users: int) -> list[int]:
        base = 1_000_000 * (self.rounds + 1)
        return [base + i for i in range(users)]

    async def play(self, users: int, timed: bool = True) -> None:
        ids = self.user_ids(users)
        factory = UpdateFactory(start=10_000_000 * (self.rounds + 1))
        self.rounds += 1
        updates = self.script.updates(factory, ids)
        before = await self.progress()
        result = await drive(self.app, updates)
        done = await self.progress() - before
        self.api.calls.clear()  # the fake API's record, not the bot's memory
        if done != users * self.per_resident:
            raise BenchError(f"{self.key}: {done} results for {users} residents "
                             f"(expected {users * self.per_resident}); the flow has changed?")
        if timed:
            self.run = self.run.merge(result)

    def take_run(self) -> Run:
        run, self.run = self.run, Run()
        return run


async def walk_one(subject: Subject, user_id: int = 999_999) -> str:
    """One resident, step by step, reading the reply keyboard for the label that skips the
    phone question (the script's guess is replaced by what the bot really shows). Returns the
    tracking code the bot gave."""
    app, api, script = subject.app, subject.api, subject.script
    factory = UpdateFactory(start=1)
    for index, step in enumerate(script.steps(user_id)):
        if step.kind == "keyboard":
            labels = keyboard_labels(last_message(api, user_id))
            if len(labels) < 2:
                raise BenchError(f"step {index + 1}: no reply keyboard with a skip label; "
                                 f"last message: {last_message(api, user_id)['text'][:120]!r}")
            script.skip_label = labels[1]
            step = Step("keyboard", labels[1])
        await app.process_update(Update.de_json(as_update(factory, user_id, step), app.bot))
    text = last_message(api, user_id)["text"]
    match = CODE.search(text)
    if not match:
        raise BenchError(f"{subject.key}: no tracking code after {STEPS_PER_RESIDENT} steps; "
                         f"last message: {text[:160]!r}")
    return match.group(0)


async def ours_subject(settings: Settings, engine: AsyncEngine, script: FlowScript) -> Subject:
    app, api = await bots.ours(settings, engine)

    async def entries() -> int:
        async with engine.connect() as conn:
            return await entry_repo.count_entries(conn)

    return Subject("ours", app, api, script, entries)


def sent_messages(api: FakeBotAPI) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        return sum(1 for name, _ in api.calls if name == "sendMessage")

    return count
