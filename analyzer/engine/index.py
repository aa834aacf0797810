"""A read-only snapshot of the graph indexed for rule evaluation.

Patterns are evaluated as joins over per-kind adjacency indexes (``out[kind][node]``,
``into[kind][node]``), built once per scan and shared by every rule — never with networkx's
generic subgraph matcher, which is orders of magnitude slower on large graphs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from analyzer.engine.expr import View, edge_view, node_view
from analyzer.model import ArchGraph, Edge, EdgeKind, Evidence, Node, NodeKind


@dataclass(slots=True)
class IndexedEdge:
    edge: Edge
    _view: View | None = None


@dataclass(slots=True)
class GraphIndex:
    graph: ArchGraph
    nodes: dict[str, Node] = field(default_factory=dict)
    by_kind: dict[NodeKind, list[str]] = field(default_factory=lambda: defaultdict(list))
    edges: dict[EdgeKind, list[IndexedEdge]] = field(default_factory=lambda: defaultdict(list))
    out: dict[EdgeKind, dict[str, list[IndexedEdge]]] = field(default_factory=dict)
    into: dict[EdgeKind, dict[str, list[IndexedEdge]]] = field(default_factory=dict)
    _views: dict[str, View] = field(default_factory=dict)

    @classmethod
    def build(cls, graph: ArchGraph) -> GraphIndex:
        index = cls(graph)
        for node in graph.nodes():
            index.nodes[node.id] = node
            index.by_kind[node.kind].append(node.id)
        for kind in EdgeKind:
            out: dict[str, list[IndexedEdge]] = defaultdict(list)
            into: dict[str, list[IndexedEdge]] = defaultdict(list)
            for edge in graph.edges(kind):
                item = IndexedEdge(edge)
                index.edges[kind].append(item)
                out[edge.source].append(item)
                into[edge.target].append(item)
            index.out[kind] = out
            index.into[kind] = into
        return index

    def view(self, nid: str) -> View:
        found = self._views.get(nid)
        if found is None:
            found = self._views[nid] = node_view(self.nodes[nid])
        return found

    def edge_view(self, item: IndexedEdge) -> View:
        if item._view is None:
            item._view = edge_view(item.edge, self.view(item.edge.source), self.view(item.edge.target))
        return item._view

    def evidence_of(self, element: str | IndexedEdge) -> tuple[Evidence, ...]:
        if isinstance(element, IndexedEdge):
            return element.edge.evidence
        return self.nodes[element].evidence
