"""Benchmarks for the product's non-functional targets (bench/targets.py: the one table of them).

`python -m bench [--quick] [--json] [--only step,scale] [--readme [RUN.json]]`. The shape:

- bench/parts/: one module per part (step, scale, broadcast, processes, crashref), each
  registered in `bench.harness.core.PARTS`; `bench.__main__.PART_MODULES` lists them in the
  order they run;
- bench/harness/: what the parts share (results, timing, report, scripted residents, databases);
- bench/refbots/: the python-telegram-bot reference bots the product is compared with;
- bench/tools/: diagnostic tools run by hand (profiles, decompositions, pauses measured apart);
- bench/targets.py: the one table of targets and of the README's Performance figures.

The fakes of Telegram's Bot API come from the project's `testing` package, as in the tests.
Nothing here is imported by the product; tests/test_bench.py holds the README to bench/targets.py.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = Path("/tmp/sangkien-bench")
