"""Crash safety: the bot runs in a subprocess and is killed with SIGKILL at random moments,
at least 50 times, while scripted residents send ideas; each time it is restarted.

The residents behave like people: each looks at the question the bot is asking now (its state
in the database) and answers it, so a message lost in a crash is simply sent again. Afterwards
every resident has exactly the entries they meant to send, each with its own answers, and every
tracking code is unique."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.codes import parse_code
from testing.loopback_api import LoopbackBotAPI
from tests.conftest import TEN_WARDS_ENV

ROOT = Path(__file__).resolve().parent.parent
USERS = [910001, 910002, 910003, 910004]
ENTRIES_EACH = 4
MIN_KILLS = 50


def title(user: int, k: int) -> str:
    return f"Sáng kiến số {k} của {user}"


def description(user: int, k: int) -> str:
    return f"Mô tả chi tiết cho sáng kiến số {k} của cư dân {user}."


def next_action(state: str | None, data: dict, done: int, user: int) -> tuple[str, str]:
    """What a person answers to the question the bot is asking now."""
    k = done + 1
    if state in (None, "new", "declined"):
        return "text", "/start"
    if state == "consent":
        return "choose", "consent:yes"
    if state == "menu" or not state.startswith("flow:"):
        return "choose", "menu:resume" if data.get("draft") else "menu:idea"
    step = state[5:]
    return {
        "ward": ("text", "ben nghe"),
        "field": ("choose", "pick:economy"),
        "title": ("text", title(user, k)),
        "description": ("text", description(user, k)),
        "summary": ("choose", "form:confirm"),
        "show_name": ("choose", "pick:no"),
        "cancel": ("choose", "form:keep"),
        "replace": ("choose", "menu:resume"),
        "editpick": ("choose", "nav:back"),
    }.get(step, ("choose", "nav:skip"))


class Database:
    def __init__(self, path: Path, channel: str):
        self.path, self.channel = path, channel

    def look(self, user: int) -> tuple[str | None, dict, list[tuple[str, str, str]]]:
        if not self.path.exists():
            return None, {}, []
        with sqlite3.connect(self.path, timeout=30) as db:
            row = db.execute("SELECT id, state, data FROM users WHERE channel=? AND "
                             "external_id=?", (self.channel, str(user))).fetchone()
            if row is None:
                return None, {}, []
            entries = db.execute("SELECT title, description, code FROM entries WHERE "
                                 "user_id=? ORDER BY id", (row[0],)).fetchall()
        return row[1], json.loads(row[2]) if isinstance(row[2], str) else row[2], entries


class Console:
    channel = "console"

    def __init__(self, env: dict):
        self.env, self.proc, self.replies = env, None, 0
        self._lock = threading.Lock()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", "--json"], cwd=ROOT, env=self.env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()

    def _read(self, proc) -> None:
        for line in proc.stdout:
            if '"idle"' in line:
                with self._lock:
                    self.replies += 1

    def send(self, user: int, kind: str, value: str) -> int:
        with self._lock:
            seen = self.replies
        try:
            self.proc.stdin.write(json.dumps({"user": user, kind: value}) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
        return seen

    def answered(self, user: int, seen: int) -> bool:
        with self._lock:
            return self.replies > seen

    def settle(self) -> None:
        pass

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


class Telegram:
    channel = "telegram"

    def __init__(self, env: dict):
        self.api = LoopbackBotAPI().start()
        self.env = {**env, "TELEGRAM_BOT_TOKEN": "123:TEST",
                    "TELEGRAM_BASE_URL": self.api.base_url}
        self.proc = None

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT,
                                     env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def send(self, user: int, kind: str, value: str) -> int:
        seen = len(self.api.replies_to(user))
        if kind == "text":
            self.api.push_text(user, value)
        else:
            self.api.push_press(user, value)
        return seen

    def answered(self, user: int, seen: int) -> bool:
        return len(self.api.replies_to(user)) > seen

    def settle(self) -> None:
        """After a restart, let the bot take back the updates Telegram kept for it."""
        deadline = time.monotonic() + 20
        while self.api.updates and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        self.api.stop()


def drive(transport, db: Database, seed: int) -> int:
    rng = random.Random(seed)
    kills = 0
    transport.start()
    pending = list(USERS)
    steps = 0
    while pending and steps < 5000:
        steps += 1
        user = rng.choice(pending)
        state, data, entries = db.look(user)
        if len(entries) >= ENTRIES_EACH:
            pending.remove(user)
            continue
        seen = transport.send(user, *next_action(state, data, len(entries), user))
        if kills < MIN_KILLS + 5 and rng.random() < 0.45:
            time.sleep(rng.uniform(0, 0.03))
            transport.kill()
            kills += 1
            transport.start()
            transport.settle()
            continue
        deadline = time.monotonic() + 15
        while not transport.answered(user, seen) and time.monotonic() < deadline:
            time.sleep(0.005)
    transport.stop()
    return kills


def check(db: Database) -> None:
    codes = []
    for user in USERS:
        _state, _data, entries = db.look(user)
        assert [(t, d) for t, d, _c in entries] == [
            (title(user, k), description(user, k)) for k in range(1, ENTRIES_EACH + 1)
        ], f"resident {user}: lost, duplicated or mixed-up entries"
        codes += [c for _t, _d, c in entries]
    assert len(codes) == len(set(codes))
    assert all(parse_code(c) == c for c in codes)


@pytest.mark.parametrize("transport", [Console, Telegram])
def test_killed_at_random_moments_the_bot_loses_and_duplicates_nothing(transport, tmp_path):
    path = tmp_path / "crash.db"
    env = {**os.environ, **TEN_WARDS_ENV, "SANGKIEN_DATABASE_URL": f"sqlite:///{path}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    db = Database(path, transport.channel)
    kills = drive(transport(env), db, seed=20261126)
    assert kills >= MIN_KILLS
    check(db)
