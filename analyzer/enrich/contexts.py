"""Bounded contexts and teams from config (and CODEOWNERS, when the pipeline passes its owners)."""

from __future__ import annotations

from analyzer.config import Config
from analyzer.model import ArchGraph, Diagnostic, DiagnosticLevel, EdgeKind, NodeKind
from analyzer.resolve import normalise


def apply_contexts(graph: ArchGraph, config: Config) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    services = {n.name: n.id for n in graph.nodes(NodeKind.SERVICE)}
    for context in config.contexts:
        ctx_id = graph.add_node(NodeKind.CONTEXT, context.name, attrs={"team": context.team or None})
        for name in context.services:
            sid = services.get(name) or services.get(normalise(name))
            if sid is None:
                diagnostics.append(
                    Diagnostic(
                        config.path,
                        0,
                        DiagnosticLevel.WARNING,
                        f"context '{context.name}' names service '{name}', which the scan did not find",
                    )
                )
                continue
            graph.add_edge(EdgeKind.PART_OF, sid, ctx_id)
            graph.set_attr(sid, "context", context.name)
            if context.team:
                graph.set_attr(sid, "team", context.team)
    return diagnostics


def apply_codeowners(graph: ArchGraph, owners_by_service: dict[str, tuple[str, ...]]) -> None:
    """Team ownership from CODEOWNERS, where config contexts name no team."""
    for node in graph.nodes(NodeKind.SERVICE):
        owners = owners_by_service.get(node.name)
        if owners:
            graph.set_attr(node.id, "owners", owners)
            if not node.attrs.get("team"):
                graph.set_attr(node.id, "team", owners[0])
