"""The office's figures (bot/services/stats.compute) against a hand-built year of District 1.

Ten entries are sent and handled through the real services (submit, then the workflow's steps
at known moments); every figure is then computed here by hand, in the comments, from the
calendar of 2026: weekends, the New Year break (1–2 January), Hùng Kings' day observed on Monday
27 April, 30 April – 1 May, the National Day break (Monday 31 August – Wednesday 2 September, with
Saturday 22 August worked), and Vietnamese Culture Day on Tuesday 24 November. A duration in
working days counts the working days d with start < d <= end (local dates), as the due clock
does. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from bot.config import DATA_DIR, Settings
from bot.figures import Durations, Period, Stage, Target
from bot.reference import Reference
from bot.services import entries as entry_service
from bot.services import stats
from bot.services.outbox import Outbox
from bot.services.review import STEPS, Actor, Review
from bot.services.stats import DEFINITIONS, units_under
from storage import entries as entry_repo
from storage import users as user_repo
from storage.db import LazyTransaction
from tests.conftest import with_settings

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=TZ)
DISTRICT = Actor(user_id=0, role="district_officer", unit="quan-1", name="Phòng Nội vụ")
WARDS = ("ben-nghe", "ben-thanh", "cau-kho", "cau-ong-lanh", "co-giang", "da-kao",
         "nguyen-cu-trinh", "nguyen-thai-binh", "pham-ngu-lao", "tan-dinh")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A local moment in Ho Chi Minh City."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def ward(unit: str) -> Actor:
    return Actor(user_id=0, role="ward_officer", unit=unit, name=f"Cán bộ {unit}")


class Office:
    """Entries sent and moved through the workflow at chosen moments, each step in its own
    transaction, as the bot does."""

    def __init__(self, dispatcher):
        self.dispatcher = dispatcher
        self.author: dict | None = None

    async def send(self, when: datetime, unit: str, kind: str, field: str) -> dict:
        async with self.dispatcher.engine.begin() as conn:
            if self.author is None:
                self.author = await user_repo.create_user(conn, "console", "5001", "vi", when)
            answers = {"ward": unit, "title": f"Sáng kiến {unit} {when:%d/%m}",
                       "description": "Mô tả đủ dài của sáng kiến để cán bộ xem xét."}
            answers["field" if kind == "idea" else "award_field"] = field
            # Due as the form's confirmation makes it (handlers/forms.py).
            due = self.review(conn, when).due_from(when)
            sent = await entry_service.submit(
                conn, user_id=self.author["id"], draft={"kind": kind, "answers": answers},
                lang="vi", now=when, year=when.year, due_at=due)
        return {"id": sent.entry["id"], "code": sent.code}

    def review(self, conn, when: datetime) -> Review:
        return Review(conn, self.dispatcher.ref, Outbox(self.dispatcher.translator, when), when,
                      self.dispatcher.settings.review_days)

    async def step(self, when: datetime, actor: Actor, action: str, entry: dict,
                   note: str | None = None, **args) -> None:
        async with self.dispatcher.engine.begin() as conn:
            outcome = await self.review(conn, when).run(actor, action, entry["id"], note, **args)
        assert outcome.ok, (action, outcome.message)

    async def due_day(self, entry: dict) -> date:
        """The local day the workflow holds the entry due on now."""
        async with self.dispatcher.engine.connect() as conn:
            row = await entry_repo.entry_by_id(conn, entry["id"])
        return row["due_at"].astimezone(TZ).date()

    def resident(self) -> Actor:
        return Actor(user_id=self.author["id"], role="resident")


@pytest.fixture
async def office(dispatcher) -> Office:
    o = Office(dispatcher)
    # E0, Bến Nghé, an idea sent Monday 29/12/2025, taken Monday 5/1/2026, closed 6/1/2026.
    e0 = await o.send(at(2025, 12, 29), "ben-nghe", "idea", "economy")
    await o.step(at(2026, 1, 5, 9), ward("ben-nghe"), "take", e0)
    await o.step(at(2026, 1, 6, 9), ward("ben-nghe"), "close", e0)
    # E9, Bến Nghé, an award registration of 10/3/2025, never acted on.
    await o.send(at(2025, 3, 10), "ben-nghe", "award", "startup")
    # E1, Bến Nghé, idea (digital city), Friday 6/3 16:00; taken Monday 9/3, forwarded Thursday
    # 12/3, shortlisted Friday 20/3 (and still there).
    e1 = await o.send(at(2026, 3, 6, 16), "ben-nghe", "idea", "digital-smart-city")
    await o.step(at(2026, 3, 9), ward("ben-nghe"), "take", e1)
    await o.step(at(2026, 3, 12), ward("ben-nghe"), "forward", e1)
    await o.step(at(2026, 3, 20), DISTRICT, "shortlist", e1)
    # E2, Bến Nghé, award registration (startup), Friday 24/4, all the way to applied.
    e2 = await o.send(at(2026, 4, 24, 9), "ben-nghe", "award", "startup")
    await o.step(at(2026, 4, 28, 9), ward("ben-nghe"), "take", e2)
    await o.step(at(2026, 5, 4), ward("ben-nghe"), "forward", e2)
    await o.step(at(2026, 5, 6), DISTRICT, "shortlist", e2)
    await o.step(at(2026, 5, 11), DISTRICT, "nominate", e2)
    await o.step(at(2026, 5, 20), DISTRICT, "award", e2, "Giấy khen", level="third")
    await o.step(at(2026, 6, 19), DISTRICT, "applied", e2)
    # E3, Bến Nghé, idea (economy), Friday 28/8 15:00, before the National Day break; a
    # question on Thursday 3/9, answered Tuesday 8/9, taken 9/9, rejected Thursday 10/9.
    e3 = await o.send(at(2026, 8, 28, 15), "ben-nghe", "idea", "economy")
    await o.step(at(2026, 9, 3, 9), ward("ben-nghe"), "ask_info", e3, "Xin thêm số liệu?")
    await o.step(at(2026, 9, 8), o.resident(), "answer", e3, "Số liệu đây.")
    await o.step(at(2026, 9, 9), ward("ben-nghe"), "take", e3)
    await o.step(at(2026, 9, 10), ward("ben-nghe"), "reject", e3, "Chưa khả thi.")
    # E4, Bến Thành, idea (economy), Monday 5/10; taken Monday 19/10, recognised Tuesday 20/10.
    e4 = await o.send(at(2026, 10, 5), "ben-thanh", "idea", "economy")
    await o.step(at(2026, 10, 19), ward("ben-thanh"), "take", e4)
    await o.step(at(2026, 10, 20), ward("ben-thanh"), "recognise", e4)
    # E5, Bến Thành, idea (digital city), Friday 20/11, not acted on.
    await o.send(at(2026, 11, 20), "ben-thanh", "idea", "digital-smart-city")
    # E6, Cầu Kho, idea (economy), Tuesday 10/2, withdrawn by its author on 11/2.
    e6 = await o.send(at(2026, 2, 10), "cau-kho", "idea", "economy")
    await o.step(at(2026, 2, 11), o.resident(), "withdraw", e6)
    # E7, Cầu Kho, award registration (science), 00:30 on Wednesday 1/7 local time (still 30/6
    # in UTC); taken at 9:00 the same day, marked a duplicate of E1 on Friday 3/7.
    e7 = await o.send(at(2026, 7, 1, 0, 30), "cau-kho", "award", "science-technology")
    await o.step(at(2026, 7, 1, 9), ward("cau-kho"), "take", e7)
    await o.step(at(2026, 7, 3), ward("cau-kho"), "duplicate", e7, e1["code"])
    # E8, Đa Kao, award registration (startup), Wednesday 2/12, not acted on.
    await o.send(at(2026, 12, 2), "da-kao", "award", "startup")
    o.named = {"E0": e0, "E1": e1, "E2": e2, "E3": e3, "E4": e4, "E6": e6, "E7": e7}
    return o


async def figures_of(dispatcher, scope: str, period: Period):
    async with dispatcher.engine.connect() as conn:
        return await stats.compute(conn, dispatcher.ref, scope=scope, period=period, now=NOW,
                                   review_days=dispatcher.settings.review_days)


async def test_district_sees_every_figure_of_its_year(dispatcher, office):
    f = await figures_of(dispatcher, "quan-1", Period.year(2026))
    assert f.scope == "quan-1"
    assert f.units == ("quan-1", *WARDS)
    assert f.period == Period.year(2026)
    assert f.review_days == 5
    # Sent in 2026: E1–E8 (E0 and E9 are of 2025).
    assert f.total == 8
    # Bến Nghé E1 E2 E3; Bến Thành E4 E5; Cầu Kho E6 E7; Đa Kao E8; the rest and the district 0.
    assert f.by_unit == {"quan-1": 0, **{w: 0 for w in WARDS}, "ben-nghe": 3, "ben-thanh": 2,
                         "cau-kho": 2, "da-kao": 1}
    # digital city E1 E5; startup E2 E8; economy E3 E4 E6; science E7.
    assert f.by_field == {"digital-smart-city": 2, "startup": 2, "economy": 3,
                          "science-technology": 1}
    assert f.by_kind == {"idea": 5, "award": 3}  # ideas E1 E3 E4 E5 E6; awards E2 E7 E8
    assert f.by_status == {"shortlisted": 1, "applied": 1, "rejected": 1, "recognised": 1,
                           "submitted": 2, "withdrawn": 1, "duplicate": 1}
    # Months in local time: E7 (00:30 on 1/7 local, 30/6 in UTC) is July's.
    assert f.by_month == {("ben-nghe", 3): 1, ("ben-nghe", 4): 1, ("ben-nghe", 8): 1,
                          ("ben-thanh", 10): 1, ("ben-thanh", 11): 1, ("cau-kho", 2): 1,
                          ("cau-kho", 7): 1, ("da-kao", 12): 1}
    # Furthest step ever reached: E1 shortlisted, E2 applied, E3 E4 E7 taken, E5 E6 E8 received.
    # received 8; taken 5 (E1 E2 E3 E4 E7) = 5/8; forwarded 2 (E1 E2) = 2/5; shortlisted 2 = 1;
    # nominated 1 (E2) = 1/2; awarded 1 = 1; applied 1 = 1.
    assert f.funnel == (
        Stage("received", "submitted", 8, None),
        Stage("taken", "accepted", 5, 5 / 8),
        Stage("forwarded", "forwarded", 2, 2 / 5),
        Stage("shortlisted", "shortlisted", 2, 1.0),
        Stage("nominated", "nominated", 1, 0.5),
        Stage("awarded", "awarded", 1, 1.0),
        Stage("applied", "applied", 1, 1.0),
    )
    # First officer step in 2026, working days from sending:
    #   E0 29/12/2025 → 5/1: 30/12, 31/12, 5/1 (1–4/1 off) = 3
    #   E1 Fri 6/3 → Mon 9/3 = 1;  E2 Fri 24/4 → Tue 28/4 (27/4 observed holiday) = 1
    #   E3 Fri 28/8 → Thu 3/9 (31/8–2/9 off) = 1;  E4 Mon 5/10 → Mon 19/10: 4 + 5 + 1 = 10
    #   E7 1/7 00:30 → 1/7 9:00 = 0.  (E5, E8 never acted on; E6 only by its author.)
    # Sorted 0 1 1 1 3 10: median at rank 2.5 → 1; p90 at rank 0.9 × 5 = 4.5 → 3 + 0.5 × 7.
    assert f.first_action == Durations(6, 1.0, 6.5)
    # Time in each status left in 2026:
    #   submitted: E0 3, E1 1, E2 1, E3 1 (28/8 → 3/9) and 1 (answered 8/9 → taken 9/9),
    #     E4 10, E6 1 (10/2 → 11/2), E7 0 → sorted 0 1 1 1 1 1 3 10: median (rank 3.5) 1,
    #     p90 (rank 6.3) 3 + 0.3 × 7 = 5.1
    #   accepted: E0 1 (5/1 → 6/1), E1 3 (9/3 → 12/3), E2 2 (28/4 → 4/5: 29/4, 4/5),
    #     E3 1, E4 1, E7 2 (1/7 → 3/7) → 1 1 1 2 2 3: median 1.5, p90 (rank 4.5) 2.5
    #   needs_info: E3 3/9 → 8/9: 4/9, 7/9, 8/9 = 3
    #   forwarded: E1 12/3 → 20/3: 13, 16, 17, 18, 19, 20 = 6; E2 4/5 → 6/5 = 2
    #     → median 4, p90 2 + 0.9 × 4 = 5.6
    #   shortlisted: E2 6/5 → 11/5: 7, 8, 11 = 3;  nominated: E2 11/5 → 20/5: 12–15, 18–20 = 7
    assert set(f.in_stage) == {"submitted", "accepted", "needs_info", "forwarded",
                               "shortlisted", "nominated", "awarded"}
    assert f.in_stage["submitted"] == Durations(8, 1.0, pytest.approx(5.1))
    assert f.in_stage["accepted"] == Durations(6, 1.5, 2.5)
    assert f.in_stage["needs_info"] == Durations(1, 3.0, 3.0)
    assert f.in_stage["forwarded"] == Durations(2, 4.0, pytest.approx(5.6))
    assert f.in_stage["shortlisted"] == Durations(1, 3.0, 3.0)
    assert f.in_stage["nominated"] == Durations(1, 7.0, 7.0)
    # awarded 20/5 → applied 19/6: 21–22/5 (2), 25–29/5, 1–5/6, 8–12/6, 15–19/6 (4 × 5) = 22
    assert f.in_stage["awarded"] == Durations(1, 22.0, 22.0)
    # Queue items finished by an officer in 2026, due 5 working days after arriving:
    #   E0 ward item: arrived 29/12/2025, due 7/1 (30/12, 31/12, 5/1, 6/1, 7/1), closed 6/1: in
    #   E1 ward: arrived 6/3, due 13/3, forwarded 12/3: in time
    #   E2 ward: arrived 24/4, due 6/5 (28/4, 29/4, 4/5, 5/5, 6/5), forwarded 4/5: in time
    #   E2 district: arrived 4/5, due 11/5, award recorded 20/5: late
    #   E3 ward: arrived 28/8, due 5 + 3 working days waiting for the answer = 8 → 14/9
    #     (3, 4, 7, 8, 9, 10, 11, 14/9), rejected 10/9: in time (without the pause: due 9/9)
    #   E4 ward: arrived 5/10, due 12/10, recognised 20/10: late
    #   E7 ward: arrived 1/7, due 8/7, duplicate 3/7: in time
    #   (E6 withdrawn by its author: not counted; E1's district item is still open.)
    assert (f.handled, f.handled_in_time) == (7, 5)
    assert f.in_time_share == 5 / 7
    # The 2026–2030 plan (from 1/1/2026) as of today 4/12/2026: award registrations E2, E8
    # (E7 a duplicate does not count); applied: E2.
    assert f.targets == (
        Target("dossiers", 2, 15, 20, datetime(2030, 12, 31).date(), NOW.date()),
        Target("applied", 1, 5, 10, datetime(2030, 12, 31).date(), NOW.date()),
    )
    assert f.silent_units == ("cau-ong-lanh", "co-giang", "nguyen-cu-trinh",
                              "nguyen-thai-binh", "pham-ngu-lao", "tan-dinh")
    # Per unit: (sent, finished, in time, median days to first action)
    #   Bến Nghé: 3 sent; E0, E1, E2, E3 ward items, all in time; first actions 3 1 1 1 → 1
    #   Bến Thành: 2; E4 late; 10.  Cầu Kho: 2; E7 in time; 0.  Đa Kao: 1; none.
    #   The district (Quận 1): E2's district item, late.
    assert f.performance == {
        "quan-1": (0, 1, 0, None), "ben-nghe": (3, 4, 4, 1.0), "ben-thanh": (2, 1, 0, 10.0),
        "cau-kho": (2, 1, 1, 0.0), "da-kao": (1, 0, 0, None),
        **{w: (0, 0, 0, None) for w in f.silent_units},
    }


async def test_the_figures_due_days_are_those_the_workflow_keeps(office):
    # The figures recompute each queue item's due day from the history; the workflow stores the
    # current item's (entries.due_at): both must say the same day.
    #   E3: sent 28/8, due 9/9, moved by the 3 working days waiting for the answer → 14/9
    #   E4: sent 5/10 → 12/10.  E2: forwarded 4/5 (a new item at the higher level) → 11/5
    #   E7: sent 1/7 → 8/7.  E0: sent 29/12/2025 → 7/1/2026.
    assert await office.due_day(office.named["E3"]) == date(2026, 9, 14)
    assert await office.due_day(office.named["E4"]) == date(2026, 10, 12)
    assert await office.due_day(office.named["E2"]) == date(2026, 5, 11)
    assert await office.due_day(office.named["E7"]) == date(2026, 7, 8)
    assert await office.due_day(office.named["E0"]) == date(2026, 1, 7)


async def test_a_past_year_counts_its_plan_and_ever_reached_steps(dispatcher, office):
    f = await figures_of(dispatcher, "quan-1", Period.year(2025))
    # Sent in 2025: E9 (10/3) and E0 (29/12), both in Bến Nghé.
    assert f.total == 2
    assert f.by_unit["ben-nghe"] == 2 and sum(f.by_unit.values()) == 2
    assert f.by_month == {("ben-nghe", 3): 1, ("ben-nghe", 12): 1}
    # E0 was taken in 2026: the funnel counts what its history ever reached.
    assert [(s.key, s.count) for s in f.funnel][:3] == [("received", 2), ("taken", 1),
                                                        ("forwarded", 0)]
    assert f.funnel[1].rate == 0.5 and f.funnel[2].rate == 0.0 and f.funnel[3].rate is None
    # No officer acted in 2025, nothing left a status in 2025.
    assert f.first_action == Durations(0, None, None)
    assert f.in_stage == {}
    assert (f.handled, f.handled_in_time, f.in_time_share) == (0, 0, None)
    # The 2021–2025 plan, from 1/7/2021 to its end: one registration (E9), nothing applied.
    end = datetime(2025, 12, 31).date()
    assert f.targets == (Target("dossiers", 1, 15, 20, end, end),
                         Target("applied", 0, 5, 10, end, end))


async def test_a_ward_sees_only_its_own_entries_and_items(dispatcher, office):
    f = await figures_of(dispatcher, "ben-thanh", Period.year(2026))
    assert f.units == ("ben-thanh",)
    assert (f.total, f.by_unit, f.by_kind) == (2, {"ben-thanh": 2}, {"idea": 2})
    # E4 taken after 10 working days, recognised late; E5 waits.
    assert f.first_action == Durations(1, 10.0, 10.0)
    assert (f.handled, f.handled_in_time) == (1, 0)
    assert f.silent_units == ()
    assert [s.count for s in f.funnel] == [2, 1, 0, 0, 0, 0, 0]
    assert f.targets[0].count == 0 and f.targets[1].count == 0


async def test_a_quarter_counts_only_what_happened_in_it(dispatcher, office):
    # Q3 2026: E7 (1/7) and E3 (28/8) sent; leaving statuses: E2 none (19/6 is Q2), E7 0 and
    # 2, E3 1, 3, 1, 1 (10/9). Finished: E7 in time, E3 in time.
    f = await figures_of(dispatcher, "quan-1", Period(datetime(2026, 7, 1).date(),
                                                      datetime(2026, 9, 30).date()))
    assert f.total == 2
    assert f.by_month == {("cau-kho", 7): 1, ("ben-nghe", 8): 1}
    assert f.first_action == Durations(2, 0.5, pytest.approx(0.9))  # 0 (E7), 1 (E3)
    assert f.in_stage["submitted"] == Durations(3, 1.0, 1.0)  # E7 0, E3 1 and 1
    assert f.in_stage["accepted"] == Durations(2, 1.5, pytest.approx(1.9))  # E7 2, E3 1
    assert (f.handled, f.handled_in_time) == (2, 2)


def test_every_figure_has_a_definition():
    assert set(DEFINITIONS) >= {"total", "by_unit", "by_field", "by_kind", "by_status",
                                "by_month", "funnel", "first_action", "in_stage",
                                "handled_in_time", "dossiers", "applied", "silent_units",
                                "performance"}


def test_the_city_scope_holds_the_district_and_its_wards(dispatcher):
    assert units_under(dispatcher.ref, "so-noi-vu") == ("so-noi-vu", "quan-1", *WARDS)
    assert units_under(dispatcher.ref, "ben-nghe") == ("ben-nghe",)


async def test_on_the_2025_map_the_city_counts_old_and_new_wards(dispatcher, office, settings):
    # Since July 2025 the wards stand under the city; entries filed under the 10 wards keep
    # their units, which the city's figures still count (as units of the earlier map).
    ref = Reference(with_settings(settings, units_file=DATA_DIR / "units_2025.toml"))
    async with dispatcher.engine.connect() as conn:
        f = await stats.compute(conn, ref, scope="so-noi-vu", period=Period.year(2026), now=NOW)
    assert f.units == ("so-noi-vu", "sai-gon", "tan-dinh", "ben-thanh", "cau-ong-lanh",
                       "quan-1", "ben-nghe", "cau-kho", "co-giang", "da-kao",
                       "nguyen-cu-trinh", "nguyen-thai-binh", "pham-ngu-lao")
    assert f.total == 8
    assert (f.handled, f.handled_in_time) == (7, 5)
    # E2's item at the higher level is now the city's (the district is of the earlier map).
    assert f.performance["so-noi-vu"] == (0, 1, 0, None)
    assert f.performance["quan-1"] == (0, 0, 0, None)
    # Silent: the wards of the current map only (Bến Thành sent E4 and E5).
    assert f.silent_units == ("sai-gon", "tan-dinh", "cau-ong-lanh")


def test_no_step_leaves_applied():
    # Applied works are counted by their status today and the moment they reached it
    # (storage.stats.reached_final): that holds while no step of the workflow leaves "applied".
    assert not [step for step in STEPS.values() if "applied" in step.sources]


TEN_WARD_REF = Reference(Settings(units_file=DATA_DIR / "units.toml"))
TEN_WARD_INDEX = stats.WorkingDays(TEN_WARD_REF.calendar, date(2024, 12, 1), date(2027, 12, 31))
CALENDAR_DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 6, 30))


@examples(max_examples=300, deadline=None)
@given(CALENDAR_DAYS, CALENDAR_DAYS, st.integers(0, 40))
def test_the_working_day_index_counts_as_the_calendar_does(a, b, days):
    # The figures read working days from a cumulative index; the due clock walks the calendar.
    # Both must agree on every pair of days, holidays, swapped days and weekends included.
    ref, index = TEN_WARD_REF, TEN_WARD_INDEX
    a, b = min(a, b), max(a, b)
    start, end = (datetime.combine(day, time(10), tzinfo=TZ) for day in (a, b))
    assert index.upto(b.toordinal()) - index.upto(a.toordinal()) \
        == ref.calendar.working_days_between(start, end)
    assert index.due(a.toordinal(), days) \
        == ref.calendar.add_working_days(start, days).date().toordinal()


async def test_a_unit_no_longer_on_the_map_still_gets_its_own_figures(dispatcher, office):
    # An officer bound to a unit the map no longer names sees that unit's entries (none here)
    # rather than an error.
    f = await figures_of(dispatcher, "phuong-cu", Period.year(2026))
    assert (f.units, f.total, f.by_unit, f.silent_units) == (("phuong-cu",), 0,
                                                              {"phuong-cu": 0}, ())
    assert [s.count for s in f.funnel] == [0] * 7 and f.funnel[1].rate is None


async def test_a_steps_transaction_and_a_connection_of_its_own_count_the_same(dispatcher,
                                                                              office):
    # On its own connection the history is read from the driver's cursor; in a step's lazy
    # transaction through SQLAlchemy: the figures must not depend on it.
    own = await figures_of(dispatcher, "quan-1", Period.year(2026))
    step = LazyTransaction(dispatcher.engine)
    try:
        lazy = await stats.compute(step, dispatcher.ref, scope="quan-1",
                                   period=Period.year(2026), now=NOW,
                                   review_days=dispatcher.settings.review_days)
    finally:
        await step.rollback()
    assert lazy == own
