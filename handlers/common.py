"""Pieces every conversation uses: navigation options and the sentences for wrong input."""

from __future__ import annotations

from bot.buttons import Button
from bot.context import Context
from bot.drafts import MAIN
from bot.i18n import N_
from bot.model import Option

NAV = Button("nav", "step")
BACK = NAV.pack("back")
CANCEL = NAV.pack("cancel")
SKIP = NAV.pack("skip")
DONE = NAV.pack("done")
MAIN_MENU = MAIN

COMMUNICATIONS_ONLY = N_("Only the communications office and administrators can do this.")
STALE_OPTION = N_("That button belongs to an earlier message. Here is where we are now:")


def nav(ctx: Context, *, back: bool = True, cancel: bool = True, skip: bool = False,
        done: bool = False) -> list[Option]:
    options = []
    if done:
        options.append(Option(DONE, ctx._("Done")))
    if skip:
        options.append(Option(SKIP, ctx._("Skip")))
    if back:
        options.append(Option(BACK, ctx._("Back")))
    if cancel:
        options.append(Option(CANCEL, ctx._("Cancel")))
    return options


def is_offered(ctx: Context, value: str) -> bool:
    return any(v == value for v, _label in ctx.data.get("opts") or [])
