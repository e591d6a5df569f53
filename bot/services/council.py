"""The selection council (Hội đồng xét chọn, issue 14): councils and their members, rounds of
scoring on a unit's shortlisted dossiers, conflicts of interest, every member's scores, and what
a round adds up to (`aggregate`, pure; `round_result`, from the database).

Who may do what, checked here whatever button was pressed: only a member of the round's council
sees its dossiers and scores them; a member recused from a dossier never scores it; nobody sees
another member's scores before the round closes (the chair sees progress counts only); a closed
round takes no score. A member whose own unit filed a dossier (entry.unit == the member's unit)
is recused from it automatically, when the round opens or when the member is added later.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import PROJECT_ROOT
from bot.council_model import (
    CONFLICT_KINDS,
    Dossier,
    DossierResult,
    Member,
    Recusal,
    Round,
    RoundResult,
    RoundRules,
    Rubric,
    Score,
)
from bot.i18n import N_, Translator
from bot.reference import Reference
from bot.render import wards_under
from bot.rubric import (
    RUBRIC_FILE,
    RubricError,
    load_rubric,
    rubric_from_json,
    rubric_to_json,
    rules_from_json,
    rules_to_json,
)
from bot.services.permissions import Actor, Outcome
from bot.text import shorten
from storage import council as repo
from storage import officers as officer_repo

MEMBER_ROLES = ("council_member", "district_officer")  # who may sit on a council
COMMENT_MAX = 2000
PLACEHOLDER_NOTE = N_("Provisional criteria — the Home Affairs Office will replace them when "
                      "the official criteria are available.")


class CouncilError(ValueError):
    """What an operator asked for that cannot be done (the message says why, in English)."""


# --- aggregation (pure) ------------------------------------------------------------------------
def _complete(score: Score, rubric: Rubric) -> bool:
    return all(c.key in score.points for c in rubric.criteria)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def aggregate(round: Round, scores, recusals) -> tuple[DossierResult, ...]:  # noqa: A002
    """What the round adds up to, one result per dossier: ranked ones first (by rank), then
    those without quorum (by code).

    - A member's score of a dossier counts only when it is complete (every criterion of the
      rubric) and the member is not recused from the dossier; recused members are out of every
      figure (eligible, scorers, means, the normalisation).
    - Quorum (the issue: "at least 3 members, or two thirds of the non-recused ones,
      configurable"), read as either condition sufficing: scorers ≥ quorum_min OR
      scorers ≥ ceil(quorum_share × eligible), eligible being the round's members not recused
      from the dossier; and at least one scorer. So a dossier most members are recused from can
      still be ranked by two thirds of the rest.
    - mean: the mean of the counted members' totals (the official figure); sd: the population
      standard deviation of those totals (None under 2 scorers); low/high: the range; flagged
      when high − low > rules.flag_range.
    - normalised: each member m has an own mean M_m, the mean of m's counted totals across
      every dossier of the round m scored; G is the grand mean of all counted totals (every
      member, every dossier). A total T(m,d) normalises to T(m,d) / M_m × G, and the dossier's
      normalised figure is the mean of its members' normalised totals: a lenient member's high
      totals and a severe member's low ones are brought to the same level. Shown beside the
      mean; the mean stays the official figure.
    - passed: quorum and mean ≥ rules.pass_mark.
    - rank: 1, 2, … among the dossiers with quorum, by mean descending; equal means are ordered
      by the mean of the rules.tie_break criterion (descending), then by the dossier's code;
      `tied` marks a mean equal to another ranked dossier's (before the tie-break).
    """
    rubric, rules = round.rubric, round.rules
    members = {m.officer_id for m in round.members}
    out = defaultdict(set)
    for r in recusals:
        out[r.entry_id].add(r.officer_id)
    counted: dict[int, list[Score]] = defaultdict(list)
    for s in scores:
        if (s.officer_id in members and s.officer_id not in out[s.entry_id]
                and _complete(s, rubric)):
            counted[s.entry_id].append(s)
    every = [s for d in round.dossiers for s in counted[d.entry_id]]
    own: dict[int, list[int]] = defaultdict(list)
    for s in every:
        own[s.officer_id].append(s.total)
    own_mean = {m: _mean(v) for m, v in own.items()}
    grand = _mean([s.total for s in every]) if every else None

    drafts = []
    for dossier in round.dossiers:
        mine = counted[dossier.entry_id]
        totals = [s.total for s in mine]
        eligible = len(members - out[dossier.entry_id])
        n = len(totals)
        needed = math.ceil(rules.quorum_share * eligible - 1e-9)
        quorum = n > 0 and (n >= rules.quorum_min or n >= needed)
        mean = _mean(totals) if totals else None
        sd = math.sqrt(sum((t - mean) ** 2 for t in totals) / n) if n >= 2 else None
        low, high = (min(totals), max(totals)) if totals else (None, None)
        normalised = None
        if totals and grand is not None and all(own_mean[s.officer_id] for s in mine):
            normalised = _mean([s.total / own_mean[s.officer_id] * grand for s in mine])
        criterion_means = {c.key: _mean([s.points[c.key] for s in mine])
                           for c in rubric.criteria} if mine else {}
        drafts.append(dict(
            dossier=dossier, scorers=n, eligible=eligible, quorum=quorum, mean=mean, sd=sd,
            low=low, high=high, flagged=low is not None and high - low > rules.flag_range,
            normalised=normalised, criterion_means=criterion_means,
            passed=quorum and mean is not None and mean >= rules.pass_mark,
            recused=tuple(r for r in recusals if r.entry_id == dossier.entry_id)))

    ranked = [d for d in drafts if d["quorum"]]
    ranked.sort(key=lambda d: (-round_(d["mean"]),
                               -d["criterion_means"].get(rules.tie_break or "", 0.0),
                               d["dossier"].code))
    means = [round_(d["mean"]) for d in ranked]
    results = []
    for rank, d in enumerate(ranked, 1):
        results.append(DossierResult(**d, rank=rank, tied=means.count(round_(d["mean"])) > 1))
    for d in sorted((d for d in drafts if not d["quorum"]), key=lambda d: d["dossier"].code):
        results.append(DossierResult(**d, rank=None, tied=False))
    return tuple(results)


def round_(value: float) -> float:
    """Means compared as people read them: equal to nine decimals (1/3 + 1/3 + 1/3 is 1)."""
    return round(value, 9)


# --- reading a round ---------------------------------------------------------------------------
def _dossier(entry: dict) -> Dossier:
    return Dossier(entry["id"], entry["code"], entry["title"], entry["unit"])


async def load_round(conn: AsyncConnection, round_id: int) -> Round | None:
    row = await repo.round_by_id(conn, round_id)
    if row is None:
        return None
    members = await repo.members(conn, row["council_id"])
    return Round(
        id=row["id"], council_id=row["council_id"], council_name=row["council_name"],
        unit=row["unit"], label=row["label"], status=row["status"],
        closes_on=row["closes_on"], closed_at=row["closed_at"],
        rubric=rubric_from_json(row["rubric"], row["rubric_source"]),
        rules=rules_from_json(row["rules"]),
        members=tuple(Member(m["officer_id"], m["name"], m["unit"], m["chair"])
                      for m in members),
        dossiers=tuple(_dossier(e) for e in await repo.dossiers(conn, round_id)))


def _recusal(r: dict) -> Recusal:
    return Recusal(r["officer_id"], r["entry_id"], r["kind"], r["automatic"], r["note"], r["at"])


async def scores_of(conn: AsyncConnection, round_id: int, officer_id: int | None = None,
                    entry_id: int | None = None) -> list[Score]:
    """The members' scores, one `Score` per member and dossier (complete or not)."""
    points: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    updated: dict[tuple[int, int], datetime] = {}
    for s in await repo.scores(conn, round_id, officer_id=officer_id, entry_id=entry_id):
        key = (s["officer_id"], s["entry_id"])
        points[key][s["criterion"]] = s["points"]
        updated[key] = max(updated.get(key, s["updated_at"]), s["updated_at"])
    notes = {(c["officer_id"], c["entry_id"]): c["comment"]
             for c in await repo.comments(conn, round_id)}
    return [Score(o, e, p, notes.get((o, e)), updated[(o, e)])
            for (o, e), p in sorted(points.items())]


async def round_result(conn: AsyncConnection, ref: Reference, round_id: int) -> RoundResult:
    """Everything the round's documents and the chair's ranking need (bot/council_model)."""
    round = await load_round(conn, round_id)  # noqa: A001
    if round is None:
        raise CouncilError(f"no round has the number {round_id}")
    scores = tuple(await scores_of(conn, round_id))
    recusals = tuple(_recusal(r) for r in await repo.recusals(conn, round_id))
    notes = {"placeholder": PLACEHOLDER_NOTE} if round.rubric.placeholder else {}
    return RoundResult(round, aggregate(round, scores, recusals), scores, recusals,
                       computed_at=round.closed_at, notes=notes)


# --- councils, members and rounds (the district, from the command line) ------------------------
async def closed_results(conn: AsyncConnection, ref: Reference, units, start: datetime,
                         end: datetime) -> list[RoundResult]:
    """What the rounds of the councils of `units` closed in [start, end) added up to (the
    yearly report's annex)."""
    return [await round_result(conn, ref, round_id)
            for round_id in await repo.closed_round_ids(conn, list(units), start, end)]


async def create_council(conn: AsyncConnection, ref: Reference, *, unit: str, name: str,
                         now: datetime) -> int:
    target = ref.unit_by_slug.get(unit)
    if target is None or target.legacy or target.kind == "ward":
        raise CouncilError(f"unknown unit {unit!r}: a council belongs to a unit above the wards "
                           "(a district or the city)")
    if not name.strip():
        raise CouncilError("a council needs a name")
    return await repo.create_council(conn, unit=unit, name=name.strip(), now=now)


async def add_member(conn: AsyncConnection, council_id: int, officer_id: int, *, chair: bool,
                     now: datetime) -> int:
    """Seat the officer on the council; recused at once from the dossiers of its open rounds
    that the officer's own unit filed. Returns how many automatic recusals that made."""
    if await repo.council_by_id(conn, council_id) is None:
        raise CouncilError(f"no council has the number {council_id}")
    officer = await officer_repo.officer_by_id(conn, officer_id)
    if officer is None or officer["revoked_at"] is not None:
        raise CouncilError(f"no active officer has the number {officer_id}")
    if officer["role"] not in MEMBER_ROLES:
        raise CouncilError(f"officer {officer_id} is a {officer['role']}; a council member is "
                           f"a {' or a '.join(MEMBER_ROLES)}")
    await repo.add_member(conn, council_id, officer_id, chair, now)
    made = 0
    for row in await repo.rounds_of_council(conn, council_id):
        if row["status"] == "open":
            made += await _auto_recuse(conn, row["id"], [officer], now)
    return made


async def _auto_recuse(conn: AsyncConnection, round_id: int, members: list[dict],
                       now: datetime) -> int:
    made = 0
    for entry in await repo.dossiers(conn, round_id):
        for m in members:
            if m["unit"] == entry["unit"] and await repo.recuse(
                    conn, round_id=round_id, entry_id=entry["id"],
                    officer_id=m.get("officer_id", m.get("id")), kind="same_unit",
                    automatic=True, note=None, now=now):
                await repo.audit(conn, round_id=round_id, action="recuse", now=now,
                                 entry_id=entry["id"],
                                 officer_id=m.get("officer_id", m.get("id")),
                                 actor_name=m["name"], new="same_unit (automatic)")
                made += 1
    return made


def round_rules(*, quorum_min: int = 3, quorum_share: float = 2 / 3, pass_mark: float = 75.0,
                tie_break: str | None = None, rubric: Rubric) -> RoundRules:
    if quorum_min < 1 or not 0 < quorum_share <= 1:
        raise CouncilError("the quorum needs at least 1 member and a share between 0 and 1")
    if not 0 <= pass_mark <= 100:
        raise CouncilError("the pass mark is between 0 and 100")
    keys = [c.key for c in rubric.criteria]
    if tie_break is not None and tie_break not in keys:
        raise CouncilError(f"the tie-break {tie_break!r} is not a criterion; one of: "
                           f"{', '.join(keys)}")
    return RoundRules(quorum_min=quorum_min, quorum_share=quorum_share, pass_mark=pass_mark,
                      tie_break=tie_break or keys[0])


async def open_round(conn: AsyncConnection, ref: Reference, council_id: int, *, label: str,
                     now: datetime, rubric_file: Path | None = None,
                     closes_on: date | None = None, **rules) -> int:
    """Open a round on the dossiers of the council's unit now `shortlisted`, with a copy of the
    rubric and rules; members whose own unit filed a dossier are recused from it."""
    council = await repo.council_by_id(conn, council_id)
    if council is None:
        raise CouncilError(f"no council has the number {council_id}")
    if not label.strip() or len(label) > 80:
        raise CouncilError("a round needs a label: a year (2026) or a campaign's slug")
    try:
        rubric = load_rubric(rubric_file or RUBRIC_FILE)
    except RubricError as error:
        raise CouncilError(str(error)) from None
    if closes_on is not None and closes_on < now.astimezone(ref.tz).date():
        raise CouncilError(f"the closing date {closes_on} has passed")
    entries = await repo.shortlisted(conn, wards_under(ref, council["unit"]))
    if not entries:
        raise CouncilError("no dossier of the unit is shortlisted for the selection council")
    rules_value = round_rules(rubric=rubric, **rules)
    round_id = await repo.create_round(
        conn, council_id=council_id, label=label.strip(), rubric=rubric_to_json(rubric),
        rubric_source=rubric.source, rules=rules_to_json(rules_value), closes_on=closes_on,
        now=now)
    await repo.add_dossiers(conn, round_id, entries)
    await repo.audit(conn, round_id=round_id, action="open", now=now,
                     new=f"{len(entries)} dossier(s)")
    await _auto_recuse(conn, round_id, await repo.members(conn, council_id), now)
    return round_id


async def close(conn: AsyncConnection, round_id: int, *, by: str, now: datetime,
                officer_id: int | None = None) -> bool:
    if not await repo.close_round(conn, round_id, by=by, now=now):
        return False
    await repo.audit(conn, round_id=round_id, action="close", now=now, officer_id=officer_id,
                     actor_name=by)
    return True


def closing_moment(round: Round | dict, tz) -> datetime | None:  # noqa: A002
    """The end of the round's closing day, local time: it closes itself then."""
    closes_on = round.closes_on if isinstance(round, Round) else round["closes_on"]
    if closes_on is None:
        return None
    return datetime.combine(closes_on + timedelta(days=1), time(0), tzinfo=tz)


async def close_due(conn: AsyncConnection, ref: Reference, now: datetime) -> list[int]:
    """Close the open rounds whose closing day has ended; their numbers."""
    closed = []
    for row in await repo.open_rounds(conn):
        end = closing_moment(row, ref.tz)
        if end is not None and now >= end and await close(conn, row["id"], by="system",
                                                          now=now):
            closed.append(row["id"])
    return closed


# --- what a member sees and does in chat -------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    scored: int
    todo: int
    recused: int


@dataclass(frozen=True)
class Seat:
    """A member's place in one round."""

    round: Round
    member: Member


async def seats(conn: AsyncConnection, officer_id: int) -> list[Seat]:
    """The rounds of every council the officer sits on, the latest first."""
    found = []
    for council in await repo.councils_of(conn, officer_id):
        for row in await repo.rounds_of_council(conn, council["id"]):
            round = await load_round(conn, row["id"])  # noqa: A001
            member = next((m for m in round.members if m.officer_id == officer_id), None)
            if member is not None:
                found.append(Seat(round, member))
    return sorted(found, key=lambda s: -s.round.id)


async def seat(conn: AsyncConnection, officer_id: int | None, round_id: int) -> Seat | None:
    """The officer's seat in the round, or None when they do not sit on its council."""
    round = await load_round(conn, round_id) if officer_id is not None else None  # noqa: A001
    member = next((m for m in round.members if m.officer_id == officer_id), None) \
        if round else None
    return Seat(round, member) if member else None


async def dossier_states(conn: AsyncConnection, seat: Seat) -> dict[int, str]:
    """entry id → "scored", "todo" or "recused", for this member."""
    recused = {r["entry_id"] for r in await repo.recusals(conn, seat.round.id)
               if r["officer_id"] == seat.member.officer_id}
    counts = await repo.scored_counts(conn, seat.round.id)
    need = len(seat.round.rubric.criteria)
    states = {}
    for d in seat.round.dossiers:
        if d.entry_id in recused:
            states[d.entry_id] = "recused"
        elif counts.get((seat.member.officer_id, d.entry_id), 0) >= need:
            states[d.entry_id] = "scored"
        else:
            states[d.entry_id] = "todo"
    return states


def progress(states: dict[int, str]) -> Progress:
    values = list(states.values())
    return Progress(values.count("scored"), values.count("todo"), values.count("recused"))


async def members_progress(conn: AsyncConnection, round: Round) -> list[tuple[Member, Progress]]:  # noqa: A002
    """Each member's counts (what the chair sees before the round closes: never a score)."""
    return [(m, progress(await dossier_states(conn, Seat(round, m)))) for m in round.members]


CLOSED = N_("This round is closed: scores can no longer be changed.")
NOT_A_MEMBER = N_("You do not sit on the council of this round.")
NOT_IN_ROUND = N_("This dossier is not part of the round.")
RECUSED = N_("You are recused from this dossier: you cannot score it.")


async def score_refusal(conn: AsyncConnection, actor: Actor, round_id: int,
                        entry_id: int) -> tuple[Seat | None, str | None]:
    """The member's seat, and why they may not score the dossier now (None: they may)."""
    found = await seat(conn, actor.officer_id, round_id)
    if found is None:
        return None, NOT_A_MEMBER
    if not any(d.entry_id == entry_id for d in found.round.dossiers):
        return found, NOT_IN_ROUND
    if await repo.is_recused(conn, round_id, entry_id, actor.officer_id):
        return found, RECUSED
    if found.round.status != "open":
        return found, CLOSED
    return found, None


async def own_score(conn: AsyncConnection, actor: Actor, round_id: int,
                    entry_id: int) -> Score | None:
    """The member's own scores of the dossier (never another member's)."""
    mine = await scores_of(conn, round_id, officer_id=actor.officer_id, entry_id=entry_id)
    return mine[0] if mine else None


def needs_comment(rules: RoundRules, total: int) -> bool:
    return total < rules.comment_below or total > rules.comment_above


async def save_scores(conn: AsyncConnection, actor: Actor, round_id: int, entry_id: int,
                      points: dict[str, int], comment: str | None, now: datetime) -> Outcome:
    """Write the member's scores of every criterion and their comment, checked again (a button
    may be forged or stale); each changed figure goes to the audit trail, old → new."""
    found, refused = await score_refusal(conn, actor, round_id, entry_id)
    if refused:
        return Outcome(False, refused)
    rubric = found.round.rubric
    for c in rubric.criteria:
        value = points.get(c.key)
        if not isinstance(value, int) or not 0 <= value <= c.max_points:
            return Outcome(False, N_("Every criterion needs a score within its range."))
    total = sum(points[c.key] for c in rubric.criteria)
    comment = (comment or "").strip() or None
    if comment is None and needs_comment(found.round.rules, total):
        return Outcome(False, N_("A total below {low} or above {high} needs a comment."),
                       {"low": found.round.rules.comment_below,
                        "high": found.round.rules.comment_above})
    for c in rubric.criteria:
        old = await repo.set_score(conn, round_id=round_id, entry_id=entry_id,
                                   officer_id=actor.officer_id, criterion=c.key,
                                   points=points[c.key], now=now)
        if old != points[c.key]:
            await repo.audit(conn, round_id=round_id, action="score", now=now,
                             entry_id=entry_id, officer_id=actor.officer_id,
                             actor_name=actor.name, criterion=c.key, old=old,
                             new=points[c.key])
    old = await repo.set_comment(conn, round_id=round_id, entry_id=entry_id,
                                 officer_id=actor.officer_id, comment=comment, now=now)
    if old != comment:
        await repo.audit(conn, round_id=round_id, action="comment", now=now, entry_id=entry_id,
                         officer_id=actor.officer_id, actor_name=actor.name, old=old,
                         new=comment)
    return Outcome(True, N_("Saved: your total for this dossier is {total} of 100. You can "
                            "change it until the round closes."), {"total": total})


async def declare(conn: AsyncConnection, actor: Actor, round_id: int, entry_id: int, kind: str,
                  note: str | None, now: datetime) -> Outcome:
    """A member declares a link to a dossier: recused from it (their scores of it, if any,
    stay stored and count nowhere)."""
    found = await seat(conn, actor.officer_id, round_id)
    if found is None:
        return Outcome(False, NOT_A_MEMBER)
    if not any(d.entry_id == entry_id for d in found.round.dossiers):
        return Outcome(False, NOT_IN_ROUND)
    if kind not in CONFLICT_KINDS:
        return Outcome(False, N_("Please choose the kind of link."))
    if found.round.status != "open":
        return Outcome(False, CLOSED)
    note = (note or "").strip()[:COMMENT_MAX] or None
    if not await repo.recuse(conn, round_id=round_id, entry_id=entry_id,
                             officer_id=actor.officer_id, kind=kind, automatic=False,
                             note=note, now=now):
        return Outcome(False, RECUSED)
    await repo.audit(conn, round_id=round_id, action="recuse", now=now, entry_id=entry_id,
                     officer_id=actor.officer_id, actor_name=actor.name, new=kind)
    return Outcome(True, N_("Recorded: you are recused from this dossier; your scores of it "
                            "count nowhere, and the minutes list the recusal."))


async def close_by_chair(conn: AsyncConnection, actor: Actor, round_id: int,
                         now: datetime) -> Outcome:
    found = await seat(conn, actor.officer_id, round_id)
    if found is None or not found.member.chair:
        return Outcome(False, N_("Only the chair of the council can close the round."))
    if not await close(conn, round_id, by=actor.name, now=now, officer_id=actor.officer_id):
        return Outcome(False, CLOSED)
    return Outcome(True, N_("The round is closed. Here is the ranking."))


# --- reminders -------------------------------------------------------------------------------
async def members_with_work(conn: AsyncConnection) -> list[tuple[Round, dict, int]]:
    """(round, member's chat, dossiers left) for every member with dossiers left in an open
    round."""
    found = []
    for row in await repo.open_rounds(conn):
        round = await load_round(conn, row["id"])  # noqa: A001
        chats = {m["officer_id"]: m for m in await repo.members(conn, round.council_id)}
        for member in round.members:
            left = progress(await dossier_states(conn, Seat(round, member))).todo
            if left:
                found.append((round, chats[member.officer_id], left))
    return found


async def chairs(conn: AsyncConnection, round: Round) -> list[dict]:  # noqa: A002
    return [m for m in await repo.members(conn, round.council_id) if m["chair"]]


# --- the ranking as text (the chair in chat, `sangkien council results`) ----------------------
def round_title(t: Translator, round: Round) -> str:  # noqa: A002
    if round.status == "open" and round.closes_on:
        state = t._("open until {date}").format(date=t.date(round.closes_on))
    elif round.status == "open":
        state = t._("open")
    else:
        state = t._("closed")
    return t._("{council} — round {label} ({state})").format(
        council=round.council_name, label=round.label, state=state)


def _pct(share: float) -> float:
    return int(share * 1000 + 0.5) / 10


def _fmt(t: Translator, value: float | None) -> str:
    return "—" if value is None else t.number(int(value * 100 + 0.5) / 100)


def ranking_text(t: Translator, result: RoundResult) -> str:
    """The ranked list (the mean is the official figure), then the dossiers without quorum."""
    rules = result.round.rules
    lines = [round_title(t, result.round)]
    if result.round.rubric.placeholder:
        lines.append(t.tr(PLACEHOLDER_NOTE))
    lines += [t._("Pass mark {mark}; quorum: {min} members, or {share}% of those not "
                  "recused.").format(mark=t.number(rules.pass_mark), min=rules.quorum_min,
                                     share=t.number(_pct(rules.quorum_share))), ""]
    lines += [result_line(t, r, rules.flag_range) for r in result.results]
    return "\n".join(lines)


def result_line(t: Translator, r: DossierResult, flag_range: int = 20) -> str:
    head = f"{r.dossier.code} · {shorten(r.dossier.title, 40)}"
    if r.rank is None:
        return "— " + head + ": " + t._("no quorum ({scorers} of {eligible} members "
                                        "scored)").format(scorers=r.scorers, eligible=r.eligible)
    line = f"{r.rank}. {head}: " + t._(
        "mean {mean} ({scorers} of {eligible} members), SD {sd}, range {low}–{high}, "
        "normalised {normalised}").format(
        mean=_fmt(t, r.mean), scorers=r.scorers, eligible=r.eligible, sd=_fmt(t, r.sd),
        low=r.low, high=r.high, normalised=_fmt(t, r.normalised))
    marks = [t._("passed") if r.passed else t._("below the pass mark")]
    if r.tied:
        marks.append(t._("tied, ordered by the tie-break"))
    if r.flagged:
        marks.append(t._("⚑ range over {points} points: to discuss").format(points=flag_range))
    return line + " — " + "; ".join(marks)


# --- the ranking attached to a nomination ------------------------------------------------------
LOCALES = PROJECT_ROOT / "locales"


async def ranking_note(conn: AsyncConnection, ref: Reference, entry_id: int) -> str | None:
    """The dossier's line in the ranking of the latest closed round that scored it, for the
    history of its nomination (in Vietnamese, the office's language); None without one."""
    for round_id in await repo.closed_rounds_of_entry(conn, entry_id):
        result = await round_result(conn, ref, round_id)
        line = next((r for r in result.results if r.dossier.entry_id == entry_id), None)
        if line is None or line.rank is None:
            continue
        t = Translator(LOCALES, "vi", str(ref.tz))
        ranked = sum(1 for r in result.results if r.rank is not None)
        return t._("Selection council “{council}”, round {label}: rank {rank} of {ranked}, "
                   "mean {mean} of 100 ({scorers} member(s) scored).").format(
            council=result.round.council_name, label=result.round.label, rank=line.rank,
            ranked=ranked, mean=t.number(round(line.mean, 2)), scorers=line.scorers)
    return None
