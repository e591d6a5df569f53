"""Officers in their own chat: registration, the queue, an entry's file, and the actions on it.

Buttons only offer what the officer may do; the services check again, since a button can be
stale or forged.
"""

from __future__ import annotations

from bot import render
from bot.buttons import short_id
from bot.codes import EXAMPLE_CODE, CodeError, parse_code
from bot.context import Context
from bot.i18n import N_
from bot.model import Attachment, Option, Reply
from bot.services import records
from bot.services.actions import (
    CONFIRM,
    PAGE,
    QUEUE_ACTION,
    QUEUE_CHOICE,
    VIEW,
    WITH_NOTE,
    queue_page,
)
from bot.services.permissions import OFFICER_LEVELS, REVIEWER_ROLES
from bot.services.review import (
    ACTION_LABELS,
    DISTRICT_QUEUE,
    NOTE_PROMPTS,
    STEPS,
    WARD_QUEUE,
    Actor,
    Step,
    action_options,
    actor_for,
    describe,
    refusal,
)
from bot.text import shorten, visible_length
from bot.workflow import AWARD_LEVELS, ROLE_LABELS
from handlers import menu
from handlers.common import BACK, nav

PAGE_SIZE = 5
NOTE_MAX = 2000  # visible characters of a question, a reason or a forwarding note
OFFICERS_ONLY = N_("This is for registered officers. If you are one, send /dangky with the code "
                   "you were given.")


async def _actor(ctx: Context) -> Actor | None:
    actor = await actor_for(ctx.conn, ctx.user)
    if actor.role == "resident":
        ctx.note(ctx._(OFFICERS_ONLY))
        return None
    return actor


def _queue_scope(ctx: Context, actor: Actor) -> tuple[list[str], tuple[str, ...]]:
    """The wards whose entries the actor's queue holds, and in which statuses."""
    if actor.role == "ward_officer":
        return [actor.unit], WARD_QUEUE
    return render.wards_under(ctx.ref, actor.unit), DISTRICT_QUEUE


async def show_queue(ctx: Context, status: str = "all", page: int = 1) -> None:
    actor = await _actor(ctx)
    if actor is None:
        return
    if actor.role not in REVIEWER_ROLES:
        ctx.say(ctx._("Your role has no review queue."))
        return
    wards, statuses = _queue_scope(ctx, actor)
    shown = statuses if status == "all" or status not in statuses else (status,)
    total, pages, page, items = await records.queue(ctx.conn, unit=wards, statuses=shown,
                                                    page=page, page_size=PAGE_SIZE)
    where = render.unit_name(ctx.ref, ctx.t, actor.unit)
    lines = [ctx._("Queue of {where}: {count} item(s), page {page} of {pages}.").format(
        where=where, count=total, page=page, pages=pages)]
    if status != "all":
        lines.append(ctx._("Showing: {status}").format(status=render.status_label(ctx.t, status)))
    options = []
    for n, item in enumerate(items, start=(page - 1) * PAGE_SIZE + 1):
        lines.append(_queue_line(ctx, n, item))
        options.append(Option(QUEUE_ACTION.pack(VIEW, item["id"]), item["code"]))
    if page > 1:
        options.append(Option(queue_page(status, page - 1), ctx._("Previous page")))
    if page < pages:
        options.append(Option(queue_page(status, page + 1), ctx._("Next page")))
    for s in statuses:
        if s != status:
            options.append(Option(queue_page(s, 1), ctx._("Only: {status}").format(
                status=render.status_label(ctx.t, s))))
    if status != "all":
        options.append(Option(queue_page("all", 1), ctx._("All open items")))
    ctx.goto("review")
    ctx.say("\n".join(lines), options)


def _queue_line(ctx: Context, n: int, item: dict) -> str:
    due = item["due_at"]
    if item["status"] == "needs_info":
        mark = ctx._("clock stopped: waiting for the author")
    elif due is None:
        mark = ""
    elif due < ctx.now:
        mark = ctx._("⚠ OVERDUE since {date}").format(date=ctx.t.date(due))
    else:
        mark = ctx._("due {date}").format(date=ctx.t.date(due))
    return f"\n{n}. {item['code']} · {shorten(item['title'], 60)}\n   " + " · ".join(
        part for part in (render.status_label(ctx.t, item["status"]), mark) if part)


async def show_file(ctx: Context, entry: dict, actor: Actor, prefix: str | None = None) -> None:
    """An entry's whole file: details, history, the actor's buttons, and its attachments."""
    files, history = await records.entry_file(ctx.conn, entry["id"])
    lines = [prefix, ""] if prefix else []
    lines.append(render.officer_view(ctx.t, ctx.ref, entry, len(files)))
    lines += ["", ctx._("History:")]
    for h in history:
        who = h["actor_name"] or ctx.tr(ROLE_LABELS.get(h["role"], h["role"]))
        status = render.status_label(ctx.t, h["to_status"])
        line = f"• {ctx.t.datetime(h['at'])} — {who}: {status}"
        if h["note"]:
            note = ctx.tr(h["note"]) if h["role"] == "system" else h["note"]
            line += f"\n  “{note}”"
        lines.append(line)
    ctx.goto("review")
    ctx.say("\n".join(lines), action_options(ctx.t, ctx.ref, actor, entry, details=False))
    if files:
        ctx.replies.append(Reply(
            text=ctx._("Files attached to {code}:").format(code=entry["code"]),
            attachments=[Attachment(f["kind"], f["file_ref"], f["file_name"], f["mime"], f["size"],
                                    key=f["store_key"], sha256=f["sha256"]) for f in files],
        ))


async def file_by_code(ctx: Context, typed: str) -> None:
    actor = await _actor(ctx)
    if actor is None:
        return
    try:
        code = parse_code(typed)
    except CodeError:
        ctx.say(ctx._("Please send /hoso followed by a tracking code, for example "
                      "/hoso {example}.").format(example=EXAMPLE_CODE))
        return
    entry = await records.entry_by_code(ctx.conn, code)
    if entry is None:
        ctx.say(ctx._("No entry has the code {code}.").format(code=code))
    elif not _may_see(actor, entry):
        ctx.say(ctx._("This entry belongs to another unit's queue; only its officers can act "
                      "on it."))
    else:
        await show_file(ctx, entry, actor)


def _may_see(actor: Actor, entry: dict) -> bool:
    # A council member sees a dossier only through its round (handlers/council.py, issue 14).
    if actor.role == "council_member":
        return False
    return actor.role != "ward_officer" or actor.unit == entry["unit"]


def is_queue_button(value: str | None) -> bool:
    return QUEUE_ACTION.matches(value) or QUEUE_CHOICE.matches(value)


async def on_button(ctx: Context, value: str) -> None:
    """An officer's button: an action on an entry (with a pick), a confirmation, or a page."""
    picked = QUEUE_CHOICE.unpack(value)
    if picked and picked["action"] == PAGE and picked["choice"].isdigit():
        await show_queue(ctx, picked["entry"], int(picked["choice"]))
        return
    actor = await _actor(ctx)
    if actor is None:
        return
    pressed = picked or QUEUE_ACTION.unpack(value)
    if pressed is None or not pressed["entry"].isdigit():
        ctx.say(ctx._(STALE_BUTTON))
        return
    action = pressed["action"]
    entry = await records.entry_by_id(ctx.conn, int(pressed["entry"]))
    if entry is None:
        ctx.say(ctx._("This entry no longer exists."))
    elif action == VIEW:
        if _may_see(actor, entry):
            await show_file(ctx, entry, actor)
        else:
            ctx.say(ctx.tr(refusal(ctx.ref, actor, STEPS["take"], entry)[0]))
    elif action == CONFIRM:
        await _confirmed(ctx, actor, entry)
    elif action not in STEPS or STEPS[action].level not in OFFICER_LEVELS:
        ctx.say(ctx._(STALE_BUTTON))
    else:
        await _begin(ctx, actor, STEPS[action], entry, pressed.get("choice"))


STALE_BUTTON = N_("That button is not valid any more. Send /hangdoi for your queue.")


async def _begin(ctx: Context, actor: Actor, step: Step, entry: dict,
                 choice: str | None) -> None:
    """What a step needs before it is taken: a pick, a note, a confirmation, in that order."""
    refused = refusal(ctx.ref, actor, step, entry)
    if refused:
        ctx.say(ctx.tr(refused[0]))
        return
    if entry["status"] not in step.sources + (STEPS[step.via].sources if step.via else ()):
        outcome = await ctx.review().stale(entry["id"])
        ctx.say(describe(ctx.t, ctx.ref, outcome))
        return
    pending = {"action": step.action, "entry": entry["id"]}
    title = f"{entry['code']} — {ctx.tr(ACTION_LABELS[step.action])}"
    if step.choice == "ward":
        pending["unit"] = next((w.slug for w in ctx.ref.wards if short_id(w.slug) == choice),
                               None)
        if pending["unit"] is None or pending["unit"] == entry["unit"]:
            _ask_pick(ctx, title, ctx._("Which ward should review it?"), [
                Option(QUEUE_CHOICE.pack(step.action, entry["id"], short_id(w.slug)),
                       w.name(ctx.lang)) for w in ctx.ref.wards if w.slug != entry["unit"]])
            return
    elif step.choice == "level":
        if choice not in AWARD_LEVELS:
            _ask_pick(ctx, title, ctx._("Which level was awarded?"), [
                Option(QUEUE_CHOICE.pack(step.action, entry["id"], level), ctx.tr(label))
                for level, label in AWARD_LEVELS.items()])
            return
        pending["level"] = choice
    ctx.data["review"] = pending
    if step.needs_note or choice == WITH_NOTE:
        ctx.goto("review:note")
        ctx.say(f"{title}\n{ctx.tr(NOTE_PROMPTS[step.action])}", nav(ctx, cancel=False))
    else:
        await _confirm_or_act(ctx, actor, step, entry, pending)


def _ask_pick(ctx: Context, title: str, question: str, options: list[Option]) -> None:
    ctx.goto("review")
    ctx.say(f"{title}\n{question}", options + nav(ctx, cancel=False))


async def _confirm_or_act(ctx: Context, actor: Actor, step: Step, entry: dict,
                          pending: dict) -> None:
    if not step.confirm:
        ctx.data.pop("review", None)
        await _act(ctx, actor, pending)
        return
    ctx.goto("review")
    title = shorten(entry["title"], 60)
    lines = [f"{entry['code']} “{title}” — {ctx.tr(ACTION_LABELS[step.action])}"]
    if pending.get("note"):
        lines.append(f"“{pending['note']}”")
    lines.append(ctx._("This cannot be undone. Do you confirm?"))
    ctx.say("\n".join(lines), [Option(QUEUE_ACTION.pack(CONFIRM, entry["id"]),
                                       ctx._("Yes, confirm"))] + nav(ctx, cancel=False))


async def _confirmed(ctx: Context, actor: Actor, entry: dict) -> None:
    pending = ctx.data.get("review")
    if not pending or pending.get("entry") != entry["id"]:
        ctx.say(ctx._(STALE_BUTTON))
        return
    ctx.data.pop("review", None)
    await _act(ctx, actor, pending)


async def handle_note(ctx: Context) -> None:
    """The officer's typed question, reason, duplicate code, forwarding note or prize."""
    pending = ctx.data.get("review")
    if ctx.event.choice == BACK or not pending:
        _nothing_changed(ctx)
        return
    if is_queue_button(ctx.event.choice):
        await on_button(ctx, ctx.event.choice)
        return
    text = ctx.event.text
    if not text or text.startswith("/") or not 0 < visible_length(text) <= NOTE_MAX:
        ctx.say(ctx._("Please type the text (at most 2,000 characters), or press Back."),
                nav(ctx, cancel=False))
        return
    actor = await _actor(ctx)
    entry = await records.entry_by_id(ctx.conn, pending["entry"])
    if actor is None or entry is None:
        ctx.goto("review")
        return
    problem = await ctx.review().check(actor, pending["action"], entry["id"], text,
                                       unit=pending.get("unit"), level=pending.get("level"))
    if problem:
        ctx.say(describe(ctx.t, ctx.ref, problem) + "\n" + ctx._("Please type it again, or "
                                                                 "press Back."),
                nav(ctx, cancel=False))
        return
    pending["note"] = text
    await _confirm_or_act(ctx, actor, STEPS[pending["action"]], entry, pending)


def _nothing_changed(ctx: Context) -> None:
    ctx.data.pop("review", None)
    ctx.goto("review")
    ctx.say(ctx._("Nothing was changed."))


async def _act(ctx: Context, actor: Actor, pending: dict) -> None:
    outcome = await ctx.review().run(actor, pending["action"], pending["entry"],
                                     pending.get("note"), unit=pending.get("unit"),
                                     level=pending.get("level"))
    ctx.goto("review")
    options = action_options(ctx.t, ctx.ref, actor, outcome.entry) if outcome.entry else []
    ctx.say(describe(ctx.t, ctx.ref, outcome), options)


async def handle(ctx: Context) -> None:
    """Free input while an officer is looking at the queue."""
    if is_queue_button(ctx.event.choice):
        await on_button(ctx, ctx.event.choice)
    elif ctx.event.choice == BACK and ctx.data.get("review"):
        _nothing_changed(ctx)
    elif ctx.event.text:
        try:
            parse_code(ctx.event.text)
        except CodeError:
            menu.show(ctx)
            return
        await file_by_code(ctx, ctx.event.text)
    else:
        menu.show(ctx)
