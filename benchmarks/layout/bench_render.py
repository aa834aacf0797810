"""CPU seconds of each report renderer (HTML with its layout, JSON, SARIF, Markdown) on scanned
systems, to show how rendering grows with the system's size (it should be about linear).

    .venv/bin/python benchmarks/layout/bench_render.py /work/bench/sys500 /work/bench/sys2000 \
        [--repeat 3] [--cache /tmp/render-bench] [--only html]

Each system is scanned once (the scan result is kept as a pickle under ``--cache`` so that a
second run measures only the renderers); each renderer then runs ``--repeat`` times and the
lowest process CPU time (user + system of this process) is printed, with the size of its output.
"""

from __future__ import annotations

import argparse
import functools
import gc
import hashlib
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from analyzer.model import ScanResult  # noqa: E402
from analyzer.reporting import render_html, render_json, render_markdown, render_sarif  # noqa: E402

RENDERERS: dict[str, Callable[[ScanResult], str]] = {
    "html": render_html,
    "json": render_json,
    "sarif": render_sarif,
    "markdown": render_markdown,
}


def scanned(path: Path, cache: Path) -> ScanResult:
    """The scan result of ``path``, from the pickle cache when it is there."""
    key = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    kept = cache / f"{path.name}-{key}.pickle"
    if kept.exists():
        result: ScanResult = pickle.loads(kept.read_bytes())
        return result
    from analyzer.pipeline import load_project_config, scan

    result = scan(path, load_project_config(path, None), jobs=1)
    cache.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    return result


def cpu(fn: Callable[[], str], repeat: int) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        out = fn()
        best = min(best, time.process_time() - start)
        size = len(out.encode())
    return best, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", type=Path, nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/render-bench"))
    parser.add_argument("--only", choices=sorted(RENDERERS), nargs="*", default=list(RENDERERS))
    args = parser.parse_args()
    print("| system | services | report | CPU s | bytes |")
    print("|---|---:|---|---:|---:|")
    for path in args.paths:
        result = scanned(path, args.cache)
        services = sum(1 for n in result.graph.nodes() if n.kind == "service")
        for name in args.only:
            seconds, size = cpu(functools.partial(RENDERERS[name], result), args.repeat)
            print(f"| {path.name} | {services} | {name} | {seconds:.3f} | {size:,} |", flush=True)


if __name__ == "__main__":
    main()
