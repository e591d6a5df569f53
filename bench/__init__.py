"""Benchmarks for the non-functional targets in DESIGN.md ("Non-functional targets").

`python -m bench [--quick] [--json] [--only step,scale]`. Each part lives in its own module and
registers itself in `bench.core.PARTS`; `bench.__main__.PART_MODULES` lists the modules to load,
in the order they run. Nothing here is imported by the product or by the tests.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = Path("/tmp/sangkien-bench")
