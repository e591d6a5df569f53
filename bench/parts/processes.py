"""Part "processes" (full run, PostgreSQL): 1, 2 and 3 `sangkien serve` processes on one
database, behind the round-robin proxy of testing.cluster, as Telegram reaches a bot deployed on
several machines (each update to the next process in turn).

(a) Steps: one resident alone (ALONE_FORMS forms of the idea flow of bench.harness.script, 12
    updates a form), then RESIDENTS residents at once (FORMS forms each), each answering as soon
    as the bot's answer is complete. A step's time = from posting the update to the proxy until
    the message that completes its answer (the one with buttons) reaches the loopback Bot API;
    steps/s = updates answered ÷ wall time, residents at once.
(b) An announcement to SUBSCRIBERS subscribers at broadcast_rate=LIMIT, Telegram's real 30/s (the
    setting is messages per second in all, Telegram's limit being the bot's, not a process's):
    the messages/s that reach the API from all processes together, after the first second,
    ÷ LIMIT: at most PROCESSES_RATE (never faster than the setting) and, with three processes,
    at least RATE_RATIO (the setting reached).

Not in --quick: the quick run is SQLite only and needs no database server, and several processes
share PostgreSQL; starting the three clusters and pacing the announcements take over a minute.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from bench.harness.core import Options, Run, Section, Table, fmt, part
from bench.harness.db import (
    PG_PROCESSES_DB,
    pg_available,
    prepare_catalogs,
    reset_pg,
    settings_for,
)
from bench.harness.script import FlowScript, Step
from bench.targets import PROCESSES_RATE, RATE_RATIO
from bot.reference import Reference
from bot.services import broadcasts as broadcast_service
from bot.services.review import Actor
from storage.db import create_engine, migrate
from storage.tables import entries, users
from testing.cluster import Cluster

SIZES = (1, 2, 3)
RESIDENTS = 20
FORMS = 3
ALONE_FORMS = 4
LIMIT = 30.0  # the announcement's rate setting, messages/s: Telegram's limit for a bot
SUBSCRIBERS = 450  # 15 s at LIMIT
ANSWER_S = 30.0
TEXT = "Thông báo: lịch tiếp công dân tháng 12 tại trụ sở phường và trên cổng thông tin."


class BenchError(RuntimeError):
    """The processes did not behave as the script expects."""


# --- (a) steps ------------------------------------------------------------------------------
def _resident(cluster: Cluster, script: FlowScript, user: int, n: int) -> list[float]:
    """One form, answered step by step; each step's time to its complete answer."""
    api, telegram, times = cluster.api, cluster.telegram, []
    for step in script.steps(n):
        seen = len(api.replies_to(user))
        posted = time.monotonic()
        delivery = _send(telegram, user, step)
        if delivery.status != 200:
            raise BenchError(f"update of {user} refused: {delivery}")
        if not api.wait(lambda seen=seen: api.answered(user, seen), ANSWER_S):
            raise BenchError(f"{user} got no answer to {step} in {ANSWER_S:.0f} s")
        times.append(api.replies_to(user)[-1]["at"] - posted)
    return times


def _send(telegram, user: int, step: Step):
    if step.kind == "press":
        return telegram.press(user, step.value)
    return telegram.text(user, step.value)  # typed, or a reply keyboard's label


def _steps(cluster: Cluster, script: FlowScript, residents: int, forms: int,
           first_user: int) -> Run:
    def one(n: int) -> list[float]:
        times = []
        for form in range(forms):
            times += _resident(cluster, script, first_user + n * 100 + form, n)
        return times

    started = time.monotonic()
    with ThreadPoolExecutor(residents) as pool:
        latencies = [t for times in pool.map(one, range(residents)) for t in times]
    return Run(latencies=latencies, wall=time.monotonic() - started)


def _cpu_s(pids: list[int]) -> float | None:
    """CPU seconds (user + system) the processes used so far; None where /proc is missing."""
    try:
        total = 0
        for pid in pids:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    except OSError:
        return None
    return total / os.sysconf("SC_CLK_TCK")


# --- (b) an announcement ------------------------------------------------------------------------
async def _announce(url: str) -> None:
    engine = create_engine(url)
    now = datetime.now(UTC)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(users), [
                {"channel": "telegram", "external_id": str(5_000_000 + n), "lang": "vi",
                 "consent_version": "2026-11", "consented_at": now, "subscribed": True,
                 "role": "resident", "interests": {}, "state": "menu", "data": {},
                 "last_update_id": 0, "updated_at": now} for n in range(SUBSCRIBERS)])
            outcome = await broadcast_service.create(
                conn, Actor(user_id=None, role="communications"), text=TEXT, photo=None,
                audience={"kind": "all"}, send_at=now, now=now)
        if not outcome.ok:
            raise BenchError("the announcement was refused")
    finally:
        await engine.dispose()


def _broadcast(cluster: Cluster) -> dict:
    api = cluster.api

    def announced() -> list[dict]:
        return [m for m in api.sent if TEXT in m["text"]]

    if not api.wait(lambda: len(announced()) >= SUBSCRIBERS, SUBSCRIBERS / LIMIT + 30):
        raise BenchError(f"{len(announced())} of {SUBSCRIBERS} announcements sent")
    messages = announced()
    times = sorted(m["at"] for m in messages)
    steady = [t for t in times if t >= times[0] + 1.0]
    span = times[-1] - times[0]
    rate = len(steady) / (span - 1.0) if span > 1.0 else float("nan")
    return {"recipients": SUBSCRIBERS, "limit": LIMIT, "messages": len(messages),
            "seconds": round(span, 2), "messages_per_s": round(rate, 1),
            "ratio_after_first_second": round(rate / LIMIT, 3),
            "by_process": dict(sorted(Counter(m["via"] for m in messages).items()))}


# --- one size -----------------------------------------------------------------------------------
async def _entries(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(entries))).scalar_one()
    finally:
        await engine.dispose()


async def _size(size: int, script: FlowScript, workdir: Path) -> dict:
    url = await reset_pg(PG_PROCESSES_DB)
    engine = create_engine(url)
    await migrate(engine)
    await engine.dispose()
    env = {"SANGKIEN_FLOOD_BURST": "10000000", "SANGKIEN_BROADCAST_RATE": str(LIMIT),
           "SANGKIEN_TELEGRAM_OVERALL_RATE": "100000"}  # PTB's own limiter out of the way
    cluster = Cluster(url, workdir / f"size-{size}", size, env=env)
    try:
        await asyncio.to_thread(cluster.start)
        alone = await asyncio.to_thread(_steps, cluster, script, 1, ALONE_FORMS, 8_000_000)
        pids = [proc.pid for proc in cluster.procs]
        cpu_before = _cpu_s(pids)
        steps = await asyncio.to_thread(_steps, cluster, script, RESIDENTS, FORMS, 8_100_000)
        cpu_after = _cpu_s(pids)
        stored = await _entries(url)
        if stored != ALONE_FORMS + RESIDENTS * FORMS:
            raise BenchError(f"{stored} entries stored, {ALONE_FORMS + RESIDENTS * FORMS} "
                             "sent")
        await _announce(url)
        broadcast = await asyncio.to_thread(_broadcast, cluster)
    finally:
        await asyncio.to_thread(cluster.stop)
    alone, at_once = _summary(alone), _summary(steps)
    at_once["bot_cpu_ms_per_step"] = None if cpu_before is None or cpu_after is None else \
        round((cpu_after - cpu_before) / steps.count * 1000, 2)
    return {"alone": alone, "steps": at_once, "broadcast": broadcast}


def _summary(run: Run) -> dict:
    summary = run.summary()
    del summary["max_loop_gap_ms"]  # no loop of ours to watch: the steps run in other processes
    return summary


@part("processes", "Several `sangkien serve` processes on one PostgreSQL database")
async def run(opts: Options) -> Section:
    section = Section("processes", "1, 2 and 3 `sangkien serve` processes behind one proxy")
    if opts.quick:
        section.notes.append("Skipped in --quick: several processes share PostgreSQL (the quick "
                             "run is SQLite only) and the three clusters take over a minute; "
                             "run it without --quick.")
        section.data["skipped"] = "quick"
        return section
    if not await pg_available():
        section.notes.append("PostgreSQL was not reachable: nothing measured.")
        section.data["skipped"] = "postgresql"
        return section
    prepare_catalogs()
    script = FlowScript(Reference(settings_for("sqlite://")))
    with tempfile.TemporaryDirectory(prefix="sangkien-bench-") as tmp:
        for size in SIZES:
            section.data[str(size)] = await _size(size, script, Path(tmp))
    _report(section)
    return section


def _report(section: Section) -> None:
    steps = Table(
        f"(a) through the round-robin proxy, a step = update posted → its complete answer at "
        f"the Bot API: one resident alone ({ALONE_FORMS} idea forms, 12 updates each), then "
        f"{RESIDENTS} residents at once ({FORMS} forms each)",
        ["processes", "alone p50 ms", "alone p99 ms", "at once: steps", "steps/s", "p50 ms",
         "p99 ms", "max ms", "bots' CPU ms/step"])
    announcements = Table(
        f"(b) an announcement to {SUBSCRIBERS:,} subscribers at broadcast_rate={LIMIT:.0f}/s, "
        "every process running its worker",
        ["processes", "messages", "seconds", "messages/s after 1st s", "÷ limit",
         "sent by process"])
    for size in SIZES:
        figures = section.data[str(size)]
        a, s, b = figures["alone"], figures["steps"], figures["broadcast"]
        steps.rows.append([size, fmt(a["p50_ms"], 1), fmt(a["p99_ms"], 1), fmt(s["count"]),
                           fmt(s["per_second"], 1), fmt(s["p50_ms"], 1), fmt(s["p99_ms"], 1),
                           fmt(s["max_ms"], 1), fmt(s["bot_cpu_ms_per_step"], 1)])
        announcements.rows.append([
            size, fmt(b["messages"]), fmt(b["seconds"], 1), fmt(b["messages_per_s"], 1),
            fmt(b["ratio_after_first_second"], 3),
            ", ".join(f"{via}: {count}" for via, count in b["by_process"].items())])
        section.targets.append(PROCESSES_RATE.check(
            f"announcement with {size} process(es): achieved ÷ broadcast_rate",
            b["ratio_after_first_second"]))
        if size == 3:
            section.targets.append(RATE_RATIO.check(
                f"announcement at the real {LIMIT:.0f}/s from {size} processes: achieved ÷ "
                "limit, after the first second", b["ratio_after_first_second"]))
    section.tables += [steps, announcements]
    section.notes += [
        f"(a): with {RESIDENTS} residents waiting on {RESIDENTS} answers at once, a step's "
        "time is mostly its wait in a process's queue (residents ÷ steps/s); the resident "
        "alone shows a step's own time.",
        "python-telegram-bot's own limiter (telegram_overall_rate, 30 messages/s a process by "
        "default) is lifted: with it, one process answers at most 30 messages a second. "
        "bots' CPU ms/step: the bot processes' CPU time during (a) at once ÷ its steps.",
        "Every process, the proxy, the loopback Bot API, PostgreSQL and the residents share "
        "this machine's CPUs: more processes add parallel steps only where there are cores "
        "to run them.",
        "(b): a process starts delivering at its worker's next round (every 5 s), so the "
        "others join the first a few seconds late; the messages after the first second over "
        "the time they took, ÷ the setting, is checked: above 1 the bot as a whole sends "
        "faster than broadcast_rate (here Telegram's own 30/s); with three processes, below "
        "0.97 it falls short of it.",
    ]
