"""`python -m bench [--quick] [--json] [--only step,scale] [--readme [RUN.json]]`, run from the
project directory.

Parts are modules that register themselves with `bench.harness.core.part`; to add one (a
"reports" part, say), write bench/parts/reports.py with a `@part("reports", "…")` coroutine, add
its module name to PART_MODULES below, and its targets and README rows to bench/targets.py.

`--readme` prints the README's Performance table (markdown) from the run it makes, or, given a
file, from a saved `--json` run without running anything.

Where a step's time goes: `python -m bench.tools.profile_step [--backend postgresql]`; a broadcast
message's: `python -m bench.tools.profile_broadcast [--backend postgresql]`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import sys
import time
import traceback

from bench.harness.core import PARTS, Options, Section
from bench.harness.report import document, emit, render_json, render_text
from bench.targets import readme_table

# The registry of parts, in the order they run.
PART_MODULES = (
    "bench.parts.step",
    "bench.parts.scale",
    "bench.parts.broadcast",
    "bench.parts.report",
    "bench.parts.processes",  # full run only (PostgreSQL)
    "bench.parts.crashref",  # full run only
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, SQLite only")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--only", help="comma-separated parts: " + ", ".join(_names()))
    parser.add_argument("--readme", nargs="?", const="", metavar="RUN.json",
                        help="print the README's Performance table, from this run or from a "
                             "saved --json run")
    return parser


def _names() -> list[str]:
    for module in PART_MODULES:
        importlib.import_module(module)
    return list(PARTS)


async def _run_part(name: str, opts: Options) -> Section:
    p = PARTS[name]
    print(f"[bench] {name}: {p.title} …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        section = await p.run(opts)
    except Exception as error:  # one failing part must not hide the others' figures
        traceback.print_exc()
        section = Section(name, p.title, notes=[f"FAILED: {type(error).__name__}: {error}"])
        section.data["error"] = f"{type(error).__name__}: {error}"
    section.seconds = time.perf_counter() - started
    print(f"[bench] {name}: {section.seconds:.1f} s", file=sys.stderr, flush=True)
    return section


async def _main(names: list[str], opts: Options) -> list[Section]:
    return [await _run_part(name, opts) for name in names]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.readme:
        return _readme_from(args.readme)
    known = _names()
    names = known if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        print(f"unknown part(s): {', '.join(unknown)}; known: {', '.join(known)}",
              file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    mode = "quick" if args.quick else "full"
    sections = asyncio.run(_main(names, Options(quick=args.quick)))
    if args.readme is not None:
        emit(readme_table(document(sections, mode)))
    else:
        emit(render_json(sections, mode) if args.json else render_text(sections, mode))
    return 1 if any("error" in s.data for s in sections) else 0


def _readme_from(path: str) -> int:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as error:
        print(f"cannot read a --json run from {path}: {error}", file=sys.stderr)
        return 2
    emit(readme_table(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
