"""``make fuzz``: mutation-fuzz every input kind in-process and report the figures.

    python -m tests.fuzz.run [--inputs 10000] [--kinds compose,sql] [--seed 1] [--jobs 2]

Each input is read by the kind's own reader (:mod:`tests.fuzz.kinds`) without the pipeline's
guard; an exception is a crash, and so is an input that takes longer than ``--slow`` seconds
(catastrophic backtracking, a quadratic walk). Distinct crashes (by exception type and the
innermost archconform frame) are saved under ``fixtures/hostile/fuzz/`` as regression inputs,
which ``tests/fuzz/test_fuzz.py`` replays on every ``make test``.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import random
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from types import FrameType

from analyzer.model.limits import LimitExceeded
from tests.fuzz.kinds import BY_NAME, KINDS, REPO, Reader
from tests.fuzz.mutate import mutate

CRASH_DIR = REPO / "fixtures" / "hostile" / "fuzz"


class Slow(Exception):
    """The input took longer than the per-input budget."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Slow


def signature(exc: BaseException) -> str:
    """Exception type and the innermost frame inside archconform: one line per distinct bug."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/analyzer/" in f.filename]
    where = f"{frames[-1].filename.split('/analyzer/')[-1]}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__name__} at analyzer/{where}"


@dataclass
class KindReport:
    kind: str
    inputs: int = 0
    seconds: float = 0.0
    crashes: dict[str, str] = field(default_factory=dict)  # signature -> saved file


def fuzz_kind(kind_name: str, inputs: int, seed: int, slow: float, save: bool = True) -> KindReport:
    """Run ``inputs`` mutated inputs of one kind; return the figures and distinct crashes."""
    kind = BY_NAME[kind_name]
    reader = Reader(kind)
    seeds = kind.seeds()
    rng = random.Random(f"{seed}:{kind_name}")
    report = KindReport(kind_name)
    signal.signal(signal.SIGALRM, _alarm)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    start = time.perf_counter()
    for _ in range(inputs):
        data = mutate(rng, seeds)
        # Big inputs may take longer: the budget grows by 10 s per MB.
        signal.setitimer(signal.ITIMER_REAL, slow + len(data) / 100_000)
        try:
            reader(data)
        except LimitExceeded:
            pass  # a limit doing its job: the pipeline reports it as a warning at the file
        except Slow as exc:
            _record(
                report, kind_name, f"Slow (> {slow:g} s) at {signature(exc).split(' at ')[-1]}", data, save
            )
        except Exception as exc:
            _record(report, kind_name, signature(exc), data, save)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        report.inputs += 1
    report.seconds = time.perf_counter() - start
    return report


def _record(report: KindReport, kind: str, sig: str, data: bytes, save: bool) -> None:
    if sig in report.crashes:
        return
    name = ""
    if save:
        digest = hashlib.sha256(data).hexdigest()[:12]
        CRASH_DIR.mkdir(parents=True, exist_ok=True)
        target = CRASH_DIR / f"{kind}--{digest}.bin"
        target.write_bytes(data)
        name = target.name
    report.crashes[sig] = name
    print(f"  crash in {kind}: {sig} -> {name}", flush=True)


def _worker(args: tuple[str, int, int, float]) -> KindReport:
    return fuzz_kind(*args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10_000, help="mutated inputs per kind")
    parser.add_argument("--kinds", default="", help="comma-separated kinds (default: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slow", type=float, default=3.0, help="seconds one input may take (+10 s/MB)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    names = [k for k in args.kinds.split(",") if k] or [k.name for k in KINDS]
    start = time.perf_counter()
    tasks = [(name, args.inputs, args.seed, args.slow) for name in names]
    reports: list[KindReport] = []

    def done(rep: KindReport) -> None:  # printed as each kind ends: a long run shows progress
        reports.append(rep)
        print(
            f"done {rep.kind:20} {rep.inputs:8} inputs {len(rep.crashes):4} crashes {rep.seconds:8.1f} s",
            flush=True,
        )

    if args.jobs > 1:
        with multiprocessing.get_context("fork").Pool(args.jobs, maxtasksperchild=1) as pool:
            for rep in pool.imap_unordered(_worker, tasks, chunksize=1):
                done(rep)
    else:
        for task in tasks:
            done(_worker(task))
    wall = time.perf_counter() - start
    reports.sort(key=lambda r: names.index(r.kind))
    print(f"\n{'kind':20} {'inputs':>8} {'crashes':>8} {'seconds':>8}")
    for rep in reports:
        print(f"{rep.kind:20} {rep.inputs:8} {len(rep.crashes):8} {rep.seconds:8.1f}")
        for sig, name in sorted(rep.crashes.items()):
            print(f"    {sig}  {name}")
    total = sum(r.inputs for r in reports)
    crashes = sum(len(r.crashes) for r in reports)
    print(f"{'total':20} {total:8} {crashes:8} {wall:8.1f}  (wall, {args.jobs} processes)")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
