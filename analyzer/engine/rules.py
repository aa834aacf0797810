"""Rules: declarative (YAML) and Python, and how a match becomes a :class:`Finding`.

Every rule has :class:`RuleMeta`, option defaults, and ``evaluate(index, options) -> [Finding]``.
Finding conventions shared by both kinds:

* ``subjects`` are sorted node ids; the fingerprint hashes rule name + subjects (+ the anchor
  evidence's path and detail for per-evidence rules), never line numbers, so it survives edits;
* the location is the best-ranked evidence of the anchor element (static before runtime, code
  before SQL before config before manifests); all other evidence becomes related locations.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from analyzer.engine.index import GraphIndex, IndexedEdge
from analyzer.engine.match import Binding, Matcher, id_of
from analyzer.engine.spec import MatchSpec, OutputSpec, WalkSpec
from analyzer.engine.walks import Walk, find_chains, find_cycles
from analyzer.model import Edge, Evidence, Finding, Location, Node, RelatedLocation, RuleMeta

MAX_RELATED = 50
# Evidence details that annotate a node rather than declare it (see analyzer/model/vocabulary.py).
ANNOTATIONS = (
    "plaintext credential", "destructive migration", "ddl-auto", "migration_tool", "telemetry", "saga ",
    "compensation", "outbox", "health", "hardcoded endpoint",
)  # fmt: skip


class Rule(Protocol):
    meta: RuleMeta
    options: dict[str, Any]
    default_enabled: bool

    def evaluate(self, index: GraphIndex, options: dict[str, Any]) -> list[Finding]: ...


def fingerprint(rule: str, subjects: Sequence[str], extra: str = "") -> str:
    digest = hashlib.sha256("\x1f".join([rule, *subjects, extra]).encode()).hexdigest()
    return digest[:32]


def _related(
    evidence: Iterable[Evidence], skip: Location | None, label: Callable[[Evidence], str]
) -> list[RelatedLocation]:
    seen: set[Location] = set() if skip is None else {skip}
    out: list[RelatedLocation] = []
    for ev in sorted(evidence, key=lambda e: e.rank):
        if ev.location in seen:
            continue
        seen.add(ev.location)
        out.append(RelatedLocation(ev.location, label(ev)))
        if len(out) >= MAX_RELATED:
            break
    return out


def make_finding(
    meta: RuleMeta,
    message: str,
    subjects: Iterable[str],
    anchor: Sequence[Evidence],
    related: Iterable[Evidence] = (),
    label: Callable[[Evidence], str] = lambda e: e.detail,
    extra: str = "",
) -> Finding | None:
    """A finding at the best of ``anchor``; ``None`` when there is no evidence to point at.

    Evidence that declares the element comes before evidence that annotates it (a credential or
    a marker found on a datastore), then static before runtime, then by place."""
    ordered = sorted(anchor, key=lambda e: (e.detail.startswith(ANNOTATIONS), e.rank))
    if not ordered:
        ordered = sorted(related, key=lambda e: e.rank)
    if not ordered:
        return None
    location = ordered[0].location
    subject_ids = tuple(sorted(set(subjects)))
    return Finding(
        rule_id=meta.id,
        rule=meta.name,
        severity=meta.severity,
        message=message,
        subjects=subject_ids,
        location=location,
        related=tuple(_related([*ordered[1:], *related], location, label)),
        fingerprint=fingerprint(meta.name, subject_ids, extra),
    )


def _label_for(index: GraphIndex) -> Callable[[Evidence], str]:
    def label(ev: Evidence) -> str:
        return ev.detail or str(ev.source)

    return label


@dataclass(slots=True)
class DeclarativeRule:
    """A rule written in the YAML rule language (see ``rules/schema/rule.schema.json``)."""

    meta: RuleMeta
    output: OutputSpec
    match: MatchSpec | None = None
    walk: WalkSpec | None = None
    options: dict[str, Any] = field(default_factory=dict)
    default_enabled: bool = True
    node_vars: tuple[str, ...] = ()

    def evaluate(self, index: GraphIndex, options: dict[str, Any]) -> list[Finding]:
        if self.walk is not None:
            return self._evaluate_walk(index, options, self.walk)
        assert self.match is not None
        edge_filter = None
        edge_vars = {p.var for p in self.match.edges if p.var}
        if self.output.location_detail and self.output.location in edge_vars:
            wanted = re.compile(self.output.location_detail)
            edge_filter = (
                self.output.location,
                lambda item: any(wanted.match(ev.detail) for ev in item.edge.evidence),
            )
        matcher = Matcher(self.match, index, options, edge_filter)
        group_vars = self.output.group_by if self.output.group_by is not None else self.node_vars
        groups: dict[tuple[str, ...], list[Binding]] = {}
        for binding in matcher.run():
            key = tuple(id_of(binding[v]) for v in group_vars if v in binding)
            groups.setdefault(key, []).append(binding)
        findings: list[Finding] = []
        for key in sorted(groups):
            findings.extend(self._group_findings(index, matcher, group_vars, groups[key], options))
        return findings

    def _group_findings(
        self,
        index: GraphIndex,
        matcher: Matcher,
        group_vars: Sequence[str],
        bindings: list[Binding],
        options: dict[str, Any],
    ) -> list[Finding]:
        out = self.output
        collected: dict[str, dict[str, str | IndexedEdge]] = {}
        for binding in bindings:
            for var, value in binding.items():
                collected.setdefault(var, {})[id_of(value)] = value
        anchor_var = out.location or (group_vars[0] if group_vars else self.node_vars[0])
        anchor_evidence = [ev for a in collected.get(anchor_var, {}).values() for ev in index.evidence_of(a)]
        if out.location_detail:
            # Filter before building any view: most groups of per-evidence rules have no such evidence.
            pattern = re.compile(out.location_detail)
            anchor_evidence = [ev for ev in anchor_evidence if pattern.match(ev.detail)]
            if not anchor_evidence:
                return []
        scope: dict[str, Any] = {"options": options}
        for var, values in collected.items():
            views = [
                index.edge_view(v) if isinstance(v, IndexedEdge) else index.view(v)
                for _, v in sorted(values.items())
            ]
            scope[var] = views[0] if var in group_vars else views
        for name, fn in out.let:
            scope[name] = fn(scope)
        if out.having is not None and not out.having(scope):
            return []
        subject_vars = out.subjects or tuple(v for v in self.node_vars if v in collected)
        subjects = [
            i
            for var in subject_vars
            for i, v in collected.get(var, {}).items()
            if not isinstance(v, IndexedEdge)
        ]
        label = _label_for(index)
        if out.per_evidence:
            findings = []
            seen: dict[str, int] = {}
            for ev in sorted(set(anchor_evidence), key=lambda e: e.rank):
                message = out.message({**scope, "evidence": ev.detail, "evidence_path": ev.location.path})
                # The fingerprint names the evidence by what it says, not where: renaming or
                # moving the file keeps it; a second identical detail is told apart by its order.
                seen[ev.detail] = seen.get(ev.detail, 0) + 1
                extra = ev.detail if seen[ev.detail] == 1 else f"{ev.detail}#{seen[ev.detail]}"
                found = make_finding(self.meta, message, subjects, [ev], (), label, extra)
                if found is not None:
                    findings.append(found)
            return findings
        related = [
            ev for var in out.related for a in collected.get(var, {}).values() for ev in index.evidence_of(a)
        ]
        found = make_finding(self.meta, out.message(scope), subjects, anchor_evidence, related, label)
        return [found] if found is not None else []

    def _evaluate_walk(self, index: GraphIndex, options: dict[str, Any], walk: WalkSpec) -> list[Finding]:
        if walk.mode == "cycles":
            walks = find_cycles(walk, index, options)
        else:
            limit = int(walk.longer_than({"options": options})) if walk.longer_than else 3
            walks = find_chains(walk, index, options, limit)
        findings = []
        for item in walks:
            found = self._walk_finding(index, options, item)
            if found is not None:
                findings.append(found)
        return findings

    def _walk_finding(self, index: GraphIndex, options: dict[str, Any], walk: Walk) -> Finding | None:
        nodes = [index.view(n) for n in walk.nodes]
        edges = [index.edge_view(e) for e in walk.edges]
        scope = {"options": options, "nodes": nodes, "edges": edges, "length": len(walk.edges)}
        scope["cycle" if self.walk and self.walk.mode == "cycles" else "chain"] = nodes
        for name, fn in self.output.let:
            scope[name] = fn(scope)
        if self.output.having is not None and not self.output.having(scope):
            return None
        first = walk.edges[0].edge.evidence
        rest = [ev for e in walk.edges[1:] for ev in e.edge.evidence]
        return make_finding(self.meta, self.output.message(scope), walk.nodes, first, rest, _label_for(index))


@dataclass(frozen=True, slots=True)
class Report:
    """What a Python rule yields: the engine turns it into a :class:`Finding`.

    ``anchor`` is the node, edge or evidence the finding points at (its best evidence is the
    location); ``related`` adds more elements whose evidence become related locations.
    """

    message: str
    subjects: tuple[str, ...]
    anchor: Node | Edge | Evidence | Sequence[Evidence]
    related: tuple[Node | Edge | Evidence, ...] = ()


def _evidence(element: Node | Edge | Evidence | Sequence[Evidence]) -> list[Evidence]:
    if isinstance(element, Evidence):
        return [element]
    if isinstance(element, (Node, Edge)):
        return list(element.evidence)
    return list(element)


@dataclass(slots=True)
class PythonRule:
    """A rule whose check is a Python function ``check(graph, options) -> Iterable[Report]``."""

    meta: RuleMeta
    check: Callable[..., Iterable[Report]]
    options: dict[str, Any] = field(default_factory=dict)
    default_enabled: bool = True

    def evaluate(self, index: GraphIndex, options: dict[str, Any]) -> list[Finding]:
        findings = []
        for report in self.check(index.graph, options):
            related = [ev for element in report.related for ev in _evidence(element)]
            found = make_finding(
                self.meta, report.message, report.subjects, _evidence(report.anchor), related
            )
            if found is not None:
                findings.append(found)
        return findings
