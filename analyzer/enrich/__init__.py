"""Enrichment passes: derived facts that rules match declaratively (concepts before constraints).

Each pass reads the resolved graph and writes attributes documented in
:mod:`analyzer.model.vocabulary`. Passes run in the order of :data:`PASSES`.
"""

from __future__ import annotations

from collections.abc import Callable

from analyzer.config import Config
from analyzer.enrich.contexts import apply_contexts
from analyzer.enrich.operations import derive_operation_facts
from analyzer.enrich.ownership import derive_ownership
from analyzer.enrich.platform import mark_platform_only_stores
from analyzer.enrich.provenance import mark_static_and_runtime
from analyzer.model import ArchGraph, Diagnostic

Pass = Callable[[ArchGraph, Config], list[Diagnostic]]

PASSES: tuple[Pass, ...] = (
    mark_static_and_runtime,
    derive_ownership,
    mark_platform_only_stores,
    apply_contexts,
    derive_operation_facts,
)


def enrich(graph: ArchGraph, config: Config) -> list[Diagnostic]:
    """Run every enrichment pass; returns their diagnostics."""
    diagnostics: list[Diagnostic] = []
    for enrichment in PASSES:
        diagnostics.extend(enrichment(graph, config))
    return diagnostics
