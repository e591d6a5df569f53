"""Conversation handlers, channel-agnostic: an event comes in through a `Context`, replies go out.

Every route is registered here, in one place. Order matters: commands that work at any time, then
what only some roles may do, then consent, then commands, then buttons of a feature (valid from
any message), then whatever the current state expects. The commands are a table of their own
(handlers/commands.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.buttons import prefix_of
from bot.context import Context
from bot.drafts import MENU
from bot.services import broadcasts as broadcast_service
from bot.services.actions import ANSWER, QUEUE_ACTION
from bot.services.permissions import OFFICER_ROLES
from bot.services.review import actor_for, describe
from handlers import (
    answer,
    campaigns,
    commands,
    council,
    entries,
    flow,
    menu,
    review,
    search,
    settings,
    start,
)

STATES = {
    "menu": entries.at_menu,
    "flow": flow.handle,
    "lookup": entries.handle_lookup,
    "mine": entries.handle_mine,
    "settings": settings.handle,
    "settings:erase": settings.handle_erase,
    "answer": answer.handle,
    "review": review.handle,
    "council": council.handle,
}


async def broadcast_cancel(ctx: Context, value: str) -> None:
    fields = broadcast_service.CANCEL.unpack(value)
    if not fields or fields["action"] != "cancel" or not fields["broadcast"].isdigit():
        ctx.say(ctx._("That announcement button is not valid any more."))
        return
    outcome = await broadcast_service.cancel(ctx.conn, await actor_for(ctx.conn, ctx.user),
                                      int(fields["broadcast"]), ctx.now)
    ctx.say(describe(ctx.t, ctx.ref, outcome))


async def _answer(ctx: Context, value: str) -> None:
    fields = ANSWER.unpack(value)
    if value == answer.SEND or not fields:
        await _by_state(ctx)
    else:
        await answer.start(ctx, fields["code"])


async def _language(ctx: Context, _value: str) -> None:
    await settings.handle(ctx)


async def _by_state(ctx: Context) -> None:
    handler = STATES.get(ctx.state) or STATES.get(ctx.state.split(":", 1)[0])
    if handler is None:
        menu.show(ctx)
        return
    await handler(ctx)


# Buttons by prefix: their handler, and the roles that may press them (None: everyone).
BUTTONS: dict[str, tuple[Callable[[Context, str], Awaitable[None]], tuple[str, ...] | None]] = {
    QUEUE_ACTION.prefix: (review.on_button, OFFICER_ROLES),
    search.SEARCH.prefix: (search.on_button, OFFICER_ROLES),
    broadcast_service.CANCEL.prefix: (broadcast_cancel, OFFICER_ROLES),
    council.COUNCIL.prefix: (council.on_button, OFFICER_ROLES),
    ANSWER.prefix: (_answer, None),
    MENU.prefix: (commands.choose, None),
    campaigns.CAMPAIGN.prefix: (campaigns.choose, None),
    settings.LANG.prefix: (_language, None),
}


async def route(ctx: Context) -> None:
    event = ctx.event
    command = commands.find(event.command)
    button = BUTTONS.get(prefix_of(event.choice)) if event.command is None else None
    if command is not None and (command.anytime or command.roles is not None):
        await commands.run(ctx, command)
        return
    if button is not None and button[1] is not None:
        if ctx.is_officer:
            await button[0](ctx, event.choice)
        else:
            ctx.note(ctx._(review.OFFICERS_ONLY))
        return
    if ctx.is_officer and event.command is None and ctx.state.startswith("review:"):
        await review.handle_note(ctx)
        return
    if not ctx.is_officer and not start.has_consented(ctx):
        await start.handle_unconsented(ctx)
        return
    if command is not None:
        await commands.run(ctx, command)
    elif event.command is not None:
        await commands.unknown(ctx)
    elif button is not None:
        await button[0](ctx, event.choice)
    else:
        await _by_state(ctx)
