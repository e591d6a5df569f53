"""The selection council in chat (issue 14): /hoidong for the members of a council — their rounds,
their dossiers with progress, a dossier's content, scoring one criterion at a time, declaring a
link to a dossier — and, for the chair, members' progress, closing the round, the ranking and
the round's documents.

Buttons only offer what the member may do; bot/services/council.py checks again (a button can be
stale or forged). Nothing here shows another member's scores before the round closes.
"""

from __future__ import annotations

from bot import render
from bot.buttons import Button
from bot.context import Context
from bot.council_model import CONFLICT_KINDS, Criterion, Round
from bot.i18n import N_
from bot.model import Attachment, Option, Reply
from bot.services import council as service
from bot.services import records
from bot.services import tasks as task_service
from bot.services.permissions import Actor, actor_for, describe
from bot.text import shorten, visible_length
from handlers import menu

# action: r round, d dossier, s score, p points, back, stop, ok save, skip no comment,
# c declare a link, k its kind, kn no note, prog progress, close / closeok, res ranking, docs.
COUNCIL = Button("hd", "action", "round", "entry", "arg")
COUNCIL_ROLES = service.MEMBER_ROLES
COUNCIL_ONLY = N_("The selection council's commands are for its members.")
NO_SEAT = N_("You do not sit on any selection council yet; the district office seats its "
             "members.")
STALE = N_("That button is not valid any more. Send /hoidong for your council's rounds.")
# Registered by handlers/council_documents.py, built by bot/reports/council.py.
DOCUMENTS_TASK = "council_documents"

KIND_LABELS = {
    "author": N_("I am an author of it"),
    "same_unit": N_("It comes from my own unit"),
    "relative": N_("An author is a relative of mine"),
    "other": N_("Another link"),
}
STATE_LABELS = {"scored": N_("scored"), "todo": N_("to score"), "recused": N_("recused")}


def _b(action: str, round_id: int, entry_id: int = 0, arg: object = "") -> str:
    return COUNCIL.pack(action, round_id, entry_id, arg)


async def _member(ctx: Context) -> Actor | None:
    actor = await actor_for(ctx.conn, ctx.user)
    if actor.role not in COUNCIL_ROLES:
        ctx.note(ctx._(COUNCIL_ONLY))
        return None
    return actor


def _placeholder(ctx: Context, round: Round) -> list[str]:  # noqa: A002
    return [ctx.tr(service.PLACEHOLDER_NOTE)] if round.rubric.placeholder else []


def _round_title(ctx: Context, round: Round) -> str:  # noqa: A002
    return service.round_title(ctx.t, round)


def _progress_line(ctx: Context, p: service.Progress) -> str:
    return ctx._("Scored {scored}, to score {todo}, recused {recused}.").format(
        scored=p.scored, todo=p.todo, recused=p.recused)


# --- /hoidong ------------------------------------------------------------------------------
async def command(ctx: Context) -> None:
    actor = await _member(ctx)
    if actor is None:
        return
    seats = await service.seats(ctx.conn, actor.officer_id)
    if not seats:
        ctx.note(ctx._(NO_SEAT))
        return
    if len(seats) == 1:
        await show_round(ctx, actor, seats[0].round.id)
        return
    lines = [ctx._("Your selection council rounds:")]
    options = []
    for seat in seats:
        states = await service.dossier_states(ctx.conn, seat)
        lines += ["", _round_title(ctx, seat.round), _progress_line(ctx, service.progress(states))]
        options.append(Option(_b("r", seat.round.id), ctx._("Round {label}").format(
            label=seat.round.label)))
    ctx.goto("council")
    ctx.say("\n".join(lines), options)


async def show_round(ctx: Context, actor: Actor, round_id: int,
                     prefix: str | None = None) -> None:
    seat = await service.seat(ctx.conn, actor.officer_id, round_id)
    if seat is None:
        ctx.say(ctx._(service.NOT_A_MEMBER))
        return
    round = seat.round  # noqa: A001
    states = await service.dossier_states(ctx.conn, seat)
    mine = {s.entry_id: s for s in await service.scores_of(ctx.conn, round_id,
                                                            officer_id=actor.officer_id)}
    lines = [prefix, ""] if prefix else []
    lines += [_round_title(ctx, round), *_placeholder(ctx, round),
              _progress_line(ctx, service.progress(states)), ""]
    options = []
    for n, d in enumerate(round.dossiers, 1):
        state = states[d.entry_id]
        mark = ctx.tr(STATE_LABELS[state])
        if state == "scored":
            mark = ctx._("scored: {total} of 100").format(total=mine[d.entry_id].total)
        lines.append(f"{n}. {d.code} · {shorten(d.title, 50)} — {mark}")
        if state != "recused":
            options.append(Option(_b("d", round_id, d.entry_id), d.code))
    if seat.member.chair:
        options.append(Option(_b("prog", round_id), ctx._("Members' progress")))
        if round.status == "open":
            options.append(Option(_b("close", round_id), ctx._("Close the round")))
        else:
            options.append(Option(_b("res", round_id), ctx._("Ranking")))
            options.append(Option(_b("docs", round_id), ctx._("Round documents (Excel, Word)")))
    ctx.goto("council")
    ctx.say("\n".join(lines), options)


async def show_dossier(ctx: Context, actor: Actor, round_id: int, entry_id: int) -> None:
    """The dossier's content and files, the member's own scores, and what they may do."""
    seat, refused = await service.score_refusal(ctx.conn, actor, round_id, entry_id)
    if refused in (service.NOT_A_MEMBER, service.NOT_IN_ROUND, service.RECUSED):
        ctx.say(ctx.tr(refused))
        return
    entry = await records.entry_by_id(ctx.conn, entry_id)
    files, _ = await records.entry_file(ctx.conn, entry_id)
    # The council judges the work: the author's phone stays with the officers.
    lines = [render.officer_view(ctx.t, ctx.ref, {**entry, "contact_phone": None}, len(files))]
    own = await service.own_score(ctx.conn, actor, round_id, entry_id)
    if own is not None:
        lines += ["", ctx._("Your scores:"), *_score_lines(ctx, seat.round, own.points),
                  ctx._("Total: {total} of 100").format(total=own.total)]
        if own.comment:
            lines.append(ctx._("Your comment: {comment}").format(comment=own.comment))
    options = []
    if refused is None:
        label = ctx._("Change my scores") if own else ctx._("Score this dossier")
        options.append(Option(_b("s", round_id, entry_id), label))
        options.append(Option(_b("c", round_id, entry_id),
                              ctx._("Declare a link to this dossier")))
    else:
        lines += ["", ctx.tr(refused)]
    options.append(Option(_b("r", round_id), ctx._("Back to the round")))
    ctx.goto("council")
    ctx.say("\n".join(lines), options)
    if files:
        ctx.replies.append(Reply(
            text=ctx._("Files attached to {code}:").format(code=entry["code"]),
            attachments=[Attachment(f["kind"], f["file_ref"], f["file_name"], f["mime"], f["size"],
                                    key=f["store_key"], sha256=f["sha256"]) for f in files]))


def _score_lines(ctx: Context, round: Round, points: dict[str, int]) -> list[str]:  # noqa: A002
    return [f"• {c.name(ctx.lang)}: {points.get(c.key, '—')}/{c.max_points}"
            for c in round.rubric.criteria]


# --- scoring, one criterion at a time --------------------------------------------------------
async def _begin_scoring(ctx: Context, actor: Actor, round_id: int, entry_id: int) -> None:
    seat, refused = await service.score_refusal(ctx.conn, actor, round_id, entry_id)
    if refused:
        ctx.say(ctx.tr(refused))
        return
    ctx.data["council"] = {"round": round_id, "entry": entry_id, "points": {}, "i": 0}
    await _ask_criterion(ctx, actor, seat.round)


async def _ask_criterion(ctx: Context, actor: Actor, round: Round,  # noqa: A002
                         problem: str | None = None) -> None:
    pending = ctx.data["council"]
    criteria = round.rubric.criteria
    c: Criterion = criteria[pending["i"]]
    entry = next(d for d in round.dossiers if d.entry_id == pending["entry"])
    lines = [problem, ""] if problem else []
    lines += [f"{entry.code} — " + ctx._("criterion {n} of {count}: {name} (0 to {top} points)")
              .format(n=pending["i"] + 1, count=len(criteria), name=c.name(ctx.lang),
                      top=c.max_points)]
    for level in c.levels:
        text = level.description_vi if ctx.lang == "vi" else level.description_en
        lines.append(f"• {level.low}–{level.high}: {text}")
    lines += _placeholder(ctx, round)
    options = []
    if c.max_points <= 10:  # a small range: one button per number of points
        options += [Option(_b("p", round.id, entry.entry_id, n), str(n))
                    for n in range(c.max_points + 1)]
        lines.append(ctx._("Choose the points, or type them."))
    else:
        lines.append(ctx._("Type the points, a whole number from 0 to {top}.").format(
            top=c.max_points))
    own = await service.own_score(ctx.conn, actor, round.id, entry.entry_id)
    if own is not None and c.key in own.points:
        options.append(Option(_b("p", round.id, entry.entry_id, own.points[c.key]),
                              ctx._("Keep {points}").format(points=own.points[c.key])))
    if pending["i"] > 0:
        options.append(Option(_b("back", round.id, entry.entry_id), ctx._("Back")))
    options.append(Option(_b("stop", round.id, entry.entry_id), ctx._("Cancel")))
    ctx.goto("council:points")
    # Typed numbers are the points, never an option's number (docs/ARCHITECTURE.md).
    ctx.say("\n".join(lines), options, numbered=False)


async def _pending_round(ctx: Context, actor: Actor, round_id: int,
                         entry_id: int) -> Round | None:
    """The round of the scoring under way, checked again; None (and said why) when it cannot
    go on. What was typed so far stays in the draft."""
    pending = ctx.data.get("council")
    if not pending or pending.get("round") != round_id or pending.get("entry") != entry_id:
        ctx.say(ctx._(STALE))
        return None
    seat, refused = await service.score_refusal(ctx.conn, actor, round_id, entry_id)
    if refused:
        ctx.data.pop("council", None)
        ctx.goto("council")
        ctx.say(ctx.tr(refused))
        return None
    return seat.round


async def _points(ctx: Context, actor: Actor, round_id: int, entry_id: int,
                  typed: str) -> None:
    round = await _pending_round(ctx, actor, round_id, entry_id)  # noqa: A001
    if round is None:
        return
    pending = ctx.data["council"]
    c = round.rubric.criteria[pending["i"]]
    value = typed.strip()
    if not value.isdigit() or not 0 <= int(value) <= c.max_points:
        problem = ctx._("“{typed}” is not a score for {name}: please type a whole number from 0 "
                        "to {top}.").format(typed=shorten(value, 20), name=c.name(ctx.lang),
                                            top=c.max_points)
        await _ask_criterion(ctx, actor, round, problem)
        return
    pending["points"][c.key] = int(value)
    pending["i"] += 1
    if pending["i"] < len(round.rubric.criteria):
        await _ask_criterion(ctx, actor, round)
    else:
        await _ask_comment(ctx, actor, round)


async def _ask_comment(ctx: Context, actor: Actor, round: Round,  # noqa: A002
                       problem: str | None = None) -> None:
    pending = ctx.data["council"]
    total = sum(pending["points"].values())
    own = await service.own_score(ctx.conn, actor, round.id, pending["entry"])
    lines = [problem, ""] if problem else []
    lines.append(ctx._("Total: {total} of 100").format(total=total))
    options = []
    if service.needs_comment(round.rules, total):
        lines.append(ctx._("A total below {low} or above {high} needs a comment: please type "
                           "why.").format(low=round.rules.comment_below,
                                          high=round.rules.comment_above))
    else:
        lines.append(ctx._("Type a comment if you wish (optional)."))
        options.append(Option(_b("skip", round.id, pending["entry"]), ctx._("No comment")))
    if own is not None and own.comment:
        lines.append(ctx._("Your comment: {comment}").format(comment=own.comment))
        options.append(Option(_b("skip", round.id, pending["entry"], "keep"),
                              ctx._("Keep my comment")))
    options.append(Option(_b("back", round.id, pending["entry"]), ctx._("Back")))
    options.append(Option(_b("stop", round.id, pending["entry"]), ctx._("Cancel")))
    ctx.goto("council:comment")
    ctx.say("\n".join(lines), options, numbered=False)


async def _comment(ctx: Context, actor: Actor, round_id: int, entry_id: int,
                   comment: str | None) -> None:
    round = await _pending_round(ctx, actor, round_id, entry_id)  # noqa: A001
    if round is None:
        return
    pending = ctx.data["council"]
    if len(pending["points"]) < len(round.rubric.criteria):
        await _ask_criterion(ctx, actor, round)
        return
    if comment is not None and not 0 < visible_length(comment) <= service.COMMENT_MAX:
        await _ask_comment(ctx, actor, round, ctx._(
            "Please type the comment (at most {count} characters).").format(
                count=ctx.t.number(service.COMMENT_MAX)))
        return
    total = sum(pending["points"].values())
    if not comment and service.needs_comment(round.rules, total):
        await _ask_comment(ctx, actor, round)
        return
    pending["comment"] = comment
    entry = next(d for d in round.dossiers if d.entry_id == entry_id)
    lines = [ctx._("Your scores of {code}:").format(code=entry.code),
             *_score_lines(ctx, round, pending["points"]),
             ctx._("Total: {total} of 100").format(total=total)]
    if comment:
        lines.append(ctx._("Your comment: {comment}").format(comment=comment))
    lines.append(ctx._("Save these scores?"))
    ctx.goto("council:confirm")
    ctx.say("\n".join(lines), [
        Option(_b("ok", round_id, entry_id), ctx._("Save")),
        Option(_b("s", round_id, entry_id), ctx._("Score again")),
        Option(_b("stop", round_id, entry_id), ctx._("Cancel"))])


async def _save(ctx: Context, actor: Actor, round_id: int, entry_id: int) -> None:
    round = await _pending_round(ctx, actor, round_id, entry_id)  # noqa: A001
    if round is None:
        return
    pending = ctx.data["council"]
    outcome = await service.save_scores(ctx.conn, actor, round_id, entry_id, pending["points"],
                                        pending.get("comment"), ctx.now)
    if not outcome.ok:  # the scores typed stay in the draft: nothing is lost
        ctx.say(describe(ctx.t, ctx.ref, outcome), [
            Option(_b("s", round_id, entry_id), ctx._("Score again")),
            Option(_b("r", round_id), ctx._("Back to the round"))])
        return
    ctx.data.pop("council", None)
    await show_round(ctx, actor, round_id, prefix=describe(ctx.t, ctx.ref, outcome))


async def _back(ctx: Context, actor: Actor, round_id: int, entry_id: int) -> None:
    round = await _pending_round(ctx, actor, round_id, entry_id)  # noqa: A001
    if round is None:
        return
    pending = ctx.data["council"]
    pending["i"] = max(0, min(pending["i"], len(round.rubric.criteria)) - 1)
    pending["points"].pop(round.rubric.criteria[pending["i"]].key, None)
    await _ask_criterion(ctx, actor, round)


# --- declaring a link ------------------------------------------------------------------------
async def _ask_kind(ctx: Context, actor: Actor, round_id: int, entry_id: int) -> None:
    _, refused = await service.score_refusal(ctx.conn, actor, round_id, entry_id)
    if refused:
        ctx.say(ctx.tr(refused))
        return
    ctx.goto("council")
    ctx.say(ctx._("What is your link to this dossier? You will be recused from it: your scores "
                  "of it will count nowhere."),
            [Option(_b("k", round_id, entry_id, kind), ctx.tr(KIND_LABELS[kind]))
             for kind in CONFLICT_KINDS] + [Option(_b("d", round_id, entry_id), ctx._("Back"))])


def _ask_note(ctx: Context, round_id: int, entry_id: int, kind: str) -> None:
    ctx.data["council_link"] = {"round": round_id, "entry": entry_id, "kind": kind}
    ctx.goto("council:note")
    ctx.say(ctx._("Add a note for the minutes if you wish (for example who the relative is), "
                  "or press “No note”."),
            [Option(_b("kn", round_id, entry_id), ctx._("No note")),
             Option(_b("d", round_id, entry_id), ctx._("Cancel"))], numbered=False)


async def _declare(ctx: Context, actor: Actor, round_id: int, entry_id: int,
                   note: str | None) -> None:
    pending = ctx.data.get("council_link")
    if not pending or pending["round"] != round_id or pending["entry"] != entry_id:
        ctx.say(ctx._(STALE))
        return
    ctx.data.pop("council_link", None)
    outcome = await service.declare(ctx.conn, actor, round_id, entry_id, pending["kind"], note,
                                    ctx.now)
    if outcome.ok and (ctx.data.get("council") or {}).get("entry") == entry_id:
        ctx.data.pop("council", None)
    await show_round(ctx, actor, round_id, prefix=describe(ctx.t, ctx.ref, outcome))


# --- the chair -------------------------------------------------------------------------------
async def _chair_seat(ctx: Context, actor: Actor, round_id: int):
    seat = await service.seat(ctx.conn, actor.officer_id, round_id)
    if seat is None or not seat.member.chair:
        ctx.say(ctx._("Only the chair of the council can do this."))
        return None
    return seat


async def _members_progress(ctx: Context, actor: Actor, round_id: int) -> None:
    seat = await _chair_seat(ctx, actor, round_id)
    if seat is None:
        return
    lines = [_round_title(ctx, seat.round), ctx._("Members' progress (no scores are shown "
                                                  "before the round closes):")]
    for member, p in await service.members_progress(ctx.conn, seat.round):
        lines.append(f"• {member.name}: " + _progress_line(ctx, p))
    ctx.say("\n".join(lines), [Option(_b("r", round_id), ctx._("Back to the round"))])


async def _ask_close(ctx: Context, actor: Actor, round_id: int) -> None:
    seat = await _chair_seat(ctx, actor, round_id)
    if seat is None:
        return
    ctx.say(ctx._("Close round {label}? Members can no longer change their scores, and the "
                  "ranking is made.").format(label=seat.round.label),
            [Option(_b("closeok", round_id), ctx._("Yes, close the round")),
             Option(_b("r", round_id), ctx._("Back to the round"))])


async def _close(ctx: Context, actor: Actor, round_id: int) -> None:
    outcome = await service.close_by_chair(ctx.conn, actor, round_id, ctx.now)
    if not outcome.ok:
        ctx.say(describe(ctx.t, ctx.ref, outcome))
        return
    await _ranking(ctx, actor, round_id, prefix=describe(ctx.t, ctx.ref, outcome))


async def _ranking(ctx: Context, actor: Actor, round_id: int, prefix: str | None = None) -> None:
    seat = await _chair_seat(ctx, actor, round_id)
    if seat is None:
        return
    if seat.round.status == "open":  # before close the chair sees counts, never scores
        await _members_progress(ctx, actor, round_id)
        return
    result = await service.round_result(ctx.conn, ctx.ref, round_id)
    text = service.ranking_text(ctx.t, result)
    ctx.goto("council")
    ctx.say(f"{prefix}\n\n{text}" if prefix else text,
            [Option(_b("docs", round_id), ctx._("Round documents (Excel, Word)")),
             Option(_b("r", round_id), ctx._("Back to the round"))])


async def _documents(ctx: Context, actor: Actor, round_id: int) -> None:
    seat = await _chair_seat(ctx, actor, round_id)
    if seat is None:
        return
    if seat.round.status == "open":
        ctx.say(ctx._("The round's documents are made once the round is closed."))
        return
    queued = await task_service.request(ctx.conn, ctx.user, DOCUMENTS_TASK,
                                        {"round_id": round_id}, ctx.now)
    ctx.tasks_requested = queued
    ctx.note(ctx._("The round's documents are being prepared; they will arrive here.")
             if queued else ctx._("The round's documents are already being prepared."))


# --- the router's ways in --------------------------------------------------------------------
async def on_button(ctx: Context, value: str) -> None:
    fields = COUNCIL.unpack(value)
    actor = await _member(ctx)
    if actor is None:
        return
    if not fields or not fields["round"].isdigit() or not fields["entry"].isdigit():
        ctx.say(ctx._(STALE))
        return
    action, arg = fields["action"], fields["arg"]
    round_id, entry_id = int(fields["round"]), int(fields["entry"])
    if action == "r":
        await show_round(ctx, actor, round_id)
    elif action == "d":
        ctx.data.pop("council_link", None)
        await show_dossier(ctx, actor, round_id, entry_id)
    elif action == "s":
        await _begin_scoring(ctx, actor, round_id, entry_id)
    elif action == "p" and arg.isdigit():
        await _points(ctx, actor, round_id, entry_id, arg)
    elif action == "back":
        pending = ctx.data.get("council") or {}
        if ctx.state == "council:comment" or ctx.state == "council:confirm":
            pending["i"] = len(pending.get("points", {}))
        await _back(ctx, actor, round_id, entry_id)
    elif action == "stop":
        ctx.data.pop("council", None)
        await show_round(ctx, actor, round_id, prefix=ctx._("Nothing was saved."))
    elif action == "skip":
        keep = (await service.own_score(ctx.conn, actor, round_id, entry_id)) if arg else None
        await _comment(ctx, actor, round_id, entry_id, keep.comment if keep else None)
    elif action == "ok":
        await _save(ctx, actor, round_id, entry_id)
    elif action == "c":
        await _ask_kind(ctx, actor, round_id, entry_id)
    elif action == "k" and arg in CONFLICT_KINDS:
        _ask_note(ctx, round_id, entry_id, arg)
    elif action == "kn":
        await _declare(ctx, actor, round_id, entry_id, None)
    elif action == "prog":
        await _members_progress(ctx, actor, round_id)
    elif action == "close":
        await _ask_close(ctx, actor, round_id)
    elif action == "closeok":
        await _close(ctx, actor, round_id)
    elif action == "res":
        await _ranking(ctx, actor, round_id)
    elif action == "docs":
        await _documents(ctx, actor, round_id)
    else:
        ctx.say(ctx._(STALE))


async def handle(ctx: Context) -> None:
    """Typed input while in the council's screens: points, a comment, a link's note."""
    if COUNCIL.matches(ctx.event.choice):
        await on_button(ctx, ctx.event.choice)
        return
    text = ctx.event.text
    actor = await _member(ctx)
    if actor is None:
        return
    pending = ctx.data.get("council")
    link = ctx.data.get("council_link")
    if ctx.state == "council:points" and pending and text:
        await _points(ctx, actor, pending["round"], pending["entry"], text)
    elif ctx.state == "council:comment" and pending and text:
        await _comment(ctx, actor, pending["round"], pending["entry"], text.strip())
    elif ctx.state == "council:note" and link and text:
        if visible_length(text) > service.COMMENT_MAX:
            ctx.say(ctx._("Please type the note (at most {count} characters).").format(
                count=ctx.t.number(service.COMMENT_MAX)))
            return
        await _declare(ctx, actor, link["round"], link["entry"], text)
    elif ctx.state == "council:confirm" and pending:  # the summary again: nothing is lost
        await _comment(ctx, actor, pending["round"], pending["entry"], pending.get("comment"))
    elif ctx.state.startswith("council:") and pending and not text:
        ctx.note(ctx._("Please type your answer as text."))
    else:
        menu.show(ctx)
