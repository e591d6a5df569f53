"""Erasing a resident's data leaves no trace of their name or phone number: not in any table,
and on SQLite not in the file's bytes either (secure_delete overwrites what is freed)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import make_url, select, text, update

from bot.model import Attachment
from handlers.forms import AWARD, IDEA
from storage.personal import (
    IMPERSONAL_COLUMNS,
    IMPERSONAL_DETAILS,
    PERSONAL_COLUMNS,
    PERSONAL_DETAILS,
)
from storage.tables import entries, metadata
from tests.conftest import Resident
from tests.flows import code_in, submit_idea
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
    from tests.conftest import TEN_WARDS, Clock, Resident

    engine = create_engine(sqlite_url)
    await migrate(engine)
    clock = Clock(datetime(2026, 11, 25, 3, 0, tzinfo=UTC))
    dispatcher = Dispatcher(Settings(database_url=sqlite_url, flood_burst=10_000,
                                     units_file=TEN_WARDS), engine,
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


async def _lookup(person, code: str) -> str:
    await person.say(f"/tracuu {code}")
    return person.text


async def test_a_stranger_with_the_code_sees_status_and_dates_but_not_the_title(
        dispatcher, resident):
    code = await submit_idea(resident, title="Đèn đường tiết kiệm điện", show_name=False)
    stranger = Resident(dispatcher, user="2002")
    await stranger.consent()
    shown = await _lookup(stranger, code)
    assert code in shown and "2026" in shown
    assert "Đèn đường" not in shown and "Lắp cảm biến" not in shown
    # The author reads their own entry, title included, from the same lookup.
    assert "Đèn đường tiết kiệm điện" in await _lookup(resident, code)


async def test_an_entry_shown_publicly_with_its_authors_consent_shows_its_title(
        dispatcher, resident):
    code = await submit_idea(resident, title="Đèn đường tiết kiệm điện", show_name=True)
    stranger = Resident(dispatcher, user="2002")
    await stranger.consent()
    shown = await _lookup(stranger, code)
    assert "Đèn đường tiết kiệm điện" in shown and "Lan" not in shown


async def test_trying_the_next_number_finds_nothing(dispatcher, resident):
    first = await submit_idea(resident)
    second = await submit_idea(resident)
    assert first.split("-")[3] != second.split("-")[3]  # random parts, not a pattern
    prefix, yy, seq, _, _ = first.split("-")
    stranger = Resident(dispatcher, user="2002")
    await stranger.consent()
    for guess in (f"{prefix}-{yy}-{int(seq) + 1:05d}-{first.split('-')[3]}-{first[-1]}",
                  f"{prefix}-{yy}-{int(seq) + 1:05d}-" + second[-1]):
        shown = await _lookup(stranger, guess)
        assert second not in shown and "Đèn đường" not in shown


async def test_an_entry_with_a_code_from_before_the_random_part_is_still_found(
        engine, resident):
    code = await submit_idea(resident)
    async with engine.begin() as conn:
        await conn.execute(update(entries).where(entries.c.code == code)
                           .values(code="SK-26-00042-Y"))
    shown = await _lookup(resident, "sk 26 00042 y")
    assert "SK-26-00042-Y" in shown and "Đèn đường tiết kiệm điện" in shown


async def _submit_award(resident, authors: str, file_name: str) -> str:
    await resident.press("menu:award")
    await resident.press("pick:solution")
    await resident.press("pick:state-management")
    await resident.say("ben nghe")
    await resident.say("Một cửa số hóa hồ sơ hộ tịch")
    await resident.say(authors)
    await resident.press("nav:skip")  # the authors own it
    await resident.say("Số hóa toàn bộ sổ hộ tịch, tra cứu trực tuyến trong 5 phút.")
    await resident.say("Bộ phận một cửa UBND phường")
    await resident.say("03/2024")
    await resident.say("Giảm 60% thời gian chờ của người dân.")
    await resident.press("pick:filed")
    await resident._send(attachment=Attachment("document", "file-7", file_name, "application/pdf",
                                               100_000))
    await resident.press("nav:done")
    await resident.say(NAME)
    await resident.say(f"0{PHONE_DIGITS}")
    await resident.press("pick:yes")
    await resident.press("form:confirm")
    return code_in(resident.text)


async def test_erasing_removes_the_name_from_an_award_entrys_authors_and_file_names(
        dispatcher, engine, resident):
    lan = await register_officer(dispatcher, "9403", "ben-nghe", "ward_officer", "Cán bộ Lan")
    code = await _submit_award(resident, f"{NAME}, Trần Văn Bình", f"Báo cáo - {NAME}.pdf")
    assert NAME in lan.inbox[-1].text
    await _erase(resident)
    dump = await _everything(engine)
    assert NAME not in dump and PHONE_DIGITS not in dump
    assert code in dump and "Một cửa số hóa hồ sơ hộ tịch" in dump  # the entry stays
    await lan.say(f"/hoso {code}")
    assert NAME not in lan.text and "Một cửa số hóa" in lan.text


PERSONAL_LOOKING = re.compile(
    r"name|phone|contact|caption|author|owner|email|address|text|note|data|details|"
    r"description|title|external_id|file|person|birth|identity"
)


def test_every_column_that_may_hold_a_name_or_contact_is_classified():
    unclassified = [
        f"{table.name}.{column.name}"
        for table in metadata.sorted_tables for column in table.columns
        if PERSONAL_LOOKING.search(column.name)
        and f"{table.name}.{column.name}" not in PERSONAL_COLUMNS | IMPERSONAL_COLUMNS
    ]
    assert unclassified == [], "say in storage/personal.py what erasure does to them"
    known = {f"{t.name}.{c.name}" for t in metadata.sorted_tables for c in t.columns}
    assert set(PERSONAL_COLUMNS) | set(IMPERSONAL_COLUMNS) <= known


def test_every_answer_kept_in_an_entrys_details_is_classified():
    columns = set(entries.c.keys()) | {"ward", "phone", "award_field", "files"}
    detail_keys = {f.name for form in (IDEA, AWARD) for f in form.fields} - columns
    assert "authors" in detail_keys
    assert detail_keys - PERSONAL_DETAILS - IMPERSONAL_DETAILS == set(), (
        "say in storage/personal.py whether these answers hold a person's name or contact"
    )
