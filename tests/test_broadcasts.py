"""Subscriptions and announcements: composing, audiences, delivery, cancelling, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.channels.base import SendResult
from bot.runtime import Runtime
from handlers.settings import TOGGLE
from storage import broadcasts as broadcast_repo
from storage import users as user_repo
from tests.conftest import Resident, mailbox
from tests.officers import register_officer


async def _subscriber(dispatcher, user: str, wards: list[str] | None = None) -> Resident:
    person = Resident(dispatcher, user=user)
    await person.consent()
    await person.press("menu:settings")
    await person.press("set:subscribe")
    if wards:
        await person.press("set:wards")
        for ward in wards:
            await person.press(TOGGLE.pack("wards", ward))
        await person.press("set:interests-done")
    return person


def _reach(dispatcher, count: int) -> str:
    return dispatcher.translator("vi")._("It will reach {count} recipient(s).").format(count=count)


class _Terminal:
    """A console-like channel that, like Telegram, sends at most one message a second to one
    chat, and whose `blocked` chats refuse the bot."""

    name, max_text, has_buttons, can_edit, can_send_documents = "console", 4096, False, False, True
    rate, per_chat_seconds = 100_000.0, 1.0

    def __init__(self, dispatcher, blocked=frozenset(), on_send=None):
        self.box, self.blocked, self.on_send = mailbox(dispatcher), blocked, on_send

    async def send(self, recipient: str, reply) -> SendResult:
        if self.on_send is not None:
            self.on_send()
        if recipient in self.blocked:
            return SendResult.BLOCKED
        self.box.setdefault(recipient, []).append(reply)
        return SendResult.SENT


def _worker(dispatcher, blocked: set[str] = frozenset(), on_send=None):
    return Runtime(dispatcher, [_Terminal(dispatcher, blocked, on_send)]).broadcaster


async def _compose(comms: Resident, text: str, audience: str, extra: str | None = None,
                   when: str | None = None) -> None:
    await comms.say("/thongbao")
    await comms.say(text)
    await comms.press("nav:skip")  # no photo
    await comms.press(f"pick:{audience}")
    if extra:
        await comms.press(f"pick:{extra}")
    if when:
        await comms.say(when)
    else:
        await comms.press("nav:skip")


async def test_announcement_reaches_the_interested_subscribers_once(dispatcher, engine):
    everywhere = await _subscriber(dispatcher, "2001")
    ben_nghe = await _subscriber(dispatcher, "2002", wards=["ben-nghe"])
    tan_dinh = await _subscriber(dispatcher, "2003", wards=["tan-dinh"])
    silent = Resident(dispatcher, user="2004")
    await silent.consent()  # never asked for announcements
    comms = await register_officer(dispatcher, "9201", "quan-1", "communications", "Phòng VHTT")
    await _compose(comms, "Hội thi ý tưởng sáng tạo phường Bến Nghé mở đăng ký.", "ward",
                   "ben-nghe")
    assert _reach(dispatcher, 2) in comms.text  # the preview counts the recipients
    await comms.press("form:confirm")
    worker = _worker(dispatcher)
    assert await worker.run() == 2
    assert await worker.run() == 0  # nothing twice
    for person in (everywhere, ben_nghe):
        got = [r for r in person.inbox if "Hội thi" in r.text]
        assert len(got) == 1 and "/dunglai" in got[0].text
    assert not any("Hội thi" in r.text for r in tan_dinh.inbox + silent.inbox)
    await comms.deliver()  # progress reports wait in the outbox like every notification
    final = dispatcher.translator("vi")._(
        "Announcement #{id}: {done} of {total} handled — sent {sent}, blocked {blocked}, "
        "failed {failed}.").format(id=1, done=2, total=2, sent=2, blocked=0, failed=0)
    assert comms.inbox[-1].text == final


async def test_dunglai_always_stops_announcements_and_keeps_the_form(dispatcher, engine):
    person = await _subscriber(dispatcher, "2101")
    await person.press("menu:main")
    await person.press("menu:idea")
    await person.say("ben nghe")
    await person.say("/dunglai")
    async with engine.connect() as conn:
        row = await user_repo.load_user(conn, "console", "2101")
    assert row["subscribed"] is False and row["state"] == "flow:field"


async def test_blocked_recipient_is_marked_and_not_sent_to_again(dispatcher, engine):
    await _subscriber(dispatcher, "2201")
    await _subscriber(dispatcher, "2202")
    comms = await register_officer(dispatcher, "9202", "quan-1", "communications", "VHTT")
    await _compose(comms, "Thông báo thứ nhất về phong trào.", "all")
    await comms.press("form:confirm")
    await _worker(dispatcher, blocked={"2202"}).run()
    async with engine.connect() as conn:
        assert (await user_repo.load_user(conn, "console", "2202"))["blocked_at"] is not None
        counts = await broadcast_repo.counts(conn, 1)
    assert counts == {"sent": 1, "blocked": 1}
    await _compose(comms, "Thông báo thứ hai về phong trào.", "all")
    assert _reach(dispatcher, 1) in comms.text  # only the reachable one is counted now
    await comms.press("form:confirm")
    await _worker(dispatcher).run()
    async with engine.connect() as conn:
        assert await broadcast_repo.counts(conn, 2) == {"sent": 1}


async def test_scheduled_announcement_waits_for_its_time_and_out_of_quiet_hours(
    dispatcher, clock
):
    person = await _subscriber(dispatcher, "2301")
    comms = await register_officer(dispatcher, "9203", "quan-1", "communications", "VHTT")
    await _compose(comms, "Nhắc lịch triển lãm sáng tạo.", "all", when="25/11/2026 22:30")
    await comms.press("form:confirm")
    worker = _worker(dispatcher)
    await worker.run()
    assert not any("triển lãm" in r.text for r in person.inbox)  # 10:00: not yet
    clock.now = datetime(2026, 11, 25, 15, 45, tzinfo=UTC)  # 22:45 local: quiet hours
    await worker.run()
    assert not any("triển lãm" in r.text for r in person.inbox)
    clock.now = datetime(2026, 11, 26, 0, 5, tzinfo=UTC)  # 07:05 local
    await worker.run()
    assert len([r for r in person.inbox if "triển lãm" in r.text]) == 1


async def test_sender_can_cancel_an_announcement(dispatcher, engine):
    for n in range(3):
        await _subscriber(dispatcher, f"240{n}")
    comms = await register_officer(dispatcher, "9204", "quan-1", "communications", "VHTT")
    await _compose(comms, "Thông báo sẽ bị hủy.", "all", when="26/11/2026 09:00")
    await comms.press("form:confirm")
    await comms.press_anyway("bc:cancel:1")
    await _worker(dispatcher).run()
    async with engine.connect() as conn:
        assert (await broadcast_repo.get(conn, 1))["status"] == "cancelled"
        assert await broadcast_repo.counts(conn, 1) == {}


async def test_only_communications_and_admins_compose(dispatcher):
    ward = await register_officer(dispatcher, "9205", "ben-nghe", "ward_officer", "Cán bộ")
    await ward.say("/thongbao")
    assert "flow:" not in ward.text and not ward.values
    resident = Resident(dispatcher, user="2501")
    await resident.consent()
    await resident.say("/thongbao")
    assert "/dangky" in resident.text


async def test_announcement_to_officers_of_one_unit(dispatcher):
    lan = await register_officer(dispatcher, "9206", "ben-nghe", "ward_officer", "Lan")
    other = await register_officer(dispatcher, "9207", "tan-dinh", "ward_officer", "Minh")
    admin = await register_officer(dispatcher, "9208", "quan-1", "admin", "Quản trị")
    await _compose(admin, "Họp giao ban các cán bộ phường Bến Nghé.", "officers", "ben-nghe")
    await admin.press("form:confirm")
    await _worker(dispatcher).run()
    assert any("giao ban" in r.text for r in lan.inbox)
    assert not any("giao ban" in r.text for r in other.inbox)


async def test_one_chat_gets_at_most_one_message_a_second(dispatcher, clock):
    import time

    person = await _subscriber(dispatcher, "2601")
    comms = await register_officer(dispatcher, "9209", "quan-1", "communications", "VHTT")
    for n in range(2):
        await _compose(comms, f"Thông báo nhanh số {n}.", "all")
        await comms.press("form:confirm")
    times = []
    await _worker(dispatcher, on_send=lambda: times.append(time.monotonic())).run()
    assert len([r for r in person.inbox if "Thông báo nhanh" in r.text]) == 2
    assert times[1] - times[0] >= 0.99


async def test_an_announcement_that_would_reach_nobody_is_refused_and_its_text_kept(
        dispatcher, engine):
    await _subscriber(dispatcher, "2601", wards=["tan-dinh"])
    comms = await register_officer(dispatcher, "9601", "quan-1", "communications", "VHTT")
    await _compose(comms, "Thông báo chỉ cho phường Bến Nghé.", "ward", "ben-nghe")
    await comms.press("form:confirm")
    t = dispatcher.translator("vi")
    assert t._("Nobody would receive this announcement: no subscriber matches this audience. "
               "Please change the audience; your text is kept.") in comms.text
    async with engine.connect() as conn:
        row = await user_repo.load_user(conn, "console", "9601")
        assert await broadcast_repo.get(conn, 1) is None
    assert row["data"]["draft"]["answers"]["text"] == "Thông báo chỉ cho phường Bến Nghé."


async def test_an_announcement_set_in_the_quiet_hours_says_when_it_really_goes_out(
        dispatcher, engine):
    await _subscriber(dispatcher, "2701")
    comms = await register_officer(dispatcher, "9701", "quan-1", "communications", "VHTT")
    await _compose(comms, "Thông báo gửi vào buổi tối.", "all", when="26/11/2026 22:30")
    await comms.press("form:confirm")
    assert "22:30 ngày 26/11/2026" in comms.text
    assert "07:00 ngày 27/11/2026" in comms.text
