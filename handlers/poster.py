"""/apphich SLUG (English /poster): the communications office asks for a campaign's poster and
gets its PDF as a document (or, on a channel that takes no documents, a signed link to it)."""

from __future__ import annotations

import asyncio

from bot import poster
from bot.context import Context
from bot.files import FolderStore, default_files_dir
from bot.i18n import N_
from bot.model import Attachment, Reply
from bot.reference import Campaign

NO_CHANNEL = N_("There is no channel to put on the poster yet: the operator sets "
                "TELEGRAM_BOT_USERNAME (the Telegram bot) or SANGKIEN_ZALO_LINK (the Zalo "
                "address) first.")
READY = N_("The poster of “{title}”, A4, ready to print.")


async def run(ctx: Context) -> None:
    slug = (ctx.event.command_args or "").strip().lower()
    campaign, problem = poster.find(ctx.ref.campaigns, slug, ctx.today, ctx.t)
    if campaign is None:
        ctx.note(problem)
        return
    try:
        # Half a second of drawing: in a thread, so that the bot goes on answering others.
        pdf = await asyncio.to_thread(_pdf, ctx, campaign)
    except poster.NoChannel:
        ctx.note(ctx._(NO_CHANNEL))
        return
    name = f"{campaign.slug}.pdf"
    # The runtime sends files from the bot's store (bot.files), whichever channel asks.
    stored = await FolderStore(default_files_dir(ctx.settings)).put(
        pdf, name=name, mime="application/pdf")
    ctx.replies.append(Reply(
        text=ctx._(READY).format(title=campaign.title(ctx.lang)),
        attachments=[Attachment("document", f"poster:{campaign.slug}", name, stored.mime,
                                stored.size, key=stored.key, sha256=stored.sha256)],
    ))


def _pdf(ctx: Context, campaign: Campaign) -> bytes:
    return poster.for_campaign(ctx.settings, ctx.ref, ctx.t, campaign).pdf()
