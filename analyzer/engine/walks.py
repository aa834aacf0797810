"""Cycles and chains over chosen edge kinds, without enumerating simple paths.

Cycles: one result per strongly connected component (Tarjan, linear), with a shortest cycle as the
witness (breadth-first search back to a start node, trying a bounded number of starts). Chains:
longest paths in the condensation DAG (linear dynamic programme), one result per chain head.
Neither ever calls ``simple_cycles``, which does not finish on graphs where a few percent of the
edges loop back.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analyzer.engine.index import GraphIndex, IndexedEdge
from analyzer.engine.spec import WalkSpec
from analyzer.model import kind_of

if TYPE_CHECKING:
    import networkx as nx

_MAX_STARTS = 16


@dataclass(frozen=True, slots=True)
class Walk:
    nodes: tuple[str, ...]  # for a cycle the start is not repeated at the end
    edges: tuple[IndexedEdge, ...]


def _subgraph(spec: WalkSpec, index: GraphIndex, options: dict[str, object]) -> nx.DiGraph:
    key = (spec.edge_kinds, spec.node_kinds) if spec.edge_where is None else None
    if key is not None and key in index.walk_cache:
        return index.walk_cache[key]
    graph = _build_subgraph(spec, index, options)
    if key is not None:
        index.walk_cache[key] = graph
    return graph


def _build_subgraph(spec: WalkSpec, index: GraphIndex, options: dict[str, object]) -> nx.DiGraph:
    import networkx as nx  # lazily, for start-up

    graph = nx.DiGraph()
    for kind in spec.edge_kinds:
        for item in index.edges[kind]:
            edge = item
            if edge.source == edge.target:
                continue  # a service calling its own API is not a distributed cycle
            if spec.node_kinds and (
                kind_of(edge.source) not in spec.node_kinds or kind_of(edge.target) not in spec.node_kinds
            ):
                continue
            if spec.edge_where is not None and not spec.edge_where(
                {"edge": index.edge_view(item), "options": options}
            ):
                continue
            if not graph.has_edge(edge.source, edge.target):
                graph.add_edge(edge.source, edge.target, item=item)
    return graph


def _shortest_cycle_from(graph: nx.DiGraph, start: str, members: set[str]) -> list[str] | None:
    parents: dict[str, str] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        for nxt in sorted(graph.successors(node)):
            if nxt not in members:
                continue
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return list(reversed(path))
            if nxt not in seen:
                seen.add(nxt)
                parents[nxt] = node
                queue.append(nxt)
    return None


def _no_edges(spec: WalkSpec, index: GraphIndex) -> bool:
    """Nothing to walk: answered without importing networkx (most of a small scan's start-up)."""
    return not any(index.edges.get(kind) for kind in spec.edge_kinds)


def find_cycles(spec: WalkSpec, index: GraphIndex, options: dict[str, object]) -> list[Walk]:
    if _no_edges(spec, index):
        return []
    import networkx as nx  # lazily, for start-up

    graph = _subgraph(spec, index, options)
    walks: list[Walk] = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        best: list[str] | None = None
        for start in sorted(component)[:_MAX_STARTS]:
            cycle = _shortest_cycle_from(graph, start, component)
            if cycle is not None and (best is None or len(cycle) < len(best)):
                best = cycle
            if best is not None and len(best) == 2:
                break
        if best is None:
            continue
        # Rotate so the witness starts at its smallest id: stable output whatever the start.
        pivot = best.index(min(best))
        best = best[pivot:] + best[:pivot]
        items = tuple(graph.edges[a, b]["item"] for a, b in zip(best, best[1:] + best[:1], strict=True))
        walks.append(Walk(tuple(best), items))
    return sorted(walks, key=lambda w: w.nodes)


def find_chains(spec: WalkSpec, index: GraphIndex, options: dict[str, object], limit: int) -> list[Walk]:
    """Paths with more than ``limit`` edges, one per head (a node nothing in the subgraph calls)."""
    if _no_edges(spec, index):
        return []
    import networkx as nx  # lazily, for start-up

    graph = _subgraph(spec, index, options)
    condensed = nx.condensation(graph)
    members = condensed.graph["mapping"]  # node -> component
    representative: dict[int, str] = {}
    for node, comp in members.items():
        if comp not in representative or node < representative[comp]:
            representative[comp] = node
    longest: dict[int, tuple[int, int | None]] = {}  # component -> (edges to the end, next)
    for comp in reversed(list(nx.topological_sort(condensed))):
        best: tuple[int, int | None] = (0, None)
        for nxt in sorted(condensed.successors(comp), key=lambda c: representative[c]):
            length = longest[nxt][0] + 1
            if length > best[0]:
                best = (length, nxt)
        longest[comp] = best
    # One representative edge per pair of components (the smallest), found in a single pass.
    crossing: dict[tuple[int, int], IndexedEdge] = {}
    best_pair: dict[tuple[int, int], tuple[str, str]] = {}
    for u, v in graph.edges:
        pair = (members[u], members[v])
        if pair[0] != pair[1] and (pair not in best_pair or (u, v) < best_pair[pair]):
            best_pair[pair] = (u, v)
            crossing[pair] = graph.edges[u, v]["item"]
    walks: list[Walk] = []
    for comp in condensed.nodes:
        if condensed.in_degree(comp) or longest[comp][0] <= limit:
            continue
        path = [comp]
        while longest[path[-1]][1] is not None:
            path.append(longest[path[-1]][1])  # type: ignore[arg-type,unused-ignore]
        items = [crossing[pair] for pair in itertools.pairwise(path)]
        nodes = [items[0].source, *(i.target for i in items)]
        walks.append(Walk(tuple(nodes), tuple(items)))
    return sorted(walks, key=lambda w: w.nodes)
