"""Benchmark a whole scan of a synthetic repository against a same-run baseline: reading every
file once (the I/O floor). Prints files/s and the ratio; no pass/fail thresholds in tests."""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_repo import generate

from analyzer.config import Config
from analyzer.pipeline import scan


def read_all(root: Path) -> int:
    total = 0
    for path in root.rglob("*"):
        if path.is_file():
            total += len(path.read_bytes())
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="archconform-bench-") as tmp:
        root = Path(tmp) / "repo"
        files = generate(root, args.services)
        start = time.perf_counter()
        read_all(root)
        baseline = time.perf_counter() - start
        start = time.perf_counter()
        result = scan(root, Config(), jobs=args.jobs)
        elapsed = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"scan: {args.services} services, {files} files, {len(result.graph)} nodes, "
        f"{len(result.findings)} findings"
    )
    print(f"  scan        {elapsed:8.2f} s   {files / elapsed:8.0f} files/s")
    print(f"  read-only   {baseline:8.2f} s   {files / baseline:8.0f} files/s (baseline, same run)")
    print(f"  ratio scan/read-only time: {elapsed / baseline:.1f}x; peak RSS {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
