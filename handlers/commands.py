"""Every command the bot understands, in one table.

A row names the command in Vietnamese and in English, the handler that runs it, its help line,
its place in Telegram's command menu (or none) and the roles that may use it. The aliases, the
help (put together here, with the sentences of handlers/help.py), Telegram's command menu and
the officers-only check are all read from this table: adding a command is one row and its
handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from bot.context import Context
from bot.drafts import MENU
from bot.i18n import N_
from bot.services import linking
from bot.services import officers as officer_service
from bot.services.permissions import OFFICER_ROLES, REVIEWER_ROLES, describe
from bot.text import shorten
from handlers import (
    campaigns,
    council,
    council_documents,  # noqa: F401  (registers the council_documents task)
    entries,
    exhibition,
    flow,
    menu,
    poster,
    reports,
    review,
    search,
    settings,
    stats,
)
from handlers.common import COMMUNICATIONS_ONLY
from handlers.form import FORMS
from handlers.help import HELP_CLOSING, HELP_INTRO, ROLE_HELP

# A council member sees dossiers only through their round (/hoidong, issue 14).
FILE_ROLES = tuple(r for r in OFFICER_ROLES if r != "council_member")
NOT_YOUR_ROLE = N_("Your role does not include this command. Send /trogiup to see the commands "
                   "of your role.")
DRAFT_KEPT = N_("Your unfinished {what} is kept; choose “Continue my unfinished {what}” in the "
                "menu to go on.")


@dataclass(frozen=True)
class Command:
    vi: str  # the Vietnamese name, shown in the help and in Telegram's menu
    en: str  # the English name, an alias
    run: Callable[[Context], Awaitable[None]]
    help: str | None = None  # its help line (a msgid); None: not in the help
    menu: bool = False  # in Telegram's command menu, in the table's order
    roles: Collection[str] | None = None  # None: everyone; else only officers of these roles
    refusal: str = NOT_YOUR_ROLE  # what an officer of another role is told
    anytime: bool = False  # works before consent and leaves the question being asked as it was
    keeps_form: bool = False  # the form's question stays (or the handler says what happens)
    usage: str = ""  # what follows the name in the help ("CODE")


async def _start(ctx: Context) -> None:
    slug = campaigns.deep_link(ctx.event.command_args)
    if slug:
        campaigns.show_card(ctx, slug)
    else:
        menu.show(ctx, ctx._("Welcome back to Sáng kiến."))


async def choose(ctx: Context, value: str) -> None:
    """A menu option, pressed now or from an earlier message."""
    fields = MENU.unpack(value)
    await open_item(ctx, fields["item"] if fields else "")


async def open_item(ctx: Context, what: str) -> None:
    """One item of the menu, by name: from its button or from its command."""
    if what == "main":
        menu.show(ctx)
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
        show_help(ctx)
    else:
        menu.show(ctx, ctx._("That option is not available. Please choose again."))


def _menu_item(item: str) -> Callable[[Context], Awaitable[None]]:
    async def run(ctx: Context) -> None:
        await open_item(ctx, item)
    return run


async def _lookup(ctx: Context) -> None:
    if ctx.event.command_args:
        await entries.try_lookup_text(ctx, ctx.event.command_args)
    else:
        entries.ask_code(ctx)


async def _cancel(ctx: Context) -> None:
    if not ctx.data.get("draft"):
        menu.show(ctx, ctx._("There is nothing to cancel."))
        return
    flow.ask_cancel(ctx)


async def _help(ctx: Context) -> None:
    if flow.in_form(ctx):
        await flow.reprompt(ctx, help_text(ctx))
    else:
        show_help(ctx)


async def _register(ctx: Context) -> None:
    """/dangky CODE: the chat becomes an officer's, welcomed with what their role does."""
    code = ctx.event.command_args
    if not code:
        ctx.note(ctx._("Please send /dangky followed by your registration code, for example "
                       "/dangky ABCDE-23456."))
        return
    outcome = await officer_service.redeem(
        ctx.conn, user=ctx.user, code=code, display_name=ctx.event.display_name, now=ctx.now
    )
    text = describe(ctx.t, ctx.ref, outcome)
    if outcome.ok:
        ctx.set_user(role=outcome.params["role"])
        text += "\n\n" + role_help(ctx)
    ctx.note(text)


async def _link(ctx: Context) -> None:
    """/lienket CODE: this chat and the one the code was made in are one person's."""
    outcome, person = await linking.link(ctx.conn, ctx.user, ctx.event.command_args, ctx.now)
    if person is not None:
        ctx.set_user(person_id=person)
    ctx.note(describe(ctx.t, ctx.ref, outcome))


async def _queue(ctx: Context) -> None:
    await review.show_queue(ctx)


async def _file(ctx: Context) -> None:
    await review.file_by_code(ctx, ctx.event.command_args)


async def _new_campaign(ctx: Context) -> None:
    await flow.begin(ctx, "campaign")


async def _new_broadcast(ctx: Context) -> None:
    await flow.begin(ctx, "broadcast")


async def _stop(ctx: Context) -> None:
    await settings.stop_announcements(ctx)



COMMANDS = (
    Command("start", "start", _start),
    Command("menu", "menu", _menu_item("main"), N_("Main menu"), menu=True),
    Command("sangkien", "idea", _menu_item("idea"), N_("Send an idea"), menu=True,
            keeps_form=True),
    Command("giaithuong", "award", _menu_item("award"),
            N_("Register for the HCMC Creative Award"), menu=True, keeps_form=True),
    Command("tracuu", "lookup", _lookup, N_("Look up an entry by its code"), menu=True),
    Command("hosocuatoi", "mine", _menu_item("mine"), N_("My entries"), menu=True),
    Command("chiendich", "campaigns", _menu_item("campaigns"), N_("Open campaigns"), menu=True),
    Command("caidat", "settings", _menu_item("settings"),
            N_("Settings: language, announcements, erase my data"), menu=True),
    Command("trogiup", "help", _help, N_("Help"), menu=True, keeps_form=True),
    Command("huy", "cancel", _cancel, N_("Cancel the form you are filling in"), menu=True,
            keeps_form=True),
    Command("dunglai", "stop", _stop, N_("Stop announcements"), menu=True, anytime=True),
    Command("dangky", "register", _register, anytime=True),
    Command("lienket", "link", _link, N_("link this chat to yours on another channel (the "
                                        "code is in Settings)"), usage=N_("CODE")),
    Command("hangdoi", "queue", _queue, N_("your unit's queue, oldest first"), roles=REVIEWER_ROLES,
            refusal=N_("Your role has no review queue.")),
    Command("hoso", "file", _file, N_("an entry's record and its whole history"),
            roles=FILE_ROLES, usage=N_("CODE")),
    Command("timkiem", "search", search.command, N_("search your unit's entries by code, words, "
            "the author's name or phone, status and dates; export the result to Excel"),
            roles=search.SEARCH_ROLES, refusal=search.SEARCH_ONLY, usage=N_("WHAT")),
    Command("chiendichmoi", "newcampaign", _new_campaign,
            N_("create a campaign: its title, dates, description and who may take part"),
            roles=FORMS["campaign"].roles, refusal=COMMUNICATIONS_ONLY, keeps_form=True),
    Command("thongbao", "announce", _new_broadcast,
            N_("send an announcement to subscribers, a ward, a field or a unit's officers, now "
               "or at a time"), roles=FORMS["broadcast"].roles, refusal=COMMUNICATIONS_ONLY,
            keeps_form=True),
    Command("baocao", "report", reports.ask,
            N_("the yearly review report (Word) and its annex (Excel): this year, another year, "
               "or “tổng kết” for the whole plan"), roles=reports.REPORT_ROLES,
            refusal=reports.REPORT_ONLY, usage=N_("[YEAR]")),
    Command("thongke", "stats", stats.show,
            N_("the figures of your unit for a period: this year, or the year, quarter, month or "
               "dates you type"),
            roles=stats.STATS_ROLES, usage=N_("[PERIOD]")),
    Command("trienlam", "exhibition", exhibition.show,
            N_("the exhibition list of a year (awarded works and those put into practice): a "
               "message ready to post and a spreadsheet"), roles=exhibition.ROLES,
            refusal=exhibition.REFUSAL, usage=N_("[YEAR]")),
    Command("hoidong", "council", council.command,
            N_("the selection council: your rounds, your dossiers to score, and for the chair "
               "the progress, closing and the ranking"), roles=council.COUNCIL_ROLES,
            refusal=council.COUNCIL_ONLY),
    Command("apphich", "poster", poster.run,
            N_("a campaign's A4 poster to print, with a QR code for each channel (PDF)"),
            roles=FORMS["campaign"].roles, refusal=COMMUNICATIONS_ONLY, usage=N_("CAMPAIGN")),
)

ALIASES = {name: c for c in COMMANDS for name in (c.vi, c.en)}
# Telegram's command menu: (name, description msgid), in the table's order.
COMMAND_MENU = [(c.vi, c.help) for c in COMMANDS if c.menu]


def find(name: str | None) -> Command | None:
    return ALIASES.get(name or "")


def may_use(command: Command, role: str | None) -> bool:
    return command.roles is None or (role or "resident") in command.roles


def for_role(role: str | None) -> list[Command]:
    """The commands the help shows to `role`: everyone's, then those of the role."""
    return [c for c in COMMANDS if c.help and may_use(c, role)]


async def run(ctx: Context, command: Command) -> None:
    """Run a command the sender may use, or say why not."""
    if not may_use(command, ctx.user.get("role")):
        ctx.note(ctx.tr(command.refusal if ctx.is_officer else review.OFFICERS_ONLY))
        return
    draft = ctx.data.get("draft")
    if draft and flow.in_form(ctx) and not (command.keeps_form or command.anytime):
        ctx.note(ctx._(DRAFT_KEPT).format(what=ctx.tr(FORMS[draft["kind"]].draft_name)))
    await command.run(ctx)


async def unknown(ctx: Context) -> None:
    text = ctx._("I do not know the command /{command}. Here is what I can do:").format(
        command=shorten(ctx.event.command or "", 32))
    if flow.in_form(ctx):
        await flow.reprompt(ctx, f"{text}\n\n{help_text(ctx)}")
    else:
        show_help(ctx, text)


def _line(ctx: Context, command: Command) -> str:
    usage = f" {ctx.tr(command.usage)}" if command.usage else ""
    return f"/{command.vi}{usage} – {ctx.tr(command.help)}"


def help_text(ctx: Context) -> str:
    """Everyone's help: the commands of the table that everyone may use."""
    lines = "\n".join(_line(ctx, c) for c in for_role(None))
    heading = ctx._("Commands:")
    return f"{ctx._(HELP_INTRO)}\n\n{heading}\n{lines}\n\n{ctx._(HELP_CLOSING)}"


def role_help(ctx: Context) -> str:
    """What the sender's officer role does and its own commands; empty for a resident."""
    role = ctx.user.get("role")
    if role not in ROLE_HELP:
        return ""
    own = [c for c in for_role(role) if c.roles is not None]
    lines = "\n".join(_line(ctx, c) for c in own)
    heading = ctx._("Commands of your role:")
    return ctx.tr(ROLE_HELP[role]) + (f"\n\n{heading}\n{lines}" if own else "")


def show_help(ctx: Context, prefix: str | None = None) -> None:
    body = help_text(ctx)
    extra = role_help(ctx)
    if extra:
        body += "\n\n" + extra
    if prefix:
        body = f"{prefix}\n\n{body}"
    ctx.goto("menu")
    ctx.say(body, menu.options(ctx))
