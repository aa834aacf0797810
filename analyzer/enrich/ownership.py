"""Who owns which data: table owners from DDL/migrations, database owners from tables or sole use."""

from __future__ import annotations

from collections import defaultdict

from analyzer.config import Config
from analyzer.model import ArchGraph, Diagnostic, EdgeKind, NodeKind


def derive_ownership(graph: ArchGraph, config: Config) -> list[Diagnostic]:
    table_owners: dict[str, set[str]] = defaultdict(set)
    for source, target in graph.edge_pairs(EdgeKind.OWNS):
        table_owners[target].add(graph.node_name(source))
    for table_id, table_set in table_owners.items():
        graph.set_attr(table_id, "owners", tuple(sorted(table_set)))

    connectors: dict[str, set[str]] = defaultdict(set)
    for source, target in graph.edge_pairs(EdgeKind.CONNECTS):
        # NOTE: platform components (a CDC relay reading an outbox, a log shipper) own no data and
        # never make a database shared; only services count.
        if target.startswith("database:") and source.startswith("service:"):
            connectors[target].add(graph.node_name(source))
    for db_id in graph.node_ids(NodeKind.DATABASE):
        owners: set[str] = set()
        for table_id in graph.successors(db_id, EdgeKind.CONTAINS):
            owners |= table_owners.get(table_id, set())
        if not owners and len(connectors.get(db_id, ())) == 1:
            owners = set(connectors[db_id])
        graph.set_attr(db_id, "owners", tuple(sorted(owners)))
        graph.set_attr(db_id, "services", tuple(sorted(connectors.get(db_id, ()))))
    return []
