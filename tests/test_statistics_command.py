"""/thongke in the chat: each officer sees the figures of their own unit, for the period typed."""

from __future__ import annotations

from bot.figures import Period
from bot.services.stats import DEFINITIONS
from handlers.commands import NOT_YOUR_ROLE
from handlers.review import OFFICERS_ONLY
from handlers.stats import BAD_PERIOD, render_figures
from tests import officers, test_stats
from tests.conftest import Resident
from tests.flows import submit_idea
from tests.officers import register_officer
from tests.test_stats import figures_of

staff = officers.staff  # the fixture
office = test_stats.office  # the fixture: the hand-built year of test_stats


def vi(dispatcher, message: str, **params) -> str:
    """A sentence as a Vietnamese reader gets it."""
    sentence = dispatcher.translator("vi")._(message)
    return sentence.format(**params) if params else str(sentence)


async def sent_ideas(dispatcher) -> None:
    """Two ideas sent to Bến Nghé and one to Bến Thành, on 25/11/2026."""
    for user, ward in (("2001", "ben nghe"), ("2002", "ben nghe"), ("2003", "ben thanh")):
        person = Resident(dispatcher, user=user)
        await person.consent()
        await submit_idea(person, ward=ward)


async def test_ward_officer_sees_their_wards_figures_not_another_wards(dispatcher, staff):
    await sent_ideas(dispatcher)
    lan, other = staff["lan"], staff["other"]
    await lan.say_and_wait("/thongke")
    text = lan.text
    assert vi(dispatcher, "Figures of {unit} from {start} to {end}", unit="Phường Bến Nghé",
              start="01/01/2026", end="31/12/2026") in text
    assert vi(dispatcher, "Entries sent: {count}", count=2) in text
    assert "Bến Thành" not in text
    # Each figure comes with its definition, on its own line.
    assert f"ⓘ {vi(dispatcher, DEFINITIONS['total'])}" in text
    assert f"ⓘ {vi(dispatcher, DEFINITIONS['funnel'])}" in text
    await other.say_and_wait("/thongke")
    assert vi(dispatcher, "Entries sent: {count}", count=1) in other.text
    assert "Bến Nghé" not in other.text


async def test_district_officer_sees_the_wards_below_it(dispatcher, staff):
    await sent_ideas(dispatcher)
    district = staff["district"]
    await district.say_and_wait("/thongke năm nay")
    text = district.text
    assert vi(dispatcher, "Figures of {unit} from {start} to {end}",
              unit="UBND Quận 1 (Phòng Nội vụ)", start="01/01/2026", end="31/12/2026") in text
    assert vi(dispatcher, "Entries sent: {count}", count=3) in text
    assert "• Phường Bến Nghé: 2" in text and "• Phường Bến Thành: 1" in text
    # The 8 other wards of the 10-ward map sent nothing.
    prefix = vi(dispatcher, "Wards with no entry: {wards}.", wards="@").split("@")[0]
    line = next(line for line in text.splitlines() if line.startswith(prefix))
    silent = line.removeprefix(prefix).rstrip(".").split(", ")
    assert len(silent) == 8 and "Phường Cầu Kho" in silent and "Phường Tân Định" in silent
    assert "Phường Bến Nghé" not in silent and "Phường Bến Thành" not in silent
    assert f"ⓘ {vi(dispatcher, DEFINITIONS['silent_units'])}" in text


async def test_a_quarter_typed_without_accents_is_understood(dispatcher, staff):
    await sent_ideas(dispatcher)
    district = staff["district"]
    await district.say_and_wait("/thongke quy 3 2026")
    # The ideas were sent on 25/11: none in July–September.
    assert vi(dispatcher, "Figures of {unit} from {start} to {end}",
              unit="UBND Quận 1 (Phòng Nội vụ)", start="01/07/2026", end="30/09/2026") \
        in district.text
    assert vi(dispatcher, "Entries sent: {count}", count=0) in district.text
    await district.say_and_wait("/thongke tháng 11/2026")
    assert vi(dispatcher, "Entries sent: {count}", count=3) in district.text


async def test_a_period_that_cannot_be_read_is_explained_with_examples(dispatcher, staff):
    lan = staff["lan"]
    await lan.say_and_wait("/thongke hôm kia")
    assert vi(dispatcher, BAD_PERIOD, typed="hôm kia") in lan.text
    assert "/thongke quý 1 2026" in lan.text


async def test_resident_is_told_it_is_for_officers(dispatcher, resident):
    await resident.say_and_wait("/thongke")
    assert resident.text == vi(dispatcher, OFFICERS_ONLY)


async def test_communications_role_has_no_figures(dispatcher, staff):
    await staff["comms"].say("/stats")
    assert staff["comms"].text == vi(dispatcher, NOT_YOUR_ROLE)


async def test_administrator_sees_the_whole_tree(dispatcher, staff):
    await sent_ideas(dispatcher)
    admin = await register_officer(dispatcher, "9010", "quan-1", "admin", "Quản trị viên")
    await admin.say_and_wait("/thongke")
    assert vi(dispatcher, "Figures of {unit} from {start} to {end}",
              unit="Sở Nội vụ TP. Hồ Chí Minh (Ban Thi đua – Khen thưởng)",
              start="01/01/2026", end="31/12/2026") in admin.text
    assert vi(dispatcher, "Entries sent: {count}", count=3) in admin.text


async def test_figures_are_written_as_the_readers_language_writes_them(dispatcher, office):
    figures = await figures_of(dispatcher, "quan-1", Period.year(2026))
    text = render_figures(dispatcher.translator("vi"), dispatcher.ref, figures)
    # 5 of the 8 entries were taken up: 62,5 %; 5 of the 7 items in time: 71,4 %.
    assert "Số liệu của UBND Quận 1 (Phòng Nội vụ) từ ngày 01/01/2026 đến ngày 31/12/2026" in text
    assert "• Đã tiếp nhận: 5 (62,5% so với bước trước)" in text
    assert "trung vị 1, phân vị 90 là 6,5 ngày làm việc (tính trên 6 trường hợp)" in text
    assert "Lượt xử lý hoàn thành: 7; đúng hạn (5 ngày làm việc): 5 (71,4%)." in text
    assert "chỉ tiêu từ 15 đến 20 hồ sơ đến ngày 31/12/2030" in text
    # Every figure's paragraph ends with its definition.
    for paragraph in text.split("\n\n")[1:]:
        assert paragraph.splitlines()[-1].startswith("ⓘ "), paragraph
    english = render_figures(dispatcher.translator("en"), dispatcher.ref, figures)
    assert "• Taken up: 5 (62.5% of the step before)" in english
    assert "median 1, 90th percentile 6.5 working days (6 counted)" in english
    assert "by the due date (5 working days): 5 (71.4%)." in english
