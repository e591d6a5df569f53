"""Reminders with the clock under the test's control: each fires once, at its time, in the
recipient's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from bot.runtime import Runtime
from storage import channels as channel_repo
from storage import entries as entry_repo
from storage import search as search_repo
from storage.tables import flood, searches
from tests.conftest import Resident, mailbox_runtime
from tests.flows import submit_idea
from tests.officers import register_officer


def local(day: int, hour: int, month: int = 11, year: int = 2026) -> datetime:
    """A moment in Ho Chi Minh City (UTC+7), as UTC."""
    return datetime(year, month, day, hour, tzinfo=UTC) - timedelta(hours=7)


async def run(dispatcher, clock, when: datetime, *people: Resident) -> None:
    clock.now = when
    await Runtime(dispatcher).jobs.run_due(when)
    for person in people:
        await person.deliver()


def texts(person: Resident, needle: str) -> list[str]:
    return [r.text for r in person.inbox if needle in r.text]


async def test_untouched_draft_reminds_at_24_and_72_hours_once_each(dispatcher, clock, resident):
    english = Resident(dispatcher, user="3101")
    await english.consent()
    await english.press("menu:settings")
    await english.press("lang:en")
    for person in (resident, english):
        await person.say("/sangkien")
        await person.say("ben nghe")
    start = clock.now
    await run(dispatcher, clock, start + timedelta(hours=23), resident, english)
    assert resident.inbox == [] and english.inbox == []
    await run(dispatcher, clock, start + timedelta(hours=25), resident, english)
    await run(dispatcher, clock, start + timedelta(hours=30), resident, english)
    assert len(resident.inbox) == 1 and len(english.inbox) == 1
    assert "unfinished idea" in english.inbox[0].text  # in the recipient's own language
    assert "unfinished" not in resident.inbox[0].text  # Vietnamese for the other
    assert [o.value for o in english.inbox[0].options] == ["menu:resume"]
    await run(dispatcher, clock, start + timedelta(hours=73), resident, english)
    await run(dispatcher, clock, start + timedelta(hours=80), resident, english)
    assert len(resident.inbox) == 2 and len(english.inbox) == 2


async def test_a_draft_touched_again_is_not_reminded(dispatcher, clock, resident):
    await resident.say("/sangkien")
    start = clock.now
    clock.now = start + timedelta(hours=20)
    await resident.say("ben nghe")
    await run(dispatcher, clock, start + timedelta(hours=30), resident)
    assert resident.inbox == []


async def test_unanswered_question_reminds_after_3_days_and_closes_later(
    dispatcher, clock, resident, engine
):
    lan = await register_officer(dispatcher, "9301", "ben-nghe", "ward_officer", "Cán bộ Lan")
    code = await submit_idea(resident)
    async with engine.connect() as conn:
        entry = await entry_repo.entry_by_code(conn, code)
    await lan.press_anyway(f"q:ask_info:{entry['id']}")
    await lan.say("Xin gửi thêm sơ đồ vị trí.")
    asked = len(resident.inbox)
    start = clock.now
    await run(dispatcher, clock, start + timedelta(days=2), resident)
    assert len(resident.inbox) == asked
    await run(dispatcher, clock, start + timedelta(days=3, hours=1), resident)
    await run(dispatcher, clock, start + timedelta(days=4), resident)
    reminders = resident.inbox[asked:]
    assert len(reminders) == 1 and "sơ đồ vị trí" in reminders[0].text
    assert [o.value for o in reminders[0].options] == [f"ans:{code}"]
    await run(dispatcher, clock, start + timedelta(days=14, hours=1), resident, lan)
    async with engine.connect() as conn:
        assert (await entry_repo.entry_by_code(conn, code))["status"] == "closed"
    assert code in resident.inbox[-1].text
    assert any("Xin gửi thêm" not in t for t in texts(lan, code)[-1:])  # the officers are told
    count = len(resident.inbox)
    await run(dispatcher, clock, start + timedelta(days=15), resident, lan)
    assert len(resident.inbox) == count


async def test_morning_digest_at_eight_and_escalation_to_the_district(
    dispatcher, clock, resident
):
    lan = await register_officer(dispatcher, "9302", "ben-nghe", "ward_officer", "Cán bộ Lan")
    district = await register_officer(dispatcher, "9303", "quan-1", "district_officer", "PNV")
    code = await submit_idea(resident)  # Wed 25 Nov: due Wed 2 Dec
    before = len(lan.inbox)
    await run(dispatcher, clock, local(1, 7, month=12), lan, district)
    assert len(lan.inbox) == before  # not before eight
    await run(dispatcher, clock, local(1, 8, month=12), lan, district)  # due tomorrow
    assert len(lan.inbox) == before + 1 and code in lan.inbox[-1].text
    await run(dispatcher, clock, local(1, 15, month=12), lan, district)
    assert len(lan.inbox) == before + 1  # once a day
    await run(dispatcher, clock, local(3, 8, month=12), lan, district)
    assert any("⚠" in t for t in texts(lan, code))  # overdue now
    assert not texts(district, code)
    await run(dispatcher, clock, local(8, 8, month=12), lan, district)  # 4 working days late
    assert len(texts(district, code)) == 1
    await run(dispatcher, clock, local(9, 8, month=12), lan, district)
    assert len(texts(district, code)) == 1  # escalated once


async def test_campaign_closing_reminds_7_days_and_1_day_before(dispatcher, clock, resident):
    await resident.press("menu:settings")
    await resident.press("set:subscribe")
    drafter = Resident(dispatcher, user="3201")
    await drafter.consent()
    await drafter.say("/sangkien")
    await drafter.say("ben thanh")
    await run(dispatcher, clock, local(23, 9, month=12, year=2030), resident, drafter)
    assert not texts(resident, "2030")
    await run(dispatcher, clock, local(24, 9, month=12, year=2030), resident, drafter)
    assert len(texts(resident, "31")) == 1
    assert [o.value for o in drafter.inbox[-1].options] == ["menu:resume"]
    await run(dispatcher, clock, local(25, 9, month=12, year=2030), resident, drafter)
    assert len(texts(resident, "31")) == 1
    await run(dispatcher, clock, local(30, 9, month=12, year=2030), resident, drafter)
    assert len(texts(resident, "31")) == 2


async def test_yearly_milestone_reminds_the_officers_concerned_every_year(dispatcher, clock):
    lan = await register_officer(dispatcher, "9304", "ben-nghe", "ward_officer", "Cán bộ Lan")
    comms = await register_officer(dispatcher, "9305", "quan-1", "communications", "VHTT")
    await run(dispatcher, clock, local(2, 9, month=12), lan, comms)
    assert not texts(lan, "10")
    await run(dispatcher, clock, local(3, 9, month=12), lan, comms)  # 7 days before 10 Dec
    await run(dispatcher, clock, local(4, 9, month=12), lan, comms)
    assert len(texts(lan, "2026")) == 1
    assert not [r for r in comms.inbox if "2026" in r.text and "12" in r.text]
    await run(dispatcher, clock, local(3, 9, month=12, year=2027), lan, comms)
    assert len(texts(lan, "2027")) == 1  # next year, without re-entering it


async def test_a_reminder_falling_due_at_night_waits_for_seven_and_comes_once(
        dispatcher, clock, resident):
    clock.now = local(24, 23) + timedelta(minutes=45)  # Tuesday 23:45
    await resident.say("/sangkien")
    await resident.say("ben nghe")
    await run(dispatcher, clock, local(25, 23) + timedelta(minutes=50), resident)  # due: 23:45
    await run(dispatcher, clock, local(26, 3), resident)
    assert resident.inbox == []  # nothing in the quiet hours
    await run(dispatcher, clock, local(26, 6) + timedelta(minutes=59), resident)
    assert resident.inbox == []
    await run(dispatcher, clock, local(26, 7), resident)
    assert len(resident.inbox) == 1 and [o.value for o in resident.inbox[0].options] == [
        "menu:resume"]
    await run(dispatcher, clock, local(26, 7) + timedelta(minutes=15), resident)
    await run(dispatcher, clock, local(26, 10), resident)
    assert len(resident.inbox) == 1  # once, not lost, not duplicated


async def test_a_reply_to_the_residents_own_message_is_answered_at_night(clock, resident):
    clock.now = local(25, 23) + timedelta(minutes=30)
    replies = await resident.say("/start")
    assert replies and replies[0].text


async def test_the_officers_digest_is_not_sent_at_half_past_eleven_but_next_morning(
        dispatcher, clock, resident):
    lan = await register_officer(dispatcher, "9312", "ben-nghe", "ward_officer", "Cán bộ Lan")
    code = await submit_idea(resident)
    before = len(lan.inbox)
    # The bot (re)started late in the evening: today's digest did not go out in the morning.
    await run(dispatcher, clock, local(1, 23, month=12) + timedelta(minutes=30), lan)
    await run(dispatcher, clock, local(2, 6, month=12), lan)
    assert len(lan.inbox) == before
    await run(dispatcher, clock, local(2, 8, month=12), lan)
    assert len(lan.inbox) == before + 1 and code in lan.inbox[-1].text
    await run(dispatcher, clock, local(2, 9, month=12), lan)
    assert len(lan.inbox) == before + 1


def test_console_clock_line_holds_a_night_reminder_until_seven(sqlite_url):
    from tests.test_console import run_chat, turns

    out = turns(run_chat(sqlite_url, [
        {"clock": "2026-11-24T23:45:00+07:00"},
        {"user": 1001, "text": "/start"}, {"user": 1001, "choose": "consent:yes"},
        {"user": 1001, "text": "/sangkien"}, {"user": 1001, "text": "ben nghe"},
        {"clock": "2026-11-25T23:50:00+07:00"}, {"clock": "2026-11-26T06:45:00+07:00"},
        {"clock": "2026-11-26T07:00:00+07:00"}, {"clock": "2026-11-26T09:00:00+07:00"},
    ]))
    night, dawn, seven, later = out[-4:]
    assert night == [] and dawn == []
    assert len(seven) == 1 and seven[0]["options"][0]["value"] == "menu:resume"
    assert later == []


async def test_the_days_housekeeping_forgets_message_ids_after_a_week_and_idle_flood_buckets(
        dispatcher, engine, clock):
    now = clock.now
    async with engine.begin() as conn:
        assert await channel_repo.take_message(conn, "zalo_bot", "old", now - timedelta(days=8))
        assert await channel_repo.take_message(conn, "zalo_bot", "new", now - timedelta(days=1))
        await conn.execute(insert(flood), [
            {"key": "zalo_bot:1", "tokens": 3, "at": (now - timedelta(days=2)).timestamp(),
             "refused": False},
            {"key": "zalo_bot:2", "tokens": 3, "at": now.timestamp(), "refused": False}])
    assert await mailbox_runtime(dispatcher).jobs.housekeeping(now) == 2
    async with engine.connect() as conn:
        assert not await channel_repo.taken(conn, "zalo_bot", "old")
        assert await channel_repo.taken(conn, "zalo_bot", "new"), "a recent one still refused"
        keys = [r[0] for r in await conn.execute(select(flood.c.key))]
    assert keys == ["zalo_bot:2"]



async def test_the_housekeeping_forgets_searches_by_a_person_after_two_years(dispatcher, engine,
                                                                            clock):
    now = clock.now
    async with engine.begin() as conn:
        for at in (now - search_repo.SEARCHES_KEPT - timedelta(days=1), now - timedelta(days=1)):
            await search_repo.log(conn, officer_id=None, actor_name="Cán bộ Lan", at=at,
                                  kind="phone", query="0903123456", results=1)
    assert await mailbox_runtime(dispatcher).jobs.housekeeping(now) == 1
    async with engine.connect() as conn:
        left = (await conn.execute(select(func.count()).select_from(searches))).scalar_one()
    assert left == 1
