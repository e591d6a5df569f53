"""The yearly review report in chat: `/baocao [year | tổng kết]` for the standing office (the
district's Home Affairs Office; since July 2025 the city's emulation body for the new wards) and
administrators. The step only asks for it; the report is built as a task (bot/tasks.py) in a
worker process, and arrives as documents (Telegram) or signed download links (Zalo)."""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

from bot.context import Context
from bot.i18n import N_
from bot.model import Reply
from bot.reports import ReportError, build_report, report_period
from bot.services import tasks as task_service
from bot.services.permissions import actor_for
from bot.tasks import TaskEnv, task
from bot.text import fold

REPORT_ROLES = ("district_officer", "admin")
REPORT_ONLY = N_("Only the Home Affairs Office (the standing office of the movement) and "
                 "administrators can ask for the yearly report.")
USAGE = N_("Send /baocao for this year's review report, /baocao 2025 for another year, or "
           "/baocao tổng kết for the final review of the whole plan.")
PREPARING = N_("The {what} is being prepared. It takes a little while; I will send the files "
               "here as soon as they are ready. You can go on using the bot meanwhile.")
ALREADY = N_("Your earlier request for a report is still being prepared; I will send it as soon "
             "as it is ready.")
YEARLY = N_("review report of {year}")
FINAL = N_("final review report of the plan {start}–{end}")
READY = N_("Here is the {what}: the report draft (Word) and its annex (Excel). Every figure and "
           "table is filled in; the highlighted passages are for the office to write.")
_FINAL_WORDS = ("tong ket", "final", "giai doan", "ca giai doan", "whole plan")
_YEAR = re.compile(r"\b(20\d\d)\b")


def parse(typed: str, this_year: int) -> tuple[int, bool] | None:
    """(year, final) from what follows /baocao: nothing, a year, "tổng kết" (with or without
    accents, or "final"), or both; None for anything else."""
    words = fold(typed)
    final = any(w in words for w in _FINAL_WORDS)
    # Longest first: "ca giai doan" must go whole, not leave "ca" behind "giai doan".
    for w in sorted(_FINAL_WORDS + ("nam", "year", "bao cao"), key=len, reverse=True):
        words = words.replace(w, " ")
    years = _YEAR.findall(words)
    rest = _YEAR.sub(" ", words).strip()
    if rest or len(years) > 1:
        return None
    year = int(years[0]) if years else this_year
    return (year, final) if 2000 <= year <= this_year + 1 else None


def _what(t, ref, year: int, final: bool) -> str:
    """What the report is called in a sentence; ReportError when no plan covers the year."""
    period, _years = report_period(ref, year, final)
    if not final:
        return t._(YEARLY).format(year=year)
    return t._(FINAL).format(start=period.start.year, end=period.end.year)


async def ask(ctx: Context) -> None:
    actor = await actor_for(ctx.conn, ctx.user)
    if actor.role not in REPORT_ROLES:
        ctx.note(ctx._(REPORT_ONLY))
        return
    parsed = parse(ctx.event.command_args, ctx.today.year)
    if parsed is None:
        ctx.note(ctx._(USAGE))
        return
    year, final = parsed
    try:
        what = _what(ctx.t, ctx.ref, year, final)
    except ReportError as error:
        ctx.note(error.text(ctx.t))
        return
    queued = await task_service.request(ctx.conn, ctx.user, "report",
                                        {"year": year, "final": final}, ctx.now)
    ctx.tasks_requested = queued
    ctx.note(ctx._(PREPARING).format(what=what) if queued else ctx._(ALREADY))


@task("report")
async def build(env: TaskEnv, params: dict) -> list[Reply]:
    if (await env.actor()).role not in REPORT_ROLES:
        return [Reply(env.t._(REPORT_ONLY))]
    year, final = int(params["year"]), bool(params["final"])
    loop = asyncio.get_running_loop()
    told: set[asyncio.Task] = set()

    def progress(stage: str, fraction: float | None = None) -> None:
        pending = loop.create_task(env.progress(stage, fraction))
        told.add(pending)
        pending.add_done_callback(told.discard)

    with tempfile.TemporaryDirectory(prefix="sangkien-report-") as tmp:
        paths = await build_report(env.engine, env.settings, env.ref, year=year, final=final,
                                   out_dir=Path(tmp), lang=env.t.lang, now=env.now,
                                   progress=progress)
        files = [await env.keep(p.read_bytes(), p.name) for p in paths
                 if p.suffix in (".docx", ".xlsx")]
    await asyncio.gather(*told, return_exceptions=True)
    what = _what(env.t, env.ref, year, final)
    return [Reply(text=env.t._(READY).format(what=what), attachments=files)]
