"""Flood control: a token bucket per sender. One noisy user is slowed; nobody else is.

With one process (SQLite) the buckets are in memory (`FloodGate`); where several processes
share a PostgreSQL database, in the database (`SharedFloodGate`), so that N processes do not
admit N times the burst.

A message beyond the burst is not dropped: `reserve` says how long it must wait for its turn
(the bucket goes into debt, so the waits of a sender's messages follow each other in order at
`rate` a second), and the dispatcher holds it until then. Only beyond `max_held` waiting
messages is one refused, with a note saying it was not taken.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

# The local console is one operator at a terminal: never slowed.
UNLIMITED_CHANNELS = frozenset({"console"})


MAX_HELD = 30  # messages of one sender waiting their turn; one more is refused


class FloodGate:
    def __init__(self, burst: int, rate: float, max_tracked: int = 100_000,
                 max_held: int = MAX_HELD):
        self.burst = burst
        self.rate = rate
        self.max_tracked = max_tracked
        self.max_held = max_held
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def settled(self) -> None:
        """Nothing is counted elsewhere (SharedFloodGate's counterpart)."""

    def left(self, key: str, now: float | None = None) -> float:
        """The sender's tokens now (the burst when unknown)."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        return min(self.burst, tokens + (now - last) * self.rate)

    def adopt(self, key: str, tokens: float, now: float | None = None) -> None:
        """The sender has `tokens` left over every process: take that when it is fewer."""
        now = time.monotonic() if now is None else now
        mine, last = self._buckets.get(key, (float(self.burst), now))
        mine = min(self.burst, mine + (now - last) * self.rate)
        self._buckets[key] = (min(mine, tokens), now)

    async def reserve(self, key: str, now: float | None = None) -> float | None:
        """Seconds this message must wait for its turn (0: at once), or None when the sender
        already has `max_held` messages waiting and this one is refused."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens - 1 < -self.max_held:
            wait = None
        else:
            tokens -= 1
            wait = 0.0 if tokens >= 0 else -tokens / self.rate
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.max_tracked:
            self._buckets.popitem(last=False)
        return wait


class SharedFloodGate:
    """The same buckets, counted in the database too, so that N processes do not each admit a
    burst. A message is admitted or held by this process's bucket at once (no round trip in
    the step); each message is also counted in the database (`take(key, burst, rate, max_held,
    now)`: one statement, storage.fastpath.SessionWriter.flood, answering the sender's tokens
    over every process), and that count becomes this process's bucket when it is lower. Near the
    limit (half the burst left here), the database's answer decides instead, so a sender spread
    over processes gets one burst, not one per process."""

    def __init__(self, burst: int, rate: float,
                 take: Callable[[str, int, float, int, float], Awaitable[tuple[float, bool]]],
                 max_held: int = MAX_HELD):
        self.local = FloodGate(burst, rate, max_held=max_held)
        self.take = take
        self._counting: set[asyncio.Task] = set()

    async def reserve(self, key: str, now: float | None = None) -> float | None:
        local = self.local
        wait = await local.reserve(key)
        if wait is not None and local.left(key) >= local.burst / 2:
            # Far from the limit (people typing at their pace always are): counted beside.
            task = asyncio.create_task(self._count(key))
            self._counting.add(task)
            task.add_done_callback(self._counting.discard)
            return wait
        # Near it, the database decides: this process may not have seen the others' messages.
        tokens, refused = await self._take(key)
        local.adopt(key, tokens)
        if refused:
            return None
        return 0.0 if tokens >= 0 else -tokens / local.rate

    async def _take(self, key: str) -> tuple[float, bool]:
        local = self.local
        return await self.take(key, local.burst, local.rate, local.max_held, time.time())

    async def _count(self, key: str) -> None:
        try:
            tokens, _refused = await self._take(key)
        except Exception as error:  # the local bucket still holds the sender back
            log.warning("flood count for a sender not written: %s", error)
            return
        self.local.adopt(key, tokens)

    async def settled(self) -> None:
        """Wait until every message so far is counted in the database."""
        await asyncio.gather(*self._counting, return_exceptions=True)
