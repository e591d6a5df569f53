"""The selection council (issue 14), told through its service and command line: a round with five
members, two recusals (one declared, one automatic), a member who changes a score, a dossier
without quorum and a tie broken by the named criterion; every figure computed by hand below.
Also: the rubric's checks, the round's own copy of the rubric, the audit trail, the nomination's
ranking note, reminders and the round closing at its date."""

from __future__ import annotations

import asyncio
import math
import re
import tomllib
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.cli import main
from bot.council_model import Dossier, Member, Recusal, Round, RoundRules, Score
from bot.rubric import RUBRIC_FILE, RubricError, load_rubric, parse_rubric
from bot.services import council as service
from bot.services.outbox import Outbox
from bot.services.permissions import STEPS, Actor
from bot.services.review import Review
from storage import council as council_repo
from storage import entries as entry_repo
from storage import officers as officer_repo
from tests.conftest import TEN_WARDS_ENV, mailbox, mailbox_runtime
from tests.officers import register_officer
from tests.test_opendata import local, put_entry

ROAD = [("submitted", local(2026, 1, 5, 9)), ("accepted", local(2026, 1, 6, 9)),
        ("forwarded", local(2026, 1, 7, 9)), ("shortlisted", local(2026, 2, 1, 9))]
CLOSES = date(2026, 12, 10)

# The five members: (chat, unit, name). Bình's own unit is Bến Nghé, which filed dossier A.
MEMBERS = {
    "an": ("7001", "quan-1", "Chủ tịch An"),
    "binh": ("7002", "ben-nghe", "Thành viên Bình"),
    "chau": ("7003", "quan-1", "Thành viên Châu"),
    "dung": ("7004", "quan-1", "Thành viên Dũng"),
    "em": ("7005", "quan-1", "Thành viên Em"),
}
# The dossiers: key → (sequence, ward, title).
DOSSIERS = {
    "A": (1, "ben-nghe", "Đèn đường thông minh"),
    "B": (2, "ben-thanh", "Chợ không tiền mặt"),
    "C": (3, "da-kao", "Vườn rau trên sân thượng"),
    "D": (4, "tan-dinh", "Bản đồ chỗ đỗ xe"),
}
# Scores (novelty /30, effectiveness /30, applicability /25, social impact /15) → total.
SCORES = {
    ("an", "A"): (25, 24, 20, 11),    # 80
    ("chau", "A"): (22, 26, 18, 12),  # 78
    ("dung", "A"): (24, 25, 20, 13),  # 82
    ("em", "A"): (20, 22, 17, 13),    # 72
    ("an", "B"): (24, 27, 20, 11),    # 82
    ("binh", "B"): (26, 28, 21, 13),  # 88
    ("chau", "B"): (20, 24, 18, 10),  # 72
    ("dung", "B"): (22, 25, 19, 12),  # 78
    ("em", "B"): (18, 22, 16, 14),    # 70
    ("an", "C"): (28, 28, 22, 14),    # 92
    ("binh", "C"): (27, 29, 23, 14),  # 93
    ("chau", "C"): (15, 20, 15, 10),  # 60 (first saved with novelty 10: 55, then changed)
    ("em", "C"): (25, 26, 21, 13),    # 85
    ("an", "D"): (10, 12, 8, 5),      # 35
    ("chau", "D"): (12, 10, 9, 6),    # 37
}
KEYS = ("novelty", "effectiveness", "applicability", "social_impact")


def points(values: tuple[int, ...]) -> dict[str, int]:
    return dict(zip(KEYS, values, strict=True))


async def build_council(dispatcher, *, closes: date | None = CLOSES, rubric_file=None):
    """Five registered members, four shortlisted dossiers, a council and its open round (the
    tie broken by effectiveness). Returns (actors by key, entry ids by key, council, round)."""
    ref, now = dispatcher.ref, dispatcher.clock()
    for chat, unit, name in MEMBERS.values():
        await register_officer(dispatcher, chat, unit, "council_member", name)
    async with dispatcher.engine.begin() as conn:
        entries = {}
        for key, (seq, ward, title) in DOSSIERS.items():
            code = await put_entry(conn, seq, kind="award", unit=ward, title=title, steps=ROAD,
                                   contact_name="Tác giả " + key, phone="0903123456")
            entries[key] = (await entry_repo.entry_by_code(conn, code))["id"]
        officers = {o["name"]: o for o in await officer_repo.list_officers(conn)}
        actors = {key: Actor(user_id=officers[name]["user_id"], role="council_member",
                             unit=unit, name=name, officer_id=officers[name]["id"])
                  for key, (_, unit, name) in MEMBERS.items()}
        council = await service.create_council(conn, ref, unit="quan-1",
                                               name="Hội đồng xét chọn Quận 1", now=now)
        for key, actor in actors.items():
            await service.add_member(conn, council, actor.officer_id, chair=key == "an",
                                     now=now)
        round_id = await service.open_round(conn, ref, council, label="2026", now=now,
                                            closes_on=closes, tie_break="effectiveness",
                                            rubric_file=rubric_file)
    return actors, entries, council, round_id


async def play_round(dispatcher, actors, entries, round_id):
    """Everyone scores as SCORES says; Dũng scores C, then declares a relative (recused);
    Châu first saves C with novelty 10, then changes it to 15; Em leaves D half done."""
    now = dispatcher.clock()
    async with dispatcher.engine.begin() as conn:
        dung = await service.save_scores(conn, actors["dung"], round_id, entries["C"],
                                         points((10, 10, 10, 10)), None, now)
        assert dung.ok
        declared = await service.declare(conn, actors["dung"], round_id, entries["C"],
                                         "relative", "Con rể tôi là đồng tác giả", now)
        assert declared.ok, declared.message
        first = await service.save_scores(conn, actors["chau"], round_id, entries["C"],
                                          points((10, 20, 15, 10)), None, now)
        assert first.ok
        for (member, dossier), values in SCORES.items():
            outcome = await service.save_scores(conn, actors[member], round_id,
                                                entries[dossier], points(values), None, now)
            assert outcome.ok, (member, dossier, outcome.message)
        # Em began D but gave one criterion only (as a stopped chat would never save; written
        # here straight into storage): an incomplete score counts nowhere.
        await council_repo.set_score(conn, round_id=round_id, entry_id=entries["D"],
                                     officer_id=actors["em"].officer_id, criterion="novelty",
                                     points=10, now=now)


@pytest.fixture
async def council(dispatcher):
    actors, entries, council_id, round_id = await build_council(dispatcher)
    await play_round(dispatcher, actors, entries, round_id)
    return actors, entries, council_id, round_id


def by_code(result, entries, key):
    return next(r for r in result.results if r.dossier.entry_id == entries[key])


async def test_a_round_of_five_members_adds_up_to_the_figures_computed_by_hand(
        dispatcher, council):
    actors, entries, _, round_id = council
    async with dispatcher.engine.connect() as conn:
        result = await service.round_result(conn, dispatcher.ref, round_id)
    a, b, c, d = (by_code(result, entries, k) for k in "ABCD")

    # Recusals: Bình from A (automatic, Bến Nghé filed it), Dũng from C (declared).
    assert {(r.officer_id, r.entry_id, r.kind, r.automatic) for r in result.recusals} == {
        (actors["binh"].officer_id, entries["A"], "same_unit", True),
        (actors["dung"].officer_id, entries["C"], "relative", False)}
    assert [r.officer_id for r in a.recused] == [actors["binh"].officer_id]

    # Scorers and eligible members: A 4 of 4 (Bình out), B 5 of 5, C 4 of 4 (Dũng out, his
    # own score of C counts nowhere), D 2 of 5 (Em's half score does not count).
    assert [(r.scorers, r.eligible) for r in (a, b, c, d)] == [(4, 4), (5, 5), (4, 4), (2, 5)]
    # Quorum: 3 members, or ceil(2/3 × eligible): D has 2 < 3 and 2 < ceil(10/3) = 4.
    assert [r.quorum for r in (a, b, c, d)] == [True, True, True, False]

    # Means of the totals: A (80+78+82+72)/4 = 312/4 = 78; B (82+88+72+78+70)/5 = 390/5 = 78;
    # C (92+93+60+85)/4 = 330/4 = 82.5 (Châu's C after the change: 15+20+15+10 = 60);
    # D (35+37)/2 = 36.
    assert [r.mean for r in (a, b, c, d)] == [78.0, 78.0, 82.5, 36.0]
    # Population SD: A deviations 2,0,4,−6 → (4+0+16+36)/4 = 14; B 4,10,−6,0,−8 →
    # (16+100+36+0+64)/5 = 43.2; C 9.5,10.5,−22.5,2.5 → (90.25+110.25+506.25+6.25)/4 = 178.25;
    # D −1,1 → 1.
    assert a.sd == pytest.approx(math.sqrt(14))
    assert b.sd == pytest.approx(math.sqrt(43.2))
    assert c.sd == pytest.approx(math.sqrt(178.25))
    assert d.sd == pytest.approx(1.0)
    # Ranges, and the flag over 20 points: only C (93 − 60 = 33).
    assert [(r.low, r.high) for r in (a, b, c, d)] == [(72, 82), (70, 88), (60, 93), (35, 37)]
    assert [r.flagged for r in (a, b, c, d)] == [False, False, True, False]
    # Pass mark 75: A, B, C; D has no quorum.
    assert [r.passed for r in (a, b, c, d)] == [True, True, True, False]

    # Ranks: C (82.5) first; A and B tie at 78, broken by effectiveness:
    # B (27+28+24+25+22)/5 = 25.2 over A (24+26+25+22)/4 = 24.25. D unranked.
    assert b.criterion_means["effectiveness"] == pytest.approx(25.2)
    assert a.criterion_means["effectiveness"] == pytest.approx(24.25)
    assert [(r.rank, r.tied) for r in (c, b, a, d)] == [(1, False), (2, True), (3, True),
                                                        (None, False)]
    assert [r.dossier.entry_id for r in result.results] == [entries[k] for k in "CBAD"]

    # Normalised: each member's own mean over the dossiers they count on —
    # An (80+82+92+35)/4 = 72.25; Bình (88+93)/2 = 90.5; Châu (78+72+60+37)/4 = 61.75;
    # Dũng (82+78)/2 = 80 (C out); Em (72+70+85)/3 = 227/3 (D half done, out) — and the grand
    # mean of the 15 counted totals, (312+390+330+72)/15 = 1104/15 = 73.6.
    grand = 73.6
    assert a.normalised == pytest.approx(
        (80 / 72.25 + 78 / 61.75 + 82 / 80 + 72 / (227 / 3)) / 4 * grand)
    assert b.normalised == pytest.approx(
        (82 / 72.25 + 88 / 90.5 + 72 / 61.75 + 78 / 80 + 70 / (227 / 3)) / 5 * grand)
    assert c.normalised == pytest.approx(
        (92 / 72.25 + 93 / 90.5 + 60 / 61.75 + 85 / (227 / 3)) / 4 * grand)
    assert d.normalised == pytest.approx((35 / 72.25 + 37 / 61.75) / 2 * grand)
    assert result.round.rubric.placeholder and "placeholder" in result.notes


def _round(members: int, recused: int, rules: RoundRules) -> tuple[Round, list, list]:
    rubric = load_rubric()
    people = tuple(Member(i, f"M{i}", "quan-1") for i in range(1, members + 1))
    dossier = Dossier(1, "X", "X", "ben-nghe")
    round_ = Round(1, 1, "H", "quan-1", "2026", "open", None, None, rubric, rules, people,
                   (dossier,))
    out = [Recusal(i, 1, "other", False) for i in range(1, recused + 1)]
    return round_, out, [m.officer_id for m in people if m.officer_id > recused]


def test_two_thirds_of_the_members_not_recused_make_a_quorum_below_three():
    # Five members, three recused: two eligible; two scorers are under 3 but reach
    # ceil(2/3 × 2) = 2, so the dossier is ranked; one scorer is not (1 < 2).
    round_, out, eligible = _round(5, 3, RoundRules())
    two = [Score(o, 1, points((20, 20, 20, 10))) for o in eligible]
    assert service.aggregate(round_, two, out)[0].quorum
    assert not service.aggregate(round_, two[:1], out)[0].quorum
    # With the share at 100 %, the two must both score (they do) — and a quorum_min of 1
    # ranks a single scorer.
    assert service.aggregate(round_, two, out)[0].rank == 1
    strict = replace(round_, rules=RoundRules(quorum_min=1))
    assert service.aggregate(strict, two[:1], out)[0].quorum


async def test_a_member_changes_a_score_and_the_audit_keeps_old_and_new(dispatcher, council):
    actors, entries, _, round_id = council
    async with dispatcher.engine.connect() as conn:
        trail = await council_repo.audit_of_officer(conn, actors["chau"].officer_id)
    novelty_c = [(h["old"], h["new"]) for h in trail
                 if h["entry_id"] == entries["C"] and h["criterion"] == "novelty"]
    assert novelty_c == [(None, "10"), ("10", "15")]
    # Unchanged criteria are not written twice.
    assert len([h for h in trail if h["entry_id"] == entries["C"]]) == 5


async def test_audit_of_an_officer_lists_their_council_scores(dispatcher, council, settings,
                                                              monkeypatch, capsys):
    actors, entries, _, round_id = council
    for key, value in TEN_WARDS_ENV.items():
        monkeypatch.setenv(key, value)
    code = await asyncio.to_thread(main, ["--database-url", settings.database_url, "audit",
                                          "--officer", str(actors["chau"].officer_id)])
    out = capsys.readouterr().out
    assert code == 0
    assert "Thành viên Châu: hội đồng, đợt 2026, score novelty: 10 → 15" in out, out


async def test_a_recused_member_is_refused_even_with_a_forged_request(dispatcher, council):
    actors, entries, _, round_id = council
    async with dispatcher.engine.begin() as conn:
        outcome = await service.save_scores(conn, actors["binh"], round_id, entries["A"],
                                            points((30, 30, 25, 15)), "Rất tốt", dispatcher.clock())
        stored = await council_repo.scores(conn, round_id, officer_id=actors["binh"].officer_id,
                                           entry_id=entries["A"])
    assert not outcome.ok and outcome.message == service.RECUSED
    assert stored == []


async def test_scores_out_of_range_or_without_a_needed_comment_are_refused(dispatcher,
                                                                            council):
    actors, entries, _, round_id = council
    now = dispatcher.clock()
    async with dispatcher.engine.begin() as conn:
        over = await service.save_scores(conn, actors["em"], round_id, entries["D"],
                                         points((31, 10, 10, 10)), None, now)
        low = await service.save_scores(conn, actors["em"], round_id, entries["D"],
                                        points((5, 5, 5, 5)), None, now)
        explained = await service.save_scores(conn, actors["em"], round_id, entries["D"],
                                              points((5, 5, 5, 5)), "Chưa có kết quả", now)
    assert not over.ok and not low.ok and explained.ok


async def test_a_member_added_later_is_recused_from_their_own_units_dossiers(dispatcher,
                                                                             council):
    _, entries, council_id, round_id = council
    await register_officer(dispatcher, "7006", "da-kao", "council_member", "Thành viên Giang")
    async with dispatcher.engine.begin() as conn:
        giang = next(o for o in await officer_repo.list_officers(conn)
                     if o["name"] == "Thành viên Giang")
        made = await service.add_member(conn, council_id, giang["id"], chair=False,
                                        now=dispatcher.clock())
        recused = await council_repo.recusals(conn, round_id)
    assert made == 1
    assert (giang["id"], entries["C"], True) in {(r["officer_id"], r["entry_id"], r["automatic"])
                                                 for r in recused}


async def test_the_round_keeps_the_rubric_it_opened_with(dispatcher, tmp_path):
    rubric_file = tmp_path / "rubric.toml"
    rubric_file.write_bytes(RUBRIC_FILE.read_bytes())
    _, _, _, round_id = await build_council(dispatcher, rubric_file=rubric_file)
    # The office edits the file while the round is open: one criterion of 100 points.
    rubric_file.write_text('placeholder = false\n[[criterion]]\nkey = "all"\n'
                           'name_vi = "Tất cả"\nname_en = "All"\nmax_points = 100\n',
                           encoding="utf-8")
    assert [c.key for c in load_rubric(rubric_file).criteria] == ["all"]
    async with dispatcher.engine.begin() as conn:
        kept = await service.load_round(conn, round_id)
    assert [c.key for c in kept.rubric.criteria] == list(KEYS)
    assert kept.rubric.placeholder and kept.rubric.source == "rubric.toml"


@pytest.mark.parametrize("toml, message", [
    ('[[criterion]]\nkey = "a"\nname_vi = "A"\nname_en = "A"\nmax_points = 60\n'
     '[[criterion]]\nkey = "b"\nname_vi = "B"\nname_en = "B"\nmax_points = 30\n',
     "sum to 90, not 100"),
    ('[[criterion]]\nkey = "a"\nname_vi = "A"\nname_en = "A"\nmax_points = 50\n'
     '[[criterion]]\nkey = "a"\nname_vi = "B"\nname_en = "B"\nmax_points = 50\n',
     "the key 'a' is used by two criteria"),
    ('[[criterion]]\nkey = "a"\nname_vi = "A"\nname_en = "A"\nmax_points = 100\n'
     'levels = [{ low = 0, high = 120, vi = "x", en = "x" }]\n',
     "the level 0–120 is outside 0–100"),
    ('placeholder = true\n', "no [[criterion]] tables"),
    ('criterion = ["novelty"]\n', "criterion 1 is not a table"),
    ('[[criterion]]\nkey = "a"\nname_vi = "A"\nname_en = "A"\nmax_points = 100\n'
     'levels = [30]\n', "a: a level is not a table"),
])
def test_a_wrong_rubric_is_refused_with_a_clear_reason(toml, message):
    with pytest.raises(RubricError, match=re.escape(message)):
        parse_rubric(tomllib.loads(toml), "rubric.toml")


def test_the_default_rubric_is_a_placeholder_summing_to_100():
    rubric = load_rubric()
    assert rubric.placeholder and rubric.total == 100
    assert [(c.key, c.max_points) for c in rubric.criteria] == [
        ("novelty", 30), ("effectiveness", 30), ("applicability", 25), ("social_impact", 15)]
    assert all(c.levels and c.levels[-1].high == c.max_points for c in rubric.criteria)


async def test_nominating_from_a_closed_round_attaches_the_ranking(dispatcher, council):
    _, entries, _, round_id = council
    now = dispatcher.clock()
    district = Actor(user_id=0, role="district_officer", unit="quan-1", name="Phòng Nội vụ",
                     officer_id=None)
    async with dispatcher.engine.begin() as conn:
        assert await service.close(conn, round_id, by="Phòng Nội vụ", now=now)
        review = Review(conn, dispatcher.ref, Outbox(dispatcher.translator, now), now)
        outcome = await review.run(district, "nominate", entries["B"])
        history = await entry_repo.entry_history(conn, entries["B"])
    assert outcome.ok and STEPS["nominate"].target == "nominated"
    assert history[-1]["note"] == ("Hội đồng xét chọn “Hội đồng xét chọn Quận 1”, đợt 2026: "
                                   "hạng 2/3, điểm trung bình 78 trên 100 (5 thành viên chấm).")


async def test_a_closed_round_takes_no_score(dispatcher, council):
    actors, entries, _, round_id = council
    now = dispatcher.clock()
    async with dispatcher.engine.begin() as conn:
        assert await service.close(conn, round_id, by="x", now=now)
        assert not await service.close(conn, round_id, by="x", now=now)
        late = await service.save_scores(conn, actors["em"], round_id, entries["D"],
                                         points((20, 20, 20, 10)), None, now)
    assert not late.ok and late.message == service.CLOSED


async def test_reminders_go_to_members_with_dossiers_left_outside_quiet_hours(
        dispatcher, council):
    actors, entries, _, round_id = council
    runtime = mailbox_runtime(dispatcher)
    # 22:00 in Ho Chi Minh City: quiet hours; nothing is claimed, nothing queued.
    night = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    assert await runtime.jobs.council(night) == 0
    # 09:00 the next morning: Bình (D left), Dũng (D left) and Em (D half done) are reminded;
    # An and Châu have scored everything they may.
    morning = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    assert await runtime.jobs.council(morning) == 3
    await runtime.deliver("console")
    inbox = {key: mailbox(dispatcher).get(MEMBERS[key][0], []) for key in MEMBERS}
    for key in ("binh", "dung", "em"):
        assert "1 hồ sơ" in inbox[key][-1].text and "10/12/2026" in inbox[key][-1].text
    assert all(not any("hồ sơ" in r.text and "chấm" in r.text for r in inbox[key])
               for key in ("an", "chau"))
    # Once a day: a second run that morning sends nothing.
    assert await runtime.jobs.council(morning.replace(hour=3)) == 0


async def test_the_round_closes_itself_at_the_end_of_its_day_and_the_chair_is_told(
        dispatcher, council, clock):
    actors, entries, _, round_id = council
    runtime = mailbox_runtime(dispatcher)
    last_evening = datetime(2026, 12, 10, 16, 59, tzinfo=UTC)  # 23:59 on 10/12, local
    await runtime.jobs.council(last_evening)
    async with dispatcher.engine.connect() as conn:
        assert (await council_repo.round_by_id(conn, round_id))["status"] == "open"
    midnight = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)  # 00:00 on 11/12, local
    clock.now = midnight
    assert await runtime.jobs.council(midnight) == 1  # the chair's message, and no reminder
    async with dispatcher.engine.connect() as conn:
        row = await council_repo.round_by_id(conn, round_id)
    assert row["status"] == "closed" and row["closed_by"] == "system"
    # The chair's message waits for the end of the quiet hours (07:00).
    await runtime.deliver("console")
    chair = mailbox(dispatcher).setdefault(MEMBERS["an"][0], [])
    assert not any("đã kết thúc" in r.text for r in chair)
    clock.now = datetime(2026, 12, 11, 0, 5, tzinfo=UTC)  # 07:05
    await runtime.deliver("console")
    assert any("đợt 2026 đã kết thúc" in r.text for r in chair)


async def test_command_line_creates_a_council_opens_a_round_and_prints_results(
        dispatcher, settings, monkeypatch, capsys):
    for key, value in TEN_WARDS_ENV.items():
        monkeypatch.setenv(key, value)
    await register_officer(dispatcher, "7101", "quan-1", "council_member", "Chủ tịch Hà")
    async with dispatcher.engine.begin() as conn:
        await put_entry(conn, 1, kind="award", unit="ben-thanh", title="Một hồ sơ", steps=ROAD)
        officer = (await officer_repo.list_officers(conn))[0]

    def cli(*args: str) -> int:
        return main(["--database-url", settings.database_url, "council", *args])

    assert await asyncio.to_thread(cli, "create", "--unit", "quan-1", "--name", "Hội đồng") == 0
    assert await asyncio.to_thread(cli, "add-member", "1", str(officer["id"]), "--chair") == 0
    assert await asyncio.to_thread(cli, "round", "1", "--label", "2026", "--tie-break",
                                   "nope") == 1
    assert "not a criterion" in capsys.readouterr().err
    assert await asyncio.to_thread(cli, "round", "1", "--label", "2026", "--closes",
                                   "2026-12-20") == 0
    out = capsys.readouterr().out
    assert "1 hồ sơ" in out and "Bộ tiêu chí tạm thời" in out
    assert await asyncio.to_thread(cli, "close", "1") == 0
    assert await asyncio.to_thread(cli, "results", "1") == 0
    assert "không đủ số thành viên" in capsys.readouterr().out
