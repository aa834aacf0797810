"""``archconform graph``: the architecture graph as JSON, GraphML, DOT or Mermaid.

All formats list nodes and edges in id order, so diffs between two exports mean real changes.
Identifiers are derived, never raw names, and labels are escaped for each syntax.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import networkx as nx

from analyzer.model import ArchGraph, EdgeKind, Evidence, NodeKind
from analyzer.reporting.jsonout import graph_json

FORMATS = ("json", "graphml", "dot", "mermaid")
_SHAPES = {
    NodeKind.SERVICE: ("box", "[", "]"),
    NodeKind.DATASTORE: ("cylinder", "[(", ")]"),
    NodeKind.DATABASE: ("cylinder", "[(", ")]"),
    NodeKind.TABLE: ("note", "[", "]"),
    NodeKind.BROKER: ("hexagon", "{{", "}}"),
    NodeKind.TOPIC: ("parallelogram", "[/", "/]"),
    NodeKind.EXTERNAL: ("ellipse", "([", "])"),
    NodeKind.OPERATION: ("component", ">", "]"),
    NodeKind.CONTEXT: ("tab", "[", "]"),
    NodeKind.ENDPOINT: ("ellipse", "(", ")"),
    NodeKind.PLATFORM: ("octagon", "{{", "}}"),
}


# XML 1.0 cannot carry most C0 control characters, not even escaped; DOT and Mermaid choke on them
# too. Repository strings are data, so they are replaced rather than trusted.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def safe_text(text: str) -> str:
    """``text`` without characters no export format can hold (control characters become U+FFFD)."""
    return _CONTROL.sub("\ufffd", text)


def _dot_quote(text: str) -> str:
    text = safe_text(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r", "").replace("\n", "\\n") + '"'


_MERMAID_ENTITIES = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;", "#": "#35;", "|": "#124;"}


def mermaid_label(text: str) -> str:
    """A quoted Mermaid label: quotes, angle brackets, backticks, ``#`` and ``|`` as entity codes
    (so a name cannot close the label, inject HTML or fake an entity); line breaks become spaces."""
    flat = " ".join(safe_text(text).split())
    return '"' + re.sub(r'["<>`#|]', lambda m: _MERMAID_ENTITIES[m.group()], flat) + '"'


def _stringify(value: Any) -> str | int | float | bool:
    if isinstance(value, tuple):
        return ",".join(safe_text(str(v)) for v in value)
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    return value if isinstance(value, (int, float, bool)) else safe_text(str(value))


def _uniform_types(rows: list[dict[str, Any]]) -> None:
    """GraphML declares one type per attribute name: where elements disagree (``True`` here,
    ``"yes"`` there) the attribute is written as a string everywhere, instead of two keys of one
    name that readers reject or silently merge."""
    seen: dict[str, set[type]] = {}
    for row in rows:
        for name, value in row.items():
            seen.setdefault(name, set()).add(type(value))
    mixed = {name for name, types in seen.items() if len(types) > 1}
    for row in rows:
        for name in mixed & row.keys():
            row[name] = str(row[name])


def _evidence_text(items: tuple[Evidence, ...]) -> str:
    return ";".join(safe_text(f"{e.source}:{e.location.path}:{e.location.line}") for e in items)


def to_graphml(graph: ArchGraph) -> str:
    """GraphML via networkx. Tuples become comma-joined strings, evidence a ``;``-joined list of
    ``source:path:line``; reserved names (``kind``, ``name``, ``evidence``) win over attributes."""
    node_rows: list[dict[str, Any]] = []
    node_ids: list[str] = []
    for node in graph.nodes():
        row = {k: _stringify(v) for k, v in sorted(node.attrs.items()) if v is not None}
        row.update(kind=str(node.kind), name=safe_text(node.name), evidence=_evidence_text(node.evidence))
        node_rows.append(row)
        node_ids.append(safe_text(node.id))
    edge_rows: list[dict[str, Any]] = []
    edge_ends: list[tuple[str, str, str]] = []
    for edge in graph.edges():
        row = {k: _stringify(v) for k, v in sorted(edge.attrs.items()) if v is not None}
        row.update(kind=str(edge.kind), evidence=_evidence_text(edge.evidence))
        edge_rows.append(row)
        edge_ends.append(
            (safe_text(edge.source), safe_text(edge.target), safe_text(f"{edge.kind}|{edge.key}"))
        )
    _uniform_types(node_rows)
    _uniform_types(edge_rows)
    plain = nx.MultiDiGraph()
    for nid, row in zip(node_ids, node_rows, strict=True):
        plain.add_node(nid, **row)
    for (source, target, key), row in zip(edge_ends, edge_rows, strict=True):
        plain.add_edge(source, target, key=key, **row)
    buffer = io.BytesIO()
    nx.write_graphml(plain, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue().decode("utf-8")


def _architecture_edges(graph: ArchGraph) -> list[tuple[str, str, str, bool]]:
    """(source, target, label, runtime-only) for the edges worth drawing at system level."""
    out = []
    for edge in graph.edges():
        if edge.kind in (EdgeKind.CONTAINS, EdgeKind.PART_OF, EdgeKind.OWNS, EdgeKind.READS, EdgeKind.WRITES):
            continue
        runtime_only = bool(edge.attrs.get("runtime")) and not edge.attrs.get("static")
        out.append((edge.source, edge.target, str(edge.kind), runtime_only))
    return out


# Inner detail (tables, operations) and annotations (credential places) are not architecture boxes.
_NOT_DRAWN = (NodeKind.TABLE, NodeKind.OPERATION, NodeKind.CREDENTIAL)


def _numbered(graph: ArchGraph) -> dict[str, str]:
    """``n0``, ``n1``… in id order; credential places take no number, so adding one leaves the
    drawing's ids as they were."""
    kept = (n for n in graph.nodes() if n.kind != NodeKind.CREDENTIAL)
    return {n.id: f"n{i}" for i, n in enumerate(kept)}


def to_dot(graph: ArchGraph) -> str:
    ids = _numbered(graph)
    lines = ["digraph architecture {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    for node in graph.nodes():
        if node.kind in _NOT_DRAWN:
            continue
        shape = _SHAPES.get(node.kind, ("box", "", ""))[0]
        label = _dot_quote(node.name)
        if node.kind != NodeKind.SERVICE:
            label = label[:-1] + f'\\n({node.kind})"'
        lines.append(f"  {ids[node.id]} [label={label}, shape={shape}];")
    for source, target, label, runtime_only in _architecture_edges(graph):
        if source in ids and target in ids:
            style = ', style=dashed, color="#7a5af8"' if runtime_only else ""
            lines.append(f"  {ids[source]} -> {ids[target]} [label={_dot_quote(label)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(graph: ArchGraph, fence: bool = False) -> str:
    """A Mermaid flowchart of the system level (no tables or operations); runtime-only edges
    dotted. Node ids are ``n0``, ``n1``… in id order; names only ever appear as quoted labels."""
    ids = _numbered(graph)
    lines = ["flowchart LR"]
    for node in graph.nodes():
        if node.kind in _NOT_DRAWN:
            continue
        _, open_, close = _SHAPES.get(node.kind, ("box", "[", "]"))
        lines.append(f"  {ids[node.id]}{open_}{mermaid_label(node.name)}{close}")
    for source, target, label, runtime_only in _architecture_edges(graph):
        arrow = "-.->" if runtime_only else "-->"
        lines.append(f"  {ids[source]} {arrow}|{label}| {ids[target]}")
    body = "\n".join(lines) + "\n"
    return f"```mermaid\n{body}```\n" if fence else body


def mermaid_size(graph: ArchGraph) -> tuple[int, int]:
    """(nodes, edges) that :func:`to_mermaid` would draw, to decide whether a viewer can show it."""
    nodes = sum(1 for n in graph.nodes() if n.kind not in _NOT_DRAWN)
    return nodes, len(_architecture_edges(graph))


def export_graph(graph: ArchGraph, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(graph_json(graph), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "graphml":
        return to_graphml(graph)
    if fmt == "dot":
        return to_dot(graph)
    if fmt == "mermaid":
        return to_mermaid(graph)
    raise ValueError(f"unknown graph format {fmt!r}; expected one of {', '.join(FORMATS)}")
