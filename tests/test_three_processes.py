"""Three `sangkien serve` processes on one PostgreSQL database behind a round-robin proxy
(issue 11), as Telegram sees a bot deployed on three machines: each update goes to the next
process in turn, and an update a process does not take (502) is delivered again to another.
Nothing is sent twice, nothing is dropped, nothing is taken out of order.

The processes are real (`python -m bot serve`, testing.cluster) on the loopback Bot API, which
records every message and which process sent it."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, insert, select

from bot.services import broadcasts as broadcast_service
from bot.services.review import Actor
from storage import broadcasts as broadcast_repo
from storage.db import create_engine, migrate
from storage.tables import entries, outbox, users
from testing.cluster import Cluster
from testing.codes import CODE
from tests.conftest import PG_URL, TEN_WARDS_ENV, reset_postgres
from tests.telegram_world import subscriber_row

pytestmark = pytest.mark.skipif(not (PG_URL or "").startswith("postgresql"),
                                reason="needs TEST_DATABASE_URL (PostgreSQL)")

RESIDENTS = 50
SUBSCRIBERS = 1_000
RATE = 200  # an announcement's messages a second (the setting); Telegram's own limit lifted
ANSWER_S = 30.0  # the longest a wave of answers may take
ANNOUNCEMENT = "Ngày hội sáng kiến Quận 1: mời bà con tham gia tại Nhà văn hóa Thanh niên."


def title(n: int) -> str:
    return f"Đèn đường tiết kiệm điện số {n}"


def description(n: int) -> str:
    return f"Lắp cảm biến để đèn đường tự giảm độ sáng khi vắng người ở khu phố {n}."


def idea_form(n: int) -> list[tuple[str, str]]:
    """What resident `n` sends, step by step: an idea with every optional question skipped."""
    return [("text", "/start"), ("press", "consent:yes"), ("press", "menu:idea"),
            ("text", "ben nghe"), ("press", "pick:economy"), ("text", title(n)),
            ("text", description(n)), ("press", "nav:skip"), ("press", "nav:skip"),
            ("press", "nav:skip"), ("keyboard", "Bỏ qua"), ("press", "form:confirm")]


def run(coroutine):
    return asyncio.run(coroutine)


async def _in_database(work):
    engine = create_engine(PG_URL)
    try:
        async with engine.begin() as conn:
            return await work(conn)
    finally:
        await engine.dispose()


@pytest.fixture
def three(tmp_path):
    """Starts three processes on an empty database (after `prepare(conn)`, if given)."""
    clusters: list[Cluster] = []

    def start(prepare=None, **settings: str) -> Cluster:
        async def fresh() -> None:
            await reset_postgres(PG_URL)
            engine = create_engine(PG_URL)
            await migrate(engine)
            await engine.dispose()
            if prepare is not None:
                await _in_database(prepare)

        run(fresh())
        env = {**TEN_WARDS_ENV, "SANGKIEN_FLOOD_BURST": "10000",
               **{f"SANGKIEN_{key.upper()}": value for key, value in settings.items()}}
        cluster = Cluster(PG_URL, tmp_path / f"cluster-{len(clusters)}", 3, env=env)
        clusters.append(cluster)
        return cluster.start()

    yield start
    for cluster in clusters:
        cluster.stop()


# --- the residents -------------------------------------------------------------------------
def _on_screen(message: dict) -> tuple[list[str], list[str]]:
    """The inline buttons' values and the reply keyboard's labels of a message."""
    markup = message.get("reply_markup") or {}
    return ([b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row],
            [b["text"] for row in markup.get("keyboard", []) for b in row])


def _act(cluster: Cluster, user: int, kind: str, value: str):
    """What a person does: types, or presses a button that is on their screen."""
    replies = cluster.api.replies_to(user)
    if kind == "text":
        return cluster.telegram.text(user, value)
    buttons, keys = _on_screen(replies[-1])
    if kind == "press":
        assert value in buttons, f"{user}: {value!r} is not among {buttons}"
        return cluster.telegram.press(user, value)
    assert value in keys, f"{user}: {value!r} is not on the keyboard {keys}"
    return cluster.telegram.text(user, value)


def _as_everyone(texts: list[str], n: int) -> list[str]:
    """A resident's messages with what is theirs alone (title, description, code) taken out."""
    return [CODE.sub("<code>", t.replace(title(n), "<title>").replace(description(n), "<desc>"))
            for t in texts]


def test_fifty_residents_send_ideas_with_each_answer_going_to_another_process(three):
    cluster = three()
    api = cluster.api
    people = list(range(RESIDENTS))
    user = {n: 7_100_000 + n for n in people}
    landed: dict[int, list[int]] = {n: [] for n in people}
    for step in range(len(idea_form(0))):
        seen = {n: len(api.replies_to(user[n])) for n in people}
        # Everyone's step in one round: with 50 a round, each resident's next update goes to
        # the process after the next one (50 ≡ 2 mod 3), never to the same one twice in a row.
        for n in people:
            delivery = _act(cluster, user[n], *idea_form(n)[step])
            assert delivery.status == 200 and delivery.attempts == 1, delivery
            landed[n].append(delivery.backend)
        assert api.wait(lambda seen=seen: all(api.answered(user[n], seen[n]) for n in people),
                        ANSWER_S), f"step {step + 1}: not everyone was answered in {ANSWER_S} s"

    assert all(a != b for n in people for a, b in pairwise(landed[n]))
    async def stored(conn):
        rows = await conn.execute(
            select(users.c.external_id, entries.c.title, entries.c.description, entries.c.code)
            .join(entries, entries.c.user_id == users.c.id))
        return [tuple(r) for r in rows]

    ideas = run(_in_database(stored))
    assert sorted((int(u), t, d) for u, t, d, _code in ideas) == \
        sorted((user[n], title(n), description(n)) for n in people)
    assert len({code for *_rest, code in ideas}) == RESIDENTS
    conversations = {n: [m["text"] for m in api.replies_to(user[n])] for n in people}
    # Answered once: one question on the screen after each update (the last message of each
    # answer has buttons), no message twice, and everyone told the same (but for their own
    # title, description and code), in the same order, whichever processes answered.
    for n in people:
        asked = [m for m in api.replies_to(user[n]) if any(_on_screen(m))]
        assert len(asked) == len(idea_form(n)), conversations[n]
        assert len(set(conversations[n])) == len(conversations[n]), conversations[n]
        assert _as_everyone(conversations[n], n) == _as_everyone(conversations[0], 0)
        assert {m["via"] for m in api.replies_to(user[n])} == {"p0", "p1", "p2"}
        assert CODE.search(conversations[n][-1]).group(0) in {code for *_r, code in ideas}


# --- an announcement --------------------------------------------------------------------------
async def _subscribers(conn) -> None:
    now = datetime.now(UTC)
    await conn.execute(insert(users), [
        {**subscriber_row("telegram", str(6_000_000 + n)), "updated_at": now}
        for n in range(SUBSCRIBERS)])


async def _announce(conn) -> int:
    now = datetime.now(UTC)
    outcome = await broadcast_service.create(
        conn, Actor(user_id=None, role="communications"), text=ANNOUNCEMENT, photo=None,
        audience={"kind": "all"}, send_at=now, now=now)
    assert outcome.ok
    return outcome.params["id"]


def _ledger(broadcast_id: int):
    async def read(conn):
        current = await broadcast_repo.get(conn, broadcast_id)
        return current["status"], await broadcast_repo.counts(conn, broadcast_id)

    return run(_in_database(read))


def test_an_announcement_reaches_each_subscriber_once_though_a_process_is_killed_midway(three):
    cluster = three(_subscribers, broadcast_rate=str(RATE), telegram_overall_rate="100000")
    api = cluster.api
    broadcast_id = run(_in_database(_announce))

    def announced() -> list[dict]:
        return [m for m in api.sent if ANNOUNCEMENT in m["text"]]

    started = time.monotonic()
    assert api.wait(lambda: len(announced()) >= SUBSCRIBERS * 2 // 5, 30), \
        f"{len(announced())} sent in 30 s"
    victim = int(announced()[-1]["via"][1:])  # one that is sending now
    cluster.kill(victim)
    at_kill = len(announced())

    # Residents who write meanwhile: those whose update met the dead process (502) get it
    # delivered again to another one, and are answered once.
    writers = [7_200_000 + n for n in range(9)]
    deliveries = [cluster.telegram.text(user, "/start") for user in writers]
    assert all(d.status == 200 for d in deliveries) and any(d.attempts > 1 for d in deliveries)
    assert api.wait(lambda: all(api.answered(user, 0) for user in writers), ANSWER_S)

    limit = SUBSCRIBERS / RATE + 15  # one process left alone would have sent them all
    reached = api.wait(lambda: len({m["chat_id"] for m in announced()}) == SUBSCRIBERS, limit)
    deadline = time.monotonic() + (10 if reached else 0)
    while _ledger(broadcast_id)[0] != "done" and time.monotonic() < deadline:
        time.sleep(0.2)  # the last deliveries being recorded
    status, counts = _ledger(broadcast_id)
    received = Counter(m["chat_id"] for m in announced())
    twice = sum(times - 1 for times in received.values())
    figures = (f"{SUBSCRIBERS} subscribers, process p{victim} killed at {at_kill} sent: "
               f"{sum(received.values())} messages to {len(received)} subscribers in "
               f"{time.monotonic() - started:.1f} s, {twice} duplicates; ledger {status} {counts}; "
               f"by process {Counter(m['via'] for m in announced())}")
    assert reached, figures
    assert set(received) == {6_000_000 + n for n in range(SUBSCRIBERS)}, figures
    assert twice <= 1, figures  # at most the message in flight when the process died
    assert status == "done" and counts == {"sent": SUBSCRIBERS}, figures
    assert all(len(api.replies_to(user)) == 1 for user in writers)


# --- the day's reminders ----------------------------------------------------------------------
DRAFTS_24, DRAFTS_72, QUESTIONS = 20, 10, 10


async def _due_reminders(conn) -> None:
    """Unfinished ideas left 30 hours (the 24-hour reminder) and 80 hours ago (only the 72-hour
    one: a late run sends the latest), and entries whose question the author has not answered
    for 4 days. Each person is due exactly one reminder."""
    now = datetime.now(UTC)

    def resident(n: int, idle: timedelta, state: str = "menu", data: dict | None = None):
        return {**subscriber_row("telegram", str(7_300_000 + n)), "subscribed": False,
                "state": state, "data": data or {}, "updated_at": now - idle}

    def drafting(n: int, idle: timedelta):
        started = (now - idle).isoformat()
        return resident(n, idle, "flow:title", {"draft": {
            "kind": "idea", "answers": {"unit": "ben-nghe", "field": "economy"}, "trail": [],
            "started": started}})

    await conn.execute(insert(users), [drafting(n, timedelta(hours=30)) for n in range(DRAFTS_24)]
                       + [drafting(DRAFTS_24 + n, timedelta(hours=80))
                          for n in range(DRAFTS_72)])
    asked = now - timedelta(days=4)
    for n in range(QUESTIONS):
        author = (await conn.execute(insert(users).values(
            resident(100 + n, timedelta(days=4))).returning(users.c.id))).scalar_one()
        await conn.execute(insert(entries).values(
            code=f"SK-26-{90_000 + n:05d}-TEST-A", kind="idea", user_id=author,
            unit="ben-nghe", field="economy", title=f"Vườn rau sạch trên sân thượng số {n}",
            description="Trồng rau trên sân thượng chung cư.", details={}, show_name=False,
            status="needs_info", lang="vi", created_at=asked - timedelta(days=1),
            updated_at=asked, queue_since=asked - timedelta(days=1), paused_at=asked))


def test_the_days_reminders_go_out_once_though_three_processes_run_the_jobs(three):
    cluster = three(_due_reminders)
    jobs = ("drafts", "waiting_for_author")
    deadline = time.monotonic() + 40
    # Every process runs each job shortly after start-up, at about the same moment.
    while not all(re.search(rf'Job "{job} \(.*executed successfully', cluster.log(i))
                  for i in range(3) for job in jobs):
        assert time.monotonic() < deadline, "the jobs did not run in every process"
        time.sleep(0.1)

    async def waiting(conn):
        """What is still to be sent: rows due now (being delivered) and rows held until the
        quiet hours end (21:00-07:00), by recipient."""
        now = datetime.now(UTC)
        due = (await conn.execute(select(func.count()).select_from(outbox).where(
            outbox.c.not_before.is_(None) | (outbox.c.not_before <= now)))).scalar_one()
        held = await conn.execute(select(outbox.c.external_id))
        return due, Counter(int(r[0]) for r in held)

    deadline = time.monotonic() + 20
    while (state := run(_in_database(waiting)))[0]:  # until delivery has settled
        assert time.monotonic() < deadline, f"{state[0]} outbox rows never delivered"
        time.sleep(0.1)
    _due, held = state
    sent = Counter(m["chat_id"] for m in cluster.api.sent)
    reminded = sent + held
    due = {7_300_000 + n for n in range(DRAFTS_24 + DRAFTS_72)} | \
        {7_300_100 + n for n in range(QUESTIONS)}
    assert set(reminded) == due, f"sent {sent}, held {held}"
    assert set(reminded.values()) == {1}, f"sent {sent}, held {held}"
