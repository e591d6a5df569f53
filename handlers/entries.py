"""Looking up an entry by its code, the resident's own entries, and withdrawing one."""

from __future__ import annotations

from bot import render
from bot.buttons import Button
from bot.codes import EXAMPLE_CODE, CodeError, parse_code
from bot.context import Context
from bot.model import Option
from bot.services import records
from bot.services.actions import ANSWER
from bot.services.review import actor_for, describe
from bot.text import shorten
from bot.workflow import OPEN_STATUSES
from handlers import answer, menu
from handlers.common import BACK, MAIN_MENU, nav

# entry:<view | withdraw | withdraw-yes>:<tracking code>
ENTRY = Button("entry", "action", "code")
VIEW, WITHDRAW, WITHDRAW_YES = "view", "withdraw", "withdraw-yes"

def ask_code(ctx: Context) -> None:
    ctx.goto("lookup")
    ctx.say(
        ctx._("Please type the tracking code, for example {example}.").format(
            example=EXAMPLE_CODE),
        nav(ctx, cancel=False),
    )


async def handle_lookup(ctx: Context) -> None:
    if ctx.event.choice == BACK:
        menu.show(ctx)
    elif ctx.event.text is None:
        ctx.say(ctx._("Please type the tracking code as text."), nav(ctx, cancel=False))
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
                "“{typed}” is not a tracking code. A code looks like {example}."
            )
        ctx.goto("lookup")
        ctx.say(message.format(typed=shorten(text, 40), example=EXAMPLE_CODE),
                nav(ctx, cancel=False))
        return True
    entry = await records.entry_by_code(ctx.conn, code)
    if entry is None:
        ctx.goto("lookup")
        ctx.say(ctx._("No entry has the code {code}.").format(code=code), nav(ctx, cancel=False))
        return True
    menu.show(ctx, public_view(ctx, entry))
    return True


async def take_as_answer(ctx: Context, text: str) -> bool:
    """A message typed at the menu while an entry waits for the resident's answer is offered
    as that answer; True when it was."""
    waiting = await records.waiting_for_answer(ctx.conn, ctx.user)
    if not waiting or text.startswith("/"):
        return False
    await answer.offer(ctx, text, waiting)
    return True


def public_view(ctx: Context, entry: dict) -> str:
    author = entry["user_id"] is not None and entry["user_id"] == ctx.user["id"]
    return render.public_view(ctx.t, ctx.ref, entry, author=author)


async def show_mine(ctx: Context, prefix: str | None = None) -> None:
    mine = await records.user_entries(ctx.conn, ctx.user)
    if not mine:
        menu.show(ctx, ctx._("You have not sent any entry yet."))
        return
    lines = [prefix, ""] if prefix else []
    lines.append(ctx._("Your entries (newest first):"))
    for entry in mine:
        status = render.author_status_label(ctx.t, entry["status"])
        lines.append(f"• {entry['code']} — {shorten(entry['title'], 60)}\n  {status}")
    ctx.goto("mine")
    options = [Option(ENTRY.pack(VIEW, e["code"]), e["code"]) for e in mine]
    ctx.say("\n".join(lines), options + [Option(MAIN_MENU, ctx._("Main menu"))])


async def handle_mine(ctx: Context) -> None:
    choice = ctx.event.choice
    pressed = ENTRY.unpack(choice) or {}
    action, code = pressed.get("action"), pressed.get("code")
    if action == VIEW:
        await _view_own(ctx, code)
    elif action == WITHDRAW:
        await _ask_withdraw(ctx, code)
    elif action == WITHDRAW_YES:
        await _withdraw(ctx, code)
    elif choice == BACK:
        await show_mine(ctx)
    elif ctx.event.text and await try_lookup_text(ctx, ctx.event.text, quiet=True):
        return
    else:
        await show_mine(ctx, ctx._("Please choose an entry from the list."))


async def _own_entry(ctx: Context, code: str) -> dict | None:
    entry = await records.own_entry(ctx.conn, ctx.user, code)
    if entry is None:
        await show_mine(ctx, ctx._("That entry is not among yours."))
        return None
    return entry


async def _view_own(ctx: Context, code: str) -> None:
    entry = await _own_entry(ctx, code)
    if entry is None:
        return
    lines, options = [public_view(ctx, entry)], []
    word = await records.officers_word(ctx.conn, entry)
    if entry["status"] == "needs_info":
        lines.append(ctx._("The officers ask: {question}").format(question=word or "—"))
        options.append(Option(ANSWER.pack(code), ctx._("Reply")))
    elif word:
        lines.append(ctx._("Reason: {reason}").format(reason=word))
    if entry["status"] in OPEN_STATUSES:
        options.append(Option(ENTRY.pack(WITHDRAW, code), ctx._("Withdraw this entry")))
    ctx.say("\n".join(lines), options + nav(ctx, cancel=False))


async def _ask_withdraw(ctx: Context, code: str) -> None:
    entry = await _own_entry(ctx, code)
    if entry is None:
        return
    ctx.say(
        ctx._("Withdraw {code}? The officers will stop reviewing it; this cannot be undone.")
        .format(code=code),
        [Option(ENTRY.pack(WITHDRAW_YES, code), ctx._("Yes, withdraw it")),
         *nav(ctx, cancel=False)],
    )


async def _withdraw(ctx: Context, code: str) -> None:
    outcome = await ctx.review().by_code(await actor_for(ctx.conn, ctx.user), "withdraw", code)
    await show_mine(ctx, describe(ctx.t, ctx.ref, outcome))


async def at_menu(ctx: Context) -> None:
    """Free input while the menu is shown: a tracking code is looked up, an answer for an
    entry waiting for one is offered, anything else gets the menu again."""
    if ctx.event.text and await try_lookup_text(ctx, ctx.event.text, quiet=True):
        return
    if ctx.event.text and await take_as_answer(ctx, ctx.event.text):
        return
    menu.show(ctx, ctx._("Please choose an option from the menu: press a button or type its "
                         "number."))
