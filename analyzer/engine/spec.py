"""The compiled form of a declarative rule: patterns, walks and how findings are written."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from analyzer.model import EdgeKind, NodeKind

Condition = Callable[[Mapping[str, Any]], bool]
ValueFn = Callable[[Mapping[str, Any]], Any]
Template = Callable[[Mapping[str, Any]], str]

WILDCARD = "_"


@dataclass(frozen=True, slots=True)
class NodePattern:
    var: str
    kinds: tuple[NodeKind, ...] = ()  # empty: any kind
    where: Condition | None = None


@dataclass(frozen=True, slots=True)
class EdgePattern:
    """``source -[kinds]-> target``; ``var`` names the edge for conditions and anchors."""

    source: str
    kinds: tuple[EdgeKind, ...]
    target: str
    var: str = ""
    where: Condition | None = None


@dataclass(frozen=True, slots=True)
class MatchSpec:
    nodes: Mapping[str, NodePattern]
    edges: tuple[EdgePattern, ...] = ()
    absent: tuple[EdgePattern, ...] = ()
    distinct: tuple[tuple[str, ...], ...] = ()
    where: Condition | None = None


@dataclass(frozen=True, slots=True)
class WalkSpec:
    """Cycles (one per strongly connected component) or chains (longest path > limit).

    ``edge_where`` filters edges (variable ``edge``); ``node_kinds`` restricts the nodes walked.
    """

    mode: str  # cycles | chains
    edge_kinds: tuple[EdgeKind, ...]
    node_kinds: tuple[NodeKind, ...] = ()
    edge_where: Condition | None = None
    longer_than: ValueFn | None = None


@dataclass(frozen=True, slots=True)
class OutputSpec:
    message: Template
    group_by: tuple[str, ...] | None = None  # None: one finding per distinct node tuple
    having: Condition | None = None
    let: tuple[tuple[str, ValueFn], ...] = ()
    location: str = ""
    location_detail: str = ""
    per_evidence: bool = False
    related: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
