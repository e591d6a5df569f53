"""Flood control: a token bucket per sender, in memory. One noisy user is slowed; nobody else is.

A message beyond the burst is not dropped: `reserve` says how long it must wait for its turn
(the bucket goes into debt, so the waits of a sender's messages follow each other in order at
`rate` a second), and the dispatcher holds it until then. Only beyond `max_held` waiting
messages is one refused, with a note saying it was not taken.
"""

from __future__ import annotations

import time
from collections import OrderedDict

# The local console is one operator at a terminal: never slowed.
UNLIMITED_CHANNELS = frozenset({"console"})


class FloodGate:
    def __init__(self, burst: int, rate: float, max_tracked: int = 100_000, max_held: int = 30):
        self.burst = burst
        self.rate = rate
        self.max_tracked = max_tracked
        self.max_held = max_held
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def reserve(self, key: str, now: float | None = None) -> float | None:
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
