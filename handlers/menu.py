"""The main menu, and what a resident reaches from it."""

from __future__ import annotations

from bot.context import Context
from bot.drafts import MENU, RESUME
from bot.i18n import N_
from bot.model import Option
from handlers.form import FORMS

MENU_TEXT = N_("What would you like to do? Choose an option below.")


def options(ctx: Context) -> list[Option]:
    items = []
    draft = ctx.data.get("draft")
    if draft:
        items.append(Option(RESUME, ctx._("Continue my unfinished {what}").format(
            what=ctx.tr(FORMS[draft["kind"]].draft_name))))
    items += [
        Option(MENU.pack("idea"), ctx._("Send an idea")),
        Option(MENU.pack("award"), ctx._("Register for the HCMC Creative Award")),
        Option(MENU.pack("lookup"), ctx._("Look up an entry")),
        Option(MENU.pack("mine"), ctx._("My entries")),
        Option(MENU.pack("campaigns"), ctx._("Open campaigns")),
        Option(MENU.pack("settings"), ctx._("Settings")),
        Option(MENU.pack("help"), ctx._("Help")),
    ]
    return items


def show(ctx: Context, text: str | None = None) -> None:
    ctx.goto("menu")
    ctx.say(text or ctx._(MENU_TEXT), options(ctx))


async def choose(ctx: Context, value: str) -> None:
    """A menu option, pressed now or from an earlier message."""
    fields = MENU.unpack(value)
    await open_item(ctx, fields["item"] if fields else "")


async def open_item(ctx: Context, what: str) -> None:
    """One item of the menu, by name: from its button or from its command."""
    from handlers import campaigns, commands, entries, flow, settings

    if what == "main":
        show(ctx)
    elif what in ("idea", "award"):
        await flow.begin(ctx, what)
    elif what == "resume":
        await flow.resume(ctx)
    elif what == "lookup":
        entries.ask_code(ctx)
    elif what == "mine":
        await entries.show_mine(ctx)
    elif what == "campaigns":
        campaigns.show_list(ctx)
    elif what == "settings":
        settings.show(ctx)
    elif what == "help":
        commands.show_help(ctx)
    else:
        show(ctx, ctx._("That option is not available. Please choose again."))


async def handle(ctx: Context) -> None:
    """Free input while the menu is shown: a tracking code is looked up, anything else
    gets the menu again."""
    from handlers import entries

    if ctx.event.text and await entries.try_lookup_text(ctx, ctx.event.text, quiet=True):
        return
    if ctx.event.text and await entries.take_as_answer(ctx, ctx.event.text):
        return
    show(ctx, ctx._("Please choose an option from the menu: press a button or type its number."))
