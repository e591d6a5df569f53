"""The periods an officer types after /thongke (bot/periods.parse_period)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.figures import Period
from bot.periods import parse_period

TODAY = date(2026, 12, 4)


def days(a: str, b: str) -> Period:
    return Period(date.fromisoformat(a), date.fromisoformat(b))


@pytest.mark.parametrize("typed, period", [
    ("", days("2026-01-01", "2026-12-31")),
    ("2026", days("2026-01-01", "2026-12-31")),
    ("năm 2025", days("2025-01-01", "2025-12-31")),
    ("Năm nay", days("2026-01-01", "2026-12-31")),
    ("this year", days("2026-01-01", "2026-12-31")),
    ("năm ngoái", days("2025-01-01", "2025-12-31")),
    ("quý 1 2026", days("2026-01-01", "2026-03-31")),
    ("quy 1/2026", days("2026-01-01", "2026-03-31")),
    ("Q1 2026", days("2026-01-01", "2026-03-31")),
    ("quy 3 2026", days("2026-07-01", "2026-09-30")),
    ("Quý IV năm 2025", days("2025-10-01", "2025-12-31")),
    ("quý 2", days("2026-04-01", "2026-06-30")),
    ("quý này", days("2026-10-01", "2026-12-31")),
    ("tháng 11/2026", days("2026-11-01", "2026-11-30")),
    ("11/2026", days("2026-11-01", "2026-11-30")),
    ("thang 2 nam 2028", days("2028-02-01", "2028-02-29")),
    ("tháng này", days("2026-12-01", "2026-12-31")),
    ("tháng trước", days("2026-11-01", "2026-11-30")),
    ("2026-02", days("2026-02-01", "2026-02-28")),
    ("01/03/2026 - 30/06/2026", days("2026-03-01", "2026-06-30")),
    ("từ 01/03/2026 đến 30/06/2026", days("2026-03-01", "2026-06-30")),
    ("tu 1/3/2026 den 30/6/2026", days("2026-03-01", "2026-06-30")),
    ("from 1/3/2026 to 30/6/2026", days("2026-03-01", "2026-06-30")),
    ("ngày 02/12/2026", days("2026-12-02", "2026-12-02")),
])
def test_officer_types_a_period_with_or_without_accents(typed, period):
    assert parse_period(typed, TODAY) == period


@pytest.mark.parametrize("typed", [
    "hôm qua", "quý 5 2026", "tháng 13/2026", "31/02/2026", "30/06/2026 - 01/03/2026",
    "20026", "năm 1890", "2026 2027", "q1 q2", "thống kê",
])
def test_a_period_that_cannot_be_read_is_none(typed):
    assert parse_period(typed, TODAY) is None


def test_the_last_quarter_of_january_is_last_years_fourth():
    assert parse_period("quý trước", date(2027, 1, 15)) == days("2026-10-01", "2026-12-31")
    assert parse_period("tháng trước", date(2027, 1, 15)) == days("2026-12-01", "2026-12-31")


@given(st.text(max_size=60), st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 1)))
def test_nothing_typed_makes_it_raise(typed, today):
    period = parse_period(typed, today)
    assert period is None or period.start <= period.end


@given(st.integers(1, 4), st.integers(2000, 2100), st.sampled_from(["quý {q} {y}",
       "quy {q}/{y}", "Q{q} {y}", "q{q}/{y}", "quarter {q} {y}"]))
def test_every_way_of_writing_a_quarter_gives_three_months(quarter, year, pattern):
    period = parse_period(pattern.format(q=quarter, y=year), TODAY)
    assert period.start == date(year, 3 * quarter - 2, 1)
    assert (period.end.year, period.end.month) == (year, 3 * quarter)
