"""The author answers the officers' request for more information: text, photos, documents.

The answer starts from the Answer button of the question, from the entry in "My entries", or
from a message the resident simply types at the menu while an entry waits for their answer
(`offer`): that message is kept and confirmed before it is sent.
"""

from __future__ import annotations

from bot.buttons import Button
from bot.context import Context
from bot.model import Option
from bot.services import records
from bot.services.actions import ANSWER
from bot.services.actions import SEND as SEND_WORD
from bot.services.review import actor_for, describe
from bot.text import shorten, visible_length
from handlers import menu
from handlers.common import BACK, nav
from handlers.fields import attachment_problem

SEND = ANSWER.pack(SEND_WORD)
NOT_ANSWER = Button("ans-no").pack()
MAX_TEXT = 3000


async def start(ctx: Context, code: str) -> None:
    entry = await records.own_entry(ctx.conn, ctx.user, code)
    if entry is None:
        menu.show(ctx, ctx._("That entry is not among yours."))
        return
    if entry["status"] != "needs_info":
        menu.show(ctx, ctx._("{code} is no longer waiting for information.").format(code=code))
        return
    kept = ctx.data.get("answer") or {}
    ctx.goto("answer")
    if kept.get("code") is None and kept.get("texts"):
        # The resident typed the answer first and has now said which entry it is for.
        ctx.data["answer"] = {**kept, "code": code}
        await _confirm(ctx, entry)
        return
    ctx.data["answer"] = {"code": code, "texts": [], "files": []}
    ctx.say(ctx._("Type your answer for {code}. You can send several messages, photos or "
                  "documents; press Send when you are done.").format(code=code),
            nav(ctx, cancel=False))


async def offer(ctx: Context, text: str, waiting: list[dict]) -> None:
    """A message typed outside a form while entries wait for the resident's answer."""
    ctx.goto("answer")
    if len(waiting) == 1:
        ctx.data["answer"] = {"code": waiting[0]["code"], "texts": [text], "files": []}
        await _confirm(ctx, waiting[0])
    else:
        ctx.data["answer"] = {"code": None, "texts": [text], "files": []}
        _ask_which(ctx, waiting)


def _ask_which(ctx: Context, waiting: list[dict]) -> None:
    ctx.say(ctx._("The officers wait for your answer on several entries. Which entry is your "
                  "message the answer to?"),
            [Option(ANSWER.pack(e["code"]), f"{e['code']} — {shorten(e['title'], 40)}")
             for e in waiting]
            + [Option(NOT_ANSWER, ctx._("It is not an answer"))])


async def _confirm(ctx: Context, entry: dict) -> None:
    lines = [ctx._("Send this as your answer to {code} “{title}”?").format(
        code=entry["code"], title=shorten(entry["title"], 60))]
    question = await records.officers_word(ctx.conn, entry)
    if question:
        lines.append(ctx._("The officers ask: {question}").format(question=question))
    lines.append(ctx._("You can add more messages, photos or documents before you send it."))
    ctx.say("\n".join(lines), [Option(SEND, ctx._("Send")),
                               Option(NOT_ANSWER, ctx._("It is not an answer"))])


def _options(ctx: Context) -> list[Option]:
    return [Option(SEND, ctx._("Send")), *nav(ctx, cancel=False)]


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
    elif event.choice == NOT_ANSWER:
        ctx.data.pop("answer", None)
        menu.show(ctx, ctx._("Your message was not sent to the officers."))
    elif answer["code"] is None:
        _ask_which(ctx, await records.waiting_for_answer(ctx.conn, ctx.user))
    elif event.choice == SEND:
        await _send(ctx, answer)
    elif event.text and event.choice is None and not event.text.startswith("/") \
            and visible_length(event.text):
        if sum(map(visible_length, [*answer["texts"], event.text])) > MAX_TEXT:
            ctx.say(ctx._("Your answer would be longer than {limit} characters; please shorten "
                          "it. What you sent before is kept.").format(limit=MAX_TEXT),
                    _options(ctx))
            return
        answer["texts"].append(event.text)
        ctx.say(ctx._("Received. Add more, or press Send."), _options(ctx))
    elif event.attachment is not None:
        problem = attachment_problem(ctx, event.attachment)
        if problem is None and len(answer["files"]) >= ctx.settings.max_attachments:
            problem = ctx._("You have already added {limit} files, the most an answer can "
                            "hold.").format(limit=ctx.settings.max_attachments)
        if problem is None:
            answer["files"].append(event.attachment.as_dict())
        ctx.say(problem or ctx._("Received. Add more, or press Send."), _options(ctx))
    else:
        ctx.say(ctx._("Please type your answer or send a photo or document, then press Send."),
                _options(ctx))


async def _send(ctx: Context, answer: dict) -> None:
    if not answer["texts"] and not answer["files"]:
        ctx.say(ctx._("Your answer is still empty."), _options(ctx))
        return
    actor = await actor_for(ctx.conn, ctx.user)
    outcome = await ctx.review().by_code(actor, "answer", answer["code"],
                                         "\n".join(answer["texts"]), files=answer["files"])
    ctx.data.pop("answer", None)
    menu.show(ctx, describe(ctx.t, ctx.ref, outcome))
