"""The system graph of the HTML report, laid out here (no JavaScript library, no network): a
layered drawing (:mod:`analyzer.reporting.sugiyama`) of services, datastores, brokers, external
systems and clients. Platform components (gateways, registries, config servers, telemetry) are
folded into one box or, unfolded, drawn with their ``routes_to``, ``configured_by``,
``registers_with`` and ``reports_to`` edges; boxes may be grouped into areas by bounded context,
team or namespace. Every combination is laid out here (:func:`views`), so the page only switches
between precomputed drawings. Output is plain coordinates and SVG paths; the template draws them."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from analyzer.model import ArchGraph, EdgeKind, NodeKind
from analyzer.reporting.sugiyama import Size, layered_layout

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 200, 44, 110, 22, 24


@dataclass(frozen=True, slots=True)
class Box:
    id: str
    kind: str
    name: str
    x: int
    y: int
    detail: str = ""
    findings: int = 0
    members: tuple[str, ...] = ()  # the components folded into a platform box
    groups: tuple[tuple[str, str], ...] = ()  # (context|team|namespace, value)


@dataclass(frozen=True, slots=True)
class Line:
    source: str
    target: str
    kind: str
    path: str
    runtime_only: bool
    title: str


@dataclass(frozen=True, slots=True)
class Area:
    """The translucent rectangle behind one group's boxes (top-left corner, size)."""

    name: str
    x: int
    y: int
    width: int
    height: int


@dataclass(slots=True)
class Layout:
    boxes: list[Box] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    width: int = 400
    height: int = 200
    crossings: int = 0
    areas: list[Area] = field(default_factory=list)
    grouping: str = ""  # "" (no areas), context, team or namespace
    unfolded: bool = False  # platform components drawn one by one


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


# Node kinds the drawing shows as boxes; platform components (config servers, registries,
# gateways, telemetry backends) fold into one box so that the system's own services stay readable.
DRAWN_KINDS = ("service", "datastore", "broker", "external", "client")
PLATFORM_KINDS = ("platform",)
PLATFORM_BOX = "platform:*"
GROUPINGS = ("context", "team", "namespace")
SIZE = Size(BOX_W, BOX_H, GAP_X, GAP_Y, dummy_gap=10, pad=PAD)


def _raw_edges(
    graph: ArchGraph, kind: EdgeKind
) -> Iterator[tuple[str, str, str, EdgeKind, Mapping[str, Any]]]:
    """(source, target, key, kind, data) of one kind in the graph's edge order (no snapshots)."""
    for source, target, data in graph.raw_edges(kind):
        yield source, target, f"{kind.value}|{data['key_']}", kind, data


def _box_of(graph: ArchGraph, nid: str, drawn: set[str], platform: set[str]) -> str:
    """The box a node is drawn in: itself, the platform box, or its nearest drawn container."""
    seen: set[str] = set()
    current: str | None = nid
    while current is not None and current not in seen:
        if current in platform:
            return PLATFORM_BOX
        if current in drawn:
            return current
        seen.add(current)
        current = graph.parent(current)
    return ""


def _detail(graph: ArchGraph, nid: str) -> str:
    node = graph.node(nid)
    detail = ""
    if node.kind in (NodeKind.DATASTORE, NodeKind.BROKER):
        detail = str(node.attrs.get("technology") or "")
        dbs = graph.successors(nid, EdgeKind.CONTAINS)
        if dbs and node.kind == NodeKind.DATASTORE:
            names = sorted(graph.node(d).name for d in dbs)
            detail += (" · " if detail else "") + ", ".join(names[:3]) + (" …" if len(names) > 3 else "")
    return detail


DRAWN_EDGES = (EdgeKind.CALLS, EdgeKind.CONNECTS, EdgeKind.PUBLISHES, EdgeKind.CONSUMES)
PLATFORM_EDGES = (EdgeKind.ROUTES_TO, EdgeKind.CONFIGURED_BY, EdgeKind.REGISTERS_WITH, EdgeKind.REPORTS_TO)


def groupings(graph: ArchGraph) -> list[str]:
    """The groupings some drawn node has a value for, in :data:`GROUPINGS` order."""
    kinds = (*DRAWN_KINDS, *PLATFORM_KINDS)
    return [g for g in GROUPINGS if any(n.attrs.get(g) for n in graph.nodes() if str(n.kind) in kinds)]


def views(graph: ArchGraph, finding_counts: dict[str, int]) -> list[Layout]:
    """Every drawing the page can switch to: no grouping and each grouping the graph has, each
    with platform components folded and (when there are any) unfolded."""
    has_platform = any(str(n.kind) in PLATFORM_KINDS for n in graph.nodes())
    return [
        layout(graph, finding_counts, grouping, unfolded)
        for grouping in ("", *groupings(graph))
        for unfolded in ((False, True) if has_platform else (False,))
    ]


def _clusters(
    graph: ArchGraph, boxes: list[str], edges: list[tuple[str, str]], grouping: str
) -> dict[str, str]:
    """Each box's group; a datastore only its services of one group use joins that group."""
    clusters = {n: str(graph.node_attrs(n).get(grouping) or "") for n in boxes if n in graph}
    users: dict[str, set[str]] = {}
    for source, target in edges:
        users.setdefault(target, set()).add(clusters.get(source, ""))
    for n in boxes:
        if not clusters.get(n) and n in graph and graph.node_kind(n) == NodeKind.DATASTORE:
            used_by = users.get(n, set())
            if len(used_by) == 1 and "" not in used_by:
                clusters[n] = next(iter(used_by))
    return clusters


def layout(
    graph: ArchGraph, finding_counts: dict[str, int], grouping: str = "", unfolded: bool = False
) -> Layout:
    """Boxes and routed edges of the system graph (see :mod:`analyzer.reporting.sugiyama`);
    ``grouping`` (context, team, namespace) draws areas, ``unfolded`` shows platform components."""
    kind_of_node = {nid: str(data["kind"]) for nid, data in graph.raw_nodes()}  # no evidence snapshots
    drawn = {nid for nid, kind in kind_of_node.items() if kind in DRAWN_KINDS}
    platform = {nid for nid, kind in kind_of_node.items() if kind in PLATFORM_KINDS}
    if unfolded:
        drawn, platform = drawn | platform, set()
    boxes_needed = sorted(drawn | ({PLATFORM_BOX} if platform else set()))
    edges: list[tuple[str, str]] = []
    meta: list[tuple[str, bool, str]] = []
    seen: set[tuple[str, str, str]] = set()
    kinds = (*DRAWN_EDGES, *PLATFORM_EDGES) if unfolded else DRAWN_EDGES
    hubs: list[str | None] = []
    platform_ids = {nid for nid, kind in kind_of_node.items() if kind in PLATFORM_KINDS}
    broker_ids = {nid for nid, kind in kind_of_node.items() if kind == "broker"}
    # The drawn kinds' edges in the graph's (source, target, key) order, read without snapshots.
    raw = heapq.merge(*(_raw_edges(graph, kind) for kind in kinds))
    for edge_source, edge_target, _, edge_kind, data in raw:
        source = _box_of(graph, edge_source, drawn, platform)
        target = _box_of(graph, edge_target, drawn, platform)
        if not source or not target or source == target:
            continue
        key = (source, target, str(edge_kind))
        if key in seen:
            continue
        seen.add(key)
        attrs = data["attrs"]
        runtime_only = bool(attrs.get("runtime")) and not attrs.get("static")
        names = [graph.node_name(x) if x in graph else "platform" for x in (source, target)]
        edges.append((source, target))
        # A platform component's or a broker's edges are bundled at its end (see sugiyama's edge
        # concentration): a broker is a bus most services publish to or consume from, and a thousand
        # separate lines to it were most of a large system's drawing (and of its layout time).
        hubs.append(
            next((x for x in (target, source) if x == PLATFORM_BOX or x in platform_ids), None)
            or next((x for x in (target, source) if x in broker_ids), None)
        )
        meta.append((str(edge_kind), runtime_only, _edge_title(str(edge_kind), names[0], names[1], attrs)))
    group: dict[str, str] = {}
    for nid in drawn:
        props = graph.node_attrs(nid)
        group[nid] = str(props.get("context") or props.get("team") or props.get("namespace") or "")
    clusters = _clusters(graph, boxes_needed, edges, grouping) if grouping else None
    placed = layered_layout(boxes_needed, edges, SIZE, group, clusters=clusters, hubs=hubs)
    result = Layout(grouping=grouping, unfolded=unfolded)
    result.areas = [Area(name, *rect) for name, rect in placed.areas.items()]
    for nid in boxes_needed:
        x, y = placed.positions[nid]
        if nid == PLATFORM_BOX:
            members = sorted(graph.node_name(p) for p in platform)
            detail = f"{len(members)} components"
            groups = {g: "" for g in GROUPINGS}
            count = sum(finding_counts.get(p, 0) for p in platform)
            result.boxes.append(
                Box(nid, "platform", "platform", x, y, detail, count, tuple(members), tuple(groups.items()))
            )
            continue
        node = graph.node(nid)
        groups = {g: str(node.attrs.get(g) or "") for g in GROUPINGS}
        result.boxes.append(
            Box(nid, str(node.kind), node.name, x, y, _detail(graph, nid), finding_counts.get(nid, 0),
                (), tuple(groups.items()))
        )  # fmt: skip
    for (source, target), path, (kind, runtime_only, title) in zip(edges, placed.paths, meta, strict=True):
        result.lines.append(Line(source, target, kind, path, runtime_only, title))
    result.width, result.height = placed.width, placed.height
    result.crossings = placed.crossings
    return result
