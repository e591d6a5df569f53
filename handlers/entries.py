"""Looking up an entry by its code, the resident's own entries, and withdrawing one."""

from __future__ import annotations

from bot import render
from bot.author_status import AUTHOR_STATUS_LABELS
from bot.codes import CodeError, parse_code
from bot.context import Context
from bot.model import Option
from bot.workflow import OPEN_STATUSES
from handlers import menu
from handlers.common import BACK, MAIN_MENU, nav
from storage import repo

WITHDRAW = "entry:withdraw:"
VIEW = "entry:view:"
WITHDRAW_YES = "entry:withdraw-yes:"


def ask_code(ctx: Context) -> None:
    ctx.goto("lookup")
    ctx.say(
        ctx._("Please type the tracking code, for example SK-26-00042-7KQ4-Y."),
        nav(ctx, cancel=False),
        free_text=True,
    )


async def handle_lookup(ctx: Context) -> None:
    if ctx.event.choice == BACK:
        menu.show(ctx)
    elif ctx.event.text is None:
        ctx.say(ctx._("Please type the tracking code as text."), nav(ctx, cancel=False),
                free_text=True)
    else:
        await try_lookup_text(ctx, ctx.event.text)


async def try_lookup_text(ctx: Context, text: str, quiet: bool = False) -> bool:
    """Look up what the resident typed; with `quiet`, say nothing unless it looks like a code."""
    try:
        code = parse_code(text)
    except CodeError as error:
        if quiet and error.reason == "format":
            return False
        if error.reason == "check":
            message = ctx._(
                "“{typed}” looks like a tracking code with a typing mistake in it (its check "
                "letter does not match). Please check the code and type it again."
            )
        else:
            message = ctx._(
                "“{typed}” is not a tracking code. A code looks like SK-26-00042-7KQ4-Y."
            )
        ctx.goto("lookup")
        ctx.say(message.format(typed=text[:40]), nav(ctx, cancel=False), free_text=True)
        return True
    entry = await repo.entry_by_code(ctx.conn, code)
    if entry is None:
        ctx.goto("lookup")
        ctx.say(ctx._("No entry has the code {code}.").format(code=code), nav(ctx, cancel=False),
                free_text=True)
        return True
    menu.show(ctx, public_view(ctx, entry))
    return True


def public_view(ctx: Context, entry: dict) -> str:
    author = entry["user_id"] is not None and entry["user_id"] == ctx.user["id"]
    return render.public_view(ctx.t, ctx.ref, entry, author=author)


async def show_mine(ctx: Context, prefix: str | None = None) -> None:
    mine = await repo.user_entries(ctx.conn, ctx.user["id"])
    if not mine:
        menu.show(ctx, ctx._("You have not sent any entry yet."))
        return
    lines = [prefix, ""] if prefix else []
    lines.append(ctx._("Your entries (newest first):"))
    for entry in mine:
        status = ctx.tr(AUTHOR_STATUS_LABELS[entry["status"]])
        lines.append(f"• {entry['code']} — {entry['title'][:60]}\n  {status}")
    ctx.goto("mine")
    options = [Option(VIEW + e["code"], e["code"]) for e in mine]
    ctx.say("\n".join(lines), options + [Option(MAIN_MENU, ctx._("Main menu"))])


async def handle_mine(ctx: Context) -> None:
    choice = ctx.event.choice or ""
    if choice.startswith(VIEW):
        await _view_own(ctx, choice[len(VIEW):])
    elif choice.startswith(WITHDRAW):
        await _ask_withdraw(ctx, choice[len(WITHDRAW):])
    elif choice.startswith(WITHDRAW_YES):
        await _withdraw(ctx, choice[len(WITHDRAW_YES):])
    elif choice == BACK:
        await show_mine(ctx)
    elif ctx.event.text and await try_lookup_text(ctx, ctx.event.text, quiet=True):
        return
    else:
        await show_mine(ctx, ctx._("Please choose an entry from the list."))


async def _own_entry(ctx: Context, code: str) -> dict | None:
    entry = await repo.entry_by_code(ctx.conn, code)
    if entry is None or entry["user_id"] != ctx.user["id"]:
        await show_mine(ctx, ctx._("That entry is not among yours."))
        return None
    return entry


async def _view_own(ctx: Context, code: str) -> None:
    entry = await _own_entry(ctx, code)
    if entry is None:
        return
    options = []
    if entry["status"] in OPEN_STATUSES:
        options.append(Option(WITHDRAW + code, ctx._("Withdraw this entry")))
    ctx.say(public_view(ctx, entry), options + nav(ctx, cancel=False))


async def _ask_withdraw(ctx: Context, code: str) -> None:
    entry = await _own_entry(ctx, code)
    if entry is None:
        return
    ctx.say(
        ctx._("Withdraw {code}? The officers will stop reviewing it; this cannot be undone.")
        .format(code=code),
        [Option(WITHDRAW_YES + code, ctx._("Yes, withdraw it"))] + nav(ctx, cancel=False),
    )


async def _withdraw(ctx: Context, code: str) -> None:
    from bot.services.review import actor_for, describe

    outcome = await ctx.review().withdraw(await actor_for(ctx.conn, ctx.user), code)
    await show_mine(ctx, describe(ctx.t, ctx.ref, outcome))
