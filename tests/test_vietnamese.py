"""What a Vietnamese resident reads: dates and numbers as an office writes them, a ward by its
name where the label says "Phường", statuses spoken to the author, one word for an idea."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import update

from bot import PROJECT_ROOT
from bot.catalogs import read
from bot.i18n import Translator
from storage.tables import entries
from tests.flows import fill_idea, reach_title, submit_idea


def test_dates_and_times_read_as_a_vietnamese_office_writes_them():
    t = Translator(PROJECT_ROOT / "locales", "vi")
    moment = datetime(2026, 12, 2, 13, 53, tzinfo=UTC)  # 20:53 in Ho Chi Minh City
    assert t.datetime(moment) == "20:53 ngày 02/12/2026"
    assert t.date(moment) == "02/12/2026"
    assert t.formal_date(date(2026, 1, 1)) == "ngày 1 tháng 1 năm 2026"


async def test_the_record_shows_when_it_was_sent_the_vietnamese_way(resident):
    code = await submit_idea(resident)
    await resident.say(f"/tracuu {code}")
    assert "10:00 ngày 25/11/2026" in resident.text  # the clock: 25 Nov 2026, 10:00 local


async def test_a_too_long_description_is_measured_with_vietnamese_grouping(resident):
    await reach_title(resident)
    await resident.say("Đèn đường tiết kiệm điện")
    await resident.say("x" * 3001)
    assert "3.001 ký tự" in resident.text and "3.000 ký tự" in resident.text
    assert "3001" not in resident.text and "3,000" not in resident.text


def test_no_vietnamese_sentence_groups_thousands_the_english_way():
    english_grouping = re.compile(r"\d,\d{3}\b")
    wrong = [m.id for m in read("vi") if m.id and english_grouping.search(m.string)]
    assert wrong == []


async def test_the_summary_says_phuong_ben_thanh_not_phuong_phuong_ben_thanh(resident):
    await fill_idea(resident, ward="ben thanh")
    assert "Phường: Bến Thành" in resident.text
    assert "Phường Phường" not in resident.text and "Phường: Phường" not in resident.text


async def test_an_idea_is_called_sang_kien_everywhere(resident):
    code = await submit_idea(resident)
    await resident.say(f"/tracuu {code}")
    assert f"{code} — Sáng kiến" in resident.text
    idea_words = [m.id for m in read("vi") if m.id and "ý tưởng" in m.string.lower()]
    assert idea_words == []


async def test_statuses_speak_to_the_author_and_an_award_is_congratulated(resident, engine):
    code = await submit_idea(resident)
    await resident.press("menu:mine")
    assert "Đã nhận – đang chờ phường tiếp nhận" in resident.text
    async with engine.begin() as conn:
        await conn.execute(update(entries).where(entries.c.code == code)
                           .values(status="needs_info"))
    await resident.say(f"/tracuu {code}")
    assert "Cần bổ sung thông tin – đang chờ anh/chị trả lời" in resident.text
    async with engine.begin() as conn:
        await conn.execute(update(entries).where(entries.c.code == code).values(status="awarded"))
    await resident.say(f"/tracuu {code}")
    assert "Xin chúc mừng anh/chị" in resident.text and "đạt giải" in resident.text


async def test_a_withdrawn_entry_says_the_author_withdrew_it(resident):
    code = await submit_idea(resident)
    await resident.press("menu:mine")
    await resident.press(f"entry:view:{code}")
    await resident.press(f"entry:withdraw:{code}")
    await resident.press(f"entry:withdraw-yes:{code}")
    await resident.press(f"entry:view:{code}")
    assert "Anh/chị đã rút hồ sơ" in resident.text
