"""Mark each edge as declared statically (manifest, config, code, SQL) and/or seen at runtime."""

from __future__ import annotations

from analyzer.config import Config
from analyzer.model import ArchGraph, Diagnostic, EdgeKind, SourceKind

DEPENDENCY_EDGES = (
    EdgeKind.CALLS,
    EdgeKind.CONNECTS,
    EdgeKind.READS,
    EdgeKind.WRITES,
    EdgeKind.PUBLISHES,
    EdgeKind.CONSUMES,
    EdgeKind.DEPENDS_ON,
)


def mark_static_and_runtime(graph: ArchGraph, config: Config) -> list[Diagnostic]:
    for kind in DEPENDENCY_EDGES:
        for edge in graph.edges(kind):
            sources = {e.source for e in edge.evidence}
            graph.set_edge_attr(edge, "runtime", SourceKind.TRACE in sources)
            graph.set_edge_attr(edge, "static", bool(sources - {SourceKind.TRACE}))
    for node in graph.nodes():
        sources = {e.source for e in node.evidence}
        if SourceKind.TRACE in sources:
            graph.set_attr(node.id, "observed", True)
        if sources - {SourceKind.TRACE}:
            graph.set_attr(node.id, "declared", True)
    return []
