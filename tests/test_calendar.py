"""Working days of the ward offices: the deadlines promised to residents skip weekends, the
public holidays of the `holidays` package and the day swaps listed in data/holidays.toml."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import WorkingCalendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HOLIDAYS_FILE = Path(__file__).resolve().parent.parent / "data" / "holidays.toml"


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.from_file(HOLIDAYS_FILE)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def end_of(year: int, month: int, day: int) -> datetime:
    return local(year, month, day, 23, 59, 59)


def test_five_working_days_skip_the_weekend(cal):
    # Wednesday 11 March 2026: Thu, Fri, (weekend), Mon, Tue, Wed.
    assert cal.add_working_days(local(2026, 3, 11, 10, 0), 5) == end_of(2026, 3, 18)


def test_item_arriving_friday_evening_is_due_monday(cal):
    due = cal.add_working_days(local(2026, 3, 13, 19, 30), 1)
    assert due == end_of(2026, 3, 16)
    assert due.tzinfo is TZ


def test_item_arriving_friday_before_a_holiday_monday_is_due_tuesday(cal):
    # Monday 27 April 2026 is the day in lieu for Giỗ Tổ Hùng Vương (Sunday 26 April).
    assert cal.add_working_days(local(2026, 4, 24, 18, 0), 1) == end_of(2026, 4, 28)


def test_item_arriving_on_a_weekend_counts_from_the_next_working_day(cal):
    assert cal.add_working_days(local(2026, 3, 14, 9, 0), 1) == end_of(2026, 3, 16)
    assert cal.add_working_days(local(2026, 3, 14, 9, 0), 0) == end_of(2026, 3, 16)
    assert cal.add_working_days(local(2026, 3, 11, 9, 0), 0) == end_of(2026, 3, 11)


def test_tet_holidays_do_not_count(cal):
    # Friday 13 February 2026; the office is closed from 14 to 22 February.
    assert cal.add_working_days(local(2026, 2, 13, 9, 0), 5) == end_of(2026, 2, 27)
    for day in range(14, 23):
        assert not cal.is_working_day(date(2026, 2, day))
    assert cal.is_working_day(date(2026, 2, 23))


def test_reunification_and_labour_day_do_not_count(cal):
    # Wednesday 29 April 2026: 30/4 (Thu) and 1/5 (Fri) closed, then the weekend.
    assert cal.add_working_days(local(2026, 4, 29, 14, 0), 3) == end_of(2026, 5, 6)


def test_compensatory_day_for_hung_kings_is_a_day_off(cal):
    assert not cal.is_working_day(date(2026, 4, 27))
    assert cal.holiday_name(date(2026, 4, 27), "vi") == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
    # Friday 24 April 2026: 27/4 closed, Tue 28, Wed 29, 30/4 and 1/5 closed, Mon 4, Tue 5, Wed 6.
    assert cal.add_working_days(local(2026, 4, 24, 10, 0), 5) == end_of(2026, 5, 6)


def test_saturday_worked_in_exchange_for_a_swapped_day_is_a_working_day(cal):
    # 2025: Friday 2 May off, worked on Saturday 26 April instead.
    assert cal.is_working_day(date(2025, 4, 26))
    assert not cal.is_working_day(date(2025, 5, 2))
    assert cal.add_working_days(local(2025, 4, 25, 17, 0), 1) == end_of(2025, 4, 26)


def test_weekends_and_holidays_do_not_count_while_waiting(cal):
    # Thursday 23 April 2026 to Tuesday 28 April: Fri 24 and Tue 28 count; the weekend and the
    # day in lieu on Monday 27 do not.
    assert cal.working_days_between(local(2026, 4, 23, 15, 0), local(2026, 4, 28, 9, 0)) == 2
    # A plain weekend: Friday to Monday is one working day.
    assert cal.working_days_between(local(2026, 3, 13, 10, 0), local(2026, 3, 16, 8, 0)) == 1


def test_waiting_within_one_day_or_backwards_counts_nothing(cal):
    assert cal.working_days_between(local(2026, 3, 11, 8, 0), local(2026, 3, 11, 17, 0)) == 0
    assert cal.working_days_between(local(2026, 3, 16, 8, 0), local(2026, 3, 11, 17, 0)) == 0


def test_waiting_end_is_read_in_the_local_zone(cal):
    # 18:00 UTC on Sunday 15 March is 01:00 on Monday 16 March in Ho Chi Minh City.
    end = datetime(2026, 3, 15, 18, 0, tzinfo=UTC)
    assert cal.working_days_between(local(2026, 3, 13, 10, 0), end) == 1


@pytest.mark.parametrize("days", [1, 3, 5, 10, 20])
def test_waiting_until_the_due_moment_counts_exactly_the_promised_days(cal, days):
    start = local(2026, 2, 12, 16, 0)
    assert cal.working_days_between(start, cal.add_working_days(start, days)) == days


def test_naive_datetimes_are_refused(cal):
    with pytest.raises(ValueError):
        cal.add_working_days(datetime(2026, 3, 13, 19, 30), 1)
    with pytest.raises(ValueError):
        cal.working_days_between(datetime(2026, 3, 13, 19, 30), local(2026, 3, 16, 8, 0))
    with pytest.raises(ValueError):
        cal.working_days_between(local(2026, 3, 13, 19, 30), datetime(2026, 3, 16, 8, 0))


def test_negative_day_counts_are_refused(cal):
    with pytest.raises(ValueError):
        cal.add_working_days(local(2026, 3, 13, 19, 30), -1)


def test_holiday_names_in_vietnamese_and_english(cal):
    assert cal.holiday_name(date(2026, 9, 2), "vi") == "Quốc khánh"
    assert cal.holiday_name(date(2026, 9, 2), "en") == "National Day"
    assert cal.holiday_name(date(2026, 2, 17), "vi") == "Tết Nguyên Đán"
    assert cal.holiday_name(date(2026, 1, 1), "en") == "New Year's Day"
    assert cal.holiday_name(date(2026, 3, 11), "vi") is None


def test_holiday_name_in_an_unknown_language_falls_back_to_vietnamese(cal):
    assert cal.holiday_name(date(2026, 4, 30), "fr") == cal.holiday_name(date(2026, 4, 30), "vi")


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_every_year_lists_the_fixed_holidays_and_five_tet_weekdays(cal, year):
    days_off = cal.holidays_in(year)
    for month, day in [(1, 1), (4, 30), (5, 1), (9, 2)]:
        assert date(year, month, day) in days_off
    tet = [d for d in days_off if date(year, 1, 20) <= d <= date(year, 2, 28)]
    assert len([d for d in tet if d.weekday() < 5]) == 5


def test_tet_2027_is_computed_from_the_lunar_calendar_not_guessed(cal):
    # Lunar New Year's day is Saturday 6 February 2027: 29 Tết and the eve (Thu 4, Fri 5) and
    # the days in lieu for the weekend (Mon 8 to Wed 10) are closed; Thursday 11 is open.
    for day in (4, 5, 8, 9, 10):
        assert not cal.is_working_day(date(2027, 2, day)), day
    assert cal.is_working_day(date(2027, 2, 11))
    assert cal.add_working_days(local(2027, 2, 3, 9, 0), 1) == end_of(2027, 2, 11)


def test_years_far_ahead_have_their_tet_too(cal):
    # 2035: Lunar New Year's day is Thursday 8 February.
    assert not cal.is_working_day(date(2035, 2, 8))
    assert cal.holiday_name(date(2035, 2, 8), "en") == "Lunar New Year"


def test_a_day_swap_of_the_data_file_closes_the_weekday_and_opens_the_saturday(cal):
    # 2026: Monday 31 August off for the National Day break, worked on Saturday 22 August.
    assert not cal.is_working_day(date(2026, 8, 31))
    assert cal.is_working_day(date(2026, 8, 22))
    assert cal.holiday_name(date(2026, 8, 31), "vi") == "Nghỉ hoán đổi dịp Quốc khánh"


def test_every_holiday_has_a_vietnamese_and_an_english_name(cal):
    for day in cal.holidays:
        assert cal.holiday_name(day, "vi") and cal.holiday_name(day, "en")


def test_a_day_listed_twice_is_refused(tmp_path):
    path = tmp_path / "holidays.toml"
    entry = '[[day_off]]\ndate = 2026-01-02\nname_vi = "Nghỉ"\nname_en = "Day off"\n'
    path.write_text(entry + entry, encoding="utf-8")
    with pytest.raises(ValueError, match="twice"):
        WorkingCalendar.from_file(path)


def test_a_datetime_instead_of_a_date_is_refused(tmp_path):
    path = tmp_path / "holidays.toml"
    path.write_text('[[swap]]\nday_off = 2026-01-02T00:00:00\nworked = 2026-01-10\n',
                    encoding="utf-8")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        WorkingCalendar.from_file(path)


def test_a_worked_day_that_is_a_weekday_is_refused(tmp_path):
    path = tmp_path / "holidays.toml"
    path.write_text('[[swap]]\nday_off = 2026-01-02\nworked = 2026-01-07\n', encoding="utf-8")
    with pytest.raises(ValueError, match="weekend"):
        WorkingCalendar.from_file(path)
