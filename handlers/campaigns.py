"""A campaign's own card, reached from the list or from a deep link (`/start c_<slug>`)."""

from __future__ import annotations

from bot.context import Context
from bot.model import Option
from handlers import flow, menu

PREFIX = "camp:"


def show_card(ctx: Context, slug: str) -> None:
    campaign = ctx.ref.campaign(slug)
    if campaign is None:
        menu.show(ctx, ctx._("There is no campaign “{slug}”.").format(slug=slug[:40]))
        return
    dates = ctx._("From {opens} to {closes}").format(
        opens=ctx.t.date(campaign.opens), closes=ctx.t.date(campaign.closes))
    text = f"{campaign.title(ctx.lang)}\n{dates}\n\n{campaign.description(ctx.lang)}"
    if not campaign.is_open(ctx.today):
        menu.show(ctx, text + "\n\n" + ctx._("This campaign is not open for entries now."))
        return
    options = []
    if "idea" in campaign.kinds:
        options.append(Option(f"{PREFIX}idea:{slug}", ctx._("Send an idea")))
    if "award" in campaign.kinds:
        options.append(Option(f"{PREFIX}award:{slug}",
                              ctx._("Register for the HCMC Creative Award")))
    ctx.goto("menu")
    ctx.say(text, options + [Option("menu:main", ctx._("Main menu"))])


async def choose(ctx: Context, value: str) -> None:
    parts = value.split(":", 2)
    if len(parts) != 3:
        menu.show(ctx)
    elif parts[1] == "view":
        show_card(ctx, parts[2])
    elif parts[1] in ("idea", "award"):
        await flow.begin(ctx, parts[1], campaign=parts[2])
    else:
        menu.show(ctx)


def deep_link(payload: str) -> str | None:
    """The campaign slug in a `/start c_<slug>` payload, if any."""
    if payload.startswith("c_") and len(payload) > 2:
        return payload[2:64]
    return None
