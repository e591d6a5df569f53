"""A resident's conversations, driven through the dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.codes import parse_code
from bot.dispatcher import Dispatcher
from handlers.commands import COMMAND_MENU
from storage import entries as entry_repo
from storage import users as user_repo
from storage.tables import attachments, entries, users
from tests.conftest import Resident
from tests.flows import code_in, entry_row, fill_idea, reach_files, reach_title, submit_idea


async def _user_row(engine, user="1001"):
    async with engine.connect() as conn:
        return await user_repo.load_user(conn, "console", user)


async def test_first_contact_shows_privacy_notice_and_stores_only_chat_identity(
    dispatcher, engine
):
    person = Resident(dispatcher)
    await person.say("xin chào")
    assert "consent:yes" in person.values and "consent:no" in person.values
    assert "2026-11" in person.text  # the notice's version
    row = await _user_row(engine)
    assert row["consent_version"] is None and row["consented_at"] is None
    assert row["display_name"] is None


async def test_consent_is_recorded_with_notice_version_and_time(dispatcher, engine, clock):
    person = Resident(dispatcher)
    await person.say("/start")
    await person.press("consent:yes")
    row = await _user_row(engine)
    assert row["consent_version"] == "2026-11"
    assert row["consented_at"] == clock.now
    assert "menu:idea" in person.values


async def test_declining_gets_a_polite_answer_and_the_way_back(dispatcher, engine):
    person = Resident(dispatcher)
    await person.say("/start")
    await person.press("consent:no")
    assert person.values == ["consent:notice"]
    await person.say("tôi muốn gửi ý tưởng")
    assert person.values == ["consent:notice"]  # still nothing but the way back
    await person.press("consent:notice")
    assert "consent:yes" in person.values
    assert (await _user_row(engine))["consent_version"] is None


async def test_resident_sends_an_idea_and_gets_a_checked_tracking_code(resident, engine):
    code = await submit_idea(resident)
    assert parse_code(code) == code
    assert code.startswith("SK-26-")
    entry = await entry_row(engine, code)
    assert entry["status"] == "submitted"
    assert entry["unit"] == "ben-nghe"
    assert entry["field"] == "digital-smart-city"
    assert entry["contact_phone"] == "+84903123456"
    assert entry["contact_name"] == "Nguyễn Thị Lan"
    assert entry["show_name"] is True
    assert entry["campaign"] == "phong-trao-2026-2030"
    assert "Phường Bến Nghé" in resident.text  # the receipt names the ward that reviews it
    assert "menu:idea" in resident.values  # and the menu follows


async def test_codes_are_unique_and_numbered_in_order(resident):
    first = await submit_idea(resident)
    second = await submit_idea(resident, name=None, phone=None)
    assert first != second
    assert int(first.split("-")[2]) + 1 == int(second.split("-")[2])


async def test_ward_typed_without_accents_or_by_alias_is_understood(resident):
    await resident.press("menu:idea")
    await resident.say("P. TAN DINH")
    assert "pick:economy" in resident.values  # moved on to the field question
    await resident.press("nav:back")
    await resident.say("nct")
    assert "pick:economy" in resident.values


async def test_unknown_ward_is_refused_with_the_list_again(resident):
    await resident.press("menu:idea")
    await resident.say("Phường Không Có")
    assert "Phường Không Có" in resident.text
    assert "pick:ben-nghe" in resident.values


async def test_2025_ward_map_by_configuration_asks_which_ward_for_a_split_old_ward(
    settings, engine, clock
):
    from bot.config import DATA_DIR
    from tests.conftest import with_settings

    new_map = with_settings(settings, units_file=DATA_DIR / "units_2025.toml")
    person = Resident(Dispatcher(new_map, engine, clock=clock))
    await person.consent()
    await person.press("menu:idea")
    assert {"pick:sai-gon", "pick:tan-dinh", "pick:ben-thanh", "pick:cau-ong-lanh"} <= set(
        person.values
    )
    await person.say("Đa Kao")  # split between Sài Gòn and Tân Định
    assert [v for v in person.values if v.startswith("pick:")] == ["pick:sai-gon", "pick:tan-dinh"]
    await person.press("pick:tan-dinh")
    await person.press("pick:economy")
    await person.say("Ben Nghe is now Sai Gon")
    assert "nav:back" in person.values


async def test_typing_the_number_or_the_label_of_an_option_picks_it(resident):
    await resident.say("1")  # the first menu option: send an idea
    assert "pick:ben-nghe" in resident.values
    await resident.say("ben nghe")
    labels = resident.labels
    await resident.say(labels[2].upper())  # the third field, typed as its label
    await resident.say("Tiêu đề")
    async with resident.dispatcher.engine.connect() as conn:
        row = await user_repo.load_user(conn, "console", "1001")
    assert row["data"]["draft"]["answers"]["field"] == "admin-reform"


async def test_too_long_title_says_the_limit_and_keeps_the_draft(resident, engine):
    await reach_title(resident)
    await resident.say("T" * 151)
    assert "151" in resident.text and "150" in resident.text
    row = await _user_row(engine)
    assert row["state"] == "flow:title"
    assert row["data"]["draft"]["answers"]["ward"] == "ben-thanh"
    await resident.say("Chợ không dùng tiền mặt")
    assert (await _user_row(engine))["state"] == "flow:description"


async def test_sticker_where_text_is_expected_says_what_is_expected(resident, engine):
    await reach_title(resident)
    await resident.send_other("sticker")
    assert resident.last and resident.last[0].text
    assert (await _user_row(engine))["state"] == "flow:title"
    await resident.send_other("location")
    assert (await _user_row(engine))["state"] == "flow:title"


async def test_back_returns_one_step_and_shows_the_previous_answer(resident, engine):
    await reach_title(resident)
    await resident.say("Tiêu đề thứ nhất")
    await resident.press("nav:back")
    assert "Tiêu đề thứ nhất" in resident.text
    assert (await _user_row(engine))["state"] == "flow:title"
    await resident.say("Tiêu đề thứ hai")
    row = await _user_row(engine)
    assert row["data"]["draft"]["answers"]["title"] == "Tiêu đề thứ hai"


async def test_cancel_asks_first_and_keeps_the_draft_when_declined(resident, engine):
    await resident.press("menu:idea")
    await resident.say("ben thanh")
    await resident.say("/huy")
    assert set(resident.values) == {"form:discard", "form:keep"}
    await resident.press("form:keep")
    row = await _user_row(engine)
    assert row["state"] == "flow:field"
    assert row["data"]["draft"]["answers"]["ward"] == "ben-thanh"
    await resident.say("/huy")
    await resident.press("form:discard")
    assert "draft" not in (await _user_row(engine))["data"]
    assert "menu:resume" not in resident.values


async def test_summary_lets_the_resident_change_any_answer(resident, engine):
    await fill_idea(resident)
    assert "form:confirm" in resident.values
    await resident.press("form:edit")
    await resident.press("edit:title")
    await resident.say("Tiêu đề đã sửa")
    assert "form:confirm" in resident.values  # back at the summary
    assert "Tiêu đề đã sửa" in resident.text
    await resident.press("form:confirm")
    entry = await entry_row(engine, code_in(resident.text))
    assert entry["title"] == "Tiêu đề đã sửa"


async def test_giving_a_name_while_editing_asks_whether_it_may_be_shown(resident, engine):
    await fill_idea(resident, name=None, phone=None)
    await resident.press("form:edit")
    await resident.press("edit:contact_name")
    await resident.say("Trần Văn Minh")
    assert "pick:yes" in resident.values  # the follow-up question now applies
    await resident.press("pick:no")
    await resident.press("form:confirm")
    entry = await entry_row(engine, code_in(resident.text))
    assert entry["contact_name"] == "Trần Văn Minh" and entry["show_name"] is False


async def test_photos_and_documents_with_limits(resident, engine):
    await reach_files(resident)
    await resident.send_photo(size=50 * 1024 * 1024)
    assert "10" in resident.text  # the limit in MB
    await resident.send_document("virus.exe", "application/x-msdownload")
    assert "PDF" in resident.text
    await resident.say("đây là chữ")
    assert not (await _user_row(engine))["data"]["draft"]["answers"].get("files")
    await resident.send_photo(ref="p1")
    await resident.send_document("ke-hoach.pdf", "application/pdf")
    assert "nav:done" in resident.values
    await resident.press("nav:done")
    assert (await _user_row(engine))["state"] == "flow:contact_name"


async def test_sixth_file_is_never_taken(resident, engine):
    await reach_files(resident)
    for n in range(5):
        await resident.send_photo(ref=f"p{n}")
    assert (await _user_row(engine))["state"] == "flow:contact_name"
    await resident.send_photo(ref="p6")
    row = await _user_row(engine)
    assert len(row["data"]["draft"]["answers"]["files"]) == 5


async def test_files_are_stored_with_the_entry(resident, engine):
    await reach_files(resident)
    await resident.send_photo(ref="p1")
    await resident.press("nav:done")
    await resident.press("nav:skip")
    await resident.press("nav:skip")
    await resident.press("form:confirm")
    code = code_in(resident.text)
    async with engine.connect() as conn:
        entry = await entry_repo.entry_by_code(conn, code)
        files = (await conn.execute(
            select(attachments.c.file_ref).where(attachments.c.entry_id == entry["id"])
        )).scalars().all()
    assert files == ["p1"]


async def test_old_eleven_digit_mobile_number_is_remapped(resident, engine):
    code = await submit_idea(resident, phone="0168 345 6789")
    assert (await entry_row(engine, code))["contact_phone"] == "+84383456789"


async def test_invalid_phone_is_refused_and_the_form_waits(resident, engine):
    await reach_files(resident)
    await resident.press("nav:skip")
    await resident.say("Lê Hoa")
    await resident.say("12345")
    assert "12345" in resident.text
    assert (await _user_row(engine))["state"] == "flow:phone"
    await resident.share_contact("84912345678")
    assert (await _user_row(engine))["data"]["draft"]["answers"]["phone"] == "+84912345678"


async def test_lookup_by_code_shows_status_and_nothing_personal(resident, dispatcher):
    code = await submit_idea(resident, name="Nguyễn Thị Lan", phone="0903 123 456")
    stranger = Resident(dispatcher, user="2002")
    await stranger.consent()
    await stranger.press("menu:lookup")
    await stranger.say(code.lower().replace("-", " "))
    assert code in stranger.text
    assert "Đèn đường tiết kiệm điện" in stranger.text
    assert "Phường Bến Nghé" in stranger.text
    assert "2026" in stranger.text
    assert "Lan" not in stranger.text and "0903" not in stranger.text and "903" not in stranger.text


async def test_mistyped_code_is_caught_by_its_check_letter(resident):
    code = await submit_idea(resident)
    digits = code.split("-")[2]
    wrong_digit = str((int(digits[-1]) + 1) % 10)
    mistyped = code.replace(digits, digits[:-1] + wrong_digit)
    await resident.press("menu:lookup")
    await resident.say(mistyped)
    assert mistyped in resident.text
    assert "Đèn đường" not in resident.text
    assert "nav:back" in resident.values


async def test_code_typed_at_the_menu_is_looked_up(resident):
    code = await submit_idea(resident)
    await resident.say(code)
    assert "Đèn đường tiết kiệm điện" in resident.text


async def test_my_entries_lists_own_entries_and_withdraws_an_open_one(resident, engine, dispatcher):
    code = await submit_idea(resident)
    await resident.press("menu:mine")
    assert code in resident.text
    await resident.press(f"entry:view:{code}")
    await resident.press(f"entry:withdraw:{code}")
    await resident.press(f"entry:withdraw-yes:{code}")
    assert (await entry_row(engine, code))["status"] == "withdrawn"
    async with engine.connect() as conn:
        history = await entry_repo.entry_history(conn, (await entry_row(engine, code))["id"])
    assert [h["to_status"] for h in history] == ["submitted", "withdrawn"]
    await resident.press(f"entry:view:{code}")
    assert f"entry:withdraw:{code}" not in resident.values  # no longer open


async def test_a_forged_withdraw_of_someone_elses_entry_is_refused(resident, dispatcher, engine):
    code = await submit_idea(resident)
    other = Resident(dispatcher, user="3003")
    await other.consent()
    await other.press("menu:mine")
    other.last[0].options.append(type(other.last[0].options[0])(f"entry:withdraw-yes:{code}", "x"))
    await other.press(f"entry:withdraw-yes:{code}")
    assert (await entry_row(engine, code))["status"] == "submitted"


async def test_erase_my_data_anonymises_entries_and_forgets_the_resident(resident, engine):
    code = await submit_idea(resident)
    await resident.press("menu:settings")
    await resident.press("set:erase")
    await resident.press("set:erase-yes")
    entry = await entry_row(engine, code)
    assert entry["contact_name"] is None and entry["contact_phone"] is None
    assert entry["user_id"] is None and entry["status"] == "submitted"
    assert await _user_row(engine) is None
    await resident.say("xin chào")
    assert "consent:yes" in resident.values  # a stranger again


async def test_english_is_complete_once_chosen(resident):
    await resident.press("menu:settings")
    await resident.press("lang:en")
    assert "From now on I will write to you in English." in resident.text
    await resident.press("menu:main")
    assert "Send an idea" in resident.labels
    await resident.press("menu:idea")
    assert "Which ward" in resident.text
    assert "Ben Nghe Ward" in resident.labels


async def test_unknown_command_gets_help_and_keeps_the_form(resident, engine):
    await resident.press("menu:idea")
    await resident.say("ben thanh")
    await resident.say("/khongco")
    assert "/khongco" in resident.text
    assert "/tracuu" in resident.text
    assert (await _user_row(engine))["state"] == "flow:field"


async def test_html_and_markdown_are_kept_literally(resident, engine):
    await reach_title(resident)
    await resident.say("<b>Đậm</b> *nghiêng* [link](http://x)")
    await resident.say("Mô tả <script>alert(1)</script> đủ dài.")
    row = await _user_row(engine)
    assert row["data"]["draft"]["answers"]["title"] == "<b>Đậm</b> *nghiêng* [link](http://x)"


async def test_an_update_delivered_twice_is_processed_once(resident, engine):
    await resident.press("menu:idea")
    await resident.say("ben thanh", update_id=500)
    await resident.press("pick:economy")
    # pick:economy had no update id; a redelivery of update 500 must not re-answer the ward.
    replies = await resident.say("ben thanh", update_id=500)
    assert replies == []
    assert (await _user_row(engine))["state"] == "flow:title"


async def test_resident_resumes_draft_after_restart(settings, engine, clock):
    first = Resident(Dispatcher(settings, engine, clock=clock))
    await first.consent()
    await first.press("menu:idea")
    await first.say("ben thanh")
    await first.press("pick:economy")
    await first.say("Tiêu đề trước khi khởi động lại")
    # A new process: a new dispatcher on the same database.
    after = Resident(Dispatcher(settings, engine, clock=clock))
    await after.say("Mô tả được gửi sau khi khởi động lại.")
    row = await _user_row(engine)
    answers = row["data"]["draft"]["answers"]
    assert answers["title"] == "Tiêu đề trước khi khởi động lại"
    assert answers["description"] == "Mô tả được gửi sau khi khởi động lại."
    assert row["state"] == "flow:benefit"


async def test_unfinished_form_can_be_continued_from_the_menu(resident, engine):
    await resident.press("menu:idea")
    await resident.say("ben thanh")
    await resident.say("/menu")
    assert "menu:resume" in resident.values
    await resident.press("menu:resume")
    assert "pick:economy" in resident.values
    await resident.say("/giaithuong")  # another form while one is unfinished
    assert set(resident.values) == {"menu:resume", "form:discard"}


async def _english_on_telegram(dispatcher, user: str) -> Resident:
    person = Resident(dispatcher, user=user, channel="telegram")
    await person.consent()
    await person.press("menu:settings")
    await person.press("lang:en")
    return person


async def test_a_fast_typist_is_held_not_dropped_told_in_english_and_nobody_else_waits(
        settings, engine, clock):
    from tests.conftest import with_settings

    dispatcher = Dispatcher(with_settings(settings, flood_burst=4, flood_rate=4), engine,
                            clock=clock)
    noisy = await _english_on_telegram(dispatcher, "4004")  # four messages: the whole burst
    calm = Resident(dispatcher, user="5005", channel="telegram")
    answers = [dict(choice="menu:idea"), dict(text="ben nghe"),
               dict(choice="pick:digital-smart-city"), dict(text="Đèn đường tiết kiệm điện"),
               dict(text="Lắp cảm biến để đèn đường tự giảm độ sáng khi vắng người."),
               dict(text="Tiết kiệm 30% điện năng chiếu sáng công cộng.")]
    replies = [await noisy._send(**answer) for answer in answers]  # all at once
    assert len(replies[0]) == 1 and "nothing you sent is lost" in replies[0][0].text  # English
    assert replies[1:] == [[]] * 5  # told once
    assert await calm.say("/start")  # someone else is answered at once, not slowed
    for _ in range(400):
        await asyncio.sleep(0.025)
        await noisy.deliver()
        if len(noisy.inbox) >= 6:
            break
    draft = dispatcher.sessions.get(("telegram", "4004"))["data"]["draft"]["answers"]
    assert draft["title"] == "Đèn đường tiết kiệm điện"
    assert draft["description"].startswith("Lắp cảm biến")
    assert "30%" in draft["benefit"]  # the held answers were taken, in order
    assert len(noisy.inbox) == 6 and "benefit" in noisy.inbox[-2].text  # answered, in English
    assert "nav:skip" in [o.value for o in noisy.inbox[-1].options]


async def test_beyond_thirty_waiting_messages_each_is_refused_with_a_note_to_resend(
        settings, engine, clock):
    from tests.conftest import with_settings

    dispatcher = Dispatcher(with_settings(settings, flood_burst=4, flood_rate=1), engine,
                            clock=clock)
    noisy = await _english_on_telegram(dispatcher, "4014")
    replies = [await noisy.say(f"spam {i}") for i in range(34)]
    refused = [r for r in replies if r and "NOT received" in r[0].text]
    assert len(refused) == 4 and "send it again" in refused[0][0].text


async def test_the_local_console_is_never_flood_limited(settings, engine, clock):
    from tests.conftest import with_settings

    dispatcher = Dispatcher(with_settings(settings, flood_burst=1, flood_rate=0.01), engine,
                            clock=clock)
    operator = Resident(dispatcher, user="4024")
    await operator.consent()
    for _ in range(10):
        await operator.say("/menu")
        assert "menu:idea" in operator.values


async def test_an_internal_error_is_told_in_the_senders_language(dispatcher):
    english = await _english_on_telegram(dispatcher, "4034")

    async def broken(ctx):
        raise RuntimeError("a bug")

    dispatcher._route = broken
    replies = await english.say("hello")
    assert "something went wrong on our side" in replies[0].text


async def test_closed_campaign_refuses_new_entries_and_keeps_the_draft(resident, engine, clock):
    from datetime import UTC, datetime

    await fill_idea(resident)
    clock.now = datetime(2031, 1, 2, 3, 0, tzinfo=UTC)  # the 2026–2030 campaign has closed
    await resident.press("form:confirm")
    assert "form:confirm" in resident.values
    async with engine.connect() as conn:
        assert await entry_repo.count_entries(conn) == 0
    assert (await _user_row(engine))["data"]["draft"]["answers"]["title"]


async def test_no_open_campaign_means_no_new_form(resident, clock):
    from datetime import UTC, datetime

    clock.now = datetime(2025, 10, 1, 3, 0, tzinfo=UTC)  # between the two campaigns
    await resident.press("menu:idea")
    assert "pick:ben-nghe" not in resident.values
    assert "menu:idea" in resident.values


async def test_users_table_has_one_row_per_person(dispatcher, engine):
    for user in ("1", "2", "1"):
        await Resident(dispatcher, user=user).say("/start")
    async with engine.connect() as conn:
        assert len((await conn.execute(select(users.c.id))).all()) == 2
        assert (await conn.execute(select(entries.c.id))).all() == []


async def test_the_name_the_chat_app_shows_is_offered_as_the_contact_name(dispatcher, engine):
    person = Resident(dispatcher, user="6006", name="Võ Thị Sáu")
    await person.consent()
    await reach_files(person, "co giang")
    await person.press("nav:skip")
    assert "Võ Thị Sáu" in person.labels
    await person.press_label("Võ Thị Sáu")
    row = await _user_row(engine, "6006")
    assert row["data"]["draft"]["answers"]["contact_name"] == "Võ Thị Sáu"
    assert row["display_name"] is None  # the chat's name is not kept on its own


async def test_two_processes_serving_one_resident_stay_coherent(settings, engine, clock):
    """Behind a load balancer, consecutive messages may reach different processes, each with
    its own cache of the resident's row: a stale one is noticed and the step runs again."""
    first = Dispatcher(settings, engine, clock=clock)
    second = Dispatcher(settings, engine, clock=clock)
    via_first, via_second = Resident(first), Resident(second)
    await via_first.consent()
    await via_first.press("menu:idea")
    await via_second.say("ben thanh")  # second process: its first look at this row
    await via_first.say("3")  # first process, stale cache: still thinks the ward is asked
    await via_second.say("Tiêu đề qua hai tiến trình")
    await via_first.say("Mô tả được gửi tới tiến trình thứ nhất.")
    row = await _user_row(engine)
    answers = row["data"]["draft"]["answers"]
    assert answers["ward"] == "ben-thanh" and answers["field"] == "admin-reform"
    assert answers["title"] == "Tiêu đề qua hai tiến trình"
    assert answers["description"] == "Mô tả được gửi tới tiến trình thứ nhất."
    assert row["state"] == "flow:benefit"
    for d in (first, second):
        await d.close()


async def test_back_while_changing_an_answer_keeps_it(resident, engine):
    await fill_idea(resident)
    await resident.press("form:edit")
    await resident.press("edit:title")
    await resident.press("nav:back")
    assert "form:confirm" in resident.values
    assert "Đèn đường tiết kiệm điện" in resident.text
    await resident.press("form:confirm")
    entry = await entry_row(engine, code_in(resident.text))
    assert entry["title"] == "Đèn đường tiết kiệm điện"


async def test_back_from_the_list_of_answers_returns_to_the_summary(resident, engine):
    await fill_idea(resident)
    await resident.press("form:edit")
    await resident.press("nav:back")
    assert "form:confirm" in resident.values
    row = await _user_row(engine)
    assert row["data"]["draft"]["answers"]["show_name"] is True


async def test_commands_that_ask_nothing_leave_the_question_and_its_buttons(resident, engine):
    await resident.press("menu:idea")
    await resident.say("ben thanh")
    field_question = resident.values
    for command in ("/dunglai", "/hangdoi", "/dangky SAI-MA"):
        await resident.say(command)
        assert resident.text and not resident.values
    await resident.press_anyway(field_question[0])  # the field question's first button
    assert (await _user_row(engine))["state"] == "flow:title"


async def test_help_lists_every_command_of_the_command_menu(resident):
    await resident.say("/trogiup")
    for name, _description in COMMAND_MENU:
        assert f"/{name} –" in resident.text
    assert "/dunglai" in resident.text


async def test_a_forged_language_button_changes_nothing(resident, engine):
    await resident.press("menu:settings")
    await resident.press_anyway("lang:fr")
    assert (await _user_row(engine))["lang"] == "vi"
    assert "English" not in resident.text.split("\n")[0]
    assert "lang:en" in resident.values  # the settings again, to choose from
