"""Part "report": the office's builds with a district's five years of entries (1,000,000; 20,000
in --quick) — the figures of a year, the yearly report (DOCX, XLSX annex, charts), the whole plan's
report and the open-data exports, each timed alone in a process of its own with its peak memory;
and residents' steps while a report is built through the product's own task runner (`/baocao`:
a worker process, `bot/taskworker.py`), against the same steps just before."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, select

from bench import ROOT
from bench.harness.core import LoopMonitor, Options, Run, Section, Table, fmt, part
from bench.harness.db import databases, prepare_catalogs, settings_for
from bench.harness.generate import ensure_pg, ensure_sqlite
from bench.targets import EXPORT_GROWTH, REPORT_MEMORY, REPORT_SECONDS, REPORT_STEP_MAX
from bot.dispatcher import Dispatcher
from bot.model import Event
from bot.reports import report_scope
from bot.runtime import Runtime
from bot.services import officers as officer_service
from bot.services import tasks as task_service
from storage.db import create_engine
from storage.tables import outbox, tasks, users

RESIDENTS = 100_000
# The XLSX export is timed on one year's rows: xlsxwriter costs about 13 µs a cell, so every
# entry (22 columns) would take minutes; its memory is flat the same way (constant_memory).
BUILDS = ["stats", "report", "final", "export-csv", "export-json", "export-csv-year",
          "export-xlsx-year"]
LABELS = {
    "stats": "figures of a year (/thongke of the top unit)",
    "report": "yearly report: DOCX + XLSX annex + charts",
    "final": "whole plan's report (--final)",
    "export-csv": "open data, CSV, every entry",
    "export-json": "open data, JSON, every entry",
    "export-csv-year": "open data, CSV, one year's entries",
    "export-xlsx-year": "open data, XLSX, one year's entries",
}
STEP_RATE = 40.0  # residents' steps a second while the report is built
STEPPERS = 20
BASELINE_S = 5.0


def sizes(opts: Options) -> int:
    return 20_000 if opts.quick else 1_000_000


def build(url: str, what: str, out: Path, year: int) -> dict:
    """One build in a process of its own (bench/tools/report_run.py)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.tools.report_run", url, what, str(out), str(year)],
        cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


async def _officer(dispatcher: Dispatcher) -> dict:
    """A district officer of the top unit, registered as production does, and their row."""
    ref, now = dispatcher.ref, dispatcher.clock()
    top = ref.unit_by_slug[report_scope(ref)]
    async with dispatcher.engine.begin() as conn:
        code, _ = await officer_service.invite(conn, ref, unit=top.slug,
                                               role="district_officer", name="Cán bộ bench",
                                               now=now)
    await dispatcher.handle(Event(channel="console", user="bench-officer", text="/start"))
    await dispatcher.handle(Event(channel="console", user="bench-officer",
                                  text=f"/dangky {code}"))
    async with dispatcher.engine.connect() as conn:
        found = (await conn.execute(select(users).where(
            users.c.channel == "console", users.c.external_id == "bench-officer"))).first()
    return dict(found._mapping)


async def _step_loop(dispatcher: Dispatcher, run: Run, stop: asyncio.Event, n: int) -> None:
    """One resident: the help, again and again, at STEP_RATE / STEPPERS a second."""
    user = f"bench-resident-{n}"
    await dispatcher.handle(Event(channel="console", user=user, text="/start"))
    pause = STEPPERS / STEP_RATE
    while not stop.is_set():
        started = time.perf_counter()
        await dispatcher.handle(Event(channel="console", user=user, text="/trogiup"))
        run.latencies.append(time.perf_counter() - started)
        await asyncio.sleep(max(0.0, pause - (time.perf_counter() - started)))


async def steps_while_building(url: str, year: int) -> dict:
    """Residents' step latencies for BASELINE_S seconds, then while a yearly report is built by
    the product's task runner in its worker process."""
    settings = settings_for(url)
    engine = create_engine(url)
    dispatcher = Dispatcher(settings, engine)
    runtime = Runtime(dispatcher)
    try:
        officer = await _officer(dispatcher)
        phases = {}
        for phase in ("before", "during"):
            run, stop = Run(), asyncio.Event()
            async with LoopMonitor() as monitor:
                loops = [asyncio.create_task(_step_loop(dispatcher, run, stop, n))
                         for n in range(STEPPERS)]
                started = time.perf_counter()
                if phase == "before":
                    await asyncio.sleep(BASELINE_S)
                else:
                    async with engine.begin() as conn:
                        await task_service.request(conn, officer, "report",
                                                   {"year": year, "final": False},
                                                   dispatcher.clock())
                    await runtime.tasks.run_pending()
                stop.set()
                await asyncio.gather(*loops)
                run.wall = time.perf_counter() - started
            summary = run.summary()
            summary["max_loop_gap_ms"] = round(monitor.max_gap * 1000, 1)
            phases[phase] = summary
        return phases
    finally:
        runtime.tasks.close()
        async with engine.begin() as conn:  # leave the cached database as it was
            await conn.execute(delete(outbox).where(outbox.c.channel == "console"))
            await conn.execute(delete(tasks))
            await conn.execute(delete(users).where(users.c.channel == "console"))
        await engine.dispose()


async def _database(section: Section, backend: str, n_entries: int, year: int) -> None:
    ensure = ensure_sqlite if backend == "sqlite" else ensure_pg
    url, _generated, _cached = await ensure(n_entries, RESIDENTS)
    name = "SQLite" if backend == "sqlite" else "PostgreSQL"
    figures = section.data.setdefault(backend, {"entries": n_entries})
    with tempfile.TemporaryDirectory(prefix="sangkien-report-") as tmp:
        if backend == "sqlite":  # the steps write residents' rows: on a copy of the cache
            copy = Path(tmp) / "copy.db"
            shutil.copyfile(url.removeprefix("sqlite:///"), copy)
            steps_url = f"sqlite:///{copy}"
        else:
            steps_url = url
        table = Table(f"{name}: {n_entries:,} entries, year {year}; each build alone in a "
                      f"process", ["build", "seconds", "peak MB", "MB above the process at rest"])
        for what in BUILDS:
            out = Path(tmp) / what
            result = await asyncio.to_thread(build, url, what, out, year)
            figures[what] = result
            table.rows.append([LABELS[what], fmt(result["seconds"], 2), fmt(result["peak_mb"], 0),
                               fmt(result["peak_mb"] - result["baseline_mb"], 0)])
        section.tables.append(table)
        phases = await steps_while_building(steps_url, year)
    figures["steps"] = phases
    section.tables.append(Table(
        f"{name}: residents' steps ({STEP_RATE:g}/s) before and while the yearly report is built "
        "by the task runner", ["phase", "steps", "p50 ms", "p99 ms", "max ms", "loop gap ms"],
        [[phase, s["count"], fmt(s["p50_ms"], 2), fmt(s["p99_ms"], 2), fmt(s["max_ms"], 1),
          fmt(s["max_loop_gap_ms"], 1)] for phase, s in phases.items()]))
    report = figures["report"]
    section.targets += [
        REPORT_SECONDS.check(f"yearly report at {n_entries:,} entries ({name})",
                             report["seconds"]),
        REPORT_MEMORY.check(f"yearly report's peak memory ({name})", report["peak_mb"]),
        EXPORT_GROWTH.check(f"CSV export's memory, one year → every entry ({name})",
                            round(figures["export-csv"]["peak_mb"]
                                  - figures["export-csv-year"]["peak_mb"], 1)),
        REPORT_STEP_MAX.check(f"slowest resident step while the report is built ({name})",
                              phases["during"]["max_ms"]),
    ]


@part("report", "The office's report and exports with a district's five years of entries")
async def run(opts: Options) -> Section:
    prepare_catalogs()
    n_entries = sizes(opts)
    year = datetime.now(UTC).year - 1  # the last whole year of the generated district
    section = Section("report", "Reports and exports")
    if opts.quick:
        section.notes.append(f"--quick: {n_entries:,} entries instead of 1,000,000, SQLite only.")
    for backend in await databases(opts, section, missing="figures"):
        await _database(section, backend, n_entries, year)
    section.notes.append(
        "Peak memory is the build process's peak RSS (VmHWM); 'above the process at rest' "
        "subtracts its peak before the build started (interpreter, imports, one connection).")
    return section
