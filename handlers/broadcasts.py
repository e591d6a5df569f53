"""Announcements written in chat by the communications office (`/thongbao`): the form and what
sending it does. The worker in bot/broadcaster.py delivers them."""

from __future__ import annotations

from datetime import datetime

from bot.context import Context
from bot.i18n import N_
from bot.services import broadcasts
from bot.services.review import actor_for, describe
from handlers.datefields import MomentField
from handlers.fields import ChoiceField, PhotoField, Retry, TextField, WardField
from handlers.form import Done, Form, register
from handlers.forms import named, wards


def _audiences(ctx: Context) -> list[tuple[str, str]]:
    return [(key, ctx.tr(label)) for key, label in broadcasts.AUDIENCES.items()]


def _units(ctx: Context) -> list[tuple[str, str]]:
    return [("all", ctx._("All units"))] + [(u.slug, u.name(ctx.lang)) for u in ctx.ref.units]


def _audience_is(kind: str):
    return lambda answers: answers.get("audience") == kind


def _audience(answers: dict) -> dict:
    return {"kind": answers.get("audience", "all"), "ward": answers.get("ward"),
            "field": answers.get("field"), "unit": answers.get("unit")}


async def _reach(ctx: Context, draft: dict) -> str:
    count = await broadcasts.count(ctx.conn, _audience(draft["answers"]))
    return ctx._("It will reach {count} recipient(s).").format(count=count)


NOBODY = N_("Nobody would receive this announcement: no subscriber matches this audience. "
            "Please change the audience; your text is kept.")
QUIET = N_("{time} falls in the quiet hours ({start}:00–{end}:00), when residents are not "
           "written to, so it will go out at {real}.")


async def send_broadcast(ctx: Context, draft: dict) -> Done | Retry:
    answers = draft["answers"]
    audience = _audience(answers)
    if await broadcasts.count(ctx.conn, audience) == 0:
        return Retry(ctx._(NOBODY))
    send_at = datetime.fromisoformat(answers["send_at"]) if answers.get("send_at") else ctx.now
    outcome = await broadcasts.create(
        ctx.conn, await actor_for(ctx.conn, ctx.user), text=answers["text"],
        photo=answers.get("photo"),
        audience=audience, send_at=send_at, now=ctx.now,
    )
    text = describe(ctx.t, ctx.ref, outcome)
    settings = ctx.settings
    real = ctx.ref.quiet.end_after(send_at)
    if outcome.ok and answers.get("send_at") and real is not None:
        text += "\n" + ctx._(QUIET).format(
            time=ctx.t.datetime(send_at), start=f"{settings.quiet_start:02d}",
            end=f"{settings.quiet_end:02d}", real=ctx.t.datetime(real))
    return Done(text)


BROADCAST = register(Form(
    "broadcast", N_("the announcement"), N_("announcement"), (
        TextField("text", N_("Type the announcement (at most 3,500 characters)."),
                  N_("Announcement"), max_len=3500, min_len=5),
        PhotoField("photo", N_("Add a photo? Send it now, or press Skip."), N_("Photo"),
                   optional=True),
        ChoiceField("audience", N_("Who should receive it?"), N_("Audience"),
                    choices=_audiences),
        WardField("ward", N_("Which ward?"), N_("Ward"), choices=wards,
                  when=_audience_is("ward")),
        ChoiceField("field", N_("Which field?"), N_("Field"), choices=named("idea_fields"),
                    when=_audience_is("field")),
        ChoiceField("unit", N_("The officers of which unit?"), N_("Unit"), choices=_units,
                    when=_audience_is("officers")),
        MomentField("send_at", N_("When should it be sent? Type day/month/year hour:minute, "
                                  "or press Skip to send it now."), N_("Send at"),
                    optional=True),
    ),
    send_broadcast, roles=frozenset(broadcasts.SENDER_ROLES), summary_note=_reach,
))
