"""Measures of a drawing's readability: edge crossings and edges drawn through boxes.

Paths are the SVG ``d`` strings the report draws (``M``, ``L`` and ``C`` commands); curves are
sampled into short segments. Two edges that meet at a shared box are not counted as crossing
there; an edge is not "through" its own source or target box.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]
_TOKEN = re.compile(r"[MLC]|-?\d+(?:\.\d+)?")


def polyline(path: str, samples: int = 8) -> list[Point]:
    """The points of an SVG path made of M, L and C commands (curves sampled)."""
    tokens = _TOKEN.findall(path)
    points: list[Point] = []
    i = 0
    command = "M"
    while i < len(tokens):
        if tokens[i] in "MLC":
            command = tokens[i]
            i += 1
            continue
        if command in "ML":
            points.append((float(tokens[i]), float(tokens[i + 1])))
            i += 2
        else:
            c1 = (float(tokens[i]), float(tokens[i + 1]))
            c2 = (float(tokens[i + 2]), float(tokens[i + 3]))
            end = (float(tokens[i + 4]), float(tokens[i + 5]))
            start = points[-1]
            for k in range(1, samples + 1):
                t = k / samples
                a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
                points.append(
                    (
                        a * start[0] + b * c1[0] + c * c2[0] + d * end[0],
                        a * start[1] + b * c1[1] + c * c2[1] + d * end[1],
                    )
                )
            i += 6
    return points


def _cross(p1: Point, p2: Point, p3: Point, p4: Point) -> Point | None:
    d = (p2[0] - p1[0]) * (p4[1] - p3[1]) - (p2[1] - p1[1]) * (p4[0] - p3[0])
    if abs(d) < 1e-9:
        return None
    t = ((p3[0] - p1[0]) * (p4[1] - p3[1]) - (p3[1] - p1[1]) * (p4[0] - p3[0])) / d
    u = ((p3[0] - p1[0]) * (p2[1] - p1[1]) - (p3[1] - p1[1]) * (p2[0] - p1[0])) / d
    if 0 < t < 1 and 0 < u < 1:
        return (p1[0] + t * (p2[0] - p1[0]), p1[1] + t * (p2[1] - p1[1]))
    return None


@dataclass(frozen=True, slots=True)
class Rect:
    id: str
    x: float
    y: float
    w: float
    h: float

    def holds(self, p: Point, margin: float = 2.0) -> bool:
        return (
            self.x + margin < p[0] < self.x + self.w - margin
            and self.y + margin < p[1] < self.y + self.h - margin
        )


def _near_end(p: Point, line: list[Point], radius: float = 4.0) -> bool:
    return any(abs(p[0] - q[0]) <= radius and abs(p[1] - q[1]) <= radius for q in (line[0], line[-1]))


def count_crossings(paths: Sequence[str], distinct: bool = False) -> int:
    """Pairs of edge segments that cross (each pair of edges may cross more than once); with
    ``distinct``, the places where lines cross (rounded to 2 px): bundled edges that share a
    line cross another line once where the eye sees one crossing, not once per edge."""
    lines = [polyline(p) for p in paths]
    boxes = [
        (min(x for x, _ in ln), min(y for _, y in ln), max(x for x, _ in ln), max(y for _, y in ln))
        for ln in lines
    ]
    total = 0
    places: set[tuple[int, int]] = set()
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            a, b = boxes[i], boxes[j]
            if a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]:
                continue
            for s in range(len(lines[i]) - 1):
                for t in range(len(lines[j]) - 1):
                    hit = _cross(lines[i][s], lines[i][s + 1], lines[j][t], lines[j][t + 1])
                    if hit and not _near_end(hit, lines[i]) and not _near_end(hit, lines[j]):
                        total += 1
                        places.add((round(hit[0] / 2), round(hit[1] / 2)))
    return len(places) if distinct else total


def count_through_boxes(paths: Sequence[str], ends: Sequence[tuple[str, str]], rects: Sequence[Rect]) -> int:
    """Edges that pass through the inside of a box other than their own two."""
    total = 0
    for path, (source, target) in zip(paths, ends, strict=True):
        line = polyline(path, samples=16)
        dense: list[Point] = []
        for a, b in itertools.pairwise(line):
            steps = max(1, int(max(abs(b[0] - a[0]), abs(b[1] - a[1])) // 4))
            dense += [
                (a[0] + (b[0] - a[0]) * k / steps, a[1] + (b[1] - a[1]) * k / steps) for k in range(steps)
            ]
        if any(r.id not in (source, target) and any(r.holds(p) for p in dense) for r in rects):
            total += 1
    return total
