"""The main menu: its options and showing it. What each option opens is in the command table's
module (handlers/commands.open_item), which reaches every feature; free input at the menu is
handled by handlers/entries.at_menu (a tracking code is looked up)."""

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
