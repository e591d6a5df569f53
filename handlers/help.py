"""Help: what the bot does for the sender's role and the commands that role may use, read from
the command table (handlers/commands.py)."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_
from handlers import commands, menu

HELP_INTRO = N_(
    "Sáng kiến takes your ideas and your registrations for the Ho Chi Minh City Creative Award, "
    "and sends each one to the officers of its ward."
)
HELP_CLOSING = N_(
    "While filling in a form you can press Back to return one step; every answer is saved as "
    "soon as you send it, so you can continue later."
)
# What each officer's role does here, said in its welcome and its help.
ROLE_HELP = {
    "ward_officer": N_(
        "New entries of your ward arrive here with buttons to take them, ask the author for "
        "more information, reject them or mark them as duplicates, and forward them to the "
        "district (Chuyển quận)."),
    "district_officer": N_(
        "Entries forwarded by the wards arrive here: you shortlist them for the selection "
        "council, nominate them to the city award, record the result and mark awarded works as "
        "put into practice."),
    "communications": N_(
        "You create campaigns with /chiendichmoi and send announcements with /thongbao: a text "
        "and an optional photo, to all subscribers, a ward, a field or the officers of a unit, "
        "now or at a time you choose."),
    "admin": N_(
        "As an administrator you create campaigns with /chiendichmoi and send announcements with "
        "/thongbao; officers are invited and revoked with the command line (sangkien officers)."),
}


def _line(ctx: Context, command: commands.Command) -> str:
    usage = f" {ctx.tr(command.usage)}" if command.usage else ""
    return f"/{command.vi}{usage} – {ctx.tr(command.help)}"


def text(ctx: Context) -> str:
    """Everyone's help: the commands of the table that everyone may use."""
    lines = "\n".join(_line(ctx, c) for c in commands.for_role(None))
    heading = ctx._("Commands:")
    return f"{ctx._(HELP_INTRO)}\n\n{heading}\n{lines}\n\n{ctx._(HELP_CLOSING)}"


def role_text(ctx: Context) -> str:
    """What the sender's officer role does and its own commands; empty for a resident."""
    role = ctx.user.get("role")
    if role not in ROLE_HELP:
        return ""
    own = [c for c in commands.for_role(role) if c.roles is not None]
    lines = "\n".join(_line(ctx, c) for c in own)
    heading = ctx._("Commands of your role:")
    return ctx.tr(ROLE_HELP[role]) + (f"\n\n{heading}\n{lines}" if own else "")


def show(ctx: Context, prefix: str | None = None) -> None:
    body = text(ctx)
    extra = role_text(ctx)
    if extra:
        body += "\n\n" + extra
    if prefix:
        body = f"{prefix}\n\n{body}"
    ctx.goto("menu")
    ctx.say(body, menu.options(ctx))
