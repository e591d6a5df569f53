"""The form engine: asks the questions of a form in order, with Back, Skip, Cancel, a summary,
editing of any answer, and confirmation. Every answer is committed as it arrives (it lives in the
draft, in the resident's row), so a restart resumes the form at the same question.

The engine knows no form: what differs between them is in their declaration (handlers/form.py).
"""

from __future__ import annotations

from typing import Any

from bot.buttons import Button
from bot.context import Context
from bot.drafts import RESUME
from bot.model import Option

# The modules that declare forms register them on import (campaigns.py is imported by the package).
from handlers import broadcasts, forms, menu  # noqa: F401
from handlers.common import BACK, CANCEL, SKIP, STALE_OPTION, is_offered, nav
from handlers.fields import Answer, Ask, Field, Retry, Stay
from handlers.form import FORMS, Done, Form

FORM = Button("form", "what")
CONFIRM, EDIT = FORM.pack("confirm"), FORM.pack("edit")
DISCARD_YES, DISCARD_NO = FORM.pack("discard"), FORM.pack("keep")
EDIT_FIELD = Button("edit", "field")

# The state of an open form is "flow:<step>": one of the engine's own steps below, or the name
# of the question being asked.
SUMMARY, EDIT_PICK, CANCELLING, REPLACING = "summary", "editpick", "cancel", "replace"
RESUMING = "resume"  # the form is not on screen: going on asks the next missing question


def _goto(ctx: Context, step: str) -> None:
    ctx.goto(f"flow:{step}")


def _step(ctx: Context) -> str:
    return ctx.state.split(":", 1)[1]


def in_form(ctx: Context) -> bool:
    """A question of the form (or its summary) is being asked, not one of the engine's own
    confirmations."""
    return ctx.state.startswith("flow:") and _step(ctx) not in (CANCELLING, REPLACING)


def _draft(ctx: Context) -> dict[str, Any]:
    return ctx.data["draft"]


def _form(ctx: Context) -> Form:
    return FORMS[_draft(ctx)["kind"]]


def _field(ctx: Context, name: str) -> Field | None:
    return _form(ctx).field(name)


def _next_missing(ctx: Context) -> Field | None:
    draft = _draft(ctx)
    answers = draft["answers"]
    collecting = _field(ctx, draft.get("collecting") or "")
    if collecting is not None and collecting.applies(answers):
        return collecting
    return next((f for f in _form(ctx).fields if f.applies(answers) and f.name not in answers),
                None)


async def begin(ctx: Context, kind: str, campaign: str | None = None) -> None:
    draft = ctx.data.get("draft")
    if draft:
        _goto(ctx, REPLACING)
        ctx.data["replace_with"] = {"kind": kind, "campaign": campaign}
        ctx.say(
            ctx._("You have an unfinished {what}. Continue it, or discard it and start anew?")
            .format(what=ctx.tr(FORMS[draft["kind"]].draft_name)),
            [Option(RESUME, ctx._("Continue it")),
             Option(DISCARD_YES, ctx._("Discard it and start anew"))],
        )
        return
    form = FORMS[kind]
    if not form.allows(ctx.user.get("role")):
        ctx.note(ctx.tr(form.refusal))
        return
    answers = form.prepare(ctx, campaign) if form.prepare else {}
    if isinstance(answers, str):
        menu.show(ctx, answers)
        return
    ctx.data["draft"] = {"kind": kind, "answers": answers, "trail": [],
                         "started": ctx.now.isoformat()}
    await _ask_next(ctx)


async def resume(ctx: Context) -> None:
    if not ctx.data.get("draft"):
        menu.show(ctx, ctx._("There is no unfinished form to continue."))
        return
    await _ask_next(ctx, prefix=ctx._("Let us continue where you stopped."))


async def _ask_next(ctx: Context, prefix: str | None = None) -> None:
    field = _next_missing(ctx)
    if field is None:
        _draft(ctx).pop("editing", None)
        _draft(ctx).pop("before_edit", None)
        await show_summary(ctx, prefix)
    else:
        _goto(ctx, field.name)
        field.ask(ctx, prefix)


async def reprompt(ctx: Context, prefix: str | None = None) -> None:
    """Ask the current question again (after help, a wrong kind of message, a stale button)."""
    step = _step(ctx)
    if step == SUMMARY:
        await show_summary(ctx, prefix)
    elif step in (CANCELLING, REPLACING, EDIT_PICK, RESUMING) or _field(ctx, step) is None:
        await _ask_next(ctx, prefix)
    else:
        _field(ctx, step).ask(ctx, prefix)


async def show_summary(ctx: Context, prefix: str | None = None) -> None:
    draft, form = _draft(ctx), _form(ctx)
    lines = [ctx._("Please check {what}:").format(what=ctx.tr(form.title))]
    for field in form.fields:
        if field.applies(draft["answers"]) and field.name in draft["answers"]:
            lines.append(f"• {ctx._(field.label)}: {_shown(ctx, field)}")
    note = await form.summary_note(ctx, draft) if form.summary_note else None
    if note:
        lines += ["", note]
    lines.append("")
    lines.append(ctx._("Send it now, or change an answer first?"))
    text = "\n".join(lines)
    if prefix:
        text = f"{prefix}\n\n{text}"
    _goto(ctx, SUMMARY)
    ctx.say(
        text,
        [Option(CONFIRM, ctx._("Send")), Option(EDIT, ctx._("Change an answer"))]
        + nav(ctx),
    )


def _shown(ctx: Context, field: Field) -> str:
    value = _draft(ctx)["answers"][field.name]
    if value is None:
        return ctx._("(skipped)")
    return field.render(ctx, value)


async def handle(ctx: Context) -> None:
    """Any event while a form is open."""
    if not ctx.data.get("draft"):
        menu.show(ctx)
        return
    step = _step(ctx)
    choice = ctx.event.choice
    if step == CANCELLING:
        await _on_cancel_answer(ctx)
    elif step == REPLACING:
        await _on_replace_answer(ctx)
    elif choice == CANCEL:
        ask_cancel(ctx)
    elif choice == BACK and step == EDIT_PICK:
        await show_summary(ctx)
    elif choice == BACK:
        await _back(ctx)
    elif step == SUMMARY:
        await _on_summary(ctx)
    elif step == EDIT_PICK:
        await _on_edit_pick(ctx)
    else:
        await _on_answer(ctx, step)


def _cancel_options(ctx: Context) -> list[Option]:
    return [Option(DISCARD_YES, ctx._("Yes, delete it")),
            Option(DISCARD_NO, ctx._("No, continue"))]


def ask_cancel(ctx: Context) -> None:
    """Ask whether to delete the draft; "No, continue" goes back to where it stopped (from
    outside the form: to its next missing question)."""
    if not in_form(ctx):  # at the menu, or while asked to replace the draft
        ctx.data.pop("replace_with", None)
        _goto(ctx, RESUMING)
    ctx.data["resume_step"] = ctx.state
    _goto(ctx, CANCELLING)
    ctx.say(ctx._("Cancel this form? All its answers will be deleted."), _cancel_options(ctx))


async def _on_cancel_answer(ctx: Context) -> None:
    choice = ctx.event.choice
    if choice == DISCARD_YES:
        ctx.data.pop("draft", None)
        ctx.data.pop("resume_step", None)
        menu.show(ctx, ctx._("The form has been cancelled and its answers deleted."))
    elif choice == DISCARD_NO:
        ctx.goto(ctx.data.pop("resume_step", f"flow:{SUMMARY}"))
        await reprompt(ctx)
    else:
        ctx.say(ctx._("Please answer: cancel this form or continue?"), _cancel_options(ctx))


async def _on_replace_answer(ctx: Context) -> None:
    wanted = ctx.data.pop("replace_with", None) or {}
    if ctx.event.choice == DISCARD_YES and wanted.get("kind") in FORMS:
        ctx.data.pop("draft", None)
        await begin(ctx, wanted["kind"], campaign=wanted.get("campaign"))
    else:
        await resume(ctx)


def _ask_again(ctx: Context, field: Field, old: Any, sentence: str) -> None:
    """Ask `field` again, recalling its `old` answer (a field that collects shows it itself)."""
    prefix = None
    if old is not None and not field.collects:
        prefix = sentence.format(answer=field.render(ctx, old))
    _goto(ctx, field.name)
    field.ask(ctx, prefix)


async def _back(ctx: Context) -> None:
    draft = _draft(ctx)
    editing = draft.pop("editing", None)
    if editing:
        draft.pop("collecting", None)
        if "before_edit" in draft:  # the answer being changed stays as it was
            draft["answers"][editing] = draft.pop("before_edit")
        await show_summary(ctx)
        return
    trail = draft["trail"]
    if not trail:
        menu.show(ctx, ctx._("Your form is kept; you can continue it from the menu."))
        return
    previous = trail.pop()
    field = _field(ctx, previous)
    if field.collects:  # reopened with what it holds
        old = draft["answers"].get(previous)
        draft["collecting"] = previous
    else:
        old = draft["answers"].pop(previous, None)
    _ask_again(ctx, field, old, ctx._("Your previous answer: {answer}"))


async def _on_answer(ctx: Context, step: str) -> None:
    field = _field(ctx, step)
    if field is None:
        await _ask_next(ctx)
        return
    choice = ctx.event.choice
    if choice == SKIP and field.optional:
        result: Answer | Retry | Ask | Stay = Answer(None)
    elif choice is not None and not is_offered(ctx, choice):
        field.ask(ctx, ctx._(STALE_OPTION))
        return
    else:
        result = field.accept(ctx)
    draft = _draft(ctx)
    if isinstance(result, Retry):
        field.ask(ctx, result.message)
    elif isinstance(result, Ask):
        ctx.say(result.message, result.options + nav(ctx))
    elif isinstance(result, Stay):
        draft["answers"][field.name] = result.value
        draft["collecting"] = field.name
        ctx.say(result.message, field.options(ctx) + field.navigation(ctx))
    else:
        draft["answers"][field.name] = result.value
        draft.pop("collecting", None)
        if not draft.get("editing") and field.name not in draft["trail"]:
            draft["trail"].append(field.name)
        await _ask_next(ctx)


async def _on_summary(ctx: Context) -> None:
    choice = ctx.event.choice
    if choice == CONFIRM:
        await _confirm(ctx)
    elif choice == EDIT:
        draft, form = _draft(ctx), _form(ctx)
        fields = [f for f in form.fields
                  if f.applies(draft["answers"]) and f.name not in form.not_editable]
        _goto(ctx, EDIT_PICK)
        ctx.say(
            ctx._("Which answer do you want to change?"),
            [Option(EDIT_FIELD.pack(f.name), ctx._(f.label)) for f in fields]
            + nav(ctx, cancel=False),
        )
    else:
        await show_summary(ctx, ctx._("Please choose Send, or Change an answer."))


async def _on_edit_pick(ctx: Context) -> None:
    picked = EDIT_FIELD.unpack(ctx.event.choice)
    field = _field(ctx, picked["field"]) if picked else None
    if field is None:
        await show_summary(ctx, ctx._("Please choose the answer to change from the list."))
        return
    draft = _draft(ctx)
    draft["editing"] = field.name
    old = draft["answers"].get(field.name)  # kept until a new answer replaces it
    draft["before_edit"] = old  # and restored by Back, even after files were added
    _ask_again(ctx, field, old, ctx._("Current answer: {answer}"))


async def _confirm(ctx: Context) -> None:
    draft, form = _draft(ctx), _form(ctx)
    if _next_missing(ctx) is not None:
        await _ask_next(ctx)
        return
    if not form.allows(ctx.user.get("role")):
        ctx.data.pop("draft", None)
        menu.show(ctx, ctx.tr(form.refusal))
        return
    outcome = await form.on_confirm(ctx, draft)
    if isinstance(outcome, Done):
        ctx.data.pop("draft", None)
        menu.show(ctx, outcome.text)
    else:
        await show_summary(ctx, outcome.message)
