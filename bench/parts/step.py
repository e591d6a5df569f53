"""Part "step": a resident's step through the real Application, against python-telegram-bot's
echo bot (the floor) and the same flow written with ConversationHandler + PicklePersistence."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.harness.core import Options, Run, Section, Table, fmt, part
from bench.harness.db import databases, fresh_database, prepare_catalogs, settings_for
from bench.harness.drive import Subject, ours_subject, sent_messages, walk_one
from bench.harness.prefill import prefill
from bench.harness.script import STEPS_PER_RESIDENT, FlowScript
from bench.refbots import bots
from bench.targets import ECHO_FACTOR, LOOP_GAP, SERIALISATION_COST, STEP_P99
from bench.tools import gcpause
from bench.tools.pickle_pause import measure_pauses
from bot.flood import FloodGate
from bot.reference import Reference

IN_PROGRESS = 10_000


def sizes(opts: Options) -> tuple[int, int]:
    """(residents per round, rounds): rounds of every bot alternate, so drift hits all alike."""
    return (200, 1) if opts.quick else (500, 3)


async def _references(script: FlowScript, pickle_file: Path) -> tuple[Subject, Subject]:
    app, api = await bots.echo()
    echo = Subject("echo", app, api, script, sent_messages(api), STEPS_PER_RESIDENT)
    app, api = await bots.conversation(pickle_file)

    async def entries() -> int:
        return len(app.bot_data.get("entries", {}))

    return echo, Subject("conversation", app, api, script, entries)


async def _phase(ours: Subject, refs: tuple[Subject, ...], users: int, rounds: int) -> Run:
    for _ in range(rounds):
        for subject in (*refs, ours):
            await subject.play(users)
    return ours.take_run()


async def _backend(backend: str, script: FlowScript, ref: Reference, refs, users, rounds,
                   results: dict[str, Run]) -> None:
    async with fresh_database(backend) as (url, engine):
        ours = await ours_subject(settings_for(url), engine, script)
        try:
            await walk_one(ours)  # also learns the phone question's skip label
            await ours.play(10, timed=False)
            if backend == "postgresql":
                await _serialisation(ours, refs, users, rounds, results)
            else:
                results[backend] = await _phase(ours, refs, users, rounds)
            await prefill(engine, ref, IN_PROGRESS)
            results[f"{backend}+{IN_PROGRESS // 1000}k"] = await _phase(
                ours, refs, users, rounds)
        finally:
            await bots.stop(ours.app)


# What several processes on one PostgreSQL database cost a step (issue 11), measured by turning
# it off in the same run, round by round: the per-sender advisory lock (Dispatcher.serialise),
# and that lock with flood control counted in the database (SharedFloodGate) instead of in memory.
SERIALISATION = ("postgresql, one process's way", "postgresql, lock only")


async def _serialisation(ours: Subject, refs, users: int, rounds: int,
                         results: dict[str, Run]) -> None:
    dispatcher = ours.app.bot_data["channel"].dispatcher
    settings = dispatcher.settings
    ways = {SERIALISATION[0]: (False, FloodGate(settings.flood_burst, settings.flood_rate)),
            SERIALISATION[1]: (True, FloodGate(settings.flood_burst, settings.flood_rate)),
            "postgresql": (True, dispatcher.flood)}  # as it runs
    runs = {key: Run() for key in ways}
    for _ in range(rounds):
        for key, (serialise, flood) in ways.items():
            dispatcher.serialise, dispatcher.flood = serialise, flood
            for subject in refs:
                await subject.play(users)
            await ours.play(users)
            runs[key] = runs[key].merge(ours.take_run())
    dispatcher.serialise, dispatcher.flood = ways["postgresql"]
    results.update(runs)


@part("step", "A resident's step: update in, reply out, its answer committed")
async def run(opts: Options) -> Section:
    prepare_catalogs()
    users, rounds = sizes(opts)
    ref = Reference(settings_for("sqlite://"))
    script = FlowScript(ref)
    section = Section("step", "Step")
    if opts.quick:
        section.notes.append("--quick: SQLite only.")
    backends = await databases(opts, section)
    results: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="sangkien-bench-") as tmp:
        echo, conv = await _references(script, Path(tmp) / "conversationbot.pickle")
        try:
            for subject in (echo, conv):
                await subject.play(10, timed=False)
            for backend in backends:
                await _backend(backend, script, ref, (echo, conv), users, rounds, results)
        finally:
            conv.app.persistence.on_flush = True  # its per-write dumps are measured below
            for subject in (echo, conv):
                await bots.stop(subject.app)
    echo_run, conv_run = echo.take_run(), conv.take_run()
    _report(section, echo_run, conv_run, results, users, rounds)
    _gc_report(section, await asyncio.to_thread(gcpause.measure))
    if not opts.quick:
        started = time.perf_counter()
        pauses = await measure_pauses()
        section.data["pickle_pauses"] = pauses.as_json()
        section.tables.append(pauses.table())
        section.notes += pauses.notes
        section.data["pickle_pauses"]["seconds"] = round(time.perf_counter() - started, 1)
    return section


def _gc_report(section: Section, probe: dict) -> None:
    passes = probe["full_gc_ms"]
    median = statistics.median(passes)
    section.data["full_gc"] = {**probe, "median_ms": round(median, 2)}
    section.tables.append(Table(
        "Garbage collector: a full pass over a freshly built bot's heap (fresh interpreter, "
        "imports + engine + Application)",
        ["objects", "median ms", "max ms", "after gc.freeze() ms"],
        [[fmt(probe["objects"]), fmt(median, 1), fmt(passes[-1], 1),
          fmt(max(probe["after_freeze_ms"]), 3)]]))
    # `sangkien run` freezes what start-up built (gc.freeze()), so that is the pause it can meet;
    # the unfrozen figure above shows why it does.
    section.targets.append(LOOP_GAP.check("full GC pass after start-up's gc.freeze() (worst of 3)",
                                          round(max(probe["after_freeze_ms"]), 3)))


LABELS = {
    "echo": "PTB echo bot (floor)",
    "conversation": "PTB ConversationHandler + PicklePersistence",
}


def _label(key: str) -> tuple[str, str]:
    if key in LABELS:
        return LABELS[key], "—"
    if key == SERIALISATION[0]:
        return "ours, no per-sender lock, flood in memory", "PostgreSQL"
    if key == SERIALISATION[1]:
        return "ours, per-sender lock, flood in memory", "PostgreSQL"
    backend, _, extra = key.partition("+")
    name = "ours" + (f", {IN_PROGRESS:,} in progress" if extra else "")
    return name, "SQLite" if backend == "sqlite" else "PostgreSQL"


def _row(key: str, run: Run, echo: Run) -> tuple[list, dict]:
    s = run.summary()
    by_p50 = run.ms(50) / echo.ms(50)
    by_rate = echo.per_second / run.per_second
    name, db = _label(key)
    row = [name, db, fmt(s["per_second"], 0), fmt(s["p50_ms"], 3), fmt(s["p99_ms"], 3),
           fmt(s["max_ms"], 1), fmt(by_p50, 1), fmt(by_rate, 1), fmt(s["max_loop_gap_ms"], 1)]
    return row, {**s, "x_echo_p50": round(by_p50, 2), "x_echo_throughput": round(by_rate, 2)}


def _report(section: Section, echo: Run, conv: Run, results: dict[str, Run], users: int,
            rounds: int) -> None:
    table = Table(
        f"{users} residents × {STEPS_PER_RESIDENT} updates × {rounds} round(s) per bot, "
        "interleaved; latency = time around Application.process_update",
        ["bot", "database", "updates/s", "p50 ms", "p99 ms", "max ms", "×echo p50",
         "×echo thr", "loop gap ms"],
    )
    data: dict = {"residents": users, "rounds": rounds, "steps": STEPS_PER_RESIDENT}
    for key, run in [("echo", echo), ("conversation", conv), *results.items()]:
        row, figures = _row(key, run, echo)
        table.rows.append(row)
        data[key] = figures
    section.tables.append(table)
    section.data.update(data)
    for key in results:
        name, db = _label(key)
        where = f"{name}, {db}"
        if key.startswith("sqlite"):
            section.targets += [
                ECHO_FACTOR.check(f"step ×echo by p50 ({where})", data[key]["x_echo_p50"]),
                ECHO_FACTOR.check(f"step ×echo by throughput ({where})",
                                  data[key]["x_echo_throughput"]),
                STEP_P99.check(f"step p99 ({where})", data[key]["p99_ms"]),
            ]
        section.targets.append(LOOP_GAP.check(f"longest event-loop gap ({where})",
                                              data[key]["max_loop_gap_ms"]))
    if SERIALISATION[0] in data:
        alone = data[SERIALISATION[0]]
        for key, what in ((SERIALISATION[1], "per-sender lock"),
                          ("postgresql", "per-sender lock + flood in the database")):
            cost = round(data[key]["mean_ms"] - alone["mean_ms"], 3)
            data[f"cost of {what}"] = {"mean_ms": cost,
                                       "p50_ms": round(data[key]["p50_ms"] - alone["p50_ms"], 3)}
            section.targets.append(SERIALISATION_COST.check(
                f"what several processes cost a step on PostgreSQL: {what} (mean)", cost))
    section.notes += [
        "×echo = ours / echo by p50 latency, and echo / ours by throughput (how many echo "
        "updates fit in the time of one of ours). Loop gap = longest time between two wake-ups "
        "of a task sleeping 1 ms (1 ms included), the loop handed over between updates as the "
        "network would; objects older than the round are frozen out of the collector "
        "(gc.freeze), whose full pass is measured apart.",
        "Ours runs with its AIORateLimiter in the path, but the limiter's overall bucket "
        "(Telegram's 30 messages/s) is lifted: otherwise steps would wait for tokens.",
        "The ConversationHandler row is its in-memory cost: PicklePersistence writes nothing "
        "until update_persistence (every 60 s by default); that write is measured apart "
        "(full run).",
    ]
