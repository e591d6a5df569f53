"""Officers in their own chat: registration, the queue, an entry's file, and the actions on it.

Buttons only offer what the officer may do; the services check again, since a button can be
stale or forged.
"""

from __future__ import annotations

from bot import render
from bot.codes import CodeError, parse_code
from bot.context import Context
from bot.i18n import N_
from bot.model import Option
from bot.services.review import (
    ACTION_LABELS,
    DISTRICT_QUEUE,
    NOTE_PROMPTS,
    STEPS,
    WARD_QUEUE,
    Actor,
    action_options,
    actor_for,
    describe,
    refusal,
)
from bot.workflow import ROLE_LABELS
from handlers import menu
from handlers.common import BACK, nav
from storage import repo

PAGE_SIZE = 5
OFFICERS_ONLY = N_("This is for registered officers. If you are one, send /dangky with the code "
                   "you were given.")


async def _actor(ctx: Context) -> Actor | None:
    actor = await actor_for(ctx.conn, ctx.user)
    if actor.role == "resident":
        ctx.note(ctx._(OFFICERS_ONLY))
        return None
    return actor


def _queue_scope(actor: Actor) -> tuple[str | None, tuple[str, ...]]:
    if actor.role == "ward_officer":
        return actor.unit, WARD_QUEUE
    return None, DISTRICT_QUEUE


async def show_queue(ctx: Context, status: str = "all", page: int = 1) -> None:
    actor = await _actor(ctx)
    if actor is None:
        return
    if actor.role not in ("ward_officer", "district_officer"):
        ctx.say(ctx._("Your role has no review queue."))
        return
    unit, statuses = _queue_scope(actor)
    shown = statuses if status == "all" or status not in statuses else (status,)
    total = await repo.queue_count(ctx.conn, unit=unit, statuses=shown)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    items = await repo.queue_page(ctx.conn, unit=unit, statuses=shown, limit=PAGE_SIZE,
                                  offset=(page - 1) * PAGE_SIZE)
    where = render.unit_name(ctx.ref, ctx.t, unit) if unit else ctx._("the district")
    lines = [ctx._("Queue of {where}: {count} item(s), page {page} of {pages}.").format(
        where=where, count=total, page=page, pages=pages)]
    if status != "all":
        lines.append(ctx._("Showing: {status}").format(status=render.status_label(ctx.t, status)))
    options = []
    for n, item in enumerate(items, start=(page - 1) * PAGE_SIZE + 1):
        lines.append(_queue_line(ctx, n, item))
        options.append(Option(f"q:view:{item['id']}", item["code"]))
    if page > 1:
        options.append(Option(f"q:page:{status}:{page - 1}", ctx._("Previous page")))
    if page < pages:
        options.append(Option(f"q:page:{status}:{page + 1}", ctx._("Next page")))
    for s in statuses:
        if s != status:
            options.append(Option(f"q:page:{s}:1", ctx._("Only: {status}").format(
                status=render.status_label(ctx.t, s))))
    if status != "all":
        options.append(Option("q:page:all:1", ctx._("All open items")))
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
    return f"\n{n}. {item['code']} · {item['title'][:60]}\n   " + " · ".join(
        part for part in (render.status_label(ctx.t, item["status"]), mark) if part)


async def show_file(ctx: Context, entry: dict, actor: Actor, prefix: str | None = None) -> None:
    """An entry's whole file: details, history, the actor's buttons, and its attachments."""
    files = await repo.entry_attachments(ctx.conn, entry["id"])
    history = await repo.entry_history(ctx.conn, entry["id"])
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
    ctx.say("\n".join(lines), action_options(ctx.t, actor, entry, details=False))
    if files:
        from bot.model import Attachment, Reply

        ctx.replies.append(Reply(
            text=ctx._("Files attached to {code}:").format(code=entry["code"]),
            attachments=[Attachment(f["kind"], f["file_ref"], f["file_name"], f["mime"], f["size"])
                         for f in files],
        ))


async def file_by_code(ctx: Context, typed: str) -> None:
    actor = await _actor(ctx)
    if actor is None:
        return
    try:
        code = parse_code(typed)
    except CodeError:
        ctx.say(ctx._("Please send /hoso followed by a tracking code, for example "
                      "/hoso SK-26-00042-Y."))
        return
    entry = await repo.entry_by_code(ctx.conn, code)
    if entry is None:
        ctx.say(ctx._("No entry has the code {code}.").format(code=code))
    elif not _may_see(actor, entry):
        ctx.say(ctx._("This entry belongs to another unit's queue; only its officers can act "
                      "on it."))
    else:
        await show_file(ctx, entry, actor)


def _may_see(actor: Actor, entry: dict) -> bool:
    return actor.role != "ward_officer" or actor.unit == entry["unit"]


async def on_button(ctx: Context, value: str) -> None:
    """`q:<action>:<entry id>` and `q:page:<status>:<page>`."""
    parts = value.split(":")
    if len(parts) == 4 and parts[1] == "page" and parts[3].isdigit():
        await show_queue(ctx, parts[2], int(parts[3]))
        return
    actor = await _actor(ctx)
    if actor is None:
        return
    if len(parts) != 3 or not parts[2].isdigit():
        ctx.say(ctx._("That button is not valid any more. Send /hangdoi for your queue."))
        return
    action, entry_id = parts[1], int(parts[2])
    entry = await repo.entry_by_id(ctx.conn, entry_id)
    if entry is None:
        ctx.say(ctx._("This entry no longer exists."))
    elif action == "view":
        if _may_see(actor, entry):
            await show_file(ctx, entry, actor)
        else:
            ctx.say(ctx.tr(refusal(actor, STEPS["take"], entry)[0]))
    elif action not in STEPS:
        ctx.say(ctx._("That button is not valid any more. Send /hangdoi for your queue."))
    elif STEPS[action].needs_note:
        await _ask_note(ctx, actor, action, entry)
    else:
        await _act(ctx, actor, action, entry_id, None)


async def _ask_note(ctx: Context, actor: Actor, action: str, entry: dict) -> None:
    refused = refusal(actor, STEPS[action], entry)
    if refused:
        ctx.say(ctx.tr(refused[0]))
        return
    if entry["status"] not in STEPS[action].sources:
        outcome = await ctx.review().stale(entry["id"])
        ctx.say(describe(ctx.t, ctx.ref, outcome))
        return
    ctx.goto(f"review:{action}:{entry['id']}")
    ctx.say(f"{entry['code']} — {ctx.tr(ACTION_LABELS[action])}\n{ctx.tr(NOTE_PROMPTS[action])}",
            nav(ctx, cancel=False), free_text=True)


async def handle_note(ctx: Context) -> None:
    """The officer's typed question, reason or duplicate code."""
    _, action, entry_id = ctx.state.split(":")
    if ctx.event.choice == BACK:
        ctx.goto("review")
        ctx.say(ctx._("Nothing was changed."))
        return
    if ctx.event.choice is not None and ctx.event.choice.startswith("q:"):
        await on_button(ctx, ctx.event.choice)
        return
    text = ctx.event.text
    if not text or text.startswith("/") or len(text) > 2000:
        ctx.say(ctx._("Please type the text (at most 2,000 characters), or press Back."),
                nav(ctx, cancel=False), free_text=True)
        return
    actor = await _actor(ctx)
    if actor is not None:
        ctx.goto("review")
        await _act(ctx, actor, action, int(entry_id), text)


async def _act(ctx: Context, actor: Actor, action: str, entry_id: int, note: str | None) -> None:
    outcome = await ctx.review().run(actor, action, entry_id, note)
    ctx.goto("review")
    options = action_options(ctx.t, actor, outcome.entry) if outcome.entry else []
    ctx.say(describe(ctx.t, ctx.ref, outcome), options)


async def handle(ctx: Context) -> None:
    """Free input while an officer is looking at the queue."""
    if ctx.event.choice and ctx.event.choice.startswith("q:"):
        await on_button(ctx, ctx.event.choice)
    elif ctx.event.text:
        try:
            parse_code(ctx.event.text)
        except CodeError:
            menu.show(ctx)
            return
        await file_by_code(ctx, ctx.event.text)
    else:
        menu.show(ctx)
