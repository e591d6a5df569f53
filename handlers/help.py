"""Help: what the bot does and the commands it understands."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_

HELP_INTRO = N_(
    "Sáng kiến takes your ideas and your registrations for the Ho Chi Minh City Creative Award, "
    "and sends each one to the officers of its ward."
)
HELP_CLOSING = N_(
    "While filling in a form you can press Back to return one step; every answer is saved as "
    "soon as you send it, so you can continue later."
)

# The commands, in the order shown: in the help, and as Telegram's command menu.
COMMAND_MENU = [
    ("menu", N_("Main menu")),
    ("sangkien", N_("Send an idea")),
    ("giaithuong", N_("Register for the HCMC Creative Award")),
    ("tracuu", N_("Look up an entry by its code")),
    ("hosocuatoi", N_("My entries")),
    ("chiendich", N_("Open campaigns")),
    ("caidat", N_("Settings: language, announcements, erase my data")),
    ("trogiup", N_("Help")),
    ("huy", N_("Cancel the form you are filling in")),
    ("dunglai", N_("Stop announcements")),
]


def text(ctx: Context) -> str:
    """The help, its command list built from the same list as Telegram's command menu."""
    commands = "\n".join(f"/{name} – {ctx.tr(description)}" for name, description in COMMAND_MENU)
    heading = ctx._("Commands:")
    return f"{ctx._(HELP_INTRO)}\n\n{heading}\n{commands}\n\n{ctx._(HELP_CLOSING)}"


def show(ctx: Context, prefix: str | None = None) -> None:
    from handlers import menu

    body = text(ctx)
    if ctx.is_officer:
        from handlers.review import OFFICER_HELP

        body += "\n\n" + ctx.tr(OFFICER_HELP)
    if prefix:
        body = f"{prefix}\n\n{body}"
    ctx.goto("menu")
    ctx.say(body, menu.options(ctx))
