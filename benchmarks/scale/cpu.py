"""How much CPU this run really has: the cores we may use (affinity) and how many of them are
free right now (the same fixed work run in 1 and in k processes at once)."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor


def _spin(_: int) -> float:
    start = time.perf_counter()
    total = 0
    for i in range(3_000_000):
        total += i & 7
    return time.perf_counter() - start


def allowed_cores() -> int:
    return len(os.sched_getaffinity(0))


def free_cores() -> float:
    """Estimated free cores: k × (time of the work alone) / (time when k copies run at once)."""
    k = allowed_cores()
    with ProcessPoolExecutor(max_workers=k) as pool:
        list(pool.map(_spin, range(k)))  # warm the workers
        alone = min(pool.submit(_spin, 0).result() for _ in range(3))
        together = max(pool.map(_spin, range(k)))
    return min(float(k), k * alone / together)


def describe() -> str:
    return f"cores allowed {allowed_cores()}, free now ≈ {free_cores():.1f}"
