"""The form engine: asks the questions of a form in order, with Back, Skip, Cancel, a summary,
editing of any answer, and confirmation. Every answer is committed as it arrives (it lives in the
draft, in the resident's row), so a restart resumes the form at the same question.
"""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.i18n import N_
from bot.model import Option
from bot.services import entries as entry_service
from handlers import menu
from handlers.common import BACK, CANCEL, SKIP, STALE_OPTION, is_offered, nav
from handlers.fields import Answer, Field, Retry, Stay
from handlers.forms import ENTRY_FORMS, FORM_TITLES, FORMS

CONFIRM = "form:confirm"
EDIT = "form:edit"
DISCARD_YES = "form:discard"
DISCARD_NO = "form:keep"

NO_CAMPAIGN = N_(
    "No campaign is accepting this kind of entry at the moment, so it cannot be sent now. "
    "Please look at Open campaigns later."
)


def _draft(ctx: Context) -> dict[str, Any]:
    return ctx.data["draft"]


def _form(ctx: Context) -> list[Field]:
    return FORMS[_draft(ctx)["kind"]]


def _field(ctx: Context, name: str) -> Field | None:
    return next((f for f in _form(ctx) if f.name == name), None)


def _next_missing(ctx: Context) -> Field | None:
    answers = _draft(ctx)["answers"]
    return next((f for f in _form(ctx) if f.applies(answers) and f.name not in answers), None)


async def begin(ctx: Context, kind: str, campaign: str | None = None) -> None:
    draft = ctx.data.get("draft")
    if draft:
        ctx.goto("flow:replace")
        ctx.data["replace_with"] = {"kind": kind, "campaign": campaign}
        ctx.say(
            ctx._("You have an unfinished {what}. Continue it, or discard it and start anew?")
            .format(what=ctx.tr(menu.DRAFT_NAMES[draft["kind"]])),
            [Option("menu:resume", ctx._("Continue it")),
             Option(DISCARD_YES, ctx._("Discard it and start anew"))],
        )
        return
    if kind not in ENTRY_FORMS:
        ctx.data["draft"] = {"kind": kind, "answers": {}, "trail": [], "files": [],
                             "started": ctx.now.isoformat()}
        await _ask_next(ctx)
        return
    campaigns = ctx.ref.open_campaigns(ctx.today, kind)
    if campaign is not None:
        campaigns = [c for c in campaigns if c.slug == campaign]
    if not campaigns:
        menu.show(ctx, ctx._(NO_CAMPAIGN))
        return
    answers: dict[str, Any] = {}
    if len(campaigns) == 1:
        answers["campaign"] = campaigns[0].slug
    ctx.data["draft"] = {"kind": kind, "answers": answers, "trail": [], "files": [],
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
        await show_summary(ctx, prefix)
    else:
        ctx.goto(f"flow:{field.name}")
        field.ask(ctx, prefix)


async def reprompt(ctx: Context, prefix: str | None = None) -> None:
    """Ask the current question again (after help, a wrong kind of message, a stale button)."""
    step = ctx.state.split(":", 1)[1]
    if step == "summary":
        await show_summary(ctx, prefix)
    elif step in ("cancel", "replace", "editpick") or _field(ctx, step) is None:
        field = _next_missing(ctx)
        if field is None:
            await show_summary(ctx, prefix)
        else:
            ctx.goto(f"flow:{field.name}")
            field.ask(ctx, prefix)
    else:
        _field(ctx, step).ask(ctx, prefix)


async def show_summary(ctx: Context, prefix: str | None = None) -> None:
    draft = _draft(ctx)
    lines = [ctx._("Please check {what}:").format(what=ctx.tr(FORM_TITLES[draft["kind"]]))]
    for field in _form(ctx):
        if field.applies(draft["answers"]) and field.name in draft["answers"]:
            lines.append(f"• {ctx._(field.label)}: {_shown(ctx, field)}")
    note = await _summary_note(ctx, draft)
    if note:
        lines += ["", note]
    lines.append("")
    lines.append(ctx._("Send it now, or change an answer first?"))
    text = "\n".join(lines)
    if prefix:
        text = f"{prefix}\n\n{text}"
    ctx.goto("flow:summary")
    ctx.say(
        text,
        [Option(CONFIRM, ctx._("Send")), Option(EDIT, ctx._("Change an answer"))]
        + nav(ctx),
    )


async def _summary_note(ctx: Context, draft: dict) -> str | None:
    if draft["kind"] != "broadcast":
        return None
    from bot.services import broadcasts

    count = await broadcasts.count(ctx.conn, _audience(draft["answers"]))
    return ctx._("It will reach {count} recipient(s).").format(count=count)


def _audience(answers: dict) -> dict:
    return {"kind": answers.get("audience", "all"), "ward": answers.get("ward"),
            "field": answers.get("field"), "unit": answers.get("unit")}


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
    step = ctx.state.split(":", 1)[1]
    choice = ctx.event.choice
    if step == "cancel":
        await _on_cancel_answer(ctx)
    elif step == "replace":
        await _on_replace_answer(ctx)
    elif choice == CANCEL:
        ask_cancel(ctx)
    elif choice == BACK and step == "editpick":
        await show_summary(ctx)
    elif choice == BACK:
        await _back(ctx)
    elif step == "summary":
        await _on_summary(ctx)
    elif step == "editpick":
        await _on_edit_pick(ctx)
    else:
        await _on_answer(ctx, step)


def ask_cancel(ctx: Context) -> None:
    ctx.data["resume_step"] = ctx.state
    ctx.goto("flow:cancel")
    ctx.say(
        ctx._("Cancel this form? All its answers will be deleted."),
        [Option(DISCARD_YES, ctx._("Yes, delete it")),
         Option(DISCARD_NO, ctx._("No, continue"))],
    )


async def _on_cancel_answer(ctx: Context) -> None:
    choice = ctx.event.choice
    if choice == DISCARD_YES:
        ctx.data.pop("draft", None)
        ctx.data.pop("resume_step", None)
        menu.show(ctx, ctx._("The form has been cancelled and its answers deleted."))
    elif choice == DISCARD_NO:
        ctx.goto(ctx.data.pop("resume_step", "flow:summary"))
        await reprompt(ctx)
    else:
        ctx.say(
            ctx._("Please answer: cancel this form or continue?"),
            [Option(DISCARD_YES, ctx._("Yes, delete it")),
             Option(DISCARD_NO, ctx._("No, continue"))],
        )


async def _on_replace_answer(ctx: Context) -> None:
    wanted = ctx.data.pop("replace_with", None) or {}
    if ctx.event.choice == DISCARD_YES and wanted.get("kind") in FORMS:
        ctx.data.pop("draft", None)
        await begin(ctx, wanted["kind"], campaign=wanted.get("campaign"))
    else:
        await resume(ctx)


async def _back(ctx: Context) -> None:
    draft = _draft(ctx)
    if draft.pop("editing", None):
        await show_summary(ctx)  # the answer being changed stays as it was
        return
    trail = draft["trail"]
    if not trail:
        menu.show(ctx, ctx._("Your form is kept; you can continue it from the menu."))
        return
    previous = trail.pop()
    old = draft["answers"].pop(previous, None)
    field = _field(ctx, previous)
    ctx.goto(f"flow:{previous}")
    prefix = None
    if old is not None and field.name != "files":
        prefix = ctx._("Your previous answer: {answer}").format(answer=field.render(ctx, old))
    field.ask(ctx, prefix)


async def _on_answer(ctx: Context, step: str) -> None:
    field = _field(ctx, step)
    if field is None:
        await _ask_next(ctx)
        return
    choice = ctx.event.choice
    if choice == SKIP and field.optional:
        result: Answer | Retry | Stay = Answer(None)
    elif choice is not None and not is_offered(ctx, choice):
        field.ask(ctx, ctx._(STALE_OPTION))
        return
    else:
        result = field.accept(ctx)
    if isinstance(result, Retry):
        field.ask(ctx, result.message)
        return
    if isinstance(result, Stay):
        if result.message:
            ctx.say(result.message, nav(ctx, done=True))
        return
    draft = _draft(ctx)
    draft["answers"][field.name] = result.value
    if not draft.get("editing") and field.name not in draft["trail"]:
        draft["trail"].append(field.name)
    await _ask_next(ctx)


async def _on_summary(ctx: Context) -> None:
    choice = ctx.event.choice
    if choice == CONFIRM:
        await _confirm(ctx)
    elif choice == EDIT:
        draft = _draft(ctx)
        fields = [f for f in _form(ctx) if f.applies(draft["answers"]) and f.name != "campaign"]
        ctx.goto("flow:editpick")
        ctx.say(
            ctx._("Which answer do you want to change?"),
            [Option(f"edit:{f.name}", ctx._(f.label)) for f in fields] + nav(ctx, cancel=False),
        )
    else:
        await show_summary(ctx, ctx._("Please choose Send, or Change an answer."))


async def _on_edit_pick(ctx: Context) -> None:
    choice = ctx.event.choice or ""
    field = _field(ctx, choice[5:]) if choice.startswith("edit:") else None
    if field is None:
        await show_summary(ctx, ctx._("Please choose the answer to change from the list."))
        return
    draft = _draft(ctx)
    draft["editing"] = field.name
    old = draft["answers"].get(field.name)  # kept until a new answer replaces it
    ctx.goto(f"flow:{field.name}")
    prefix = None
    if old is not None and field.name != "files":
        prefix = ctx._("Current answer: {answer}").format(answer=field.render(ctx, old))
    field.ask(ctx, prefix)


async def _confirm(ctx: Context) -> None:
    draft = _draft(ctx)
    if _next_missing(ctx) is not None:
        await _ask_next(ctx)
        return
    if draft["kind"] == "campaign":
        await _create_campaign(ctx, draft)
        return
    if draft["kind"] == "broadcast":
        await _create_broadcast(ctx, draft)
        return
    campaign = ctx.ref.campaign(draft["answers"].get("campaign"))
    if campaign is None or not campaign.is_open(ctx.today):
        await show_summary(
            ctx,
            ctx._("This campaign closed on {date} and takes no new entries. Your form is kept.")
            .format(date=ctx.t.date(campaign.closes) if campaign else "—"),
        )
        return
    submitted = await entry_service.submit(
        ctx.conn,
        user_id=ctx.user["id"],
        draft={**draft, "campaign": campaign.slug},
        lang=ctx.lang,
        now=ctx.now,
        year=ctx.today.year,
        due_at=ctx.review().due_from(ctx.now),
    )
    await ctx.review().announce_new(submitted.entry, files=len(draft.get("files", [])))
    ctx.data.pop("draft", None)
    unit = ctx.ref.unit_by_slug.get(submitted.unit)
    receipt = ctx._(
        "Thank you! {what} has been received.\n\n"
        "Tracking code: {code}\n\n"
        "What happens next: the officers of {unit} will review it and you will get a message "
        "here whenever its status changes. You can look it up at any time with this code "
        "(menu: Look up an entry) or in My entries."
    ).format(what=_capitalised(ctx.tr(FORM_TITLES[draft["kind"]])), code=submitted.code,
             unit=unit.name(ctx.lang) if unit else submitted.unit)
    menu.show(ctx, receipt)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


async def _create_campaign(ctx: Context, draft: dict) -> None:
    from datetime import date

    from bot.services import campaigns
    from bot.services.review import actor_for

    actor = await actor_for(ctx.conn, ctx.user)
    if actor.role not in ("communications", "admin"):
        ctx.data.pop("draft", None)
        menu.show(ctx, ctx._("Only the communications office and administrators can create "
                             "campaigns."))
        return
    answers = draft["answers"]
    kinds = ["idea", "award"] if answers["kinds"] == "both" else [answers["kinds"]]
    raw = {
        "slug": campaigns.slug_for(answers["title_vi"], ctx.today),
        "title_vi": answers["title_vi"], "title_en": answers.get("title_en"),
        "description_vi": answers["description_vi"],
        "description_en": answers.get("description_en"), "kinds": kinds,
        "opens": date.fromisoformat(answers["opens"]),
        "closes": date.fromisoformat(answers["closes"]),
    }
    try:
        slug = await campaigns.add(ctx.conn, ctx.ref, raw, ctx.now)
    except campaigns.CampaignError:
        await show_summary(ctx, ctx._("A campaign with this title exists already; please change "
                                      "the title."))
        return
    ctx.data.pop("draft", None)
    ctx.campaigns_changed = True
    link = ""
    if ctx.settings.telegram_bot_username:
        link = f"\nhttps://t.me/{ctx.settings.telegram_bot_username}?start=c_{slug}"
    menu.show(ctx, ctx._("The campaign {slug} is created.").format(slug=slug) + link)


async def _create_broadcast(ctx: Context, draft: dict) -> None:
    from datetime import datetime

    from bot.services import broadcasts
    from bot.services.review import actor_for, describe

    answers = draft["answers"]
    send_at = datetime.fromisoformat(answers["send_at"]) if answers.get("send_at") else ctx.now
    photo = (answers.get("photo") or {}).get("ref")
    outcome = await broadcasts.create(
        ctx.conn, await actor_for(ctx.conn, ctx.user), text=answers["text"], photo=photo,
        audience=_audience(answers), send_at=send_at, now=ctx.now,
    )
    ctx.data.pop("draft", None)
    menu.show(ctx, describe(ctx.t, ctx.ref, outcome))
