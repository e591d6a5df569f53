"""Campaigns: data, deep links, restrictions, closing, and creation by the communications office."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.buttons import short_id
from bot.services import campaigns as campaign_service
from handlers.campaigns import button
from storage import campaigns as campaign_repo
from storage import entries as entry_repo
from storage import users as user_repo
from tests.conftest import Resident
from tests.flows import code_in
from tests.officers import campaign_until_opens, communications_officer, register_officer

GREEN_IDEA = button("idea", "nang-luong-xanh")  # its "Send an idea" button


def _pick(slug: str) -> str:
    """The option choosing a campaign in a form: a short id, never the (long) slug."""
    return f"pick:{short_id(slug)}"


async def _add(dispatcher, **values) -> str:
    raw = {
        "slug": "nang-luong-xanh", "title_vi": "Sáng kiến năng lượng xanh",
        "title_en": "Green energy ideas", "description_vi": "Ý tưởng tiết kiệm năng lượng.",
        "description_en": "Energy-saving ideas.", "kinds": ["idea"],
        "opens": date(2026, 11, 1), "closes": date(2026, 12, 31), **values,
    }
    async with dispatcher.engine.begin() as conn:
        await campaign_service.seed(conn, dispatcher.ref, dispatcher.settings.campaigns_file,
                                    dispatcher.clock())
        await campaign_service.add(conn, dispatcher.ref, raw, dispatcher.clock())
    dispatcher.campaigns.invalidate()
    return raw["slug"]


async def _finish_idea(resident) -> None:
    """From the field question to confirming, skipping everything optional."""
    await resident.press("pick:economy")
    await resident.say("Tiêu đề")
    await resident.say("Mô tả đủ dài của ý tưởng.")
    for _ in range(4):
        await resident.press("nav:skip")
    await resident.press("form:confirm")


async def test_fresh_install_accepts_entries_in_the_open_2026_campaign(resident, engine):
    await resident.press("menu:campaigns")
    assert "2026 – 2030" in resident.text
    assert "2021 – 2025" not in resident.text  # closed, kept for its history
    async with engine.connect() as conn:
        slugs = [c["slug"] for c in await campaign_repo.all_campaigns(conn)]
    assert slugs == ["phong-trao-2021-2025", "phong-trao-2026-2030"]


async def test_two_open_campaigns_make_the_form_ask_which(resident, dispatcher):
    await _add(dispatcher)
    await resident.press("menu:idea")
    assert {_pick("nang-luong-xanh"), _pick("phong-trao-2026-2030")} <= set(resident.values)
    await resident.say("/huy")
    await resident.press("form:discard")
    await resident.say("/giaithuong")  # only the movement accepts award entries: not asked
    assert "pick:research" in resident.values


async def test_campaign_restricted_to_some_wards_and_fields(dispatcher, resident):
    await _add(dispatcher, units=["tan-dinh", "da-kao"], fields=["thrift", "economy"])
    await resident.say("/start c_nang-luong-xanh")
    await resident.press(GREEN_IDEA)
    wards = [v for v in resident.values if v.startswith("pick:")]
    assert wards == ["pick:da-kao", "pick:tan-dinh"]
    await resident.say("ben nghe")  # a real ward, but not in this campaign
    assert "pick:da-kao" in resident.values
    await resident.say("tan dinh")
    assert [v for v in resident.values if v.startswith("pick:")] == ["pick:economy", "pick:thrift"]


async def test_deep_link_before_consent_opens_the_campaign_after_it(dispatcher):
    await _add(dispatcher)
    person = Resident(dispatcher, user="8181")
    await person.say("/start c_nang-luong-xanh")
    assert "consent:yes" in person.values
    await person.press("consent:yes")
    assert "Sáng kiến năng lượng xanh" in person.text
    assert GREEN_IDEA in person.values


async def test_unknown_deep_link_gets_a_sentence_and_the_menu(resident):
    await resident.say("/start c_khong-co")
    assert "khong-co" in resident.text and "menu:idea" in resident.values


async def test_closed_campaign_refuses_new_entries_and_keeps_drafts(dispatcher, resident, engine):
    await _add(dispatcher)
    await resident.say("/start c_nang-luong-xanh")
    await resident.press(GREEN_IDEA)
    await resident.say("ben nghe")
    async with engine.begin() as conn:
        assert await campaign_repo.close(conn, "nang-luong-xanh", dispatcher.clock())
    dispatcher.campaigns.invalidate()
    await _finish_idea(resident)
    assert "form:confirm" in resident.values  # refused, with the summary kept
    async with engine.connect() as conn:
        assert await entry_repo.count_entries(conn) == 0
        row = await user_repo.load_user(conn, "console", "1001")
    assert row["data"]["draft"]["answers"]["title"] == "Tiêu đề"


async def test_communications_officer_creates_a_campaign_in_chat(dispatcher, resident):
    comms = await communications_officer(dispatcher)
    await campaign_until_opens(comms)
    await comms.say("1/12/2026")
    await comms.say("30/11/2026")  # before it opens: refused
    assert "nav:back" in comms.values
    await comms.say("31/12/2026")
    await comms.press("form:confirm")
    slug = "y-tuong-cho-mua-le-hoi-2026"  # the first six words, and the year
    assert slug in comms.text
    resident.dispatcher.clock.now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    await resident.press("menu:campaigns")
    assert "Ý tưởng cho mùa lễ hội cuối năm" in resident.text


async def test_ward_officer_and_resident_cannot_create_campaigns(dispatcher, resident):
    ward = await register_officer(dispatcher, "9106", "ben-nghe", "ward_officer", "Cán bộ")
    await ward.say("/chiendichmoi")
    assert "flow:" not in (await _state(dispatcher, "9106"))
    await resident.say("/chiendichmoi")
    assert "/dangky" in resident.text


async def _state(dispatcher, user):
    async with dispatcher.engine.connect() as conn:
        return (await user_repo.load_user(conn, "console", user))["state"]


async def test_entry_sent_through_a_campaign_is_stored_with_it(dispatcher, resident, engine):
    await _add(dispatcher)
    await resident.say("/start c_nang-luong-xanh")
    await resident.press(GREEN_IDEA)
    await resident.say("ben nghe")
    await _finish_idea(resident)
    async with engine.connect() as conn:
        entry = await entry_repo.entry_by_code(conn, code_in(resident.text))
    assert entry["campaign"] == "nang-luong-xanh"


async def test_deep_link_campaign_survives_discarding_an_older_draft(dispatcher, resident):
    await _add(dispatcher)
    await resident.press("menu:idea")
    await resident.press(_pick("phong-trao-2026-2030"))  # an older draft for the movement
    await resident.say("/start c_nang-luong-xanh")
    await resident.press(GREEN_IDEA)
    await resident.press("form:discard")
    assert _pick("nang-luong-xanh") not in resident.values  # not asked again: the poster said
    async with dispatcher.engine.connect() as conn:
        row = await user_repo.load_user(conn, "console", "1001")
    assert row["data"]["draft"]["answers"]["campaign"] == "nang-luong-xanh"
