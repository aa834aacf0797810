"""Write sets of operations: which services' data one entry point changes, and what protects it.

An operation writes into several services when its own handler writes its database and it makes
mutating calls to other services (or a trace shows writes in several services). It is
``compensated`` when the service declares compensation handlers or a saga framework
orchestrates it, and ``choreographed`` when it hands the other services' work to events instead of
mutating calls.
"""

from __future__ import annotations

from analyzer.config import Config
from analyzer.model import ArchGraph, Diagnostic, EdgeKind, NodeKind


def derive_operation_facts(graph: ArchGraph, config: Config) -> list[Diagnostic]:
    for op in graph.nodes(NodeKind.OPERATION):
        services = graph.successors(op.id, EdgeKind.PART_OF)
        service = graph.node(services[0]) if services else None
        attrs = service.attrs if service is not None else {}
        written = tuple(op.attrs.get("written_services") or ())  # type: ignore[arg-type]
        graph.set_attr(op.id, "write_count", len(written))
        graph.set_attr(op.id, "saga", bool(attrs.get("saga")))
        graph.set_attr(op.id, "outbox", bool(attrs.get("outbox")))
        graph.set_attr(op.id, "compensated", bool(op.attrs.get("compensated") or attrs.get("compensation")))
        own = service.name if service is not None else ""
        others = [s for s in written if s != own]
        graph.set_attr(op.id, "choreographed", bool(op.attrs.get("publishes")) and not others)
    return []
