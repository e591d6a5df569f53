"""Help: what the bot does and the commands it understands."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_

HELP_TEXT = N_(
    "Sáng kiến takes your ideas and your registrations for the Ho Chi Minh City Creative Award, "
    "and sends each one to the officers of its ward.\n\n"
    "Commands:\n"
    "/menu – the main menu\n"
    "/sangkien – send an idea\n"
    "/giaithuong – register for the Creative Award\n"
    "/tracuu CODE – look up an entry by its tracking code\n"
    "/hosocuatoi – my entries\n"
    "/chiendich – open campaigns\n"
    "/caidat – settings: language, announcements, erase my data\n"
    "/huy – cancel what you are filling in\n"
    "/trogiup – this help\n\n"
    "While filling in a form you can press Back to return one step; every answer is saved as "
    "soon as you send it, so you can continue later."
)


def show(ctx: Context, prefix: str | None = None) -> None:
    from handlers import menu

    text = ctx._(HELP_TEXT)
    if ctx.is_officer:
        from handlers.review import OFFICER_HELP

        text += "\n\n" + ctx.tr(OFFICER_HELP)
    if prefix:
        text = f"{prefix}\n\n{text}"
    ctx.goto("menu")
    ctx.say(text, menu.options(ctx))
