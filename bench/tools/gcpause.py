"""The garbage collector's full pass over a bot process's heap: a pause of the event loop that
no step causes but every long-running process eventually takes (a generation-2 collection).

Measured in a fresh interpreter that imports and builds what `sangkien run` does (engine,
migrations, dispatcher, Application), so the benchmark harness's own objects do not count."""

from __future__ import annotations

import json
import subprocess
import sys

from bench import ROOT

PROBE = r"""
import asyncio, gc, json, sys, tempfile, time
from pathlib import Path
from bot.cli import prepare
from bot.config import load_settings
from bot.channels.telegram import build_application

async def build(url):
    settings = load_settings(database_url=url, telegram_token="123:TEST")
    engine, dispatcher = await prepare(settings)
    app = build_application(settings, dispatcher)
    await engine.dispose()
    return app

with tempfile.TemporaryDirectory() as tmp:
    app = asyncio.run(build(f"sqlite:///{Path(tmp) / 'gc.db'}"))
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        gc.collect()
        times.append(time.perf_counter() - t0)
    frozen = []
    gc.freeze()
    for _ in range(3):
        t0 = time.perf_counter()
        gc.collect()
        frozen.append(time.perf_counter() - t0)
    print(json.dumps({"objects": len(gc.get_objects()) + gc.get_freeze_count(),
                      "full_gc_ms": sorted(t * 1000 for t in times),
                      "after_freeze_ms": sorted(t * 1000 for t in frozen)}))
"""


def measure() -> dict:
    """{"objects", "full_gc_ms" (sorted, 5 passes), "after_freeze_ms" (3 passes)}."""
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"GC probe failed: {done.stderr[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
