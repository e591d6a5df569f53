"""A step taken apart on SQLite, by subtraction of measured layers, and the database pattern of a
step measured with cheaper ways of doing the same two statements.

Layers: the echo bot (floor) ⊂ ours through the Application ⊃ `Dispatcher.handle` alone (no
python-telegram-bot) ⊃ the step's database pattern alone (begin, load the user row, guarded
update, commit, with the product's repo functions and engine)."""

from __future__ import annotations

import itertools
import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench.harness.core import Run, time_calls
from bench.harness.drive import Subject, drive, ours_subject, sent_messages, walk_one
from bench.harness.script import STEPS_PER_RESIDENT, FlowScript, Step
from bench.refbots import bots
from bot.dispatcher import Dispatcher
from bot.model import Event
from storage import users as user_repo
from storage.db import _pragmas_listener, normalise_url

SELECT_USER = "SELECT * FROM users WHERE channel = ? AND external_id = ?"
UPDATE_USER = ("UPDATE users SET state = ?, data = ?, updated_at = ?, last_update_id = ? "
               "WHERE id = ? AND last_update_id < ?")


def _event(uid: int, step: Step, update_id: int) -> Event:
    base = Event(channel="telegram", user=str(uid), update_id=update_id,
                 display_name="Lan")
    if step.kind == "press":
        return replace(base, choice=step.value)
    return replace(base, text=step.value)


async def dispatcher_only(dispatcher: Dispatcher, script: FlowScript, ids: list[int]) -> Run:
    """The same flow through `Dispatcher.handle`, as the console channel drives it."""
    update_ids = itertools.count(500_000_000)
    scripts = {uid: script.steps(uid) for uid in ids}
    events = [_event(uid, scripts[uid][i], next(update_ids))
              for i in range(STEPS_PER_RESIDENT) for uid in ids]
    return await drive(_Handler(dispatcher), events)


class _Handler:
    """Lets `drive` time `Dispatcher.handle` as if it were an Application."""

    def __init__(self, dispatcher: Dispatcher):
        self.dispatcher = dispatcher

    async def process_update(self, event: Event) -> None:
        await self.dispatcher.handle(event)


class _Pattern:
    """The dispatcher's database work for a plain step, on user rows that exist."""

    def __init__(self, externals: list[str]):
        self.users = itertools.cycle(externals)
        self.update_ids = itertools.count(900_000_000)
        self.now = datetime.now(UTC)
        self.data = {"opts": [["nav:skip", "Bỏ qua"]], "draft": {"answers": {"title": "x"}}}

    def product(self, engine: AsyncEngine):
        async def step() -> None:
            async with engine.begin() as conn:
                user = await user_repo.load_user(conn, "telegram", next(self.users))
                values = {"state": "flow:benefit", "data": self.data, "updated_at": self.now}
                await user_repo.save_user(conn, user["id"], values, next(self.update_ids))

        return step

    def _params(self, row) -> tuple:
        uid = next(self.update_ids)
        return ("flow:benefit", json.dumps(self.data), self.now.isoformat(), uid, row[0], uid)

    def raw_aiosqlite(self, conn: aiosqlite.Connection):
        async def step() -> None:
            rows = await conn.execute_fetchall(SELECT_USER, ("telegram", next(self.users)))
            await conn.execute(UPDATE_USER, self._params(list(rows)[0]))
            await conn.commit()

        return step

    def sync_sqlite(self, conn: sqlite3.Connection):
        async def step() -> None:
            row = conn.execute(SELECT_USER, ("telegram", next(self.users))).fetchone()
            conn.execute(UPDATE_USER, self._params(row))
            conn.commit()

        return step


def _engine_without_reset(url: str) -> AsyncEngine:
    engine = create_async_engine(normalise_url(url), pool_reset_on_return=None,
                                 connect_args={"timeout": 30})
    event.listen(engine.sync_engine, "connect", _pragmas_listener("NORMAL"))
    return engine


async def db_variants(url: str, engine: AsyncEngine, externals: list[str], n: int) -> dict:
    """p50/mean of the step's two statements and commit, done four ways."""
    path = make_url(normalise_url(url)).database
    out = {"product engine.begin + repo (as today)":
           await time_calls(_Pattern(externals).product(engine), n)}
    lean = _engine_without_reset(url)
    out["same, pool_reset_on_return=None"] = await time_calls(
        _Pattern(externals).product(lean), n)
    await lean.dispose()
    async with aiosqlite.connect(path) as conn:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        out["raw aiosqlite, long-lived connection (3 hops)"] = await time_calls(
            _Pattern(externals).raw_aiosqlite(conn), n)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=NORMAL")
    try:
        out["sqlite3 on the loop thread (no hop)"] = await time_calls(
            _Pattern(externals).sync_sqlite(conn), n)
    finally:
        conn.close()
    return out


async def layers(url: str, engine: AsyncEngine, settings, script: FlowScript, users: int,
                 rounds: int = 1) -> dict[str, Run]:
    """echo, ours (Application), dispatcher alone, DB pattern alone: Runs over the same flow."""
    app, api = await bots.echo()
    echo = Subject("echo", app, api, script, sent_messages(api), STEPS_PER_RESIDENT)
    ours = await ours_subject(settings, engine, script)
    await walk_one(ours)
    dispatcher = Dispatcher(settings, engine)
    result = {"echo": Run(), "ours": Run(), "dispatcher": Run()}
    try:
        for subject in (echo, ours):
            await subject.play(10, timed=False)
        for r in range(rounds):
            await echo.play(users)
            await ours.play(users)
            ids = [7_000_000 + 100_000 * r + i for i in range(users)]
            result["dispatcher"] = result["dispatcher"].merge(
                await dispatcher_only(dispatcher, script, ids))
        result["echo"], result["ours"] = echo.take_run(), ours.take_run()
    finally:
        await bots.stop(echo.app)
        await bots.stop(ours.app)
    externals = [str(7_000_000 + i) for i in range(users)]
    result["db"] = await time_calls(_Pattern(externals).product(engine), users * 10)
    return result

