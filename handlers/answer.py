"""The author answers the officers' request for more information: text, photos, documents."""

from __future__ import annotations

from bot.context import Context
from bot.model import Option
from bot.services.review import actor_for, describe
from handlers import menu
from handlers.common import BACK, nav
from handlers.fields import attachment_problem
from storage import entries as entry_repo

SEND = "ans:send"
MAX_TEXT = 3000


async def start(ctx: Context, code: str) -> None:
    entry = await entry_repo.entry_by_code(ctx.conn, code)
    if entry is None or entry["user_id"] != ctx.user["id"]:
        menu.show(ctx, ctx._("That entry is not among yours."))
        return
    if entry["status"] != "needs_info":
        menu.show(ctx, ctx._("{code} is no longer waiting for information.").format(code=code))
        return
    ctx.data["answer"] = {"code": code, "texts": [], "files": []}
    ctx.goto("answer")
    ctx.say(ctx._("Type your answer for {code}. You can send several messages, photos or "
                  "documents; press Send when you are done.").format(code=code),
            nav(ctx, cancel=False), free_text=True)


def _options(ctx: Context) -> list[Option]:
    return [Option(SEND, ctx._("Send"))] + nav(ctx, cancel=False)


async def handle(ctx: Context) -> None:
    answer = ctx.data.get("answer")
    if not answer:
        menu.show(ctx)
        return
    event = ctx.event
    if event.choice == BACK:
        ctx.data.pop("answer", None)
        menu.show(ctx, ctx._("Your answer was not sent; you can answer later from the message "
                             "with the question."))
    elif event.choice == SEND:
        await _send(ctx, answer)
    elif event.text and event.choice is None and not event.text.startswith("/"):
        if sum(map(len, answer["texts"])) + len(event.text) > MAX_TEXT:
            ctx.say(ctx._("Your answer would be longer than {limit} characters; please shorten "
                          "it. What you sent before is kept.").format(limit=MAX_TEXT),
                    _options(ctx), free_text=True)
            return
        answer["texts"].append(event.text)
        ctx.say(ctx._("Received. Add more, or press Send."), _options(ctx), free_text=True)
    elif event.attachment is not None:
        problem = attachment_problem(ctx, event.attachment)
        if problem is None and len(answer["files"]) >= ctx.settings.max_attachments:
            problem = ctx._("You have already added {limit} files, the most an answer can "
                            "hold.").format(limit=ctx.settings.max_attachments)
        if problem is None:
            answer["files"].append(event.attachment.as_dict())
        ctx.say(problem or ctx._("Received. Add more, or press Send."), _options(ctx),
                free_text=True)
    else:
        ctx.say(ctx._("Please type your answer or send a photo or document, then press Send."),
                _options(ctx), free_text=True)


async def _send(ctx: Context, answer: dict) -> None:
    if not answer["texts"] and not answer["files"]:
        ctx.say(ctx._("Your answer is still empty."), _options(ctx), free_text=True)
        return
    actor = await actor_for(ctx.conn, ctx.user)
    outcome = await ctx.review().answer(actor, answer["code"], "\n".join(answer["texts"]),
                                       answer["files"])
    ctx.data.pop("answer", None)
    menu.show(ctx, describe(ctx.t, ctx.ref, outcome))
