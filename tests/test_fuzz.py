"""Fuzzing the dispatcher: random events of every kind, from every role, in any order. No
exception may escape, every reply must be a sentence, and the database must stay consistent."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.codes import parse_code
from bot.config import Settings
from bot.dispatcher import INTERNAL_ERROR, Dispatcher
from bot.model import Attachment, Event
from bot.workflow import STATUS_LABELS
from storage import entries as entry_repo
from storage.db import create_engine, migrate
from storage.tables import entries, history, users
from tests.conftest import TEN_WARDS, Clock, Resident
from tests.flows import submit_idea
from tests.officers import register_officer

USERS = ["r1", "r2", "r3", "o-ward", "o-other", "o-district", "o-comms"]
VALUES = [
    "consent:yes", "consent:no", "consent:notice", "lang:en", "lang:vi", "lang:xx",
    "menu:idea", "menu:award", "menu:resume", "menu:lookup", "menu:mine", "menu:campaigns",
    "menu:settings", "menu:help", "menu:main", "menu:nope", "nav:back", "nav:cancel",
    "nav:skip", "nav:done", "pick:ben-nghe", "pick:economy", "pick:yes", "pick:no",
    "pick:suggested", "pick:research", "pick:filed", "pick:all", "pick:ward", "pick:idea",
    "form:confirm", "form:edit", "form:discard", "form:keep", "edit:title", "edit:nothing",
    "q:take:1", "q:ask_info:1", "q:reject:2", "q:forward:1", "q:view:1", "q:shortlist:1",
    "q:award:3", "q:take:999999", "q:take:x", "q:page:all:2", "q:page:submitted:-1", "q:",
    "ans:SK-26-00001-P", "ans:send", "ans:", "entry:view:SK-26-00001-P",
    "entry:withdraw:SK-26-00002-J", "entry:withdraw-yes:SK-26-00001-P", "set:erase",
    "set:subscribe", "set:wards", "set:toggle:wards:ben-nghe", "set:toggle:x:y",
    "set:interests-done", "camp:idea:phong-trao-2026-2030", "camp:view:khong-co", "camp:",
    "bc:cancel:1", "bc:cancel:x", "", ":", "q:take:1:extra",
]
COMMANDS = ["/start", "/start c_phong-trao-2026-2030", "/start c_", "/huy", "/menu",
            "/sangkien", "/giaithuong", "/tracuu", "/tracuu SK-26-00001-P", "/hosocuatoi",
            "/caidat", "/trogiup", "/dunglai", "/hangdoi", "/hoso SK-26-00001-P", "/hoso",
            "/dangky", "/dangky AAAAA-BBBBB", "/chiendichmoi", "/thongbao", "/khongco", "/",
            "/start@sangkien_bot"]

texts = st.one_of(
    st.text(max_size=200),
    st.text(min_size=3000, max_size=5000),
    st.sampled_from(COMMANDS),
    st.sampled_from(["1", "2", "99", "0", "-1", "ben nghe", "Đa Kao", "0903123456",
                     "SK-26-00001-P", "sk 26 00001 q", "<b>x</b>", "31/12/2026 08:00",
                     "Quay lại", "Bỏ qua", "xong"]),
)
attachments = st.builds(
    Attachment,
    kind=st.sampled_from(["photo", "document"]),
    ref=st.text(min_size=1, max_size=40),
    name=st.one_of(st.none(), st.text(max_size=80), st.sampled_from(["a.pdf", "x.exe"])),
    mime=st.one_of(st.none(), st.sampled_from(["application/pdf", "image/png", "text/x"])),
    size=st.one_of(st.none(), st.integers(min_value=0, max_value=60_000_000)),
)
events = st.builds(
    lambda user, update_id, body: Event(channel="console", user=user, update_id=update_id,
                                        **body),
    st.sampled_from(USERS),
    st.one_of(st.none(), st.integers(min_value=-5, max_value=10**12)),
    st.one_of(
        texts.map(lambda t: {"text": t}),
        st.one_of(st.sampled_from(VALUES), st.text(max_size=70)).map(lambda v: {"choice": v}),
        attachments.map(lambda a: {"attachment": a}),
        st.text(max_size=50).map(lambda c: {"contact": c}),
        st.sampled_from(["sticker", "voice", "location", "poll"]).map(lambda o: {"other": o}),
    ),
)

STATES = re.compile(
    r"^(new|consent|declined|menu|lookup|mine|settings|settings:erase|answer|review"
    r"|review:note|flow:\w+)$"
)


class Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    loop = asyncio.new_event_loop()
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
    engine = create_engine(url)
    clock = Clock(datetime(2026, 11, 25, 3, 0, tzinfo=UTC))
    dispatcher = Dispatcher(Settings(database_url=url, flood_burst=10**9, units_file=TEN_WARDS),
                            engine, clock=clock)

    async def build():
        await migrate(engine)
        author = Resident(dispatcher, user="r1")
        await author.consent()
        for _ in range(3):
            await submit_idea(author)
        for user, unit, role in (("o-ward", "ben-nghe", "ward_officer"),
                                 ("o-other", "tan-dinh", "ward_officer"),
                                 ("o-district", "quan-1", "district_officer"),
                                 ("o-comms", "quan-1", "communications")):
            await register_officer(dispatcher, user, unit, role, f"Cán bộ {user}")

    loop.run_until_complete(build())
    errors = Errors()
    logging.getLogger().addHandler(errors)
    yield loop, dispatcher, errors
    logging.getLogger().removeHandler(errors)
    loop.run_until_complete(dispatcher.close())
    loop.run_until_complete(engine.dispose())
    loop.close()


async def _check(dispatcher, replies) -> None:
    refusal = {dispatcher.translator(lang)._(INTERNAL_ERROR) for lang in ("vi", "en")}
    for reply in replies:
        assert reply.text.strip(), "an empty reply"
        assert reply.text not in refusal, "a handler raised"
        assert all(o.value and len(o.value.encode()) <= 64 for o in reply.options)
    async with dispatcher.engine.connect() as conn:
        for row in await conn.execute(select(users.c.state, users.c.data)):
            assert STATES.match(row.state), row.state
            if row.state.startswith("flow:"):
                assert (row.data or {}).get("draft"), "a form without its draft"
        for entry in await conn.execute(select(entries)):
            assert parse_code(entry.code) == entry.code
            assert entry.status in STATUS_LABELS
            assert entry.unit in dispatcher.ref.unit_by_slug
        missing = await conn.execute(
            select(entries.c.id).where(~entries.c.id.in_(select(history.c.entry_id))))
        assert missing.all() == [], "an entry without history"
        assert (await conn.execute(select(func.count()).select_from(users))).scalar_one() >= 1
        assert await entry_repo.count_entries(conn) >= 3


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(events, min_size=1, max_size=8))
def test_random_events_never_break_the_bot(world, batch):
    loop, dispatcher, errors = world

    async def play():
        replies = []
        for event in batch:
            replies += await dispatcher.handle(event)
        await _check(dispatcher, replies)

    loop.run_until_complete(play())
    assert errors.records == [], errors.records[0].getMessage()
