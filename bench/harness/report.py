"""Rendering: aligned tables for people, one JSON object for machines (bench.targets prints the
README's table from that object)."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from typing import Any

from bench.harness.core import Section, Table, Target, fmt


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count()}


def _status(target: Target) -> str:
    if target.failed:
        return "FAILED"
    if target.met is None:
        return "n/a"
    return "met" if target.met else "MISSED"


def targets_table(targets: list[Target]) -> Table:
    table = Table("Targets (bench/targets.py)",
                  ["figure", "value", "target", "status"])
    for t in targets:
        unit = f" {t.unit}" if t.unit and t.unit != "×" else t.unit
        value = "—" if t.value is None else f"{fmt(float(t.value), 2)}{unit}"
        digits = 0 if float(t.limit).is_integer() else 2
        table.rows.append([t.name, value, f"{t.op} {fmt(float(t.limit), digits)}{unit}",
                           _status(t)])
    return table


def render_table(table: Table) -> str:
    cells = [[str(c) for c in row] for row in table.rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(table.headers)]
    numeric = [i > 0 and all(_numeric(r[i]) for r in cells) for i in range(len(widths))]

    def line(values: list[str]) -> str:
        parts = [v.rjust(w) if numeric[i] else v.ljust(w)
                 for i, (v, w) in enumerate(zip(values, widths, strict=True))]
        return "  ".join(parts).rstrip()

    out = [table.title, line(table.headers), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _numeric(text: str) -> bool:
    stripped = text.replace(",", "").replace(".", "").replace("×", "").replace("—", "")
    return stripped.strip().lstrip("-").isdigit() or text == "—"


def render_text(sections: list[Section], mode: str) -> str:
    out = [f"Sáng kiến benchmarks ({mode} run) — Python {platform.python_version()}, "
           f"{os.cpu_count()} CPUs"]
    for s in sections:
        out += ["", f"== {s.title} ({s.seconds:.1f} s) " + "=" * 20]
        for table in s.tables:
            out += ["", render_table(table)]
        if s.targets:
            out += ["", render_table(targets_table(s.targets))]
        out += [f"* {note}" for note in s.notes]
    missed = [t.name for s in sections for t in s.targets if t.met is False]
    out += ["", f"Targets missed: {len(missed)}" + (": " + "; ".join(missed) if missed else "")]
    return "\n".join(out)


def document(sections: list[Section], mode: str) -> dict[str, Any]:
    """The run as plain data: what `--json` prints and `--readme` reads."""
    return json.loads(json.dumps({
        "mode": mode,
        "date": datetime.now(UTC).date().isoformat(),
        "machine": machine(),
        "parts": {
            s.name: {"title": s.title, "seconds": round(s.seconds, 2), "figures": s.data,
                     "targets": [t.as_json() for t in s.targets], "notes": s.notes}
            for s in sections
        },
        "targets_missed": [t.name for s in sections for t in s.targets if t.met is False],
    }, default=str))  # through JSON, so that a run reads the same as its saved --json output


def render_json(sections: list[Section], mode: str) -> str:
    return json.dumps(document(sections, mode), ensure_ascii=False)


def emit(text: str) -> None:
    sys.stdout.write(text + "\n")
