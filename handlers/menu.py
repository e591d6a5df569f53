"""The main menu, and what a resident reaches from it."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_
from bot.model import Option
from handlers.form import FORMS

MENU_TEXT = N_("What would you like to do? Choose an option below.")

def options(ctx: Context) -> list[Option]:
    items = []
    draft = ctx.data.get("draft")
    if draft:
        items.append(Option("menu:resume", ctx._("Continue my unfinished {what}").format(
            what=ctx.tr(FORMS[draft["kind"]].draft_name))))
    items += [
        Option("menu:idea", ctx._("Send an idea")),
        Option("menu:award", ctx._("Register for the HCMC Creative Award")),
        Option("menu:lookup", ctx._("Look up an entry")),
        Option("menu:mine", ctx._("My entries")),
        Option("menu:campaigns", ctx._("Open campaigns")),
        Option("menu:settings", ctx._("Settings")),
        Option("menu:help", ctx._("Help")),
    ]
    return items


def show(ctx: Context, text: str | None = None) -> None:
    ctx.goto("menu")
    ctx.say(text or ctx._(MENU_TEXT), options(ctx))


async def choose(ctx: Context, value: str) -> None:
    """A menu option, pressed now or from an earlier message."""
    from handlers import entries, flow, help, settings

    what = value.split(":", 1)[1]
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
        show_campaigns(ctx)
    elif what == "settings":
        settings.show(ctx)
    elif what == "help":
        help.show(ctx)
    else:
        show(ctx, ctx._("That option is not available. Please choose again."))


def show_campaigns(ctx: Context) -> None:
    open_now = ctx.ref.open_campaigns(ctx.today)
    if not open_now:
        show(ctx, ctx._("There is no open campaign at the moment."))
        return
    lines = [ctx._("Open campaigns:")]
    cards = []
    for c in open_now:
        cards.append(Option(f"camp:view:{c.slug}", c.title(ctx.lang)))
        lines.append(
            "\n• {title}\n  {dates}\n  {description}".format(
                title=c.title(ctx.lang),
                dates=ctx._("From {opens} to {closes}").format(
                    opens=ctx.t.date(c.opens), closes=ctx.t.date(c.closes)
                ),
                description=c.description(ctx.lang),
            )
        )
    ctx.goto("menu")
    ctx.say("\n".join(lines), cards + [Option("menu:main", ctx._("Main menu"))])


async def handle(ctx: Context) -> None:
    """Free input while the menu is shown: a tracking code is looked up, anything else
    gets the menu again."""
    from handlers import entries

    if ctx.event.text and await entries.try_lookup_text(ctx, ctx.event.text, quiet=True):
        return
    if ctx.event.text and await entries.take_as_answer(ctx, ctx.event.text):
        return
    show(ctx, ctx._("Please choose an option from the menu: press a button or type its number."))
