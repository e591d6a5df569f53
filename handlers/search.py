"""`/timkiem`: officers search the entries of their scope (bot/services/search.py says what a
query may hold), a page at a time like the queue, narrow the result to a status with the
options under it, open an entry's file, and have the whole result sent as an Excel workbook
(built by a task: the step only asks for it)."""

from __future__ import annotations

from bot import render
from bot.buttons import Button
from bot.context import Context
from bot.i18n import N_
from bot.model import Option, Reply
from bot.services import search
from bot.services.actions import QUEUE_ACTION, VIEW
from bot.services.review import Actor, actor_for
from bot.tasks import TaskEnv, task
from bot.text import shorten
from bot.workflow import STATUS_LABELS

# The options under a result: s:page:<n>, s:only:<status>, s:all:-, s:xlsx:-. The query itself
# is kept in the officer's row (data["search"]), never in a button.
SEARCH = Button("s", "action", "arg")
SEARCH_ROLES = search.SEARCH_ROLES
PAGE_SIZE = 5
SEARCH_ONLY = N_("Search is for ward and district officers and administrators.")
SEARCH_OVER = N_("That search is over. Send /timkiem with what you are looking for.")


async def command(ctx: Context) -> None:
    """/timkiem QUERY."""
    actor = await _actor(ctx)
    if actor is None:
        return
    try:
        query = search.parse(ctx.event.command_args, search.status_labels(ctx.translators))
    except search.QueryError as error:
        ctx.say(explain(ctx, error))
        return
    await _show(ctx, actor, query, page=1, fresh=True)


async def _actor(ctx: Context) -> Actor | None:
    actor = await actor_for(ctx.conn, ctx.user)
    if not search.may_search(actor):
        ctx.note(ctx._(SEARCH_ONLY))
        return None
    return actor


def explain(ctx: Context, error: search.QueryError) -> str:
    params = dict(error.params)
    for key in ("since", "until"):
        if key in params:
            params[key] = ctx.t.date(params[key])
    if "statuses" in params:
        params["statuses"] = "; ".join(render.status_label(ctx.t, s) for s in params["statuses"])
    if "typed" in params:
        params["typed"] = shorten(params["typed"], 60)
    return ctx.tr(error.message).format(**params)


def _where(ctx: Context, actor: Actor) -> str:
    if actor.role == "admin" or actor.unit is None:
        return ctx._("every unit")
    return render.unit_name(ctx.ref, ctx.t, actor.unit)


async def _show(ctx: Context, actor: Actor, query: search.Query, *, page: int,
                fresh: bool) -> None:
    ctx.data["search"] = query.as_data()
    found = await search.run(ctx.conn, ctx.ref, actor, query, page=page, page_size=PAGE_SIZE,
                             now=ctx.now, fresh=fresh)
    shown = shorten(query.text, 80)
    if found.total:
        lines = [ctx._("Search “{query}” in {where}: {count} entry(ies), page {page} of "
                       "{pages}.").format(query=shown, where=_where(ctx, actor),
                                          count=found.total, page=found.page,
                                          pages=found.pages)]
    else:
        lines = [ctx._("Nothing found for “{query}” in {where}.").format(
            query=shown, where=_where(ctx, actor))]
    if query.status:
        lines.append(ctx._("Showing: {status}").format(
            status=render.status_label(ctx.t, query.status)))
    options = []
    for n, item in enumerate(found.items, start=(found.page - 1) * PAGE_SIZE + 1):
        lines.append(_line(ctx, n, item))
        options.append(Option(QUEUE_ACTION.pack(VIEW, item["id"]), item["code"]))
    if found.page > 1:
        options.append(Option(SEARCH.pack("page", found.page - 1), ctx._("Previous page")))
    if found.page < found.pages:
        options.append(Option(SEARCH.pack("page", found.page + 1), ctx._("Next page")))
    for status in STATUS_LABELS:  # the workflow's order
        count = found.by_status.get(status, 0)
        if count and status != query.status and len(found.by_status) > 1:
            options.append(Option(SEARCH.pack("only", status), ctx._(
                "Only: {status} ({count})").format(status=render.status_label(ctx.t, status),
                                                   count=count)))
    if query.status:
        options.append(Option(SEARCH.pack("all", "-"), ctx._("All statuses")))
    if found.total:
        options.append(Option(SEARCH.pack("xlsx", "-"), ctx._("Export to Excel")))
    ctx.goto("review")
    ctx.say("\n".join(lines), options)


def _line(ctx: Context, n: int, item: dict) -> str:
    parts = (render.status_label(ctx.t, item["status"]),
             render.unit_name(ctx.ref, ctx.t, item["unit"]),
             ctx._("sent {date}").format(date=ctx.t.date(item["created_at"])))
    return f"\n{n}. {item['code']} · {shorten(item['title'], 60)}\n   " + " · ".join(parts)


async def on_button(ctx: Context, value: str) -> None:
    """An option under a result: another page, one status or all, the export."""
    pressed = SEARCH.unpack(value)
    actor = await _actor(ctx)
    if actor is None:
        return
    kept = ctx.data.get("search")
    if pressed is None or not kept:
        ctx.say(ctx._(SEARCH_OVER))
        return
    query = search.Query.from_data(kept)
    action, arg = pressed["action"], pressed["arg"]
    if action == "page" and arg.isdigit():
        await _show(ctx, actor, query, page=int(arg), fresh=False)
    elif action == "only" and arg in STATUS_LABELS:
        await _show(ctx, actor, query.with_status(arg), page=1, fresh=True)
    elif action == "all":
        await _show(ctx, actor, query.with_status(None), page=1, fresh=True)
    elif action == "xlsx":
        await _export(ctx, actor, query)
    else:
        ctx.say(ctx._(SEARCH_OVER))


async def _export(ctx: Context, actor: Actor, query: search.Query) -> None:
    count = await search.request_export(ctx.conn, ctx.ref, actor, ctx.user, query, ctx.now)
    if count is None:
        ctx.note(ctx._("The Excel file of your last search is still being prepared; it will "
                       "arrive here."))
        return
    ctx.tasks_requested = True
    ctx.note(ctx._("Preparing the Excel file of {count} entry(ies); it will arrive here in a "
                   "moment.").format(count=count))


@task(search.EXPORT_TASK)
async def build_export(env: TaskEnv, params: dict) -> list[Reply]:
    """The task: the workbook, stored in the bot's file store, sent as a document (or a
    signed link where the chat takes none)."""
    made = await search.export(env.engine, env.ref, env.t, params, env.now)
    if made is None:
        return [Reply(env.t._(SEARCH_ONLY))]
    attachment = await env.keep(made.data, made.name, search.XLSX)
    query = search.Query.from_data(params["query"])
    return [Reply(env.t._("The Excel file of your search “{query}”: {count} entry(ies).").format(
        query=shorten(query.text, 80), count=made.rows), attachments=[attachment])]
