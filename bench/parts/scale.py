"""Part "scale": a ward's queue, a lookup by code and the start-up of `sangkien run` on a
database of a district after five years (1,000,000 entries; 100,000 in --quick)."""

from __future__ import annotations

import asyncio
import itertools
import random
import statistics

from sqlalchemy import func, select

from bench.harness import startup
from bench.harness.core import Options, Run, Section, Table, fmt, part, time_calls
from bench.harness.db import databases, prepare_catalogs, settings_for
from bench.harness.generate import ensure_pg, ensure_sqlite, generation_seconds
from bench.targets import QUEUE_P99, STARTUP
from bot.reference import Reference
from bot.services.review import WARD_QUEUE
from handlers.review import PAGE_SIZE
from storage import entries as entry_repo
from storage.db import create_engine
from storage.tables import entries

RESIDENTS = 100_000
LATE_PAGE = 50


def sizes(opts: Options) -> tuple[int, int, int]:
    """(entries, timed calls per query, start-ups per database)."""
    return (100_000, 200, 2) if opts.quick else (1_000_000, 1_000, 3)


class Queries:
    """The calls handlers/review.py makes for a ward officer, rotating over the wards."""

    def __init__(self, conn, wards: list[str], totals: dict[str, dict], codes: list[str]):
        self.conn, self.totals = conn, totals
        self.wards = itertools.cycle(wards)
        self.codes = itertools.cycle(codes)

    async def page(self, statuses, offset: int):
        unit = next(self.wards)
        return await entry_repo.queue_page(self.conn, unit=unit, statuses=statuses, limit=PAGE_SIZE,
                                     offset=offset)

    async def first_page(self):
        return await self.page(WARD_QUEUE, 0)

    async def late_filtered_page(self):
        """Page 50 of the view of one status (or its last page, if it has fewer)."""
        return await self._late(WARD_QUEUE[:1], LATE_PAGE)

    async def last_page(self):
        return await self._late(WARD_QUEUE, None)

    async def _late(self, statuses, page: int | None):
        unit = next(self.wards)
        last = max(0, (self.totals[unit][statuses] - 1) // PAGE_SIZE)
        offset = (last if page is None else min(page - 1, last)) * PAGE_SIZE
        return await entry_repo.queue_page(self.conn, unit=unit, statuses=statuses,
                                     limit=PAGE_SIZE, offset=offset)

    async def count(self):
        return await entry_repo.queue_count(self.conn, unit=next(self.wards), statuses=WARD_QUEUE)

    async def view_first(self):
        """What one press of "queue" costs the handler: the count, then the page."""
        await self.count()
        return await self.first_page()

    async def lookup(self):
        return await entry_repo.entry_by_code(self.conn, next(self.codes))


CALLS = [
    ("queue_page: first page", "first_page", True),
    (f"queue_page: page {LATE_PAGE} (or last) of 'submitted'", "late_filtered_page", True),
    ("queue_page: last page", "last_page", True),
    ("queue_count", "count", False),
    ("queue view: count + first page", "view_first", True),
    ("entry_by_code", "lookup", False),
]


async def _sample_codes(conn, n_entries: int, k: int = 1_000) -> list[str]:
    ids = random.Random(7).sample(range(1, n_entries + 1), k)
    rows = await conn.execute(select(entries.c.code).where(entries.c.id.in_(ids)))
    return [r[0] for r in rows]


async def measure_queries(url: str, n_entries: int, calls: int) -> dict[str, Run]:
    wards = [u.slug for u in Reference(settings_for(url)).wards]
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            totals = {w: {s: await entry_repo.queue_count(conn, unit=w, statuses=s)
                          for s in (WARD_QUEUE, WARD_QUEUE[:1])} for w in wards}
            queries = Queries(conn, wards, totals, await _sample_codes(conn, n_entries))
            out = {}
            for label, name, _ in CALLS:
                out[label] = await time_calls(getattr(queries, name), calls, warmup=20)
            total = (await conn.execute(select(func.count()).select_from(entries))).scalar_one()
    finally:
        await engine.dispose()
    open_per_ward = statistics.fmean(t[WARD_QUEUE] for t in totals.values())
    out["_meta"] = {"entries": total, "open_per_ward": round(open_per_ward)}
    return out


def _startups(url: str, runs: int) -> list[dict]:
    return [startup.measure(url) for _ in range(runs)]


async def _database(section: Section, backend: str, n_entries: int, calls: int,
                    runs: int) -> None:
    ensure = ensure_sqlite if backend == "sqlite" else ensure_pg
    url, generated, cached_as = await ensure(n_entries, RESIDENTS)
    figures = section.data.setdefault(backend, {})
    figures["generated_now"] = generated is not None
    figures["generation_s"] = round(generated or generation_seconds(cached_as) or 0, 1) or None
    runs_by_call = await measure_queries(url, n_entries, calls)
    figures.update(runs_by_call.pop("_meta"))
    name = "SQLite" if backend == "sqlite" else "PostgreSQL"
    table = Table(f"{name}: {figures['entries']:,} entries, {RESIDENTS:,} residents, "
                  f"~{figures['open_per_ward']:,} open per ward; {calls} calls each "
                  f"(generation: {_generation(generated, figures['generation_s'])})",
                  ["query", "p50 ms", "p99 ms", "max ms", "loop gap ms"])
    for label, _method, targeted in CALLS:
        s = runs_by_call[label].summary()
        figures[label] = s
        table.rows.append([label, fmt(s["p50_ms"], 3), fmt(s["p99_ms"], 3),
                           fmt(s["max_ms"], 2), fmt(s["max_loop_gap_ms"], 1)])
        if targeted:
            section.targets.append(QUEUE_P99.check(f"{label} p99 ({name})", s["p99_ms"]))
    section.tables.append(table)
    await _startup_figures(section, figures, url, name, runs)


def _generation(now: float | None, seconds: float | None) -> str:
    if now is not None:
        return f"{now:.1f} s, now"
    return "cached" + (f", took {seconds:.1f} s when made" if seconds else "")


async def _startup_figures(section: Section, figures: dict, url: str, name: str,
                           runs: int) -> None:
    try:
        starts = await asyncio.to_thread(_startups, url, runs)
    except startup.StartupError as error:
        figures["startup_error"] = str(error)
        figures["startup_reached"] = error.seen
        section.notes.append(f"start-up on {name} FAILED: {error}")
        section.targets.append(STARTUP.check(f"start-up of `sangkien run` ({name})", None,
                                             failed=True))
        return
    polls = sorted(s["to_getUpdates_s"] for s in starts)
    median = statistics.median(polls)
    figures["startup"] = {"runs": starts, "median_s": round(median, 3), "max_s": polls[-1]}
    section.tables.append(Table(
        f"Start-up of `sangkien run` on {name} (process start → first getUpdates)",
        ["run", "to getMe s", "to first getUpdates s"],
        [[i + 1, fmt(s["to_getMe_s"], 2), fmt(s["to_getUpdates_s"], 2)]
         for i, s in enumerate(starts)]))
    section.targets.append(STARTUP.check(f"start-up of `sangkien run`, median of {runs} ({name})",
                                         round(median, 3)))


@part("scale", "A ward's queue and start-up with a district's five years of entries")
async def run(opts: Options) -> Section:
    prepare_catalogs()
    n_entries, calls, runs = sizes(opts)
    section = Section("scale", "Scale")
    section.data["entries_requested"] = n_entries
    if opts.quick:
        section.notes.append(f"--quick: {n_entries:,} entries instead of 1,000,000, SQLite only.")
    backends = await databases(opts, section, missing="figures")
    for backend in backends:
        await _database(section, backend, n_entries, calls, runs)
    section.notes.append(
        "Queries run on one open connection with the product's repo functions and the "
        f"parameters of handlers/review.py (ward officer: statuses {WARD_QUEUE}, "
        f"{PAGE_SIZE} per page); wards rotate between calls.")
    return section
