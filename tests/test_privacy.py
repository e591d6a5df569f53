"""Erasing a resident's data leaves no trace of their name or phone number: not in any table,
and on SQLite not in the file's bytes either (secure_delete overwrites what is freed)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import make_url, select, text

from storage.tables import metadata
from tests.flows import submit_idea
from tests.officers import register_officer

NAME = "Hoàng Thị Quỳnh Hương"
PHONE_DIGITS = "912876543"


async def _erase(resident) -> None:
    await resident.say("/caidat")
    await resident.press("set:erase")
    await resident.press("set:erase-yes")


async def _everything(engine) -> str:
    dump = []
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            dump += [repr(tuple(row)) for row in await conn.execute(select(table))]
    return "\n".join(dump)


async def test_erased_name_and_phone_are_in_no_table(dispatcher, engine, resident):
    lan = await register_officer(dispatcher, "9401", "ben-nghe", "ward_officer", "Cán bộ Lan")
    for _ in range(3):
        await submit_idea(resident, name=NAME, phone=f"0{PHONE_DIGITS}")
    assert NAME in lan.inbox[-1].text  # the officers did get it, while it was needed
    assert NAME in await _everything(engine)
    await _erase(resident)
    dump = await _everything(engine)
    assert NAME not in dump and PHONE_DIGITS not in dump
    assert dump.count("SK-26-") >= 3  # the entries stay, anonymised


async def test_erased_name_and_phone_are_not_in_the_sqlite_file(sqlite_url, tmp_path):
    from datetime import UTC, datetime

    from bot.config import Settings
    from bot.dispatcher import Dispatcher
    from storage.db import create_engine, migrate
    from tests.conftest import Clock, Resident

    engine = create_engine(sqlite_url)
    await migrate(engine)
    clock = Clock(datetime(2026, 11, 25, 3, 0, tzinfo=UTC))
    dispatcher = Dispatcher(Settings(database_url=sqlite_url, flood_burst=10_000), engine,
                            clock=clock)
    lan = await register_officer(dispatcher, "9402", "ben-nghe", "ward_officer", "Cán bộ Lan")
    resident = Resident(dispatcher)
    await resident.consent()
    for _ in range(3):
        await submit_idea(resident, name=NAME, phone=f"0{PHONE_DIGITS}")
    await resident.press("menu:idea")  # a draft holding them too
    await resident.say("ben nghe")
    await resident.press("pick:economy")
    await resident.say(f"Ý tưởng của {NAME}, gọi 0{PHONE_DIGITS}")
    assert lan.inbox
    await _erase(resident)
    async with engine.connect() as conn:
        await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    await engine.dispose()
    path = Path(make_url(sqlite_url).database)
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    for needle in (NAME, NAME.split()[-1], PHONE_DIGITS):
        assert needle.encode() not in raw, needle
    assert b"SK-26-00003" in raw
