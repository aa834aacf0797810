"""Which datastores serve only the platform: a datastore every user of which is a platform component
(Keycloak's own PostgreSQL, Grafana's database) is no technology the system's services chose, so
datastore-technology rules leave it out (``platform_only``)."""

from __future__ import annotations

from analyzer.config import Config
from analyzer.model import ArchGraph, Diagnostic, EdgeKind, NodeKind


def mark_platform_only_stores(graph: ArchGraph, config: Config) -> list[Diagnostic]:
    for store in graph.nodes(NodeKind.DATASTORE):
        users = {
            edge.source
            for target in [store.id, *graph.successors(store.id, EdgeKind.CONTAINS)]
            for edge in graph.in_edges(target)
            if edge.kind in (EdgeKind.CONNECTS, EdgeKind.READS, EdgeKind.WRITES, EdgeKind.OWNS)
        }
        if users and all(user.startswith(f"{NodeKind.PLATFORM.value}:") for user in users):
            graph.set_attr(store.id, "platform_only", True)
    return []
