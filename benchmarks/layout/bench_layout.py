"""Edge crossings and edges drawn through boxes: the column layout the report used before
(commit 3fdc2cd) against the layered layout, on generated systems of 20, 60 and 120 services;
then the layered layout with its bounded contexts drawn as areas (overlapping pairs of areas
counted) and with the platform components unfolded.

    .venv/bin/python benchmarks/layout/bench_layout.py [--services 60] [--seed 7]

The generated system looks like the public ones we measured: bounded contexts of 4-9 services
that mostly call within their context, a few cross-context calls and some back-calls (cycles),
a database per service plus a few shared ones, two brokers, and platform components.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
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


def overlapping_areas(drawing) -> int:  # type: ignore[no-untyped-def]
    """Pairs of group areas whose rectangles overlap."""
    return sum(
        1
        for a, b in itertools.combinations(getattr(drawing, "areas", []), 2)
        if a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height
    )


def measure(drawing, box_w: int, box_h: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    rects = [Rect(b.id, b.x, b.y, box_w, box_h) for b in drawing.boxes]
    paths = [line.path for line in drawing.lines]
    ends = [(line.source, line.target) for line in drawing.lines]
    return {
        "edges": len(paths),
        "crossings": count_crossings(paths),
        "places": count_crossings(paths, distinct=True),
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
    print(
        "| services | edges | layout | crossings (places) | edges through boxes "
        "| areas (overlapping) | size (px) | time |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for count in args.services:
        graph = system_graph(count, args.seed, platform=True)
        runs = (
            ("before", lambda g: old.layout(g, {}), old.BOX_W, old.BOX_H),
            ("after", lambda g: layout(g, {}), BOX_W, BOX_H),
            ("after, by context", lambda g: layout(g, {}, "context"), BOX_W, BOX_H),
            ("after, platform unfolded", lambda g: layout(g, {}, "", True), BOX_W, BOX_H),
            ("after, by context, platform unfolded", lambda g: layout(g, {}, "context", True), BOX_W, BOX_H),
        )
        for label, fn, w, h in runs:
            start = time.perf_counter()
            drawing = fn(graph)
            took = time.perf_counter() - start
            m = measure(drawing, w, h)
            areas = len(getattr(drawing, "areas", []))
            print(
                f"| {count} | {m['edges']} | {label} | {m['crossings']} ({m['places']}) "
                f"| {m['through_boxes']} | {areas} ({overlapping_areas(drawing)}) "
                f"| {m['width']}×{m['height']} | {took * 1000:.0f} ms |"
            )


if __name__ == "__main__":
    main()
