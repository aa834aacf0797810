"""A layered layout of the system graph for the HTML report, computed here (no JavaScript
library, no network): services in columns by call depth, then datastores, then brokers and
external systems. Output is plain coordinates; the template draws the SVG."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import networkx as nx

from analyzer.model import ArchGraph, EdgeKind, NodeKind

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 176, 40, 90, 18, 24


@dataclass(frozen=True, slots=True)
class Box:
    id: str
    kind: str
    name: str
    x: int
    y: int
    detail: str = ""
    findings: int = 0


@dataclass(frozen=True, slots=True)
class Line:
    source: str
    target: str
    kind: str
    path: str
    runtime_only: bool
    title: str


@dataclass(slots=True)
class Layout:
    boxes: list[Box] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    width: int = 400
    height: int = 200


def _edge_title(kind: str, source: str, target: str, attrs: Mapping[str, object]) -> str:
    parts = [f"{source} {kind} {target}"]
    if attrs.get("count"):
        parts.append(f"{attrs['count']} calls seen")
    if attrs.get("error_count"):
        parts.append(f"{attrs['error_count']} errors")
    if attrs.get("latency_p50_ms") is not None:
        parts.append(f"p50 {attrs['latency_p50_ms']} ms, p95 {attrs.get('latency_p95_ms')} ms")
    if attrs.get("runtime") and not attrs.get("static"):
        parts.append("seen only in traces")
    elif attrs.get("runtime"):
        parts.append("declared and seen in traces")
    return " · ".join(parts)


def _neighbours(graph: ArchGraph) -> dict[str, set[str]]:
    """Undirected adjacency between drawn boxes (databases and topics folded into their server)."""
    near: dict[str, set[str]] = {}
    for kind in (EdgeKind.CALLS, EdgeKind.CONNECTS, EdgeKind.PUBLISHES, EdgeKind.CONSUMES):
        for source, target in sorted(graph.edge_pairs(kind)):
            if kind != EdgeKind.CALLS:
                target = graph.parent(target) or target
            if source != target:
                near.setdefault(source, set()).add(target)
                near.setdefault(target, set()).add(source)
    return near


def order_columns(columns: dict[int, list[str]], near: Mapping[str, set[str]], sweeps: int = 4) -> None:
    """Reorder each column in place by the barycentre of its neighbours' rows in the other columns
    (the classic crossing-reduction heuristic), sweeping left to right and back. Deterministic:
    starts from id order and breaks ties by id; a box with no neighbours keeps its row."""
    for ids in columns.values():
        ids.sort()
    row = {nid: float(i) for ids in columns.values() for i, nid in enumerate(ids)}
    col_of = {nid: col for col, ids in columns.items() for nid in ids}
    order = sorted(columns)
    for sweep in range(sweeps):
        for col in order if sweep % 2 == 0 else reversed(order):
            ids = columns[col]

            def centre(nid: str, col: int = col) -> tuple[float, str]:
                others = [row[m] for m in near.get(nid, ()) if m in col_of and col_of[m] != col]
                return (sum(others) / len(others) if others else row[nid], nid)

            ids.sort(key=centre)
            for i, nid in enumerate(ids):
                row[nid] = float(i)


def layout(graph: ArchGraph, finding_counts: dict[str, int]) -> Layout:
    # Platform components (gateways, registries, telemetry) sit among the services they route to;
    # the HTML can fold them away.
    services = [*graph.nodes(NodeKind.SERVICE), *graph.nodes(NodeKind.PLATFORM)]
    stores = [n for n in graph.nodes(NodeKind.DATASTORE)]
    others = [*graph.nodes(NodeKind.BROKER), *graph.nodes(NodeKind.EXTERNAL)]
    calls = nx.DiGraph()
    calls.add_nodes_from(n.id for n in services)
    for e in graph.edges(EdgeKind.CALLS):
        if e.source in calls and e.target in calls and e.source != e.target:
            calls.add_edge(e.source, e.target)
    condensed = nx.condensation(calls)
    depth: dict[int, int] = {}
    for comp in nx.topological_sort(condensed):
        preds = list(condensed.predecessors(comp))
        depth[comp] = max((depth[p] + 1 for p in preds), default=0)
    mapping = condensed.graph["mapping"]
    columns: dict[int, list[str]] = {}
    for n in services:
        columns.setdefault(depth[mapping[n.id]], []).append(n.id)
    col_count = max(columns, default=-1) + 1
    # Datastores, then brokers and external systems, share the last column: edges never cross it.
    columns[col_count] = [n.id for n in stores] + [n.id for n in others]
    order_columns(columns, _neighbours(graph))
    result = Layout()
    tallest = 0
    for col, ids in sorted(columns.items()):
        for row, nid in enumerate(ids):
            node = graph.node(nid)
            detail = ""
            if node.kind == NodeKind.PLATFORM:
                detail = str(node.attrs.get("role") or "").replace("_", " ")
            if node.kind in (NodeKind.DATASTORE, NodeKind.BROKER):
                detail = str(node.attrs.get("technology") or "")
                dbs = graph.successors(nid, EdgeKind.CONTAINS)
                if dbs and node.kind == NodeKind.DATASTORE:
                    names = sorted(graph.node(d).name for d in dbs)
                    detail += (
                        (" · " if detail else "") + ", ".join(names[:3]) + (" …" if len(names) > 3 else "")
                    )
            x = PAD + col * (BOX_W + GAP_X)
            y = PAD + row * (BOX_H + GAP_Y)
            result.boxes.append(Box(nid, str(node.kind), node.name, x, y, detail, finding_counts.get(nid, 0)))
            tallest = max(tallest, y + BOX_H)
    where = {b.id: b for b in result.boxes}
    seen: set[tuple[str, str, str]] = set()
    for edge in graph.edges():
        target = edge.target
        if edge.kind == EdgeKind.CONNECTS and target not in where:
            target = graph.parent(target) or target
        if edge.kind in (EdgeKind.PUBLISHES, EdgeKind.CONSUMES):
            target = graph.parent(target) or target
        if edge.kind not in (EdgeKind.CALLS, EdgeKind.CONNECTS, EdgeKind.PUBLISHES, EdgeKind.CONSUMES):
            continue
        if edge.source not in where or target not in where or edge.source == target:
            continue
        key = (edge.source, target, str(edge.kind))
        if key in seen:
            continue
        seen.add(key)
        a, b = where[edge.source], where[target]
        x1, y1 = a.x + BOX_W, a.y + BOX_H // 2
        x2, y2 = b.x, b.y + BOX_H // 2
        if x2 <= x1:  # same column or backwards: loop around underneath
            x1, x2 = a.x + BOX_W // 2, b.x + BOX_W // 2
            y1, y2 = a.y + BOX_H, b.y + BOX_H
            bend = max(y1, y2) + 36
            path = f"M{x1},{y1} C{x1},{bend} {x2},{bend} {x2},{y2}"
        else:
            mid = (x1 + x2) // 2
            path = f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"
        attrs = dict(edge.attrs)
        runtime_only = bool(attrs.get("runtime")) and not attrs.get("static")
        title = _edge_title(str(edge.kind), a.name, b.name, attrs)
        result.lines.append(Line(edge.source, target, str(edge.kind), path, runtime_only, title))
    result.width = PAD * 2 + (col_count + 1) * (BOX_W + GAP_X)
    result.height = tallest + PAD + 48
    return result
