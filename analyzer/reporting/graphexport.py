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

from analyzer.model import ArchGraph, EdgeKind, NodeKind
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
}


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _mermaid_label(text: str) -> str:
    # Mermaid labels in quotes may not contain quotes; entity codes keep them readable.
    return (
        '"'
        + re.sub(r'["<>`]', lambda m: {'"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;"}[m.group()], text)
        + '"'
    )


def _stringify(value: Any) -> str | int | float | bool:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if value is None:
        return ""
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def to_graphml(graph: ArchGraph) -> str:
    plain = nx.MultiDiGraph()
    for node in graph.nodes():
        attrs = {k: _stringify(v) for k, v in sorted(node.attrs.items()) if v is not None}
        plain.add_node(node.id, kind=str(node.kind), name=node.name, **attrs)
    for edge in graph.edges():
        attrs = {k: _stringify(v) for k, v in sorted(edge.attrs.items()) if v is not None}
        evidence = ";".join(f"{e.location.path}:{e.location.line}" for e in edge.evidence)
        plain.add_edge(
            edge.source,
            edge.target,
            key=f"{edge.kind}|{edge.key}",
            kind=str(edge.kind),
            evidence=evidence,
            **attrs,
        )
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


def to_dot(graph: ArchGraph) -> str:
    ids = {n.id: f"n{i}" for i, n in enumerate(graph.nodes())}
    lines = ["digraph architecture {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    for node in graph.nodes():
        if node.kind in (NodeKind.TABLE, NodeKind.OPERATION):
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
    ids = {n.id: f"n{i}" for i, n in enumerate(graph.nodes())}
    lines = ["flowchart LR"]
    for node in graph.nodes():
        if node.kind in (NodeKind.TABLE, NodeKind.OPERATION):
            continue
        _, open_, close = _SHAPES.get(node.kind, ("box", "[", "]"))
        lines.append(f"  {ids[node.id]}{open_}{_mermaid_label(node.name)}{close}")
    for source, target, label, runtime_only in _architecture_edges(graph):
        arrow = "-.->" if runtime_only else "-->"
        lines.append(f"  {ids[source]} {arrow}|{label}| {ids[target]}")
    body = "\n".join(lines) + "\n"
    return f"```mermaid\n{body}```\n" if fence else body


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
