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

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

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
    """The same buckets, kept in the database: `take(key, burst, rate, max_held, now)` is one
    statement (storage.fastpath.SessionWriter.flood) answering (tokens left, refused)."""

    def __init__(self, burst: int, rate: float,
                 take: Callable[[str, int, float, int, float], Awaitable[tuple[float, bool]]],
                 max_held: int = MAX_HELD):
        self.burst, self.rate, self.take, self.max_held = burst, rate, take, max_held

    async def reserve(self, key: str, now: float | None = None) -> float | None:
        tokens, refused = await self.take(key, self.burst, self.rate, self.max_held,
                                          time.time() if now is None else now)
        if refused:
            return None
        return 0.0 if tokens >= 0 else -tokens / self.rate
