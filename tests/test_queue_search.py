"""Officers search the entries of their scope: by words typed without accents, a code in lower
case, an author's phone in two spellings (written to the audit trail), a status and dates; the
result comes as an Excel workbook; bad input gets a sentence. Both databases."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import select, text

from bot import admin
from bot.channels.zalo_bot import CHANNEL as ZALO
from bot.files import FolderStore
from bot.runtime import Runtime
from bot.services import search
from bot.services.actions import QUEUE_ACTION, VIEW
from handlers.search import SEARCH
from storage import search as search_repo
from storage.db import create_engine, migrate
from storage.tables import entries, officers
from tests.conftest import Resident, mailbox_channel
from tests.flows import entry_row, submit_idea
from tests.officers import register_officer
from tests.zalo_world import ZaloWorld, zalo_officer

TREES = dict(title="Trồng cây xanh trên vỉa hè", description="Mỗi tổ dân phố trồng và chăm sóc "
             "mười cây bóng mát dọc các tuyến đường.")
LAMPS = dict(title="Đèn đường tiết kiệm điện", description="Lắp cảm biến để đèn đường tự giảm "
             "độ sáng khi vắng người qua lại.")


def vi(dispatcher, msgid: str, **params) -> str:
    return dispatcher.translator("vi")._(msgid).format(**params)


async def _resident(dispatcher, user: str) -> Resident:
    person = Resident(dispatcher, user=user)
    await person.consent()
    return person


async def _officer_id(engine, name: str) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(officers.c.id).where(officers.c.name == name))
                ).scalar_one()


def _codes_shown(officer: Resident) -> list[str]:
    """The codes of the entries listed, in their order (each has an option opening its file)."""
    return [o.label for r in officer.last for o in r.options
            if o.value.startswith(f"{QUEUE_ACTION.prefix}:{VIEW}:")]


async def test_ward_officer_finds_an_entry_by_words_typed_without_accents(dispatcher, resident):
    lan = await register_officer(dispatcher, "9001", "ben-nghe", "ward_officer", "Cán bộ Lan")
    trees = await submit_idea(resident, ward="ben nghe", **TREES)
    await submit_idea(resident, ward="ben nghe", **LAMPS)
    await lan.say("/timkiem cay xanh")
    assert _codes_shown(lan) == [trees]
    await lan.say("/timkiem XANH Cây")  # any case, any order
    assert _codes_shown(lan) == [trees]
    await lan.say("/timkiem bong mat")  # a word of the description
    assert _codes_shown(lan) == [trees]
    await lan.say("/timkiem cay hoa")  # every word must match: "hoa" is in neither
    assert _codes_shown(lan) == []
    assert "cay hoa" in lan.text


async def test_ward_officer_does_not_find_an_entry_of_another_ward(dispatcher, resident):
    lan = await register_officer(dispatcher, "9001", "ben-nghe", "ward_officer", "Cán bộ Lan")
    thanh = await register_officer(dispatcher, "9003", "ben-thanh", "ward_officer",
                                   "Cán bộ Bến Thành")
    theirs = await submit_idea(resident, ward="ben thanh", **TREES)
    await lan.say("/timkiem cay xanh")
    assert _codes_shown(lan) == []
    await lan.say(f"/timkiem {theirs}")  # not even by its code
    assert _codes_shown(lan) == []
    await thanh.say("/timkiem cay xanh")
    assert _codes_shown(thanh) == [theirs]


async def test_district_officer_finds_entries_of_the_wards_under_their_unit(
        dispatcher, resident, clock):
    district = await register_officer(dispatcher, "9004", "quan-1", "district_officer",
                                      "Phòng Nội vụ")
    first = await submit_idea(resident, ward="ben nghe", **TREES)
    clock.now += timedelta(minutes=5)
    second = await submit_idea(resident, ward="ben thanh", **TREES)
    await submit_idea(resident, ward="ben thanh", **LAMPS)
    await district.say("/timkiem cây xanh")
    assert _codes_shown(district) == [second, first]  # newest first


async def test_an_administrator_searches_every_unit(dispatcher, resident, clock):
    admin_officer = await register_officer(dispatcher, "9006", "so-noi-vu", "admin", "Quản trị")
    first = await submit_idea(resident, ward="ben nghe", **TREES)
    clock.now += timedelta(minutes=5)
    second = await submit_idea(resident, ward="tan dinh", **TREES)
    await admin_officer.say("/timkiem cay xanh")
    assert _codes_shown(admin_officer) == [second, first]
    assert vi(dispatcher, "every unit") in admin_officer.text


async def test_search_by_phone_in_two_spellings_finds_the_authors_entries_and_is_audited(
        dispatcher, engine, settings):
    lan = await register_officer(dispatcher, "9001", "ben-nghe", "ward_officer", "Cán bộ Lan")
    an, binh = await _resident(dispatcher, "1001"), await _resident(dispatcher, "1002")
    mine = {await submit_idea(an, ward="ben nghe", name="Nguyễn Văn An", phone="0901 234 567",
                              **TREES),
            await submit_idea(an, ward="ben nghe", name="Nguyễn Văn An", phone="0901234567",
                              **LAMPS)}
    await submit_idea(binh, ward="ben nghe", name="Trần Thị Bình", phone="0912 876 543", **TREES)
    await lan.say("/timkiem 0901 234 567")
    assert set(_codes_shown(lan)) == mine
    await lan.say("/timkiem +84901234567")
    assert set(_codes_shown(lan)) == mine
    await lan.say("/timkiem ten: nguyen van an")  # the name, without accents
    assert set(_codes_shown(lan)) == mine
    await lan.say("/timkiem cay xanh")  # words of the title: not a person, not logged
    assert len(_codes_shown(lan)) == 2

    ok, audit = await admin.audit(settings, None, await _officer_id(engine, "Cán bộ Lan"))
    assert ok
    searched = [line for line in audit.splitlines() if "“" in line]
    assert len(searched) == 3, audit
    assert "“0901 234 567”, 2" in searched[0] and "Cán bộ Lan" in searched[0]
    assert "“+84901234567”, 2" in searched[1]
    assert "“ten: nguyen van an”, 2" in searched[2]
    assert "cay xanh" not in audit


async def test_a_resident_cannot_search_nor_press_a_search_button(dispatcher, resident):
    await submit_idea(resident, ward="ben nghe", **TREES)
    await resident.say("/timkiem cay xanh")
    assert resident.text == vi(dispatcher, "This is for registered officers. If you are one, "
                               "send /dangky with the code you were given.")
    await resident.press_anyway(SEARCH.pack("xlsx", "-"))
    assert "/dangky" in resident.text and not resident.last[0].attachments
    comms = await register_officer(dispatcher, "9005", "quan-1", "communications", "Phòng VHTT")
    await comms.say("/timkiem cay xanh")
    assert comms.text == vi(dispatcher, "Search is for ward and district officers and "
                            "administrators.")


async def test_status_and_date_filters(dispatcher, resident, clock):
    lan = await register_officer(dispatcher, "9001", "ben-nghe", "ward_officer", "Cán bộ Lan")
    # Sent (Ho Chi Minh City time): 5 Oct, 31 Oct 23:30, 15 Nov, 20 Nov 2026.
    sent = {}
    for name, moment in (("oct5", datetime(2026, 10, 5, 3, 0, tzinfo=UTC)),
                         ("oct31", datetime(2026, 10, 31, 16, 30, tzinfo=UTC)),
                         ("nov15", datetime(2026, 11, 15, 3, 0, tzinfo=UTC)),
                         ("nov20", datetime(2026, 11, 20, 3, 0, tzinfo=UTC))):
        clock.now = moment
        sent[name] = await submit_idea(resident, ward="ben nghe", **TREES)
    clock.now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    taken = (await entry_row(dispatcher.engine, sent["nov15"]))["id"]
    await lan.press_anyway(f"q:take:{taken}")

    async def found(query: str) -> set[str]:
        await lan.say(f"/timkiem {query}")
        return set(_codes_shown(lan))

    assert await found("từ 01/11/2026 đến 30/11/2026") == {sent["nov15"], sent["nov20"]}
    assert await found("tu 1/11/26 den 30/11/26") == {sent["nov15"], sent["nov20"]}
    assert await found("đến 31/10/2026") == {sent["oct5"], sent["oct31"]}
    assert await found("31/10/2026") == {sent["oct31"]}  # one day, in the city's time
    assert await found("10/2026") == {sent["oct5"], sent["oct31"]}  # one month
    assert await found("trạng thái: đã tiếp nhận") == {sent["nov15"]}
    assert await found("tt: da tiep nhan tu 01/10/2026 den 14/11/2026") == set()
    assert await found("cay xanh tt: tiep nhan") == {sent["nov15"]}

    # After a search, its statuses are offered as options, with their counts.
    await lan.say("/timkiem từ 01/10/2026")
    assert len(_codes_shown(lan)) == 4
    submitted = vi(dispatcher, "Submitted, waiting to be taken up by the ward")
    only = vi(dispatcher, "Only: {status} ({count})", status=submitted, count=3)
    await lan.press_label(only)
    assert set(_codes_shown(lan)) == {sent["oct5"], sent["oct31"], sent["nov20"]}
    await lan.press_label(vi(dispatcher, "All statuses"))
    assert len(_codes_shown(lan)) == 4


async def test_results_come_a_page_at_a_time(dispatcher, resident, clock):
    lan = await register_officer(dispatcher, "9001", "ben-nghe", "ward_officer", "Cán bộ Lan")
    codes = []
    for _ in range(7):
        clock.now += timedelta(minutes=1)
        codes.append(await submit_idea(resident, ward="ben nghe", **TREES))
    await lan.say("/timkiem cay xanh")
    assert _codes_shown(lan) == codes[::-1][:5]
    await lan.press(SEARCH.pack("page", 2))
    assert _codes_shown(lan) == codes[::-1][5:]
    await lan.press(QUEUE_ACTION.pack(VIEW, (await entry_row(dispatcher.engine, codes[0]))["id"]))
    assert codes[0] in lan.text and TREES["description"] in lan.text  # the entry's file


async def test_a_code_typed_in_lower_case_without_dashes_finds_its_entry(dispatcher, resident):
    lan = await register_officer(dispatcher, "9001", "ben-nghe", "ward_officer", "Cán bộ Lan")
    code = await submit_idea(resident, ward="ben nghe", **TREES)
    await submit_idea(resident, ward="ben nghe", **TREES)
    await lan.say(f"/timkiem {code.lower().replace('-', '')}")
    assert _codes_shown(lan) == [code]
    await lan.say(f"/timkiem {code.lower()}")
    assert _codes_shown(lan) == [code]


async def test_the_excel_export_lists_exactly_the_results_with_dates_as_dates(
        dispatcher, engine, settings, clock):
    district = await register_officer(dispatcher, "9004", "quan-1", "district_officer",
                                      "Phòng Nội vụ")
    an, binh = await _resident(dispatcher, "1001"), await _resident(dispatcher, "1002")
    clock.now = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    tan_dinh = await submit_idea(an, ward="tan dinh", name="Nguyễn Văn An", phone="0901234567",
                                 **TREES)
    clock.now = datetime(2026, 11, 3, 3, 0, tzinfo=UTC)
    da_kao = await submit_idea(binh, ward="da kao", name="Trần Thị Bình", phone="0912876543",
                               **TREES)
    clock.now = datetime(2026, 11, 4, 3, 0, tzinfo=UTC)
    ben_nghe = await submit_idea(an, ward="ben nghe", name="Nguyễn Văn An", phone="0901234567",
                                 **TREES)
    await submit_idea(an, ward="ben nghe", **LAMPS)  # not a result
    await district.say("/timkiem cay xanh")
    assert set(_codes_shown(district)) == {tan_dinh, da_kao, ben_nghe}
    await district.press(SEARCH.pack("xlsx", "-"))
    assert district.text == vi(dispatcher, "Preparing the Excel file of {count} entry(ies); it "
                               "will arrive here in a moment.", count=3)

    runtime = Runtime(dispatcher, [mailbox_channel(dispatcher)], inline_tasks=True)
    assert await runtime.tasks.run_pending() == 1
    await runtime.deliver("console")
    sent = district.inbox[-1]
    [attachment] = sent.attachments
    assert attachment.kind == "document" and attachment.name.endswith(".xlsx")
    data = await FolderStore(settings.files_dir).read(attachment.key)
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    header = [c.value for c in sheet[1]]
    assert header[0] == vi(dispatcher, "Tracking code") and len(header) == 12
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    # Vietnamese order of the wards: Bến Nghé, Đa Kao, Tân Định (code points put Đ after T).
    assert [r[0] for r in rows] == [ben_nghe, da_kao, tan_dinh]
    assert [r[2] for r in rows] == ["Phường Bến Nghé", "Phường Đa Kao", "Phường Tân Định"]
    assert [r[6] for r in rows] == [datetime(2026, 11, 4), datetime(2026, 11, 3),
                                    datetime(2026, 11, 2)]
    assert sheet.cell(row=2, column=7).number_format == "dd/mm/yyyy"
    assert [r[9] for r in rows] == ["Nguyễn Văn An", "Trần Thị Bình", "Nguyễn Văn An"]
    assert [r[10] for r in rows] == ["0901 234 567", "0912 876 543", "0901 234 567"]

    ok, audit = await admin.audit(settings, None, await _officer_id(engine, "Phòng Nội vụ"))
    assert vi(dispatcher, "Excel export") in audit and "“cay xanh”, 3" in audit


async def test_bad_input_gets_a_clear_sentence(dispatcher, resident):
    lan = await register_officer(dispatcher, "9001", "ben-nghe", "ward_officer", "Cán bộ Lan")
    await submit_idea(resident, ward="ben nghe", **TREES)
    await lan.say("/timkiem")
    assert lan.text == vi(dispatcher, search.EMPTY)
    await lan.say("/timkiem " + "cây " * 500)
    assert lan.text == vi(dispatcher, search.TOO_LONG, limit=200, count=1999)
    await lan.say("/timkiem cay xanh từ 32/13/2026")
    assert lan.text == vi(dispatcher, search.BAD_DATE, typed="32/13/2026")
    await lan.say("/timkiem từ 30/11/2026 đến 01/11/2026")
    assert lan.text == vi(dispatcher, search.DATES_REVERSED, since="30/11/2026",
                          until="01/11/2026")
    await lan.say("/timkiem tt: bay bướm")
    assert lan.text == vi(dispatcher, search.BAD_STATUS, typed="bay bướm")
    await lan.say("/timkiem sđt: 123")
    assert lan.text == vi(dispatcher, search.BAD_PHONE, typed="123")
    await lan.say("/timkiem tên:")
    assert lan.text == vi(dispatcher, search.NOTHING_AFTER, keyword="tên")
    await lan.press_anyway(SEARCH.pack("page", 2))  # no search kept: said so, nothing lost
    assert lan.text == vi(dispatcher, "That search is over. Send /timkiem with what you are "
                          "looking for.")


async def test_erasing_a_residents_data_leaves_the_audit_but_they_are_no_longer_found(
        dispatcher, engine, settings, resident):
    lan = await register_officer(dispatcher, "9001", "ben-nghe", "ward_officer", "Cán bộ Lan")
    code = await submit_idea(resident, ward="ben nghe", name="Nguyễn Văn An",
                             phone="0901 234 567", **TREES)
    await lan.say("/timkiem 0901234567")
    assert _codes_shown(lan) == [code]
    await resident.say("/caidat")
    await resident.press("set:erase")
    await resident.press("set:erase-yes")
    await lan.say("/timkiem 0901234567")
    assert _codes_shown(lan) == []
    await lan.say("/timkiem ten: nguyen van an")
    assert _codes_shown(lan) == []
    await lan.say("/timkiem cay xanh")  # the entry itself stays, anonymous
    assert _codes_shown(lan) == [code]
    assert "nguyen" not in (await entry_row(engine, code))["search_text"]
    ok, audit = await admin.audit(settings, None, await _officer_id(engine, "Cán bộ Lan"))
    assert "“0901234567”, 1" in audit and "“0901234567”, 0" in audit


async def test_the_migration_makes_entries_already_stored_searchable(db_url):
    engine = create_engine(db_url)
    await migrate(engine, "0014")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO entries (code, kind, unit, title, description, details, "
                 "contact_name, show_name, status, lang, created_at, updated_at) VALUES "
                 "('SK-26-00001-P', 'idea', 'ben-nghe', 'Cây xanh cho trường học', 'Mô tả', "
                 "'{}', 'Lê Thị Đào', false, 'submitted', 'vi', :now, :now)"), {"now": now})
    await migrate(engine)
    async with engine.connect() as conn:
        stored = (await conn.execute(select(entries.c.search_text))).scalar_one()
        found = await search_repo.count(conn, search_repo.Criteria(
            units=["ben-nghe"], words=("cay", "truong"), name=("dao",)))
    await engine.dispose()
    assert stored == " cay xanh cho truong hoc mo ta | le thi dao"
    assert found == 1


def test_a_query_typed_loosely_on_a_phone_is_understood():
    labels = {"accepted": ["Đã tiếp nhận, đang xem xét", "Taken up, under review"],
              "awarded": ["Đạt giải", "Awarded"],
              "applied": ["Đạt giải và đã được áp dụng vào thực tiễn",
                          "Awarded and put into practice"]}
    loose = search.parse("sđt: 0901-234-567 cây xanh", labels)
    assert (loose.phone, loose.words) == ("+84901234567", ("cay", "xanh"))
    assert search.parse("0901-234-567", labels).phone == "+84901234567"
    two_days = search.parse("01.10.2026 30.11.2026", labels)
    assert (two_days.since, two_days.until) == (date(2026, 10, 1), date(2026, 11, 30))
    month = search.parse("đến 2/2028", labels)  # to the end of February, a leap year
    assert (month.since, month.until) == (None, date(2028, 2, 29))
    lamps = search.parse("đèn đường đến 30/11/2026", labels)  # "đèn" is a word, "đến" a keyword
    assert (lamps.words, lamps.until) == (("den", "duong"), date(2026, 11, 30))
    assert search.parse("TRẠNG THÁI : Đạt giải", labels).status == "awarded"  # exact beats start
    assert search.parse("status: taken", labels).status == "accepted"
    with pytest.raises(search.QueryError) as several:
        search.parse("tt: dat", labels)
    assert several.value.message == search.SEVERAL_STATUSES
    assert set(several.value.params["statuses"]) == {"awarded", "applied"}
    code = search.parse("mã: sk 26 00042 7kq4 l", labels)
    assert code.code == "SK-26-00042-7KQ4-L"


async def test_an_officer_on_zalo_gets_the_export_as_a_signed_link(
        dispatcher, resident, fake_zalo, settings):
    dispatcher.settings = replace(settings, public_url="https://sangkien.example.vn")
    runtime = Runtime(dispatcher, inline_tasks=True)
    world = await ZaloWorld(fake_zalo, dispatcher, runtime).start()
    try:
        lan = await zalo_officer(world, "zalo-lan", "ben-nghe", "ward_officer", "Cán bộ Lan")
        trees = await submit_idea(resident, ward="ben nghe", **TREES)
        await runtime.deliver(ZALO)  # the new entry's notice (whose numbers would be typed)
        await lan.say("/timkiem cay xanh")
        assert trees in lan.text
        await lan.choose(vi(dispatcher, "Export to Excel"))
        assert lan.text == vi(dispatcher, "Preparing the Excel file of {count} entry(ies); it "
                              "will arrive here in a moment.", count=1)
        assert await runtime.tasks.run_pending() == 1
        await runtime.deliver(ZALO)
        [sent] = fake_zalo.texts("zalo-lan")[-1:]
        assert vi(dispatcher, "The Excel file of your search “{query}”: {count} entry(ies).",
                  query="cay xanh", count=1) in sent
        assert re.search(r"📎 tim-kiem-[\d-]+\.xlsx: https://sangkien\.example\.vn/f/\S+", sent)
    finally:
        await world.stop()
