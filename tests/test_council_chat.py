"""The selection council in chat (/hoidong): a member scores one criterion at a time, with typed
numbers that are never taken for option numbers; bad input loses nothing; nobody sees another
member's scores before the round closes (neither in a dossier nor in the chair's view); a
recused member cannot score even with a forged button; a ward officer, a resident and a member
of another council see nothing of the round; the chair closes it and gets the ranking."""

from __future__ import annotations

import io

import openpyxl
from docx import Document

from bot.files import FolderStore
from bot.services import council as service
from bot.services import tasks as task_service
from bot.services.outbox import Outbox
from bot.services.review import Review
from storage import council as council_repo
from storage import officers as officer_repo
from storage import tasks as task_repo
from storage import users as user_repo
from tests.conftest import Resident, mailbox_runtime
from tests.officers import register_officer
from tests.test_council import MEMBERS, SCORES, build_council, play_round, points

PLACEHOLDER = "Bộ tiêu chí tạm thời — Phòng Nội vụ sẽ thay thế khi có tiêu chí chính thức."


def member(dispatcher, key: str) -> Resident:
    chat, _, name = MEMBERS[key]
    return Resident(dispatcher, user=chat, name=name)


def button(action: str, round_id: int, entry_id: int = 0, arg: object = "") -> str:
    return f"hd:{action}:{round_id}:{entry_id}:{arg}"


async def test_a_member_scores_a_dossier_one_criterion_at_a_time(dispatcher):
    actors, entries, _, round_id = await build_council(dispatcher)
    em = member(dispatcher, "em")
    await em.say("/hoidong")
    assert "Hội đồng xét chọn Quận 1 — đợt 2026 (mở đến hết ngày 10/12/2026)" in em.text
    assert PLACEHOLDER in em.text
    assert "Đã chấm 0, còn phải chấm 4, không tham gia chấm 0." in em.text
    await em.press(button("d", round_id, entries["B"]))
    assert "Chợ không tiền mặt" in em.text and "Tác giả B" in em.text
    assert "0903" not in em.text  # the author's phone stays with the officers
    await em.press(button("s", round_id, entries["B"]))
    assert "tiêu chí 1/4: Tính mới, tính sáng tạo (từ 0 đến 30 điểm)" in em.text
    assert PLACEHOLDER in em.text
    # "2" is two points, not the second option shown (Cancel).
    await em.say("2")
    assert "tiêu chí 2/4: Hiệu quả" in em.text
    # Out of range, then words: said clearly, and the first criterion stays scored.
    await em.say("31")
    assert "“31” không phải là điểm của tiêu chí Hiệu quả" in em.text
    await em.say("hai mươi")
    assert "từ 0 đến 30" in em.text and "tiêu chí 2/4" in em.text
    await em.say("28")
    await em.say("20")
    await em.say("12")
    assert "Tổng điểm: 62/100" in em.text
    await em.press(button("skip", round_id, entries["B"]))
    assert "• Tính mới, tính sáng tạo: 2/30" in em.text and "Lưu các điểm này?" in em.text
    await em.press(button("ok", round_id, entries["B"]))
    assert "Đã lưu: tổng điểm của anh/chị cho hồ sơ này là 62/100" in em.text
    assert "đã chấm: 62/100" in em.text
    # Changing the score: every criterion offers to keep its figure; novelty becomes 22.
    await em.press(button("d", round_id, entries["B"]))
    await em.press(button("s", round_id, entries["B"]))
    assert "Giữ 2 điểm" in em.labels
    await em.say("22")
    for keep in ("Giữ 28 điểm", "Giữ 20 điểm", "Giữ 12 điểm"):
        await em.press_label(keep)
    await em.press(button("skip", round_id, entries["B"]))
    await em.press(button("ok", round_id, entries["B"]))
    assert "82/100" in em.text
    async with dispatcher.engine.connect() as conn:
        trail = await council_repo.audit_of_officer(conn, actors["em"].officer_id)
    assert [(h["criterion"], h["old"], h["new"]) for h in trail][-1:] == [("novelty", "2", "22")]


async def test_a_total_below_30_needs_a_comment(dispatcher):
    _, entries, _, round_id = await build_council(dispatcher)
    em = member(dispatcher, "em")
    await em.say("/hoidong")
    await em.press(button("d", round_id, entries["D"]))
    await em.press(button("s", round_id, entries["D"]))
    for value in ("5", "5", "5", "5"):
        await em.say(value)
    assert "Tổng điểm dưới 30 hoặc trên 95 cần có nhận xét" in em.text
    assert button("skip", round_id, entries["D"]) not in em.values
    await em.say("Chưa có số liệu hiệu quả.")
    assert "Nhận xét của anh/chị: Chưa có số liệu hiệu quả." in em.text
    await em.press(button("ok", round_id, entries["D"]))
    assert "20/100" in em.text


async def test_no_member_sees_another_members_scores_before_the_round_closes(dispatcher):
    actors, entries, _, round_id = await build_council(dispatcher)
    await play_round(dispatcher, actors, entries, round_id)
    # Em has not scored D; An scored it 35 (10, 12, 8, 5) and Châu 37.
    em = member(dispatcher, "em")
    await em.say("/hoidong")
    await em.press(button("d", round_id, entries["D"]))
    assert "Bản đồ chỗ đỗ xe" in em.text
    for theirs in ("35/100", "37/100", "12/30", "8/25", "9/25", "5/15", "6/15", "trung bình"):
        assert theirs not in em.text
    # Only her own half-done score (novelty 10) is shown to her.
    assert "• Tính mới, tính sáng tạo: 10/30" in em.text and "Tổng điểm: 10/100" in em.text
    # The chair: progress counts, and the ranking button gives counts too, never a score.
    an = member(dispatcher, "an")
    await an.say("/hoidong")
    assert "Đã chấm 4, còn phải chấm 0" in an.text
    await an.press(button("prog", round_id))
    assert "• Thành viên Bình: Đã chấm 2, còn phải chấm 1, không tham gia chấm 1." in an.text
    assert "78" not in an.text and "82" not in an.text
    await an.press_anyway(button("res", round_id))
    assert "trung bình" not in an.text and "82,5" not in an.text
    # A member other than the chair cannot ask for the progress or the ranking.
    await em.press_anyway(button("res", round_id))
    assert "Chỉ Chủ tịch hội đồng" in em.text


async def test_a_recused_member_never_scores_even_with_a_forged_button(dispatcher):
    actors, entries, _, round_id = await build_council(dispatcher)
    binh = member(dispatcher, "binh")  # recused from A automatically (Bến Nghé filed it)
    await binh.say("/hoidong")
    assert "không tham gia chấm" in binh.text
    assert button("d", round_id, entries["A"]) not in binh.values
    await binh.press_anyway(button("d", round_id, entries["A"]))
    assert "Anh/chị không tham gia chấm hồ sơ này" in binh.text
    assert "Đèn đường thông minh" not in binh.text
    await binh.press_anyway(button("s", round_id, entries["A"]))
    assert "Anh/chị không tham gia chấm hồ sơ này" in binh.text
    await binh.press_anyway(button("p", round_id, entries["A"], 30))
    await binh.press_anyway(button("ok", round_id, entries["A"]))
    async with dispatcher.engine.connect() as conn:
        assert await council_repo.scores(conn, round_id, officer_id=actors["binh"].officer_id,
                                         entry_id=entries["A"]) == []


async def test_a_member_declares_a_link_while_scoring_and_is_recused(dispatcher):
    actors, entries, _, round_id = await build_council(dispatcher)
    dung = member(dispatcher, "dung")
    await dung.say("/hoidong")
    await dung.press(button("d", round_id, entries["C"]))
    await dung.press(button("s", round_id, entries["C"]))
    await dung.say("20")
    await dung.press_anyway(button("c", round_id, entries["C"]))
    await dung.press(button("k", round_id, entries["C"], "relative"))
    await dung.say("Con rể tôi là đồng tác giả")
    assert "Đã ghi nhận: anh/chị không tham gia chấm hồ sơ này" in dung.text
    assert "Đã chấm 0, còn phải chấm 3, không tham gia chấm 1." in dung.text
    async with dispatcher.engine.connect() as conn:
        recusals = await council_repo.recusals(conn, round_id)
    assert ("relative", False, "Con rể tôi là đồng tác giả") in {
        (r["kind"], r["automatic"], r["note"]) for r in recusals
        if r["officer_id"] == actors["dung"].officer_id}
    # The scoring begun before is gone, and a stale points button is refused.
    await dung.press_anyway(button("p", round_id, entries["C"], 20))
    assert "Nút này không còn hiệu lực" in dung.text


async def test_ward_officers_residents_and_other_councils_see_nothing_of_the_round(
        dispatcher, resident):
    actors, entries, _, round_id = await build_council(dispatcher)
    await play_round(dispatcher, actors, entries, round_id)
    ward = await register_officer(dispatcher, "8001", "ben-nghe", "ward_officer", "Cán bộ Lan")
    await ward.say("/hoidong")
    assert "Các lệnh của Hội đồng xét chọn chỉ dành cho thành viên hội đồng." in ward.text
    await ward.press_anyway(button("d", round_id, entries["B"]))
    assert "Chợ không tiền mặt" not in ward.text
    await resident.say("/hoidong")
    assert "Chợ không tiền mặt" not in resident.text and "/dangky" in resident.text
    # A member of another council.
    other = await register_officer(dispatcher, "8002", "quan-1", "council_member", "Ông Khác")
    async with dispatcher.engine.begin() as conn:
        officer = next(o for o in await officer_repo.list_officers(conn) if o["name"] == "Ông Khác")
        second = await service.create_council(conn, dispatcher.ref, unit="quan-1",
                                              name="Hội đồng khác", now=dispatcher.clock())
        await service.add_member(conn, second, officer["id"], chair=True, now=dispatcher.clock())
    await other.say("/hoidong")
    assert "Hội đồng xét chọn Quận 1" not in other.text
    for action in ("r", "d", "res", "prog"):
        await other.press_anyway(button(action, round_id, entries["B"]))
        assert "Anh/chị không" in other.text or "Chỉ Chủ tịch" in other.text, other.text
        assert "Chợ không tiền mặt" not in other.text and "82" not in other.text


async def test_a_council_member_has_no_review_queue_and_no_review_verbs(dispatcher):
    actors, entries, _, round_id = await build_council(dispatcher)
    an = member(dispatcher, "an")
    await an.say("/hangdoi")
    assert "Vai trò của anh/chị không có hàng đợi" in an.text or "hàng đợi" in an.text
    now = dispatcher.clock()
    async with dispatcher.engine.begin() as conn:
        review = Review(conn, dispatcher.ref, Outbox(dispatcher.translator, now), now)
        for action in ("shortlist", "nominate", "dismiss"):
            outcome = await review.run(actors["an"], action, entries["B"])
            assert not outcome.ok


async def test_the_chair_closes_the_round_gets_the_ranking_and_asks_for_the_documents(
        dispatcher):
    actors, entries, _, round_id = await build_council(dispatcher)
    await play_round(dispatcher, actors, entries, round_id)
    an = member(dispatcher, "an")
    await an.say("/hoidong")
    await an.press(button("close", round_id))
    await an.press(button("closeok", round_id))
    text = an.text
    assert "Đợt xét chọn đã kết thúc" in text and PLACEHOLDER in text
    lines = text.splitlines()
    ranked = [line for line in lines if line[:2] in ("1.", "2.", "3.", "— ")]
    assert ranked[0].startswith("1. ") and "Vườn rau trên sân thượng" in ranked[0]
    assert "trung bình 82,5 (4/4 thành viên)" in ranked[0] and "cần thảo luận" in ranked[0]
    assert "Chợ không tiền mặt" in ranked[1] and "bằng điểm" in ranked[1]
    assert "Đèn đường thông minh" in ranked[2] and "trung bình 78 (4/4" in ranked[2]
    assert "Bản đồ chỗ đỗ xe" in ranked[3] and "không đủ số thành viên chấm (2/5" in ranked[3]
    # Scores can no longer change.
    em = member(dispatcher, "em")
    await em.press_anyway(button("s", round_id, entries["D"]))
    assert "Đợt xét chọn đã kết thúc: không thể sửa điểm nữa." in em.text
    # The documents are a task (built by bot/reports/council.py).
    await an.press(button("docs", round_id))
    assert "đang được chuẩn bị" in an.text
    async with dispatcher.engine.connect() as conn:
        waiting = await task_repo.waiting_for(conn, an_user_id(actors), "council_documents")
    assert waiting == 1


def an_user_id(actors) -> int:
    return actors["an"].user_id


async def test_scores_of_the_hand_built_round_match_what_the_chat_would_save(dispatcher):
    # The chat and the service agree: the data set of test_council scored through the chat
    # for one member gives the same stored points.
    actors, entries, _, round_id = await build_council(dispatcher)
    an = member(dispatcher, "an")
    await an.say("/hoidong")
    await an.press(button("d", round_id, entries["B"]))
    await an.press(button("s", round_id, entries["B"]))
    for value in SCORES[("an", "B")]:
        await an.say(str(value))
    await an.press(button("skip", round_id, entries["B"]))
    await an.press(button("ok", round_id, entries["B"]))
    async with dispatcher.engine.connect() as conn:
        mine = await service.scores_of(conn, round_id, officer_id=actors["an"].officer_id)
    assert mine[0].points == points(SCORES[("an", "B")])


SMALL_RUBRIC = """placeholder = false
[[criterion]]
key = "novelty"
name_vi = "Tính mới"
name_en = "Novelty"
max_points = 45
[[criterion]]
key = "effectiveness"
name_vi = "Hiệu quả"
name_en = "Effectiveness"
max_points = 45
[[criterion]]
key = "impact"
name_vi = "Tác động"
name_en = "Impact"
max_points = 10
"""


async def test_a_small_range_offers_numbered_choices_and_a_typed_number_is_the_points(
        dispatcher, tmp_path):
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(SMALL_RUBRIC, encoding="utf-8")
    _, entries, _, round_id = await build_council(dispatcher, rubric_file=rubric)
    em = member(dispatcher, "em")
    await em.say("/hoidong")
    assert PLACEHOLDER not in em.text  # the office's own criteria
    await em.press(button("d", round_id, entries["B"]))
    await em.press(button("s", round_id, entries["B"]))
    await em.say("40")
    await em.say("40")
    # Impact: 0 to 10 points, one choice for each; typing "3" is three points, not the third
    # choice (which is 2).
    assert [label for label in em.labels[:11]] == [str(n) for n in range(11)]
    await em.say("3")
    assert "Tổng điểm: 83/100" in em.text
    await em.press(button("skip", round_id, entries["B"]))
    await em.press(button("ok", round_id, entries["B"]))
    assert "83/100" in em.text


async def test_a_council_member_cannot_open_an_entrys_file_outside_the_round(dispatcher):
    _, entries, _, round_id = await build_council(dispatcher)
    an = member(dispatcher, "an")
    await an.press_anyway(f"q:view:{entries['B']}")
    assert "0903" not in an.text and "Lịch sử" not in an.text
    async with dispatcher.engine.connect() as conn:
        code = (await council_repo.dossiers(conn, round_id))[0]["code"]
    await an.say(f"/hoso {code}")
    assert "0903" not in an.text and "Lịch sử" not in an.text


async def test_the_chair_receives_the_rounds_documents_and_a_ward_officer_none(
        dispatcher, settings):
    actors, entries, _, round_id = await build_council(dispatcher)
    await play_round(dispatcher, actors, entries, round_id)
    an = member(dispatcher, "an")
    await an.say("/hoidong")
    await an.press(button("close", round_id))
    await an.press(button("closeok", round_id))
    await an.press(button("docs", round_id))
    runtime = mailbox_runtime(dispatcher)
    runtime.tasks.inline = True
    assert await runtime.tasks.run_pending() == 1
    await runtime.deliver("console")
    (reply,) = [r for r in an.inbox if r.attachments]
    names = sorted(a.name for a in reply.attachments)
    assert len(names) == 7  # the workbook, five score sheets, the minutes
    assert sum(n.endswith(".docx") for n in names) == 6
    store = FolderStore(settings.files_dir)
    [book] = [a for a in reply.attachments if a.name.endswith(".xlsx")]
    sheet = openpyxl.load_workbook(io.BytesIO(await store.read(book.key))).worksheets[0]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and isinstance(r[0], int)]
    # Ranked C (82.5), B and A (78, tie broken by effectiveness), then D without quorum.
    assert [row[2] for row in rows] == ["Vườn rau trên sân thượng", "Chợ không tiền mặt",
                                        "Đèn đường thông minh"]
    assert [round(row[5], 1) for row in rows] == [82.5, 78.0, 78.0]
    [minutes] = [a for a in reply.attachments if a.name.startswith("bien-ban")]
    document = Document(io.BytesIO(await store.read(minutes.key)))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])
    assert "BIÊN BẢN" in text and "Con rể tôi là đồng tác giả" in text  # the declared link
    # Someone else asking for the same documents is refused by the task itself.
    lan = await register_officer(dispatcher, "9301", "ben-nghe", "ward_officer", "Cán bộ Lan")
    async with dispatcher.engine.begin() as conn:
        user = await user_repo.load_or_create_user(conn, "console", "9301", "vi",
                                                   dispatcher.clock())
        assert await task_service.request(conn, user, "council_documents",
                                          {"round_id": round_id}, dispatcher.clock())
    await runtime.tasks.run_pending()
    await runtime.deliver("console")
    assert lan.inbox and not lan.inbox[-1].attachments
