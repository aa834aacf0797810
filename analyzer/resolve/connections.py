"""Connections after they are drawn: one service, one store, the most precise database.

A deployment often says only *which host* a service reaches (``PG_HOST=billing-db``, a
``depends_on``-style host variable) while the code says the rest
(``"jdbc:postgresql://" + PG_HOST + ":5432/billing"``). Both are drawn, the first to the store's
placeholder database ``(default)``; when the same service also reaches a named database on the same
store, the placeholder edge is folded into it (its evidence kept) instead of inventing a second
database nobody uses.
"""

from __future__ import annotations

from collections import defaultdict

from analyzer.model import ArchGraph, EdgeKind, NodeKind
from analyzer.model.graph import Edge

PLACEHOLDER_DATABASES = frozenset({"(default)"})


def prefer_named_databases(graph: ArchGraph) -> list[tuple[str, str]]:
    """Fold a service's ``(default)``-database connection into its named one on the same store;
    returns the (service id, database id) connections folded away."""
    folded: list[tuple[str, str]] = []
    by_store: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    for edge in graph.edges(EdgeKind.CONNECTS):
        if graph.node_kind(edge.target) != NodeKind.DATABASE:
            continue
        by_store[(edge.source, str(graph.node_attrs(edge.target).get("datastore", "")))].append(edge)
    for edges in by_store.values():
        named = [e for e in edges if graph.node_attrs(e.target).get("database") not in PLACEHOLDER_DATABASES]
        if len(named) != 1:
            continue
        keep = named[0]
        for edge in edges:
            if edge is keep or graph.node_attrs(edge.target).get("database") not in PLACEHOLDER_DATABASES:
                continue
            graph.add_edge(
                EdgeKind.CONNECTS, keep.source, keep.target, attrs=dict(edge.attrs), evidence=edge.evidence
            )
            graph.remove_edge(edge)
            folded.append((edge.source, edge.target))
            if not graph.in_edges(edge.target, EdgeKind.CONNECTS) and not graph.out_edges(edge.target):
                graph.remove_node(edge.target)
    return folded
