"""One of the office's builds, alone in this process, for bench/parts/report.py: prints one JSON
line with its wall time, this process's peak RSS before it started (imports, engine) and after.

    python -m bench.tools.report_run URL WHAT OUT_DIR [YEAR]

WHAT: stats (the figures of the report's unit for YEAR), report (the yearly report: DOCX, XLSX,
charts), final (the report of the whole plan), export-csv, export-json (every entry),
export-csv-year, export-xlsx-year (the entries of YEAR only: for the CSV, the same export on
fewer rows, for memory's flatness).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.harness.db import settings_for
from bot.figures import Period
from bot.reference import Reference
from bot.reports import build_report, report_scope
from bot.services import opendata, stats
from storage.db import create_engine


def _peak_mb() -> float:
    """This process's peak RSS (VmHWM). Not ru_maxrss: on Linux that one keeps the peak of the
    process that forked this one (the bench, hundreds of megabytes) across the exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _run(url: str, what: str, out: Path, year: int) -> dict:
    settings = settings_for(url)
    ref = Reference(settings)
    engine = create_engine(url)
    top = report_scope(ref)
    now = datetime.now(UTC)
    # Open the pool and import lazily loaded modules before the baseline is read.
    async with engine.connect() as conn:
        await conn.exec_driver_sql("SELECT 1")
    baseline = _peak_mb()
    started = time.perf_counter()
    rows = None
    try:
        if what == "stats":
            async with engine.connect() as conn:
                figures = await stats.compute(conn, ref, scope=top, period=Period.year(year),
                                              now=now)
            rows = figures.total
        elif what in ("report", "final"):
            paths = await build_report(engine, settings, ref, year=year, final=what == "final",
                                       out_dir=out, now=now)
            rows = sum(p.stat().st_size for p in paths)
        elif what.startswith("export-"):
            fmt = what.split("-")[1]
            filters = opendata.Filters(year=year if what.endswith("-year") else None)
            with (out / f"export.{fmt}").open("wb") as fh:
                rows = await opendata.export(engine, ref, fmt=fmt, fields=None, filters=filters,
                                             out=fh, lang="vi")
        else:
            raise SystemExit(f"unknown build {what!r}")
    finally:
        await engine.dispose()
    return {"what": what, "seconds": round(time.perf_counter() - started, 2),
            "baseline_mb": round(baseline, 1), "peak_mb": round(_peak_mb(), 1), "rows": rows}


def main() -> None:
    url, what, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    year = int(sys.argv[4]) if len(sys.argv) > 4 else datetime.now(UTC).year - 1
    out.mkdir(parents=True, exist_ok=True)
    print(json.dumps(asyncio.run(_run(url, what, out, year))), flush=True)


if __name__ == "__main__":
    main()
