"""Counting a live session: latency percentiles in fixed memory, rates over the last second."""

from __future__ import annotations

import time
from collections import deque

import numpy as np

MAX_MS = 10_000
"""Latencies are counted per millisecond up to this; longer ones share the last bin."""


class LatencyHistogram:
    """Latencies in 1 ms bins: percentiles exact to the millisecond, memory flat however long it runs."""

    def __init__(self) -> None:
        self.counts = np.zeros(MAX_MS + 1, np.int64)
        self.total = 0

    def add(self, seconds: float) -> None:
        """Count one latency."""
        self.counts[min(max(round(seconds * 1000), 0), MAX_MS)] += 1
        self.total += 1

    def percentile(self, q: float) -> float | None:
        """The ``q``-th percentile in milliseconds (None before any latency was counted)."""
        if self.total == 0:
            return None
        rank = max(1, int(np.ceil(q / 100 * self.total)))
        return float(np.searchsorted(np.cumsum(self.counts), rank))

    def to_json(self) -> dict[str, float | int | None]:
        """Median, 95th percentile (ms) and how many were counted."""
        return {"p50": self.percentile(50), "p95": self.percentile(95), "n": self.total}


class Recent:
    """Events of the last ``window`` seconds: their rate, and percentiles of the values they carried."""

    def __init__(self, window: float = 1.0) -> None:
        self.window = window
        self._events: deque[tuple[float, float]] = deque()

    def add(self, value: float = 0.0, now: float | None = None) -> None:
        """One event now (or at ``now``), carrying ``value``."""
        self._events.append((time.monotonic() if now is None else now, value))
        self._trim(self._events[-1][0])

    def _trim(self, now: float) -> None:
        while self._events and self._events[0][0] < now - self.window:
            self._events.popleft()

    def rate(self, now: float | None = None) -> float:
        """Events per second over the window."""
        self._trim(time.monotonic() if now is None else now)
        return len(self._events) / self.window

    def percentile_ms(self, q: float) -> float | None:
        """The ``q``-th percentile of the values (seconds) in the window, in milliseconds."""
        if not self._events:
            return None
        return round(float(np.percentile([v for _, v in self._events], q)) * 1000, 1)
