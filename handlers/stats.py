"""/thongke [period]: the office's figures in chat, each with its definition under it.

The figures are computed by the service (bot/services/stats.compute) and rendered here by
`render_figures`, which reads nothing but the `Figures`, the reference data and the reader's
translator: the same rendering serves a computation done elsewhere (a background worker).
"""

from __future__ import annotations

import asyncio
from datetime import date

from babel.numbers import format_percent

from bot import charts
from bot.collation import sort_key
from bot.context import Context
from bot.figures import Durations, Figures, Period
from bot.i18n import N_, Translator
from bot.model import Reply
from bot.periods import EXAMPLES, parse_period
from bot.reference import Reference
from bot.render import status_label, unit_name
from bot.services import stats
from bot.services import tasks as task_service
from bot.services.permissions import actor_for
from bot.tasks import TaskEnv, task
from bot.text import shorten
from bot.workflow import KIND_LABELS, STATUS_LABELS
from handlers.review import OFFICERS_ONLY

# Who may ask: a ward officer sees their ward, a district officer their unit and the units below
# it, an administrator the whole tree.
STATS_ROLES = ("ward_officer", "district_officer", "admin")
INFO = "ⓘ"  # starts the line of a figure's definition
TARGET_LINES = {
    "dossiers": N_("Creative Award dossiers since {start}: {count}; the target is {low} to "
                   "{high} by {by}."),
    "applied": N_("Works awarded and put into practice since {start}: {count}; the target is "
                  "{low} to {high} by {by}."),
}
_ORDER = {status: rank for rank, status in enumerate(STATUS_LABELS)}
NO_FIGURES = N_("Your role has no figures to show.")
COUNTING = N_("Counting the figures; they will be here in a moment.")
STILL_COUNTING = N_("The figures you asked for are still being counted; they will be here in a "
                    "moment.")
BAD_PERIOD = N_("I could not read “{typed}” as a period. Type a year, a quarter, a month or two "
                "dates after /thongke.")


async def show(ctx: Context) -> None:
    actor = await actor_for(ctx.conn, ctx.user)
    if actor.role not in STATS_ROLES:
        ctx.note(ctx._(OFFICERS_ONLY) if actor.role == "resident"
                 else ctx._(NO_FIGURES))
        return
    typed = ctx.event.command_args or ""
    period = parse_period(typed, ctx.today)
    if period is None:
        ctx.note(ctx._(BAD_PERIOD).format(typed=shorten(typed, 40)) + "\n" + ctx._(EXAMPLES))
        return
    # Counted by a worker process (bot/tasks.py): a city's years of entries take seconds.
    queued = await task_service.request(ctx.conn, ctx.user, "stats", {
        "start": period.start.isoformat(), "end": period.end.isoformat()}, ctx.now)
    ctx.tasks_requested = queued
    ctx.note(ctx._(COUNTING) if queued else ctx._(STILL_COUNTING))


@task("stats")
async def figures_task(env: TaskEnv, params: dict) -> list[Reply]:
    """The figures of the requester's scope as it is now: the text, and one chart where the
    chat shows images (elsewhere the chart is a link)."""
    actor = await env.actor()
    if actor.role not in STATS_ROLES:
        return [Reply(env.t._(NO_FIGURES))]
    period = Period(date.fromisoformat(params["start"]), date.fromisoformat(params["end"]))
    async with env.engine.connect() as conn:
        figures = await stats.compute(conn, env.ref, scope=stats.scope_for(env.ref, actor),
                                      period=period, now=env.now,
                                      review_days=env.settings.review_days)
    chart = await asyncio.to_thread(charts.summary_chart, figures, env.t, env.ref)
    image = await env.keep(chart, f"thong-ke-{period.start:%Y%m%d}-{period.end:%Y%m%d}.png",
                           "image/png")
    return [Reply(render_figures(env.t, env.ref, figures), attachments=[image])]


# --- rendering ---------------------------------------------------------------------------------


def _percent(t: Translator, share: float | None) -> str:
    return "—" if share is None else format_percent(share, "#,##0.#%", locale=t.lang)


def _days(value: float | None) -> float | str:
    return "—" if value is None else value


def _define(t: Translator, key: str) -> str:
    return f"{INFO} {t.tr(stats.DEFINITIONS[key])}"


def _section(t: Translator, key: str, lines: list[str]) -> str:
    return "\n".join([*lines, _define(t, key)])


def _field_name(ref: Reference, t: Translator, slug: str) -> str:
    if not slug:
        return t._("(no field)")
    named = ref.named("idea_fields", slug) or ref.named("award_fields", slug)
    return named.name(t.lang) if named else slug


def _counted(t: Translator, counts: dict[str, int], name) -> list[str]:
    """"• name: count" lines, largest first, then in Vietnamese order of the names."""
    named = [(name(key), n) for key, n in counts.items()]
    named.sort(key=lambda item: (-item[1], sort_key(item[0])))
    return [f"• {label}: {t.number(n)}" for label, n in named]


def _durations(t: Translator, d: Durations) -> str:
    return t._("median {median}, 90th percentile {p90} working days ({count} counted)").format(
        median=_days(d.median), p90=_days(d.p90), count=d.count)


def render_figures(t: Translator, ref: Reference, figures: Figures) -> str:
    """The figures as one plain text, a paragraph per figure with its definition under it
    (the channel splits it at paragraphs where it is too long)."""
    f = figures
    parts = [t._("Figures of {unit} from {start} to {end}").format(
        unit=unit_name(ref, t, f.scope), start=t.date(f.period.start), end=t.date(f.period.end))]
    parts.append(_section(t, "total", [t._("Entries sent: {count}").format(count=f.total)]))
    if f.total:
        # Wards without entries are named under silent_units.
        units = {slug: n for slug, n in f.by_unit.items() if n}
        if len(f.units) > 1:
            parts.append(_section(t, "by_unit", [t._("By ward:"), *_counted(
                t, units, lambda slug: unit_name(ref, t, slug))]))
        parts.append(_section(t, "by_field", [t._("By field:"), *_counted(
            t, f.by_field, lambda slug: _field_name(ref, t, slug))]))
        parts.append(_section(t, "by_kind", [t._("By kind:"), *_counted(
            t, f.by_kind, lambda kind: t.tr(KIND_LABELS.get(kind, kind)))]))
        parts.append(_section(t, "by_status", [t._("By status today:"), *_counted(
            t, f.by_status, lambda status: status_label(t, status))]))
        funnel = [t._("Steps reached:")]
        for stage in f.funnel:
            label = t.tr(stats.STAGE_LABELS.get(stage.key, stage.key))
            if stage.rate is None:
                funnel.append(f"• {label}: {t.number(stage.count)}")
            else:
                funnel.append(t._("• {stage}: {count} ({share} of the step before)").format(
                    stage=label, count=stage.count, share=_percent(t, stage.rate)))
        parts.append(_section(t, "funnel", funnel))
    if f.first_action.count:
        first = t._("Time to the first officer action: {durations}").format(
            durations=_durations(t, f.first_action))
    else:
        first = t._("Time to the first officer action: no first action in this period.")
    parts.append(_section(t, "first_action", [first]))
    if f.in_stage:
        lines = [t._("Time in each status:")]
        for status, d in sorted(f.in_stage.items(), key=lambda item: _ORDER.get(item[0], 99)):
            lines.append(f"• {status_label(t, status)}: {_durations(t, d)}")
        parts.append(_section(t, "in_stage", lines))
    if f.handled:
        handled = t._("Queue items finished: {handled}; by the due date ({days} working days): "
                      "{in_time} ({share}).").format(
            handled=f.handled, days=f.review_days, in_time=f.handled_in_time,
            share=_percent(t, f.in_time_share))
    else:
        handled = t._("Queue items finished: none in this period.")
    parts.append(_section(t, "handled_in_time", [handled]))
    for target in f.targets:
        plan = ref.plan_for(target.by)
        sentence = TARGET_LINES[target.key]
        line = t.tr(sentence).format(
            start=t.date(plan.start) if plan else "—", count=target.count, low=target.low,
            high=target.high, by=t.date(target.by))
        lines = [line]
        if plan is not None and plan.assumed:
            lines.append(t._("These targets are the previous plan's, kept until the office "
                             "sets its own for {plan}.").format(plan=plan.name(t.lang)))
        parts.append(_section(t, target.key, lines))
    wards = [slug for slug in f.units if (u := ref.unit_by_slug.get(slug))
             and u.kind == "ward" and not u.legacy]
    if len(wards) > 1:
        if f.silent_units:
            names = sorted((unit_name(ref, t, slug) for slug in f.silent_units), key=sort_key)
            silent = t._("Wards with no entry: {wards}.").format(wards=", ".join(names))
        else:
            silent = t._("Every ward sent at least one entry.")
        parts.append(_section(t, "silent_units", [silent]))
    if len(f.units) > 1:
        lines = [t._("By unit:")]
        for slug in f.units:
            received, handled_n, in_time, median = f.performance.get(slug, (0, 0, 0, None))
            if not (received or handled_n):
                continue
            values = {"unit": unit_name(ref, t, slug), "received": received,
                      "handled": handled_n, "in_time": in_time, "median": median}
            if median is None:
                lines.append(t._("• {unit}: {received} sent, {handled} finished, {in_time} by "
                                 "the due date").format(**values))
            else:
                lines.append(t._("• {unit}: {received} sent, {handled} finished, {in_time} by "
                                 "the due date, first action after {median} working days "
                                 "(median)").format(**values))
        if len(lines) > 1:
            parts.append(_section(t, "performance", lines))
    return "\n\n".join(parts)
