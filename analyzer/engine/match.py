"""Pattern matching as joins over the per-kind adjacency indexes.

A pattern is a set of node variables and edge constraints between them. The planner starts from
the edge constraint whose kinds have the fewest edges, then repeatedly takes a constraint with an
endpoint already bound, so each step is an index lookup (``out[kind][bound]``) rather than a scan.
Node variables that no edge mentions are scanned by kind last. Node conditions are memoised per
(variable, node), so a condition on a shared endpoint runs once, not once per partner.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from analyzer.engine.index import GraphIndex, IndexedEdge
from analyzer.engine.spec import WILDCARD, EdgePattern, MatchSpec, NodePattern
from analyzer.model import NodeKind, kind_of

Binding = dict[str, "str | IndexedEdge"]


def _plan(spec: MatchSpec, index: GraphIndex) -> list[EdgePattern | NodePattern]:
    remaining = list(spec.edges)
    bound: set[str] = set()
    plan: list[EdgePattern | NodePattern] = []

    def size(p: EdgePattern) -> int:
        return sum(len(index.edges[k]) for k in p.kinds)

    while remaining:
        connected = [p for p in remaining if p.source in bound or p.target in bound]
        pick = min(
            connected or remaining, key=lambda p: (-(p.source in bound) - (p.target in bound), size(p))
        )
        remaining.remove(pick)
        plan.append(pick)
        bound.update((pick.source, pick.target))
    for var, node in spec.nodes.items():
        if var not in bound:
            plan.append(node)
            bound.add(var)
    return plan


class Matcher:
    def __init__(self, spec: MatchSpec, index: GraphIndex, options: dict[str, Any]) -> None:
        self.spec = spec
        self.index = index
        self.options = options
        self.plan = _plan(spec, index)
        self._node_ok: dict[tuple[str, str], bool] = {}

    # -- checks ---------------------------------------------------------------------------
    def _node_fits(self, var: str, nid: str) -> bool:
        key = (var, nid)
        cached = self._node_ok.get(key)
        if cached is not None:
            return cached
        pattern = self.spec.nodes.get(var)
        ok = True
        if pattern is not None:
            if pattern.kinds and kind_of(nid) not in pattern.kinds:
                ok = False
            elif pattern.where is not None:
                ok = pattern.where({var: self.index.view(nid), "options": self.options})
        self._node_ok[key] = ok
        return ok

    def _edge_fits(self, pattern: EdgePattern, item: IndexedEdge) -> bool:
        if pattern.where is None:
            return True
        view = self.index.edge_view(item)
        scope = {"edge": view, "options": self.options}
        if pattern.var:
            scope[pattern.var] = view
        return pattern.where(scope)

    def _bind_endpoint(self, binding: Binding, var: str, nid: str) -> bool:
        if var == WILDCARD:
            return True
        current = binding.get(var)
        if current is not None:
            return current == nid
        if not self._node_fits(var, nid):
            return False
        binding[var] = nid
        return True

    def _distinct_ok(self, binding: Binding) -> bool:
        for group in self.spec.distinct:
            values = [binding[v] for v in group if v in binding]
            if len(set(map(id_of, values))) != len(values):
                return False
        return True

    # -- search ---------------------------------------------------------------------------
    def _candidates(self, pattern: EdgePattern, binding: Binding) -> list[IndexedEdge]:
        source = binding.get(pattern.source) if pattern.source != WILDCARD else None
        target = binding.get(pattern.target) if pattern.target != WILDCARD else None
        found: list[IndexedEdge] = []
        for kind in pattern.kinds:
            if isinstance(source, str):
                items = self.index.out[kind].get(source, [])
                found.extend(i for i in items if not isinstance(target, str) or i.edge.target == target)
            elif isinstance(target, str):
                found.extend(self.index.into[kind].get(target, []))
            else:
                found.extend(self.index.edges[kind])
        return found

    def _step(self, depth: int, binding: Binding) -> Iterator[Binding]:
        if depth == len(self.plan):
            if not self._distinct_ok(binding):
                return
            for absent in self.spec.absent:
                if self._candidates_exist(absent, binding):
                    return
            if self.spec.where is not None and not self.spec.where(self.scope(binding)):
                return
            yield dict(binding)
            return
        step = self.plan[depth]
        if isinstance(step, NodePattern):
            kinds = step.kinds or tuple(NodeKind)
            for kind in kinds:
                for nid in self.index.by_kind.get(kind, []):
                    if self._node_fits(step.var, nid):
                        binding[step.var] = nid
                        if self._distinct_ok(binding):
                            yield from self._step(depth + 1, binding)
                        del binding[step.var]
            return
        for item in self._candidates(step, binding):
            added = [v for v in (step.source, step.target) if v != WILDCARD and v not in binding]
            if not (
                self._bind_endpoint(binding, step.source, item.edge.source)
                and self._bind_endpoint(binding, step.target, item.edge.target)
                and self._edge_fits(step, item)
                and self._distinct_ok(binding)
            ):
                for var in added:
                    binding.pop(var, None)
                continue
            if step.var:
                binding[step.var] = item
            yield from self._step(depth + 1, binding)
            if step.var:
                del binding[step.var]
            for var in added:
                binding.pop(var, None)

    def _candidates_exist(self, pattern: EdgePattern, binding: Binding) -> bool:
        for item in self._candidates(pattern, binding):
            ends = ((pattern.source, item.edge.source), (pattern.target, item.edge.target))
            consistent = all(var == WILDCARD or binding.get(var, nid) == nid for var, nid in ends)
            fits = all(var == WILDCARD or var in binding or self._node_fits(var, nid) for var, nid in ends)
            if consistent and fits and self._edge_fits(pattern, item):
                return True
        return False

    def scope(self, binding: Binding) -> dict[str, Any]:
        scope: dict[str, Any] = {"options": self.options}
        for var, value in binding.items():
            scope[var] = (
                self.index.edge_view(value) if isinstance(value, IndexedEdge) else self.index.view(value)
            )
        return scope

    def run(self) -> Iterator[Binding]:
        return self._step(0, {})


def id_of(value: str | IndexedEdge) -> str:
    if isinstance(value, IndexedEdge):
        e = value.edge
        return f"{e.source}|{e.kind}|{e.key}|{e.target}"
    return value
