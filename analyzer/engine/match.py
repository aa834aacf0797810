"""Pattern matching as joins over the per-kind adjacency indexes.

A pattern is a set of node variables and edge constraints between them. The planner starts from
the edge constraint whose kinds have the fewest edges, then repeatedly takes a constraint with an
endpoint already bound, so each step is an index lookup (``out[kind][bound]``) rather than a scan.
Node variables that no edge mentions are scanned by kind last. Node conditions are memoised per
(variable, node), so a condition on a shared endpoint runs once, not once per partner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from analyzer.engine.index import GraphIndex, IndexedEdge
from analyzer.engine.spec import WILDCARD, EdgePattern, MatchSpec, NodePattern
from analyzer.model import NodeKind

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


class _EdgeStep:
    """An edge constraint with what the plan knows statically: which endpoints are bound before
    it runs, which it binds, and whether a distinct-constraint must be checked after it."""

    __slots__ = ("check_distinct", "new_source", "new_target", "pattern")

    def __init__(self, pattern: EdgePattern, bound: set[str], distinct_vars: set[str]) -> None:
        self.pattern = pattern
        self.new_source = pattern.source != WILDCARD and pattern.source not in bound
        self.new_target = (
            pattern.target != WILDCARD and pattern.target not in bound and pattern.target != pattern.source
        )
        self.check_distinct = bool({pattern.source, pattern.target, pattern.var} & distinct_vars)


class Matcher:
    def __init__(
        self,
        spec: MatchSpec,
        index: GraphIndex,
        options: dict[str, Any],
        edge_filter: tuple[str, Callable[[IndexedEdge], bool]] | None = None,
    ) -> None:
        self.spec = spec
        # (edge variable, predicate): a cheap native test the rule knows every match must pass
        # (e.g. "has evidence whose detail matches location_detail"), checked before any view.
        self.edge_filter = edge_filter
        self.index = index
        self.options = options
        distinct_vars = {v for group in spec.distinct for v in group}
        self.plan: list[_EdgeStep | NodePattern] = []
        bound: set[str] = set()
        for step in _plan(spec, index):
            if isinstance(step, EdgePattern):
                self.plan.append(_EdgeStep(step, bound, distinct_vars))
                bound.update((step.source, step.target))
            else:
                self.plan.append(step)
                bound.add(step.var)
        self._node_ok: dict[str, dict[str, bool]] = {}

    # -- checks ---------------------------------------------------------------------------
    def _node_fits(self, var: str, nid: str) -> bool:
        pattern = self.spec.nodes.get(var)
        if pattern is None:
            return True
        if pattern.kinds and self.index.nodes[nid].kind not in pattern.kinds:
            return False
        if pattern.where is None:
            return True
        memo = self._node_ok.setdefault(var, {})
        ok = memo.get(nid)
        if ok is None:
            ok = memo[nid] = pattern.where({var: self.index.view(nid), "options": self.options})
        return ok

    def _edge_fits(self, pattern: EdgePattern, item: IndexedEdge) -> bool:
        if pattern.where is None:
            return True
        view = self.index.edge_view(item)
        scope = {"edge": view, "options": self.options}
        if pattern.var:
            scope[pattern.var] = view
        return pattern.where(scope)

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
                found.extend(i for i in items if not isinstance(target, str) or i.target == target)
            elif isinstance(target, str):
                found.extend(self.index.into[kind].get(target, []))
            else:
                found.extend(self.index.edges[kind])
        return found

    def _finish(self, binding: Binding) -> bool:
        if self.spec.distinct and not self._distinct_ok(binding):
            return False
        for absent in self.spec.absent:
            if self._candidates_exist(absent, binding):
                return False
        return self.spec.where is None or self.spec.where(self.scope(binding))

    def _step(self, depth: int, binding: Binding) -> Iterator[Binding]:
        if depth == len(self.plan):
            if self._finish(binding):
                yield dict(binding)
            return
        step = self.plan[depth]
        if isinstance(step, NodePattern):
            kinds = step.kinds or tuple(NodeKind)
            for kind in kinds:
                for nid in self.index.by_kind.get(kind, []):
                    if self._node_fits(step.var, nid):
                        binding[step.var] = nid
                        if not self.spec.distinct or self._distinct_ok(binding):
                            yield from self._step(depth + 1, binding)
                        del binding[step.var]
            return
        pattern = step.pattern
        source_var, target_var, edge_var = pattern.source, pattern.target, pattern.var
        fits = self._node_fits
        for item in self._candidates(pattern, binding):
            if step.new_source and not fits(source_var, item.source):
                continue
            if step.new_target and not fits(target_var, item.target):
                continue
            if source_var == target_var and source_var != WILDCARD and item.source != item.target:
                continue
            if (
                self.edge_filter is not None
                and edge_var == self.edge_filter[0]
                and not self.edge_filter[1](item)
            ):
                continue
            if pattern.where is not None and not self._edge_fits(pattern, item):
                continue
            if step.new_source:
                binding[source_var] = item.source
            if step.new_target:
                binding[target_var] = item.target
            if edge_var:
                binding[edge_var] = item
            if not step.check_distinct or self._distinct_ok(binding):
                yield from self._step(depth + 1, binding)
            if edge_var:
                del binding[edge_var]
            if step.new_target:
                del binding[target_var]
            if step.new_source:
                del binding[source_var]

    def _candidates_exist(self, pattern: EdgePattern, binding: Binding) -> bool:
        for item in self._candidates(pattern, binding):
            ends = ((pattern.source, item.source), (pattern.target, item.target))
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
        return value.uid
    return value
