"""Residents writing to a ward's Zalo Official Account: the real adapter is given signed webhook
pushes as the web app would give them, and sends to the fake OA API (testing.fakezalo_oa),
which answers as Zalo's notes say: signatures, pushes delivered again, the 7-day window, buttons,
single-use refresh tokens."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from bot.dispatcher import Dispatcher
from bot.model import Option, Reply
from bot.runtime import Runtime
from bot.services import broadcasts as broadcast_service
from bot.services.outbox import row as outbox_row
from bot.services.permissions import AUTHOR_UNREACHED
from bot.services.review import Actor
from handlers.menu import MENU
from storage import broadcasts as broadcast_repo
from storage import channels as channel_repo
from storage import entries as entry_repo
from storage import users as user_repo
from storage.db import create_engine
from storage.tables import outbox, users
from testing.codes import code_in
from testing.fakezalo_oa import REFRESH_TOKEN, FakeZaloOA
from tests.officers import register_officer
from tests.telegram_world import subscriber_row
from tests.zalo_oa_world import OAWorld, oa_channel
from tests.zalo_world import consent, redelivered_title_changes_nothing, t, to_title_answered

LAN = "6109876543210001"
MAI = "6109876543210002"


@pytest.fixture
def fake():
    api = FakeZaloOA().start()
    yield api
    api.stop()


@pytest.fixture
async def oa(fake, dispatcher):
    world = OAWorld(fake, dispatcher)
    yield world
    await world.stop()


async def _submit(person, dispatcher) -> str:
    await person.choose(t(dispatcher, "Send an idea"))
    await person.say("ben nghe")
    await person.choose("Chuyển đổi số, đô thị thông minh")
    await person.say("Đèn đường tiết kiệm điện")
    await person.say("Lắp cảm biến để đèn đường tự giảm độ sáng khi vắng người qua lại.")
    await person.say("Tiết kiệm 30% điện năng chiếu sáng công cộng.")
    await person.choose(t(dispatcher, "Skip"))  # no files
    await person.say("Nguyễn Thị Lan")
    await person.say("0903 123 456")
    await person.choose(t(dispatcher, "Yes"))
    assert "Đèn đường tiết kiệm điện" in person.text  # the summary
    await person.say(t(dispatcher, "Send"))  # the label typed instead of its number
    return code_in(person.text)


async def _held(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(outbox)
                                   .where(outbox.c.status == "held"))).scalar_one()


async def test_resident_sends_a_whole_idea_to_the_wards_official_account(
        oa, dispatcher, engine, fake):
    lan = oa.person(LAN)
    await consent(lan, dispatcher)
    code = await _submit(lan, dispatcher)
    async with engine.connect() as conn:
        entry = await entry_repo.entry_by_code(conn, code)
        author = await user_repo.load_user(conn, "zalo_oa", LAN)
    assert entry["unit"] == "ben-nghe" and entry["user_id"] == author["id"]
    assert all(1 <= len(m["text"]) <= 2000 for m in fake.sent)


async def test_a_push_without_the_right_signature_gets_403_and_changes_nothing(
        oa, dispatcher, engine, fake):
    event = fake.text_event(LAN, "Xin chào")
    headers, body = fake.signed_push(event)
    wrong_key, _ = fake.signed_push(event, key="another-oa-secret-key")
    tampered = body.replace("Xin chào".encode(), "Tạm biệt".encode())
    assert await oa.push(event, headers=wrong_key, body=body) == 403
    assert await oa.push(event, headers={}, body=body) == 403  # no signature at all
    assert await oa.push(event, headers=headers, body=tampered) == 403
    assert await oa.push(event, headers=headers, body=b"{not json") == 403
    assert await oa.push(event, headers={"x-zevent-signature": "mac="}, body=body) == 403
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(users))).scalar_one() == 0
    assert fake.sent == []
    bare = {"x-zevent-signature": headers["X-ZEvent-Signature"].removeprefix("mac=")}
    assert await oa.push(event, headers=bare, body=body) == 200  # `mac=` may be left out
    assert fake.texts(LAN)


async def test_a_push_zalo_delivers_again_is_processed_once(oa, dispatcher, engine):
    await redelivered_title_changes_nothing(oa.person(LAN), dispatcher, engine, "zalo_oa")


async def test_a_notice_to_a_resident_silent_for_eight_days_waits_for_their_next_message(
        oa, dispatcher, engine, fake, clock):
    officer = await register_officer(dispatcher, "9001", "ben-nghe", "ward_officer", "Cán bộ Lan")
    lan = oa.person(LAN)
    await consent(lan, dispatcher)
    code = await _submit(lan, dispatcher)
    async with engine.connect() as conn:
        entry_id = (await entry_repo.entry_by_code(conn, code))["id"]
    await officer.deliver()

    clock.now += timedelta(days=8)  # Zalo lets the OA write to Lan no more
    calls = fake.calls
    await officer.press_anyway(f"q:take:{entry_id}")
    assert t(dispatcher, AUTHOR_UNREACHED) in officer.text  # the officer knows Lan waits
    assert await oa.runtime.deliver("zalo_oa") == 0
    assert fake.calls == calls  # not even tried: Zalo would refuse it (-230)
    assert await _held(engine) == 1
    await oa.runtime.deliver_all()  # the delivery loop leaves it where it is
    assert await _held(engine) == 1 and fake.calls == calls

    clock.now += timedelta(days=2)
    await lan.say("Cho tôi hỏi hồ sơ của tôi")
    assert any(code in text and "Phường đã tiếp nhận" in text for text in lan.last), lan.last
    assert await _held(engine) == 0
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(outbox))).scalar_one() == 0


async def test_a_notice_zalo_refuses_for_the_7_day_rule_waits_for_the_next_message(
        oa, dispatcher, engine, fake):
    lan = oa.person(LAN)
    await consent(lan, dispatcher)
    fake.refuse(LAN, -230)
    assert (await oa.channel.send(LAN, Reply("Thông báo thử"))).status == "held"
    fake.refuse(LAN, -230)
    async with engine.begin() as conn:  # a notice another step left for Lan
        await conn.execute(outbox.insert(), [
            outbox_row("zalo_oa", LAN, Reply(f"Thông báo {n}"), dispatcher.clock())
            for n in (1, 2)])
    assert await oa.runtime.deliver("zalo_oa") == 0
    assert await _held(engine) == 2  # the second waits behind the first, untried
    await lan.say("Xin chào")
    shown = lan.last
    assert shown.index("Thông báo 1") < shown.index("Thông báo 2")  # in their order


async def test_up_to_five_options_come_as_buttons_and_typing_the_number_works_too(
        oa, dispatcher, engine, fake):
    lan = oa.person(LAN)
    await lan.say("Xin chào")
    agree = t(dispatcher, "I agree")
    assert [b["title"] for b in lan.buttons] and agree in [b["title"] for b in lan.buttons]
    assert all(b["type"] == "oa.query.show" for b in lan.buttons)
    assert f"1. {agree}" in lan.text or f"2. {agree}" in lan.text  # the numbered lines too
    await lan.tap(agree)  # Zalo sends the button's payload as Lan's text
    async with engine.connect() as conn:
        row = await user_repo.load_user(conn, "zalo_oa", LAN)
    assert row["consent_version"] is not None
    await lan.choose(t(dispatcher, "Send an idea"))  # typing the number
    assert (await _state(engine)) == "flow:ward"

    many = Reply("Chọn lĩnh vực", options=[Option(str(n), f"Lĩnh vực {n}") for n in range(6)])
    assert (await oa.channel.send(LAN, many)).status == "sent"
    assert fake.sent[-1]["buttons"] == [] and "6. Lĩnh vực 5" in fake.sent[-1]["text"]


async def test_a_notices_button_picks_its_option_as_a_typed_one_would(
        oa, dispatcher, engine, fake):
    lan = oa.person(LAN)
    await consent(lan, dispatcher)
    async with engine.begin() as conn:  # a notice another step left for Lan, with an option
        await conn.execute(outbox.insert(), [outbox_row(
            "zalo_oa", LAN, Reply("Phường mời anh/chị góp ý", options=[
                Option(MENU.pack("idea"), "Góp ý ngay")]), dispatcher.clock())])
    assert await oa.runtime.deliver("zalo_oa") == 1
    lan.buttons = fake.buttons(LAN)[-1]
    assert "1. Góp ý ngay" in fake.texts(LAN)[-1]
    await lan.tap("Góp ý ngay")
    assert await _state(engine) == "flow:ward"


async def _state(engine) -> str:
    async with engine.connect() as conn:
        return (await user_repo.load_user(conn, "zalo_oa", LAN))["state"]


async def test_two_processes_renewing_the_expired_token_at_once_spend_the_refresh_token_once(
        fake, settings, engine, clock):
    """Two processes (two engines, two dispatchers, one database) find the token expired at the
    same moment: Zalo is asked once, and both go on with the new token."""
    other_engine = create_engine(settings.database_url)
    first = Dispatcher(settings, engine, clock=clock)
    second = Dispatcher(settings, other_engine, clock=clock)
    a, b = oa_channel(fake, first, Runtime(first)), oa_channel(fake, second, Runtime(second))
    try:
        assert (await a.send(LAN, Reply("Trước"))).status == "sent"
        assert (await b.send(MAI, Reply("Trước"))).status == "sent"
        fake.expire()
        fake.refresh_delay = 0.3  # the first refresh is still under way when the second starts
        results = await asyncio.gather(a.send(LAN, Reply("Một")), b.send(MAI, Reply("Hai")))
        assert [r.status for r in results] == ["sent", "sent"]
        assert fake.refreshes == [REFRESH_TOKEN]
        assert fake.texts(LAN)[-1] == "Một" and fake.texts(MAI)[-1] == "Hai"
        async with engine.connect() as conn:
            saved = await channel_repo.load_tokens(conn, "zalo_oa")
        assert saved["access_token"] == fake.access_token == a._tokens["access_token"] \
            == b._tokens["access_token"]
        assert saved["refresh_token"] == fake.refresh_token and saved["version"] == 1
        assert saved["expires_at"] == clock.now + timedelta(seconds=90000)
    finally:
        await a.stop()
        await b.stop()
        await first.close()
        await second.close()
        await other_engine.dispose()


async def test_a_token_refused_as_invalid_is_renewed_once_and_other_refusals_are_mapped(
        oa, dispatcher, fake):
    fake.expire()
    assert (await oa.channel.send(LAN, Reply("Một"))).status == "sent"
    assert len(fake.refreshes) == 1
    fake.refuse(LAN, -32)
    assert (await oa.channel.send(LAN, Reply("Hai"))).status == "retry_after"
    fake.refuse(LAN, -217)
    assert (await oa.channel.send(LAN, Reply("Ba"))).status == "blocked"
    fake.refuse(LAN, -216, times=2)  # a new token is refused too: not renewed again
    assert (await oa.channel.send(LAN, Reply("Bốn"))).status == "failed"
    assert len(fake.refreshes) == 2
    assert fake.texts(LAN) == ["Một"]


async def test_the_oas_own_messages_and_follows_are_ignored_and_an_unfollow_is_noted(
        oa, dispatcher, engine, fake):
    lan = oa.person(LAN)
    await consent(lan, dispatcher)
    sent = len(fake.sent)
    assert await oa.push(fake.oa_echo_event(LAN, "1")) == 200
    assert await oa.push(fake.follow_event(MAI)) == 200
    assert len(fake.sent) == sent
    async with engine.connect() as conn:
        assert await user_repo.load_user(conn, "zalo_oa", MAI) is None
        assert (await user_repo.load_user(conn, "zalo_oa", LAN))["state"] != "flow:ward"
    assert await oa.push(fake.follow_event(LAN, unfollow=True)) == 200
    async with engine.connect() as conn:
        assert (await user_repo.load_user(conn, "zalo_oa", LAN))["blocked_at"] is not None


async def test_a_photo_sent_to_the_oa_is_kept_by_the_bot_at_once(oa, dispatcher, engine):
    lan = oa.person(LAN)
    await to_title_answered(lan, dispatcher)
    await lan.say("Lắp cảm biến để đèn đường tự giảm độ sáng khi vắng người qua lại.")
    await lan.choose(t(dispatcher, "Skip"))
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 5000 + b"\xff\xd9"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 3000
    await lan.send_photo(jpeg, png)  # one message, two images: both kept
    async with engine.connect() as conn:
        row = await user_repo.load_user(conn, "zalo_oa", LAN)
    draft = row["data"]["draft"]
    stored = draft["files"] if "files" in draft else draft["answers"]["files"]
    assert [f["mime"] for f in stored] == ["image/jpeg", "image/png"]
    assert await oa.runtime.files.read(stored[0]["key"]) == jpeg


async def test_an_announcement_on_the_oa_reaches_those_within_7_days_and_counts_the_others_apart(
        oa, dispatcher, engine, fake, clock):
    comms = await register_officer(dispatcher, "9105", "quan-1", "communications", "Phòng VHTT")
    async with engine.begin() as conn:
        await conn.execute(insert(users), [
            {**subscriber_row("zalo_oa", LAN), "updated_at": clock.now - timedelta(days=1)},
            {**subscriber_row("zalo_oa", MAI), "updated_at": clock.now - timedelta(days=9)}])
        await broadcast_service.create(
            conn, Actor(user_id=await _user_id(engine, comms.user),
                                  role="communications"), text="Ngày hội sáng kiến",
            photo=None, audience={"kind": "all"}, send_at=clock.now, now=clock.now)
    fake.refuse(MAI, -230)  # Zalo: the user has not interacted with the OA in the last 7 days
    await oa.runtime.broadcaster.run()
    assert any("Ngày hội sáng kiến" in text for text in fake.texts(LAN))
    assert not fake.texts(MAI)
    await comms.deliver()
    report = "\n".join(r.text for r in comms.inbox)
    assert "(1)" in report and "7" in report  # one not reachable, said apart from "failed"
    async with engine.connect() as conn:
        statuses = await broadcast_repo.counts(conn, 1)
    assert statuses.get("held") == 1 and statuses.get("sent") == 1


async def _user_id(engine, console_user: str) -> int:
    async with engine.connect() as conn:
        return (await user_repo.load_user(conn, "console", console_user))["id"]
