"""Edge crossings and edges drawn through boxes: the column layout the report used before
(commit 3fdc2cd) against the layered layout, on generated systems of 20, 60 and 120 services.

    .venv/bin/python benchmarks/layout/bench_layout.py [--services 60] [--seed 7]

The generated system looks like the public ones we measured: bounded contexts of 4-9 services
that mostly call within their context, a few cross-context calls and some back-calls (cycles),
a database per service plus a few shared ones, two brokers, and platform components.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from analyzer.reporting.layout import BOX_H, BOX_W, layout  # noqa: E402
from analyzer.reporting.layout_metrics import Rect, count_crossings, count_through_boxes  # noqa: E402
from tests.reporting.generated_system import system_graph  # noqa: E402

BEFORE = "3fdc2cd"


def _old_layout():  # type: ignore[no-untyped-def]
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{BEFORE}:analyzer/reporting/layout.py"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    path = Path(tempfile.mkdtemp()) / "old_layout.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("old_layout", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_layout"] = module
    spec.loader.exec_module(module)
    return module


def measure(drawing, box_w: int, box_h: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    rects = [Rect(b.id, b.x, b.y, box_w, box_h) for b in drawing.boxes]
    paths = [line.path for line in drawing.lines]
    ends = [(line.source, line.target) for line in drawing.lines]
    return {
        "edges": len(paths),
        "crossings": count_crossings(paths),
        "through_boxes": count_through_boxes(paths, ends, rects),
        "width": drawing.width,
        "height": drawing.height,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, nargs="*", default=[20, 60, 120])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    old = _old_layout()
    print("| services | edges | layout | crossings | edges through boxes | size (px) | time |")
    print("|---|---|---|---|---|---|---|")
    for count in args.services:
        graph = system_graph(count, args.seed)
        for label, fn, w, h in (
            ("before", old.layout, old.BOX_W, old.BOX_H),
            ("after", layout, BOX_W, BOX_H),
        ):
            start = time.perf_counter()
            drawing = fn(graph, {})
            took = time.perf_counter() - start
            m = measure(drawing, w, h)
            print(
                f"| {count} | {m['edges']} | {label} | {m['crossings']} | {m['through_boxes']} "
                f"| {m['width']}×{m['height']} | {took * 1000:.0f} ms |"
            )


if __name__ == "__main__":
    main()
