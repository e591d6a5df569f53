"""Commands and buttons as a person meets them: each role's help and welcome, what /huy and other
commands do to an unfinished form, and button values that Telegram always accepts."""

from __future__ import annotations

import random
from datetime import date

import pytest

from bot.buttons import MAX_BYTES
from bot.dispatcher import INTERNAL_ERROR
from bot.model import Reply
from bot.services import campaigns as campaign_service
from handlers import commands
from handlers.commands import COMMAND_MENU
from tests.conftest import Resident
from tests.flows import reach_title, submit_idea
from tests.officers import register_officer

LONG_TITLE = ("Sáng kiến chuyển đổi số toàn diện trong quản lý đô thị thông minh và bền vững "
              "của các phường trung tâm thành phố Hồ Chí Minh giai đoạn mới")


async def _add_long_campaigns(dispatcher) -> list[str]:
    slugs = []
    async with dispatcher.engine.begin() as conn:
        await campaign_service.seed(conn, dispatcher.ref, dispatcher.settings.campaigns_file,
                                    dispatcher.clock())
        for n, extra in enumerate(("", " lần thứ hai", " dành cho thanh thiếu niên")):
            title = LONG_TITLE + extra
            slug = f"{campaign_service.slug_for(title, date(2026, 11, 25))}-{n}"
            slug = "x" * (campaign_service.SLUG_MAX - len(slug)) + slug  # as long as they get
            await campaign_service.add(conn, dispatcher.ref, {
                "slug": slug, "title_vi": title, "title_en": "Digital transformation " * 4,
                "description_vi": "Mời anh/chị góp ý tưởng.", "description_en": "Ideas.",
                "kinds": ["idea", "award"], "opens": date(2026, 11, 1),
                "closes": date(2026, 12, 31)}, dispatcher.clock())
            slugs.append(slug)
    dispatcher.campaigns.invalidate()
    return slugs


def _record_replies(dispatcher) -> list[Reply]:
    """Every reply the dispatcher gives from now on."""
    seen: list[Reply] = []
    original = dispatcher.handle

    async def handle(event):
        replies = await original(event)
        seen.extend(replies)
        return replies

    dispatcher.handle = handle
    return seen


async def _wander(person: Resident, rng: random.Random, steps: int) -> None:
    """Press whatever is offered, type now and then: the paths nobody scripted."""
    for _ in range(steps):
        offered = [o.value for r in person.last + person.inbox[-1:] for o in r.options]
        roll = rng.random()
        if offered and roll < 0.8:
            await person.press_anyway(rng.choice(offered))
        elif roll < 0.9:
            await person.say(rng.choice(["/start", "/trogiup", "/huy", "/chiendich", "/hangdoi",
                                         "/caidat", "/hosocuatoi", "/sangkien", "/thongbao"]))
        else:
            await person.say(rng.choice(["ben nghe", "Một ý tưởng rất hay cho phường", "1", "2"]))


async def test_every_button_any_path_produces_fits_in_64_bytes(dispatcher, resident):
    seen = _record_replies(dispatcher)
    await submit_idea(resident)
    slugs = await _add_long_campaigns(dispatcher)
    ward = await register_officer(dispatcher, "9201", "ben-nghe", "ward_officer", "Cán bộ phường")
    district = await register_officer(dispatcher, "9202", "quan-1", "district_officer",
                                      "Phòng Nội vụ")
    comms = await register_officer(dispatcher, "9203", "quan-1", "communications", "Phòng VHTT")
    await resident.press("menu:campaigns")
    assert LONG_TITLE in resident.text
    for slug in slugs:
        await resident.say(f"/start c_{slug}")
        assert "camp:idea:" in " ".join(resident.values)
    await resident.press(resident.values[0])  # send an idea through the long campaign
    assert resident.text
    await resident.say("/huy")
    await resident.press("form:discard")
    await ward.say("/hangdoi")
    await comms.say("/chiendichmoi")  # a campaign made in chat: its slug comes from its title
    await comms.say(LONG_TITLE + " trong chat")
    await comms.press("nav:skip")
    await comms.say("Mời anh/chị góp ý tưởng.")
    await comms.press("nav:skip")
    await comms.press("pick:idea")
    await comms.say("25/11/2026")
    await comms.say("31/12/2026")
    await comms.press("form:confirm")
    await resident.press_anyway("menu:campaigns")
    assert LONG_TITLE + " trong chat" in resident.text
    await comms.say("/thongbao")
    await comms.say("/chiendichmoi")
    await district.say("/hangdoi")
    rng = random.Random(2026)
    for person in (resident, ward, district, comms, Resident(dispatcher, user="9204")):
        await _wander(person, rng, 150)
    outbox = [r for box in (resident.inbox, ward.inbox, district.inbox, comms.inbox) for r in box]
    values = {o.value for r in seen + outbox for o in r.options}
    assert len(values) > 60  # many kinds of buttons were seen
    too_long = sorted(v for v in values if len(v.encode("utf-8")) > MAX_BYTES)
    assert too_long == []
    internal_error = dispatcher.translator("vi")._(INTERNAL_ERROR)
    assert all(r.text != internal_error for r in seen)


def test_a_campaign_slug_is_never_cut_inside_a_word():
    slug = campaign_service.slug_for(LONG_TITLE, date(2026, 11, 25))
    assert len(slug) <= campaign_service.SLUG_MAX and slug.endswith("-2026")
    words = set("sang kien chuyen doi so toan dien trong quan ly do thi".split())
    assert set(slug.split("-")[:-1]) <= words
    long_words = "Phương thức " + "siêutruyềnthôngđaphươngtiện " * 5
    assert campaign_service.slug_for(long_words, date(2026, 1, 1)) == (
        "phuong-thuc-sieutruyenthongdaphuongtien-2026")  # one more word would not fit


async def test_a_campaign_file_with_an_overlong_slug_is_refused(dispatcher):
    async with dispatcher.engine.begin() as conn:
        with pytest.raises(campaign_service.CampaignError, match="at most"):
            await campaign_service.add(conn, dispatcher.ref, {
                "slug": "y" * 49, "title_vi": "Dài", "kinds": ["idea"],
                "opens": date(2026, 11, 1), "closes": date(2026, 12, 31)}, dispatcher.clock())


async def test_cancel_at_the_menu_offers_to_delete_the_unfinished_draft(resident):
    await reach_title(resident)
    await resident.say("/menu")
    await resident.say("/huy")
    assert "form:discard" in resident.values
    await resident.press("form:discard")
    assert "menu:resume" not in resident.values  # the draft is gone
    await resident.say("/huy")
    assert "không có nội dung nào để hủy" in resident.text


async def test_keeping_the_draft_after_cancel_at_the_menu_goes_on_with_it(resident):
    await reach_title(resident)
    await resident.say("/menu")
    await resident.say("/huy")
    await resident.press("form:keep")
    assert "tiêu đề" in resident.text  # the question where the draft stopped
    await resident.say("Đèn đường tiết kiệm điện")
    assert "mô tả sáng kiến" in resident.text


async def test_start_in_the_middle_of_a_form_says_the_draft_is_kept(resident):
    await reach_title(resident)
    await resident.say("/start")
    assert "vẫn được giữ nguyên" in resident.text
    assert "Tiếp tục sáng kiến đang soạn dở" in resident.text
    assert "menu:resume" in resident.values
    await resident.say("/chiendich")  # not in the form any more: nothing to repeat
    assert "vẫn được giữ nguyên" not in resident.text


async def test_help_in_a_form_asks_the_question_again_without_a_draft_note(resident):
    await reach_title(resident)
    await resident.say("/trogiup")
    assert "vẫn được giữ nguyên" not in resident.text


async def test_a_district_officer_is_not_told_about_forwarding(dispatcher):
    district = await register_officer(dispatcher, "9301", "quan-1", "district_officer",
                                      "Phòng Nội vụ")
    welcome = district.text
    assert "Chuyển lên cấp trên" not in welcome
    assert "danh sách xét chọn" in welcome and "/hangdoi" in welcome
    assert "cán bộ của UBND Quận 1 (Phòng Nội vụ)" in welcome
    assert welcome.count("Phòng Nội vụ") == 2  # the officer's name and the unit, said once
    await district.say("/trogiup")
    assert "Chuyển lên cấp trên" not in district.text and "/hangdoi" in district.text
    assert "/thongbao" not in district.text


async def test_a_ward_officer_is_told_about_forwarding_and_the_queue(dispatcher):
    ward = await register_officer(dispatcher, "9302", "ben-nghe", "ward_officer", "Cán bộ")
    assert "Chuyển lên cấp trên" in ward.text
    assert "/hangdoi" in ward.text and "/hoso MÃ" in ward.text
    assert "Phường Bến Nghé" in ward.text
    await ward.say("/trogiup")
    assert "Chuyển lên cấp trên" in ward.text and "/chiendichmoi" not in ward.text


async def test_the_communications_office_is_told_about_announcements_and_campaigns(dispatcher):
    comms = await register_officer(dispatcher, "9303", "quan-1", "communications", "Phòng VHTT")
    assert "/thongbao" in comms.text and "/chiendichmoi" in comms.text
    assert "Phòng Nội vụ" not in comms.text  # not the Home Affairs Office's officer
    await comms.say("/trogiup")
    assert "/thongbao" in comms.text and "/chiendichmoi" in comms.text
    assert "Chuyển lên cấp trên" not in comms.text
    await comms.say("/hangdoi")
    assert "không có hàng đợi" in comms.text


async def test_an_admin_is_told_what_admins_do(dispatcher):
    admin = await register_officer(dispatcher, "9304", "quan-1", "admin", "Quản trị")
    assert "quản trị viên" in admin.text and "sangkien officers" in admin.text
    await admin.say("/trogiup")
    assert "/thongbao" in admin.text and "Chuyển lên cấp trên" not in admin.text


async def test_a_resident_help_lists_no_officer_command(resident):
    await resident.say("/trogiup")
    assert "/hangdoi" not in resident.text and "/thongbao" not in resident.text
    await resident.say("/thongbao")
    assert "/dangky" in resident.text


async def test_both_names_of_every_command_work(resident):
    for command in commands.COMMANDS:
        assert commands.find(command.vi) is commands.find(command.en) is command
    await resident.say("/settings")
    assert "set:erase" in resident.values
    await resident.say("/caidat")
    assert "set:erase" in resident.values


def test_telegram_menu_is_the_residents_commands_of_the_table():
    names = [name for name, _help in COMMAND_MENU]
    assert names[0] == "menu" and "sangkien" in names and "dunglai" in names
    assert "hangdoi" not in names and "dangky" not in names
    assert all(commands.find(name).roles is None for name in names)


async def test_cancel_while_asked_to_replace_the_draft_offers_to_delete_it(resident):
    await reach_title(resident)
    await resident.say("/menu")
    await resident.press("menu:award")  # "continue the unfinished idea, or discard it?"
    await resident.say("/huy")
    assert "form:discard" in resident.values
    await resident.press("form:keep")
    assert "tiêu đề" in resident.text
