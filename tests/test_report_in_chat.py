"""/baocao in the chat: the standing office asks, goes on with its work, and the report draft and
its annex arrive as documents on Telegram and as signed links on Zalo."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import httpx
import openpyxl
import pytest
from docx import Document

from bot.reports import STAGES
from bot.taskworker import STILL_WORKING
from bot.web import build_app, webhook_secrets
from handlers.reports import ALREADY, PREPARING, READY, REPORT_ONLY, USAGE, parse
from testing.serving import serving
from tests import officers
from tests.conftest import mailbox_runtime
from tests.flows import submit_idea
from tests.telegram_world import register
from tests.zalo_world import ZaloWorld, zalo_officer

staff = officers.staff  # the fixture
OFFICE = 5150  # the district officer's Telegram chat
PUBLIC = "https://sangkien.example.vn"


def vi(dispatcher, message: str, **params) -> str:
    sentence = dispatcher.translator("vi")._(message)
    return sentence.format(**params) if params else str(sentence)


@pytest.mark.parametrize(("typed", "expected"), [
    ("", (2026, False)), ("2025", (2025, False)), ("năm 2024", (2024, False)),
    ("tổng kết", (2026, True)), ("tong ket 2025", (2025, True)), ("final", (2026, True)),
    ("cả giai đoạn", (2026, True)), ("tổng kết giai đoạn 2025", (2025, True)),
    ("ngày mai", None), ("2024 2025", None), ("1999", None), ("2031", None),
])
def test_what_follows_baocao_is_read_with_or_without_accents(typed, expected):
    assert parse(typed, 2026) == expected


async def test_on_telegram_the_office_gets_the_report_and_annex_as_documents(world, resident):
    await submit_idea(resident, ward="ben nghe")
    await register(world, OFFICE, "quan-1", "district_officer", "Phòng Nội vụ")
    await world.text("/baocao 2026", OFFICE)
    dispatcher = world.app.bot_data["channel"].dispatcher
    what = vi(dispatcher, "review report of {year}", year=2026)
    assert world.last(OFFICE)["text"] == vi(dispatcher, PREPARING, what=what)
    await world.text("/baocao", OFFICE)  # asked again before it came: built once
    assert world.last(OFFICE)["text"] == vi(dispatcher, ALREADY)
    assert await world.finish_tasks() == 1
    sent = [c for c in world.api.calls_named("sendDocument") if c["chat_id"] == OFFICE]
    assert len(sent) == 2
    files = [data for c in sent for data in c["_uploaded"].values()]
    [docx] = [data for data in files if b"word/" in data]
    [xlsx] = [data for data in files if b"xl/" in data]
    document = Document(io.BytesIO(docx))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BÁO CÁO" in text and "2026" in text
    sheets = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).sheetnames
    assert len(sheets) >= 5
    assert world.last(OFFICE)["text"] == vi(dispatcher, READY, what=what)


async def test_a_ward_officer_and_a_resident_cannot_ask_for_the_report(dispatcher, staff,
                                                                      resident):
    await staff["lan"].say("/baocao")
    assert staff["lan"].text == vi(dispatcher, REPORT_ONLY)
    await resident.say("/baocao")
    assert "/dangky" in resident.text  # the officers-only sentence
    assert [r for r in staff["lan"].last + resident.last if r.attachments] == []


async def test_a_report_of_a_year_without_plan_or_a_wrong_request_is_explained(dispatcher, staff):
    district = staff["district"]
    await district.say("/baocao 2019")
    assert "2019" in district.text and "2021–2025" in district.text
    await district.say("/baocao ngày mai")
    assert district.text == vi(dispatcher, USAGE)


async def test_the_final_review_covers_the_whole_plan(dispatcher, staff):
    district = staff["district"]
    await district.say_and_wait("/baocao tổng kết 2025")
    what = vi(dispatcher, "final review report of the plan {start}–{end}", start=2021, end=2025)
    assert district.text.startswith(vi(dispatcher, PREPARING, what=what))
    (reply,) = [r for r in district.last if r.attachments]
    assert sorted(a.name.rsplit(".", 1)[1] for a in reply.attachments) == ["docx", "xlsx"]


async def test_on_zalo_the_report_comes_as_signed_links_that_open(fake_zalo, dispatcher):
    dispatcher.settings = replace(dispatcher.settings, public_url=PUBLIC)
    world = await ZaloWorld(fake_zalo, dispatcher).start()
    try:
        office = await zalo_officer(world, "3000777888", "quan-1", "district_officer",
                                    "Phòng Nội vụ")
        await office.say("/baocao")
        world.runtime.tasks.inline = True
        await world.runtime.tasks.run_pending()
        await world.runtime.deliver_all()
        links = re.findall(rf"{re.escape(PUBLIC)}(/f/\S+)", fake_zalo.texts("3000777888")[-1])
        assert len(links) == 2
        app = build_app(world.runtime, secrets=await webhook_secrets(world.runtime))
        async with serving(app) as url, httpx.AsyncClient() as client:
            opened = [await client.get(f"{url}{link}") for link in links]
        assert [o.status_code for o in opened] == [200, 200]
        types = sorted(o.headers["content-type"] for o in opened)
        assert types == [
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    finally:
        await world.stop()


async def test_a_long_report_tells_the_office_how_far_it_is(dispatcher, staff):
    district = staff["district"]
    await district.say("/baocao")
    runtime = mailbox_runtime(dispatcher)
    runtime.tasks.inline = True
    runtime.tasks.poll, runtime.tasks.tell_after = 0.01, 0.0  # as if each stage took long
    await runtime.tasks.run_pending()
    await runtime.deliver("console")
    texts = [r.text for r in district.inbox]
    still = vi(dispatcher, STILL_WORKING, stage="@").split("@")[0]
    told = [text for text in texts if text.startswith(still)]
    assert told, texts
    stages = {vi(dispatcher, msgid) for msgid in STAGES.values()}
    assert all(text.removeprefix(still).split(" (")[0] in stages for text in told)
    assert texts[-1].startswith(vi(dispatcher, READY, what="@").split("@")[0])  # files last
