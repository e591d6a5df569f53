"""/trienlam [year]: the exhibition list of a year for the communications office, as a message
ready to post (in Vietnamese, the public's language) and an XLSX sent as a document (a signed
link on a channel that cannot send documents)."""

from __future__ import annotations

import asyncio

from bot.context import Context
from bot.i18n import N_
from bot.model import Reply
from bot.services import exhibition, stats
from bot.services import tasks as task_service
from bot.tasks import TaskEnv, task

ROLES = ("communications", "district_officer", "admin")
REFUSAL = N_("Only the communications office, the district's officers and administrators can "
             "make the exhibition list.")
PREPARING = N_("Making the exhibition list of {year}; it will be here in a moment.")
STILL_PREPARING = N_("The exhibition list you asked for is still being made; it will be here in a "
                     "moment.")
FIRST_YEAR = 2000
BAD_YEAR = N_("Please send /trienlam, or /trienlam followed by a year from {first} to {last}, "
              "for example /trienlam {last}.")


def _year(ctx: Context) -> int | None:
    typed = ctx.event.command_args.strip()
    if not typed:
        return ctx.today.year
    if typed.isdigit() and FIRST_YEAR <= int(typed) <= ctx.today.year:
        return int(typed)
    return None


async def show(ctx: Context) -> None:
    year = _year(ctx)
    if year is None:
        ctx.note(ctx._(BAD_YEAR).format(first=str(FIRST_YEAR), last=str(ctx.today.year)))
        return
    # Who may ask is the command's row; the task checks again, the role may change meanwhile.
    # The list and its spreadsheet are made by a task (bot/tasks.py), off the step.
    queued = await task_service.request(ctx.conn, ctx.user, "exhibition", {"year": year}, ctx.now)
    ctx.tasks_requested = queued
    ctx.note(ctx._(PREPARING).format(year=year) if queued else ctx._(STILL_PREPARING))


@task("exhibition")
async def build(env: TaskEnv, params: dict) -> list[Reply]:
    actor = await env.actor()
    if actor.role not in ROLES:
        return [Reply(env.t._(REFUSAL))]
    year = int(params["year"])
    units = list(stats.units_under(env.ref, stats.scope_for(env.ref, actor)))
    async with env.engine.connect() as conn:
        works = await exhibition.gather(conn, env.ref, year, units)
    post = exhibition.message(env.ref, env.translators("vi"), works)
    data = await asyncio.to_thread(exhibition.workbook, env.ref, env.t, works)
    sheet = await env.keep(data, f"{exhibition.file_name(year)}.xlsx", exhibition.XLSX_TYPE)
    return [
        Reply(env.t._("The exhibition list of {year}, ready to post:").format(year=year)
              + "\n\n" + post),
        Reply(text=env.t._("The list as a spreadsheet: {count} work(s).").format(
            count=len(works.works)), attachments=[sheet]),
    ]
