"""A read-only snapshot of the graph indexed for rule evaluation.

Patterns are evaluated as joins over per-kind adjacency indexes (``out[kind][node]``,
``into[kind][node]``), built once per scan and shared by every rule — never with networkx's
generic subgraph matcher, which is orders of magnitude slower on large graphs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from analyzer.engine.expr import EdgeView, NodeView, edge_view, node_view
from analyzer.model import ArchGraph, Edge, EdgeKind, Evidence, Node, NodeKind


def _ranked(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    items = tuple(evidence)
    return items if len(items) < 2 else tuple(sorted(items, key=lambda e: e.rank))


class IndexedEdge:
    """One edge in the index: endpoints at hand for joins, the :class:`Edge` snapshot and its
    expression view built only when a rule reads them."""

    __slots__ = ("_data", "_edge", "_view", "kind", "source", "target")

    def __init__(self, source: str, target: str, kind: EdgeKind, data: dict[str, Any]) -> None:
        self.source = source
        self.target = target
        self.kind = kind
        self._data = data
        self._edge: Edge | None = None
        self._view: EdgeView | None = None

    @property
    def edge(self) -> Edge:
        if self._edge is None:
            d = self._data
            self._edge = Edge(
                self.source,
                self.target,
                self.kind,
                MappingProxyType(d["attrs"]),
                _ranked(d["evidence"]),
                d["key_"],
            )
        return self._edge

    @property
    def uid(self) -> str:
        return f"{self.source}|{self.kind}|{self._data['key_']}|{self.target}"


@dataclass(slots=True)
class GraphIndex:
    graph: ArchGraph
    nodes: dict[str, Node] = field(default_factory=dict)
    by_kind: dict[NodeKind, list[str]] = field(default_factory=lambda: defaultdict(list))
    edges: dict[EdgeKind, list[IndexedEdge]] = field(default_factory=lambda: defaultdict(list))
    out: dict[EdgeKind, dict[str, list[IndexedEdge]]] = field(default_factory=dict)
    into: dict[EdgeKind, dict[str, list[IndexedEdge]]] = field(default_factory=dict)
    _views: dict[str, NodeView] = field(default_factory=dict)
    walk_cache: dict[Any, Any] = field(default_factory=dict)  # subgraphs shared by cycle/chain rules

    @classmethod
    def build(cls, graph: ArchGraph) -> GraphIndex:
        # NOTE: reads the graph's data directly (not ArchGraph.node/edges snapshots one by one):
        # on a 70,000-edge graph this is most of the engine's fixed cost.
        index = cls(graph)
        for nid, data in graph.raw_nodes():
            node = Node(
                nid, data["kind"], data["name"], MappingProxyType(data["attrs"]), _ranked(data["evidence"])
            )
            index.nodes[nid] = node
            index.by_kind[node.kind].append(nid)
        for kind in EdgeKind:
            index.out[kind] = defaultdict(list)
            index.into[kind] = defaultdict(list)
        for kind in EdgeKind:
            items, out, into = index.edges[kind], index.out[kind], index.into[kind]
            for u, v, data in graph.raw_edges(kind):
                item = IndexedEdge(u, v, kind, data)
                items.append(item)
                out[u].append(item)
                into[v].append(item)
        return index

    def view(self, nid: str) -> NodeView:
        found = self._views.get(nid)
        if found is None:
            found = self._views[nid] = node_view(self.nodes[nid])
        return found

    def edge_view(self, item: IndexedEdge) -> EdgeView:
        if item._view is None:
            item._view = edge_view(item.edge, self.view(item.source), self.view(item.target))
        return item._view

    def evidence_of(self, element: str | IndexedEdge) -> tuple[Evidence, ...]:
        if isinstance(element, IndexedEdge):
            return element.edge.evidence
        return self.nodes[element].evidence
