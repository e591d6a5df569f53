"""Reference (b)'s pause: how long PicklePersistence holds the event loop when the Application
writes N conversations in progress (`update_persistence`, every 60 s by default).

With `on_flush=False` (the default) every changed conversation and every changed user_data is
written by dumping the whole pickle file again, inside coroutines that never await, so the loop
is held for all of them at once: the pause grows with the square of N."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness.core import LoopMonitor, Table, fmt
from bench.harness.db import settings_for
from bench.harness.script import FlowScript, decode
from bench.refbots import bots
from bot.reference import Reference
from testing.fakebotapi import UpdateFactory

COUNTS = (1_000, 2_000, 5_000)
BUDGET_S = 240.0  # a measurement predicted to pause longer than this is extrapolated instead
MID_FLOW_STEPS = 5  # /start, consent, menu, ward, field: each resident now owes a title


@dataclass
class Pauses:
    points: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"points": self.points}

    def table(self) -> Table:
        table = Table("Reference (b): event-loop pause of one update_persistence with "
                      "PicklePersistence", ["conversations", "longest loop gap s",
                                            "update_persistence s", "pickle MB", "how"])
        for p in self.points:
            table.rows.append([fmt(p["conversations"]), fmt(p["gap_s"], 2),
                               fmt(p.get("seconds"), 2), fmt(p.get("pickle_mb"), 2),
                               "measured" if p["measured"] else "extrapolated (a·N²+b·N)"])
        return table


async def _one(count: int, script: FlowScript) -> dict:
    with tempfile.TemporaryDirectory(prefix="sangkien-bench-") as tmp:
        path = Path(tmp) / "conversationbot.pickle"
        app, _ = await bots.conversation(path)
        try:
            ids = [2_000_000 + i for i in range(count)]
            updates = script.updates(UpdateFactory(start=1), ids, 0, MID_FLOW_STEPS)
            for update in decode(app, updates):
                await app.process_update(update)
            async with LoopMonitor() as monitor:
                started = time.perf_counter()
                await app.update_persistence()
                seconds = time.perf_counter() - started
            size = path.stat().st_size / 1e6
        finally:
            app.persistence.on_flush = True
            await bots.stop(app)
    return {"conversations": count, "gap_s": round(monitor.max_gap, 3),
            "seconds": round(seconds, 3), "pickle_mb": round(size, 2), "measured": True}


def _fit(points: list[dict]) -> tuple[float, float]:
    """gap ≈ a·N² + b·N through the two largest measured points."""
    (n1, g1), (n2, g2) = [(p["conversations"], p["gap_s"]) for p in points[-2:]]
    a = (g2 / n2 - g1 / n1) / (n2 - n1)
    return a, g1 / n1 - a * n1


async def measure_pauses(counts=COUNTS, budget_s: float = BUDGET_S) -> Pauses:
    script = FlowScript(Reference(settings_for("sqlite://")))
    result = Pauses()
    for count in counts:
        measured = [p for p in result.points if p["measured"]]
        if len(measured) >= 2:
            a, b = _fit(measured)
            predicted = a * count * count + b * count
            if predicted > budget_s:
                result.points.append({"conversations": count, "gap_s": round(predicted, 1),
                                      "measured": False})
                result.notes.append(
                    f"The pause at {count:,} conversations is extrapolated from the measured "
                    f"points (predicted {predicted:.0f} s, over the {budget_s:.0f} s budget).")
                continue
        result.points.append(await _one(count, script))
    return result
