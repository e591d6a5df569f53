"""The yearly review report (a sơ kết) or the plan's final review (a tổng kết, `final`): the
DOCX draft (document.py), its annex workbook (annex.py) and the charts (bot/charts.py) as PNG
files beside them.

`build_report` is what `sangkien report` and the chat's `/baocao` run: the figures come from
`bot/services/stats.compute` for the district's (or, on a map without districts, the city's)
scope, the lists only the report needs from storage/reports.py; the dossiers stream from the
database into the workbook, never all in memory."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot import charts
from bot.collation import sort_key
from bot.figures import Figures, Period
from bot.i18n import N_, Translator
from bot.reports.annex import Annex
from bot.reports.document import write_document
from bot.reports.model import (
    INTAKE_DAYS,
    CampaignIntake,
    ReportData,
    ReportError,
    Work,
    writable_folder,
)
from bot.services import council as council_service
from bot.services import stats
from storage import campaigns as campaign_repo
from storage import reports as report_repo

Progress = Callable[[str, float], None]

STAGES = {
    "figures": N_("Counting the figures"),
    "years": N_("Counting the figures of each year"),
    "lists": N_("Reading the campaigns and the awarded works"),
    "charts": N_("Drawing the charts"),
    "document": N_("Writing the report"),
    "annex": N_("Writing the annex workbook"),
    "done": N_("The report is ready"),
}
NO_PLAN = N_("No plan of the movement covers the year {year}. Plans known: {plans}.")
CANNOT_WRITE = N_("The report cannot be written to {folder}: {error}")
_YIELD_EVERY = 500  # dossier rows between two yields to the event loop


def report_scope(ref) -> str:
    """The unit whose report it is: from the root of the unit tree, down while there is a
    single unit that is not a ward below (the district of the map of 10 wards, the city on the
    2025 map)."""
    roots = ref.children_of(None)
    scope = roots[0].slug
    while True:
        below = [u for u in ref.children_of(scope) if u.kind != "ward"]
        if len(below) != 1:
            return scope
        scope = below[0].slug


def report_period(ref, year: int, final: bool) -> tuple[Period, tuple[Period, ...]]:
    """The report's period and its years (each cut to the plan). A yearly report covers the
    year (from the plan's start, if it began that year); the final one the whole plan."""
    plan = ref.plan_for(date(year, 12, 31)) or ref.plan_for(date(year, 1, 1))
    if plan is None:
        known = ", ".join(f"{p.start.year}–{p.end.year}" for p in ref.plans) or "—"
        raise ReportError(NO_PLAN, year=str(year), plans=known)
    years = tuple(
        Period(max(plan.start, date(y, 1, 1)), min(plan.end, date(y, 12, 31)))
        for y in range(plan.start.year, plan.end.year + 1))
    if final:
        return Period(plan.start, plan.end), years
    return next(p for p in years if p.start.year == year), ()


def _utc(ref, day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=ref.tz).astimezone(UTC)


def _local(ref, moment: datetime | None) -> date | None:
    return moment.astimezone(ref.tz).date() if moment else None


async def _campaigns(conn, ref, figures: Figures) -> tuple[CampaignIntake, ...]:
    period = figures.period
    start, end = _utc(ref, period.start), _utc(ref, period.end + timedelta(days=1))
    intakes = []
    for row in await campaign_repo.all_campaigns(conn):
        if row["opens"] > period.end or row["closes"] < period.start:
            continue
        opens = _utc(ref, row["opens"])
        within, in_period = await report_repo.campaign_intake(
            conn, figures.units, row["slug"], opens=opens,
            until=opens + timedelta(days=INTAKE_DAYS), start=start, end=end)
        intakes.append(CampaignIntake(row["slug"], row["title_vi"], row["title_en"],
                                      row["opens"], row["closes"], within, in_period))
    return tuple(intakes)


async def _works(conn, ref, figures: Figures) -> tuple[Work, ...]:
    period = figures.period
    rows = await report_repo.awarded_works(conn, figures.units, _utc(ref, period.start),
                                           _utc(ref, period.end + timedelta(days=1)))
    return tuple(Work(r["code"], r["title"], r["authors"], r["unit"], r["field"], r["kind"],
                      r["award_level"], _local(ref, r["awarded"]), _local(ref, r["applied"]))
                 for r in rows)


def _draw(data: ReportData, t: Translator, ref) -> dict[str, bytes]:
    drawn = {"units": charts.units_chart(data.figures, t, ref)}
    if data.final:
        drawn["years"] = charts.years_chart(data.yearly, t)
    else:
        drawn["months"] = charts.months_chart(data.figures, t)
    drawn["funnel"] = charts.funnel_chart(data.figures, t)
    if data.figures.targets:
        drawn["targets"] = charts.targets_chart(data.figures, t)
    return drawn


async def build_report(engine, settings, ref, *, year: int, final: bool, out_dir: Path,
                       lang: str = "vi", now: datetime, progress: Progress | None = None,
                       scope: str | None = None) -> list[Path]:
    """Write the report of `year` (or, `final`, of the whole plan holding it) into `out_dir`:
    the DOCX, the XLSX and the chart PNGs, in that order. Raises ReportError for a year outside
    every plan or a folder that cannot be written."""
    tell = progress or (lambda _stage, _fraction: None)
    t = Translator(settings.locales_dir, lang, settings.timezone)
    period, years = report_period(ref, year, final)
    scope = scope or report_scope(ref)
    out_dir = writable_folder(out_dir, CANNOT_WRITE)
    review_days = settings.review_days

    tell(STAGES["figures"], 0.0)
    async with engine.connect() as conn:
        figures = await stats.compute(conn, ref, scope=scope, period=period, now=now,
                                      review_days=review_days)
        yearly: list[tuple[int, Figures]] = []
        if final:
            for n, part in enumerate(years):
                tell(STAGES["years"], 0.1 + 0.3 * n / len(years))
                yearly.append((part.start.year, await stats.compute(
                    conn, ref, scope=scope, period=part, now=now, review_days=review_days)))
        else:
            yearly.append((year, figures))
        tell(STAGES["lists"], 0.4)
        data = ReportData(year=year, final=final, figures=figures, yearly=tuple(yearly),
                          campaigns=await _campaigns(conn, ref, figures),
                          works=await _works(conn, ref, figures),
                          issued=now.astimezone(ref.tz).date(),
                          councils=tuple(await council_service.closed_results(
                              conn, ref, figures.units, _utc(ref, period.start),
                              _utc(ref, period.end + timedelta(days=1)))))

    stem = f"{period.start.year}-{period.end.year}" if final else str(year)
    stem = f"{'tong-ket' if final else 'so-ket'}-{stem}" + ("" if lang == "vi" else "-en")
    tell(STAGES["charts"], 0.5)
    drawn = await asyncio.to_thread(_draw, data, t, ref)
    tell(STAGES["document"], 0.6)
    document = await asyncio.to_thread(write_document, out_dir / f"bao-cao-{stem}.docx",
                                       data, t, ref, drawn)

    # The dossiers stream from a connection of their own, opened only for them.
    tell(STAGES["annex"], 0.7)
    workbook = out_dir / f"phu-luc-{stem}.xlsx"
    annex = Annex(workbook, t, ref)
    annex.months(data)
    annex.funnel(data)
    async with engine.connect() as conn:
        sheet = annex.dossiers()
        start, end = _utc(ref, period.start), _utc(ref, period.end + timedelta(days=1))
        units = sorted(figures.units, key=lambda u: sort_key(charts.unit_name(ref, u, lang)))
        written = 0
        for unit in units:
            async for row in report_repo.dossiers(conn, unit, start, end,
                                                  exclude=stats.NOT_DOSSIERS):
                annex.dossier(sheet, row)
                written += 1
                if written % _YIELD_EVERY == 0:
                    await asyncio.sleep(0)
        sheet.close()
    annex.works(data)
    annex.performance(data)
    annex.campaigns(data)
    annex.councils(data)
    annex.definitions(stats.DEFINITIONS)
    await asyncio.to_thread(annex.close)

    pictures = []
    for name, png in drawn.items():
        path = out_dir / f"bieu-do-{name}-{stem}.png"
        path.write_bytes(png)
        pictures.append(path)
    tell(STAGES["done"], 1.0)
    return [document, workbook, *pictures]
