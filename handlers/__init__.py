"""Conversation handlers, channel-agnostic: an event comes in through a `Context`, replies go out.

Every route is registered here, in one place. Order matters: consent first, then commands, then
menu buttons (valid from any message), then whatever the current state expects.
"""

from __future__ import annotations

from bot.context import Context
from handlers import answer, campaigns, entries, flow, help, menu, review, settings, start

COMMAND_ALIASES = {
    "start": "start",
    "menu": "menu",
    "sangkien": "idea", "idea": "idea",
    "giaithuong": "award", "award": "award",
    "tracuu": "lookup", "lookup": "lookup",
    "hosocuatoi": "mine", "mine": "mine",
    "chiendich": "campaigns", "campaigns": "campaigns",
    "caidat": "settings", "settings": "settings",
    "trogiup": "help", "help": "help",
    "huy": "cancel", "cancel": "cancel",
    "dangky": "register", "register": "register",
    "hangdoi": "queue", "queue": "queue",
    "hoso": "file", "file": "file",
    "chiendichmoi": "new_campaign", "newcampaign": "new_campaign",
    "thongbao": "new_broadcast", "announce": "new_broadcast",
    "dunglai": "stop", "stop": "stop",
}

COMMAND_MENU = help.COMMAND_MENU  # Telegram's command menu, as the help lists it

STATES = {
    "menu": menu.handle,
    "flow": flow.handle,
    "lookup": entries.handle_lookup,
    "mine": entries.handle_mine,
    "settings": settings.handle,
    "settings:erase": settings.handle_erase,
    "answer": answer.handle,
    "review": review.handle,
}


async def _officer_route(ctx: Context) -> bool:
    """What only officers do; True when the event was theirs."""
    event, name = ctx.event, COMMAND_ALIASES.get(ctx.event.command or "")
    if name == "queue":
        await review.show_queue(ctx)
    elif name == "file":
        await review.file_by_code(ctx, event.command_args)
    elif name in ("new_campaign", "new_broadcast"):
        await _officer_form(ctx, "campaign" if name == "new_campaign" else "broadcast")
    elif event.command is None and (event.choice or "").startswith("q:"):
        await review.on_button(ctx, event.choice)
    elif event.command is None and (event.choice or "").startswith("bc:cancel:"):
        await broadcast_cancel(ctx, event.choice)
    elif event.command is None and ctx.state.startswith("review:"):
        await review.handle_note(ctx)
    else:
        return False
    return True


async def route(ctx: Context) -> None:
    event = ctx.event
    if COMMAND_ALIASES.get(event.command or "") == "register":
        await review.register(ctx)
        return
    if ctx.is_officer and await _officer_route(ctx):
        return
    if _is_officer_only(event):
        ctx.note(ctx._(review.OFFICERS_ONLY))
        return
    if COMMAND_ALIASES.get(event.command or "") == "stop":
        await settings.stop_announcements(ctx)
        return
    if not ctx.is_officer and not start.has_consented(ctx):
        await start.handle_unconsented(ctx)
        return
    if event.command is not None:
        await _command(ctx, COMMAND_ALIASES.get(event.command))
        return
    choice = event.choice or ""
    if choice.startswith("ans:") and choice != answer.SEND:
        await answer.start(ctx, choice[4:])
        return
    if choice.startswith("menu:"):
        await menu.choose(ctx, choice)
        return
    if choice.startswith(campaigns.PREFIX):
        await campaigns.choose(ctx, choice)
        return
    if choice.startswith(settings.LANG):
        await settings.handle(ctx)
        return
    handler = STATES.get(ctx.state) or STATES.get(ctx.state.split(":", 1)[0])
    if handler is None:
        menu.show(ctx)
        return
    await handler(ctx)


async def _officer_form(ctx: Context, kind: str) -> None:
    if ctx.user.get("role") not in ("communications", "admin"):
        ctx.note(ctx._("Only the communications office and administrators can do this."))
        return
    await flow.begin(ctx, kind)


async def broadcast_cancel(ctx: Context, value: str) -> None:
    from bot.services import broadcasts
    from bot.services.review import actor_for, describe

    broadcast_id = value.rsplit(":", 1)[1]
    if not broadcast_id.isdigit():
        ctx.say(ctx._("That button is not valid any more. Send /hangdoi for your queue."))
        return
    outcome = await broadcasts.cancel(ctx.conn, await actor_for(ctx.conn, ctx.user),
                                      int(broadcast_id), ctx.now)
    ctx.say(describe(ctx.t, ctx.ref, outcome))


OFFICER_ONLY_COMMANDS = ("queue", "file", "new_campaign", "new_broadcast")


def _is_officer_only(event) -> bool:
    if event.command is not None:
        return COMMAND_ALIASES.get(event.command) in OFFICER_ONLY_COMMANDS
    return (event.choice or "").startswith(("q:", "bc:"))


async def _command(ctx: Context, name: str | None) -> None:
    in_form = ctx.state.startswith("flow:")
    if name == "start":
        slug = campaigns.deep_link(ctx.event.command_args)
        if slug:
            campaigns.show_card(ctx, slug)
        else:
            menu.show(ctx, ctx._("Welcome back to Sáng kiến."))
    elif name in ("idea", "award", "campaigns", "settings", "mine", "menu"):
        await menu.choose(ctx, f"menu:{name if name != 'menu' else 'main'}")
    elif name == "lookup":
        if ctx.event.command_args:
            await entries.try_lookup_text(ctx, ctx.event.command_args)
        else:
            entries.ask_code(ctx)
    elif name == "cancel":
        if in_form and ctx.state not in ("flow:cancel", "flow:replace"):
            flow.ask_cancel(ctx)
        else:
            menu.show(ctx, ctx._("There is nothing to cancel."))
    elif name == "help" and in_form:
        await flow.reprompt(ctx, help.text(ctx))
    elif name == "help":
        help.show(ctx)
    elif in_form:
        await flow.reprompt(ctx, f"{_unknown(ctx)}\n\n{help.text(ctx)}")
    else:
        help.show(ctx, _unknown(ctx))


def _unknown(ctx: Context) -> str:
    return ctx._("I do not know the command /{command}. Here is what I can do:").format(
        command=(ctx.event.command or "")[:32]
    )
