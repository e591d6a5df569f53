"""A broadcast to N subscribers, set up the way tests/test_telegram_broadcast.py does it, and the
product's worker (`bot.broadcaster.Broadcaster`) delivering it through the real Telegram
Application on the in-process fake Bot API.

`python -m bench.harness.bcastworld URL --rate R [--traced [--window N]]` runs the worker once
over the broadcast already in URL's database and prints one JSON line: the memory figures need a
fresh interpreter per size, so that one size's heap does not contaminate the next one's.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.harness.db import settings_for
from bot.channels.telegram import build_application
from bot.dispatcher import Dispatcher
from bot.runtime import Runtime
from bot.services import broadcasts as broadcast_service
from bot.services.review import Actor
from storage.db import create_engine, migrate
from storage.tables import broadcasts, deliveries, outbox, users
from testing.fakebotapi import FakeBotAPI

FIRST_CHAT = 5_000_000
BATCH = 5_000
TOKEN = "123:TEST"
TEXT = "Thông báo: lịch tiếp công dân tháng 12 tại trụ sở phường và trên cổng thông tin."


class CountingAPI(FakeBotAPI):
    """The fake Bot API, answering at once, that keeps no record of the calls (100,000 of them
    would be the harness's memory, not the worker's) but counts messages and their times."""

    def __init__(self, keep_times: bool = False) -> None:
        super().__init__()
        self.messages = 0
        self.times: list[float] | None = [] if keep_times else None
        # For the rate after the first second, without keeping 100,000 times: when the first
        # and the last message came, and how many came a second or more after the first.
        self.first: float | None = None
        self.last: float | None = None
        self.steady = 0

    async def do_request(self, url: str, method: str, request_data=None, read_timeout=None,
                         write_timeout=None, connect_timeout=None, pool_timeout=None):
        answer = await super().do_request(url, method, request_data, read_timeout,
                                          write_timeout, connect_timeout, pool_timeout)
        self.calls.clear()
        if url.endswith("/sendMessage") and answer[0] == 200:
            self.messages += 1
            now = self.last = time.perf_counter()
            if self.first is None:
                self.first = now
            elif now - self.first >= 1.0:
                self.steady += 1
            if self.times is not None:
                self.times.append(now)
        return answer


def subscriber(n: int, now: datetime) -> dict:
    return {"channel": "telegram", "external_id": str(FIRST_CHAT + n), "lang": "vi",
            "consent_version": "2026-11", "consented_at": now, "subscribed": True,
            "role": "resident", "interests": {}, "state": "menu", "data": {},
            "last_update_id": 0, "updated_at": now}


async def populate(engine: AsyncEngine, count: int) -> int:
    """Migrate, add a communications officer (the sender, not a recipient) and `count`
    subscribers; returns the sender's users.id."""
    await migrate(engine)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        sender = (await conn.execute(insert(users).values(
            channel="telegram", external_id="4000001", lang="vi", subscribed=False,
            role="communications", interests={}, state="menu", data={}, last_update_id=0,
            updated_at=now).returning(users.c.id))).scalar_one()
    for start in range(0, count, BATCH):
        rows = [subscriber(n, now) for n in range(start, min(count, start + BATCH))]
        async with engine.begin() as conn:
            await conn.execute(insert(users), rows)
    return sender


async def new_broadcast(engine: AsyncEngine, sender: int) -> int:
    """Empty the ledger and queue one announcement to everyone, due now."""
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(delete(deliveries))
        await conn.execute(delete(outbox))
        await conn.execute(delete(broadcasts))
        outcome = await broadcast_service.create(
            conn, Actor(user_id=sender, role="communications"), text=TEXT, photo=None,
            audience={"kind": "all"}, send_at=now, now=now)
    if not outcome.ok:
        raise RuntimeError(f"the product refused the broadcast: {outcome}")
    return outcome.params["id"]


async def sent_rows(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        result = await conn.execute(select(deliveries.c.status, func.count())
                                    .group_by(deliveries.c.status))
        return {status: n for status, n in result}


async def reset_blocked(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(users).values(blocked_at=None))


class Worker:
    """Engine, dispatcher, Application on the counting fake API, and a Broadcaster that sends
    through the Telegram channel."""

    def __init__(self, url: str, rate: float, keep_times: bool = False):
        self.settings = replace(settings_for(url), telegram_overall_rate=1_000_000,
                                broadcast_rate=rate)
        self.engine = create_engine(url)
        self.api = CountingAPI(keep_times)
        self.rate = rate

    async def __aenter__(self) -> Worker:
        dispatcher = Dispatcher(self.settings, self.engine)
        runtime = Runtime(dispatcher, broadcast_rate=self.rate)
        self.app = build_application(self.settings, dispatcher, token=TOKEN, request=self.api,
                                     runtime=runtime)
        await self.app.initialize()
        self.broadcaster = runtime.broadcaster
        return self

    async def __aexit__(self, *exc) -> None:
        await self.app.shutdown()
        await self.engine.dispose()


# --- the subprocess ---------------------------------------------------------------------------


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Linux: writing 5 to clear_refs resets VmHWM to the current RSS."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


async def _rss_sampler(samples: list[int], every: float = 0.25) -> None:
    while True:
        rss = _status_kb("VmRSS")
        if rss is not None:
            samples.append(rss)
        await asyncio.sleep(every)


async def measure_once(url: str, rate: float, traced: bool = False,
                       window: int | None = None) -> dict:
    """One worker run over the queued broadcast: its ledger phase, then its delivery phase.

    Untraced: timed, with the peak RSS above the RSS before the run (VmHWM is reset first).
    Traced: under tracemalloc from the start of the ledger phase to the end, or, with `window`,
    until `window` messages are delivered, when the worker is cancelled."""
    async with Worker(url, rate) as worker:
        gc.collect()
        rss_before = _status_kb("VmRSS")
        hwm_reset = _reset_peak_rss()
        samples: list[int] = []
        sampler = asyncio.create_task(_rss_sampler(samples))
        if traced:
            tracemalloc.start()
        t0 = time.perf_counter()
        started = await worker.broadcaster.start_due()
        t1 = time.perf_counter()
        task = asyncio.create_task(worker.broadcaster.run())
        if traced and window:
            while not task.done() and worker.api.messages < window:
                await asyncio.sleep(0.005)
        else:
            await asyncio.wait([task])
        peak = tracemalloc.get_traced_memory()[1] if traced else None
        tracemalloc.stop()
        if not task.done():
            task.cancel()
        delivered = (await asyncio.gather(task, return_exceptions=True))[0]
        if isinstance(delivered, BaseException) and not (
                window and isinstance(delivered, asyncio.CancelledError)):
            raise delivered
        t2 = time.perf_counter()
        sampler.cancel()
        hwm = _status_kb("VmHWM")
        api = worker.api
        messages = api.messages
        span = None if api.first is None else api.last - api.first
    engine = create_engine(url)
    counts = await sent_rows(engine)
    await engine.dispose()
    return {
        "started": started, "delivered": delivered if isinstance(delivered, int) else None,
        "api_messages": messages, "rows": counts, "ledger_s": t1 - t0, "delivery_s": t2 - t1,
        # Messages a second or more after the first, over the time they took (None: too few).
        "steady_per_s": api.steady / (span - 1.0) if span and span > 1.5 else None,
        "traced": traced, "window": window,
        "tracemalloc_peak_mb": None if peak is None else peak / 2**20,
        "rss_before_mb": None if rss_before is None else rss_before / 1024,
        "rss_growth_mb": None if hwm is None or rss_before is None or not hwm_reset
        else max(0, hwm - rss_before) / 1024,
        "rss_last_mb": samples[-1] / 1024 if samples else None,
    }


async def real_rate(url: str, rate: float, seconds: float) -> dict:
    """The worker at its real rate for `seconds` (its ledger written first), then cancelled."""
    async with Worker(url, rate, keep_times=True) as worker:
        t0 = time.perf_counter()
        await worker.broadcaster.start_due()
        ledger = time.perf_counter() - t0
        task = asyncio.create_task(worker.broadcaster.run())
        begin = time.perf_counter()
        await asyncio.sleep(seconds)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        elapsed = time.perf_counter() - begin
        times = [t - begin for t in worker.api.times or []]
        counts = await sent_rows(worker.engine)
    return {"ledger_s": ledger, "elapsed_s": elapsed, "times": times, "rows": counts,
            "finished": task.done() and not task.cancelled()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.harness.bcastworld")
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--traced", action="store_true", help="under tracemalloc")
    parser.add_argument("--window", type=int, default=0,
                        help="traced: until this many messages are sent, then stop")
    args = parser.parse_args(argv)
    result = asyncio.run(measure_once(args.url, args.rate, args.traced, args.window or None))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
