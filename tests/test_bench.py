"""The README's Performance table is printed by `python -m bench --readme` from bench/targets.py:
these keep the two from drifting apart, without running a benchmark."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench.__main__ import main
from bench.targets import ROWS

README = Path(__file__).resolve().parent.parent / "README.md"


def _performance_rows() -> list[list[str]]:
    section = README.read_text(encoding="utf-8").split("## Performance", 1)[1]
    lines = [line for line in section.splitlines() if line.startswith("| ")]
    rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]
    return rows[1:]  # below the header


def _readme_of(run: dict, tmp_path, capsys) -> str:
    """The table `python -m bench --readme RUN.json` prints for a saved run."""
    saved = tmp_path / "run.json"
    saved.write_text(json.dumps(run), encoding="utf-8")
    assert main(["--readme", str(saved)]) == 0
    return capsys.readouterr().out


def test_readme_performance_table_has_exactly_the_figures_bench_prints():
    assert [row[0] for row in _performance_rows()] == [row.figure for row in ROWS]


def test_readme_targets_are_the_ones_bench_checks():
    printed = {row.figure: row.target_text() for row in ROWS}
    assert {row[0]: row[2] for row in _performance_rows()} == printed


def test_readme_table_is_printed_from_a_saved_run(tmp_path, capsys):
    run = {"mode": "full", "date": "2026-11-26", "machine": {"cpus": 2, "python": "3.11.7"},
           "parts": {"step": {"figures": {"sqlite": {"p50_ms": 0.37, "p99_ms": 3.2}}},
                     "broadcast": {"figures": {"sqlite": {
                         "1000": {"recipients": 1000, "rss_growth_mb": 1.0},
                         "100000": {"recipients": 100000, "rss_growth_mb": 10.2}}}}}}
    out = _readme_of(run, tmp_path, capsys)
    assert "| 0.37 ms / 3.2 ms | p99 < 5 ms |" in out
    assert "| 9.2 MB (1,000 → 100,000) | < 50 MB |" in out
    assert re.search(r"\| lookup by code p99, SQLite \| — \|", out)  # not measured in that run
    assert "(full run of 2026-11-26, 2 CPUs, Python 3.11.7)" in out


def test_readme_table_marks_a_missed_target_as_missed(tmp_path, capsys):
    run = {"mode": "full", "parts": {
        "step": {"figures": {"sqlite": {"p50_ms": 0.9, "p99_ms": 7.5, "x_echo_p50": 2.2},
                             "sqlite, synchronous=NORMAL": {"x_echo_p50": 2.6}}},
        "broadcast": {"figures": {"real_rate": {"ratio_after_first_second": 0.9}},
                      "targets": [{"name": "real rate", "value": 0.9, "limit": 0.97,
                                   "op": ">=", "unit": "×", "met": False}]}}}
    out = _readme_of(run, tmp_path, capsys)
    assert "| 0.90 ms / 7.5 ms | p99 < 5 ms | ✗ missed |" in out
    assert "| 2.2× / 2.6× (echo: — p50, — updates/s) | ≤ 2.5× | ✓ met / ✗ missed |" in out
    assert "after the first second | 0.900 | ≥ 0.97× | ✗ missed |" in out


def test_readme_from_a_file_that_is_not_a_run_says_so(tmp_path, capsys):
    broken = tmp_path / "run.json"
    broken.write_text("not json", encoding="utf-8")

    assert main(["--readme", str(broken)]) == 2
    assert f"cannot read a --json run from {broken}" in capsys.readouterr().err


def test_readme_marks_each_broadcast_ratio_by_its_own_figure(tmp_path, capsys):
    # The three broadcast ratios share the goal ≥ 0.97: one missed must not mark the others.
    run = {"mode": "full", "parts": {
        "broadcast": {"figures": {
            "real_rate": {"ratio_after_first_second": 0.984},
            "sqlite": {"100000": {"recipients": 100000, "ratio_after_first_second": 0.986,
                                  "rss_growth_mb": 5.0}},
            "postgresql": {"100000": {"recipients": 100000, "ratio_after_first_second": 0.568,
                                      "rss_growth_mb": 5.0}}},
            "targets": [{"name": "pg at 2000/s", "value": 0.568, "limit": 0.97, "op": ">=",
                         "unit": "×", "met": False}]},
        "processes": {"figures": {"3": {"broadcast": {"ratio_after_first_second": 1.0}}}}}}
    out = _readme_of(run, tmp_path, capsys)
    assert "after the first second | 0.984 | ≥ 0.97× | ✓ met |" in out
    assert "| ≥ 0.97× | ✓ met / ✗ missed |" in out
    assert "after the first second | 1.000 | ≥ 0.97× | ✓ met |" in out
