"""Flood control: a token bucket per sender, in memory. One noisy user is slowed; nobody else is."""

from __future__ import annotations

import time
from collections import OrderedDict


class FloodGate:
    def __init__(self, burst: int, rate: float, max_tracked: int = 100_000):
        self.burst = burst
        self.rate = rate
        self.max_tracked = max_tracked
        self._buckets: OrderedDict[str, tuple[float, float, bool]] = OrderedDict()

    def admit(self, key: str, now: float | None = None) -> tuple[bool, bool]:
        """Return (admitted, warn): warn is True once, on the first refused message of a flood."""
        now = time.monotonic() if now is None else now
        tokens, last, warned = self._buckets.pop(key, (float(self.burst), now, False))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now, False)
            admitted, warn = True, False
        else:
            self._buckets[key] = (tokens, now, True)
            admitted, warn = False, not warned
        if len(self._buckets) > self.max_tracked:
            self._buckets.popitem(last=False)
        return admitted, warn
