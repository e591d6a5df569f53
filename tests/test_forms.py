"""Forms as a resident and an officer meet them: limits on every path into a question, visible
characters, dates that do not exist, clean lists, sizes that can be told apart, button values that
fit Telegram whatever the data, and drafts saved before the files moved into the answers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bot import drafts
from bot.buttons import MAX_BYTES, short_id
from bot.dispatcher import Dispatcher
from bot.services import campaigns as campaign_service
from handlers.fields import ChoiceField
from handlers.form import FORMS
from storage import campaigns as campaign_repo
from storage import entries as entry_repo
from storage import users as user_repo
from storage.tables import attachments, users
from tests.conftest import Resident
from tests.flows import code_in, reach_files, reach_title
from tests.officers import campaign_until_opens, communications_officer

TITLE_VI = ("Phong trào thi đua sáng tạo vì một thành phố văn minh, hiện đại, nghĩa tình: "
            "chung tay xây dựng khu phố xanh – sạch – đẹp, an toàn giao thông và chuyển đổi số")
LONG_SLUG = "phong-trao-thi-dua-sang-tao-vi-mot-thanh-pho-van-minh-hien-2026"  # 63 characters


async def _add_campaign(dispatcher: Dispatcher, slug: str, title: str) -> None:
    raw = {"slug": slug, "title_vi": title, "title_en": None, "description_vi": "Mô tả.",
           "description_en": None, "kinds": ["idea", "award"],
           "opens": date(2026, 11, 1), "closes": date(2026, 12, 31)}
    async with dispatcher.engine.begin() as conn:
        await campaign_service.seed(conn, dispatcher.ref, dispatcher.settings.campaigns_file,
                                    dispatcher.clock())
        # Written as a row kept from before slugs were capped at 48 characters.
        await campaign_repo.insert_campaign(
            conn, campaign_service._values(raw, dispatcher.ref, dispatcher.clock()))
    dispatcher.campaigns.invalidate()


async def _stored_files(engine, code: str) -> int:
    async with engine.connect() as conn:
        entry = await entry_repo.entry_by_code(conn, code)
        return (await conn.execute(select(func.count()).select_from(attachments)
                                   .where(attachments.c.entry_id == entry["id"]))).scalar()


async def _draft(engine, user: str = "1001") -> dict:
    async with engine.connect() as conn:
        return (await user_repo.load_user(conn, "console", user))["data"]["draft"]


async def _to_summary_after_files(resident: Resident) -> None:
    await resident.press("nav:skip")  # no contact name
    await resident.press("nav:skip")  # no phone


# --- item 5: the limit of five files holds on the edit path too ----------------------------
async def test_editing_the_files_from_the_summary_keeps_the_limit_of_five(resident, engine):
    await reach_files(resident)
    for n in range(5):
        await resident.send_photo(ref=f"p{n}")
    await _to_summary_after_files(resident)
    for _round in range(2):  # twice, as the resident who found it did
        await resident.press("form:edit")
        await resident.press("edit:files")
        assert "5" in resident.text and "nav:done" in resident.values
        for n in range(2):
            await resident.send_photo(ref=f"more{_round}{n}")
            assert "5" in resident.text and "nav:done" in resident.values  # not kept: told so
        await resident.press("nav:done")
    assert len((await _draft(engine))["answers"]["files"]) == 5
    await resident.press("form:confirm")
    assert await _stored_files(engine, code_in(resident.text)) == 5


async def test_the_files_can_be_replaced_from_the_summary(resident, engine):
    await reach_files(resident)
    await resident.send_photo(ref="old")
    await resident.press("nav:done")
    await _to_summary_after_files(resident)
    await resident.press("form:edit")
    await resident.press("edit:files")
    await resident.press_label("Xóa các tệp này")
    await resident.send_photo(ref="new")
    await resident.press("nav:done")
    assert [f["ref"] for f in (await _draft(engine))["answers"]["files"]] == ["new"]


async def test_going_back_to_the_files_keeps_those_already_sent(resident, engine):
    await reach_files(resident)
    await resident.send_photo(ref="p1")
    await resident.press("nav:done")
    await resident.press("nav:back")  # from the contact name back to the files
    assert "1" in resident.text and "nav:done" in resident.values
    await resident.send_photo(ref="p2")
    await resident.press("nav:done")
    assert len((await _draft(engine))["answers"]["files"]) == 2


async def test_a_draft_saved_with_the_files_beside_the_answers_is_sent_with_them(
    resident, engine, dispatcher
):
    await reach_files(resident)
    await resident.send_photo(ref="p1")
    await resident.press("nav:done")
    await _to_summary_after_files(resident)
    async with engine.begin() as conn:  # the shape drafts had before this version
        row = await user_repo.load_user(conn, "console", "1001")
        draft = row["data"]["draft"]
        draft["files"] = draft["answers"]["files"]
        draft["answers"]["files"] = 1
        await conn.execute(users.update().where(users.c.id == row["id"])
                           .values(data=row["data"]))
    await resident.press("form:confirm")
    assert await _stored_files(engine, code_in(resident.text)) == 1


# --- item 6: visible characters ----------------------------------------------------------------
async def test_a_title_of_invisible_characters_is_refused(resident, engine):
    await reach_title(resident)
    await resident.say("\u2060" * 12)
    assert (await _draft(engine))["answers"].get("title") is None
    assert "flow:title" == (await _row(engine))["state"]
    await resident.say("\u2060a\u2060b\u2060")  # two visible characters: too short (3)
    assert "3" in resident.text
    assert (await _draft(engine))["answers"].get("title") is None


async def test_an_emoji_family_is_one_character_and_stays_whole(resident, engine):
    family = "👨\u200d👩\u200d👧"
    await reach_title(resident)
    await resident.say(family * 2)  # two visible characters, though ten code points
    assert (await _draft(engine))["answers"].get("title") is None
    await resident.say(f"Sân chơi cho {family}")
    assert (await _draft(engine))["answers"]["title"] == f"Sân chơi cho {family}"


async def test_a_long_title_is_counted_in_visible_characters(resident, engine):
    await reach_title(resident)
    await resident.say("Đèn " + "👍🏽" * 146)  # 150 visible characters, 296 code points
    assert (await _draft(engine))["answers"]["title"].startswith("Đèn")


async def _row(engine, user: str = "1001") -> dict:
    async with engine.connect() as conn:
        return await user_repo.load_user(conn, "console", user)


# --- item 6 (ward names): a typed name is shortened without cutting a character apart -----
async def test_an_unknown_ward_name_is_quoted_without_cutting_a_character(resident):
    await resident.press("menu:idea")
    await resident.say("x" * 59 + "👨\u200d👩\u200d👧" + "y" * 10)
    assert "👨\u200d👩\u200d👧…" in resident.text


# --- item 8: dates, months, names, sizes, types ---------------------------------------------
async def _award_until_authors(resident: Resident) -> None:
    await resident.press("menu:award")
    await resident.press("pick:research")
    await resident.press("pick:economic-development")
    await resident.say("ben thanh")
    await resident.say("Phần mềm quản lý hồ sơ")


async def _award_until_applied_since(resident: Resident) -> None:
    await _award_until_authors(resident)
    await resident.say("Nguyễn Văn A")
    await resident.press("nav:skip")  # the authors own it
    await resident.say("Phần mềm giúp phường quản lý hồ sơ nhanh hơn.")
    await resident.say("UBND phường Bến Thành")


async def test_empty_author_names_are_dropped_and_the_list_shown_clean(resident, engine):
    await _award_until_authors(resident)
    await resident.say(" , , ")
    assert (await _draft(engine))["answers"].get("authors") is None
    await resident.say("Nguyễn Văn A, , Trần Thị B,")
    assert (await _draft(engine))["answers"]["authors"] == "Nguyễn Văn A, Trần Thị B"


async def test_applied_since_takes_a_month_or_a_day_and_refuses_month_13_and_the_future(
    resident, engine
):
    await _award_until_applied_since(resident)
    await resident.say("13/2024")
    assert "13" in resident.text and "12" in resident.text
    await resident.say("05/2027")  # the clock says December 2026
    await resident.say("hồi năm ngoái")
    assert "03/2024" in resident.text  # how to write it
    assert (await _draft(engine))["answers"].get("applied_since") is None
    await resident.say("3/2024")
    assert (await _draft(engine))["answers"]["applied_since"] == "03/2024"


async def test_applied_since_refuses_a_day_that_does_not_exist(resident, engine):
    await _award_until_applied_since(resident)
    await resident.say("31/02/2024")
    assert "31/02/2024" in resident.text and "lịch" in resident.text
    assert (await _draft(engine))["answers"].get("applied_since") is None


async def test_the_31st_of_february_is_called_impossible_not_a_wrong_format(dispatcher):
    comms = await communications_officer(dispatcher)
    await campaign_until_opens(comms)
    await comms.say("31/02/2026")
    assert "Không có ngày “31/02/2026”" in comms.text
    assert "ví dụ 31/12/2026" not in comms.text  # not the format sentence
    await comms.say("31-2-2026")
    assert "31-2-2026" in comms.text
    await comms.say("28/02/2026")
    assert "Until" not in comms.text and "flow:closes" == (await _row(dispatcher.engine,
                                                                      comms.user))["state"]


async def test_an_impossible_day_for_an_announcement_is_called_impossible(dispatcher):
    comms = await communications_officer(dispatcher)
    await comms.say("/thongbao")
    await comms.say("Thông báo lịch tiếp dân tháng 12.")
    await comms.press("nav:skip")
    await comms.press("pick:all")
    await comms.say("30/02/2027 08:00")
    assert "Không có ngày “30/02/2027”" in comms.text


async def test_a_file_just_over_the_limit_shows_sizes_that_differ(resident):
    await reach_files(resident)
    await resident.send_document("ke-hoach.pdf", "application/pdf", size=21_000_000)
    assert "20,03 MB" in resident.text and "20 MB" in resident.text


async def test_a_photo_well_over_the_limit_shows_whole_numbers(resident):
    await reach_files(resident)
    await resident.send_photo(size=50 * 1024 * 1024)
    assert "50 MB" in resident.text and "10 MB" in resident.text


async def test_the_type_read_from_the_bytes_wins_over_the_name(resident, engine):
    await reach_files(resident)
    await resident.send_document("bao-cao.pdf", "text/plain")  # a text file named .pdf
    assert "PDF" in resident.text
    assert not (await _draft(engine))["answers"].get("files")
    await resident.send_document("scan", "application/pdf")  # no extension, but a PDF
    assert len((await _draft(engine))["answers"]["files"]) == 1


# --- button values fit in 64 bytes whatever the data ------------------------------------------
async def test_a_campaign_with_a_very_long_vietnamese_title_can_be_chosen(
    resident, dispatcher, engine
):
    await _add_campaign(dispatcher, LONG_SLUG, TITLE_VI)
    await resident.press("menu:idea")
    assert all(len(v.encode("utf-8")) <= MAX_BYTES for v in resident.values)
    assert TITLE_VI in resident.labels
    await resident.press_label(TITLE_VI)
    assert (await _draft(engine))["answers"]["campaign"] == LONG_SLUG


class _Ctx:
    """What `ChoiceField.options` reads: the choices come from the field's own function."""

    lang = "vi"

    def _(self, text: str) -> str:
        return text


def test_every_option_the_forms_can_produce_fits_in_64_bytes():
    long_values = [LONG_SLUG, TITLE_VI, "đ" * 200, "a:b:c" * 20, "x"]
    for form in FORMS.values():
        for field in form.fields:
            if isinstance(field, ChoiceField):
                probe = ChoiceField(field.name, field.prompt, field.label, by_id=field.by_id,
                                    choices=lambda ctx: [(v, v) for v in long_values])
                values = [o.value for o in probe.options(_Ctx())]
                assert all(len(v.encode("utf-8")) <= MAX_BYTES for v in values), field.name
                assert len(set(values)) == len(long_values), field.name
    campaign = FORMS["idea"].field("campaign")
    assert campaign.button("phong-trao-2026-2030") == f"pick:{short_id('phong-trao-2026-2030')}"


def test_each_form_declares_who_may_fill_it_in_and_whether_it_is_reminded():
    assert {k for k, f in FORMS.items() if f.reminded} == {"idea", "award"}
    assert drafts.reminded("idea") and not drafts.reminded("broadcast")
    assert FORMS["campaign"].allows("communications") and not FORMS["campaign"].allows(None)
    assert not FORMS["broadcast"].allows("ward_officer") and FORMS["idea"].allows(None)


async def test_back_while_changing_the_files_keeps_them_as_they_were(resident, engine):
    await reach_files(resident)
    await resident.send_photo(ref="p1")
    await resident.press("nav:done")
    await _to_summary_after_files(resident)
    await resident.press("form:edit")
    await resident.press("edit:files")
    await resident.press_label("Xóa các tệp này")
    await resident.press("nav:back")
    assert "form:confirm" in resident.values
    assert [f["ref"] for f in (await _draft(engine))["answers"]["files"]] == ["p1"]
