"""/apphich SLUG (English /poster): the communications office asks for a campaign's poster and
gets its PDF as a document (or, on a channel that takes no documents, a signed link to it)."""

from __future__ import annotations

import asyncio

from bot import poster
from bot.context import Context
from bot.i18n import N_
from bot.model import Reply
from bot.services import tasks as task_service
from bot.tasks import TaskEnv, task
from handlers.common import COMMUNICATIONS_ONLY
from handlers.form import FORMS

NO_CHANNEL = N_("There is no channel to put on the poster yet: the operator sets "
                "TELEGRAM_BOT_USERNAME (the Telegram bot) or SANGKIEN_ZALO_LINK (the Zalo "
                "address) first.")
READY = N_("The poster of “{title}”, A4, ready to print.")
DRAWING = N_("Drawing the poster of “{title}”; it will be here in a moment.")
STILL_DRAWING = N_("The poster you asked for is still being drawn; it will be here in a moment.")



async def run(ctx: Context) -> None:
    slug = (ctx.event.command_args or "").strip().lower()
    campaign, problem = poster.find(ctx.ref.campaigns, slug, ctx.today, ctx.t)
    if campaign is None:
        ctx.note(problem)
        return
    if not poster.links(ctx.settings, campaign.slug):
        ctx.note(ctx._(NO_CHANNEL))
        return
    # Half a second of drawing: a task (bot/tasks.py), off the step.
    queued = await task_service.request(ctx.conn, ctx.user, "poster", {"slug": campaign.slug},
                                        ctx.now)
    ctx.tasks_requested = queued
    ctx.note(ctx._(DRAWING).format(title=campaign.title(ctx.lang)) if queued
             else ctx._(STILL_DRAWING))


@task("poster")
async def build(env: TaskEnv, params: dict) -> list[Reply]:
    if (await env.actor()).role not in FORMS["campaign"].roles:  # who makes campaigns
        return [Reply(env.t._(COMMUNICATIONS_ONLY))]
    today = env.now.astimezone(env.ref.tz).date()
    campaign, problem = poster.find(env.ref.campaigns, params["slug"], today, env.t)
    if campaign is None:  # closed since it was asked for
        return [Reply(problem)]
    try:
        pdf = await asyncio.to_thread(
            lambda: poster.for_campaign(env.settings, env.ref, env.t, campaign).pdf())
    except poster.NoChannel:
        return [Reply(env.t._(NO_CHANNEL))]
    document = await env.keep(pdf, f"{campaign.slug}.pdf", "application/pdf")
    return [Reply(text=env.t._(READY).format(title=campaign.title(env.t.lang)),
                  attachments=[document])]
