"""The system graph of the HTML report, laid out here (no JavaScript library, no network): a
layered drawing (:mod:`analyzer.reporting.sugiyama`) of services, datastores, brokers, external
systems and clients, with platform components folded into one box. Output is plain coordinates
and SVG paths; the template draws them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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


@dataclass(slots=True)
class Layout:
    boxes: list[Box] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    width: int = 400
    height: int = 200
    crossings: int = 0


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


def layout(graph: ArchGraph, finding_counts: dict[str, int]) -> Layout:
    """Boxes and routed edges of the system graph (see :mod:`analyzer.reporting.sugiyama`)."""
    drawn = {n.id for n in graph.nodes() if str(n.kind) in DRAWN_KINDS}
    platform = {n.id for n in graph.nodes() if str(n.kind) in PLATFORM_KINDS}
    boxes_needed = sorted(drawn | ({PLATFORM_BOX} if platform else set()))
    edges: list[tuple[str, str]] = []
    meta: list[tuple[str, bool, str]] = []
    seen: set[tuple[str, str, str]] = set()
    for edge in graph.edges():
        if edge.kind not in (EdgeKind.CALLS, EdgeKind.CONNECTS, EdgeKind.PUBLISHES, EdgeKind.CONSUMES):
            continue
        source = _box_of(graph, edge.source, drawn, platform)
        target = _box_of(graph, edge.target, drawn, platform)
        if not source or not target or source == target:
            continue
        key = (source, target, str(edge.kind))
        if key in seen:
            continue
        seen.add(key)
        attrs = dict(edge.attrs)
        runtime_only = bool(attrs.get("runtime")) and not attrs.get("static")
        names = [graph.node(x).name if x in graph else "platform" for x in (source, target)]
        edges.append((source, target))
        meta.append((str(edge.kind), runtime_only, _edge_title(str(edge.kind), names[0], names[1], attrs)))
    group: dict[str, str] = {}
    for nid in drawn:
        props = graph.node(nid).attrs
        group[nid] = str(props.get("context") or props.get("team") or props.get("namespace") or "")
    placed = layered_layout(boxes_needed, edges, SIZE, group)
    result = Layout()
    for nid in boxes_needed:
        x, y = placed.positions[nid]
        if nid == PLATFORM_BOX:
            members = sorted(graph.node(p).name for p in platform)
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
