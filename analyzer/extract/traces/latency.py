"""Bounded latency summary: log-spaced buckets, so p50/p95 need no list of durations."""

from __future__ import annotations

from math import floor, log2

# 8 buckets per doubling: a reported quantile is within ~4.5% of the true one.
_PER_DOUBLING = 8
_FLOOR_MS = 0.001


class LatencyHistogram:
    """Counts per log bucket (sparse dict; at most a few hundred keys from 1 µs to hours)."""

    __slots__ = ("buckets", "total")

    def __init__(self) -> None:
        self.buckets: dict[int, int] = {}
        self.total = 0

    def add(self, ms: float) -> None:
        index = floor(log2(ms if ms > _FLOOR_MS else _FLOOR_MS) * _PER_DOUBLING)
        self.buckets[index] = self.buckets.get(index, 0) + 1
        self.total += 1

    def quantile(self, q: float) -> float | None:
        """The q-quantile (0 < q ≤ 1) as the bucket's geometric midpoint, rounded to µs."""
        if not self.total:
            return None
        rank = q * self.total
        seen = 0
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                return round(2 ** ((index + 0.5) / _PER_DOUBLING), 3)
        return None  # pragma: no cover - rank ≤ total always finds a bucket
