"""Safe expressions and message templates for rules: a sandboxed Jinja2 environment.

Rules never run Python. A condition is a Jinja2 *expression* (``db.technology != 'redis'``), a
message is a Jinja2 *template*; both are compiled once per rule and evaluated in
:class:`jinja2.sandbox.ImmutableSandboxedEnvironment`, which refuses attribute access to
internals and any mutation. Missing attributes are falsy (``svc.saga`` on a service without
markers), so conditions read naturally.

Graph elements reach expressions as *views*: plain dicts with ``id``, ``kind``, ``name``,
``attrs`` and, for convenience, every attribute at the top level too (``db.technology`` and
``db.attrs.technology`` are the same). Edge views carry ``source`` and ``target`` node views.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from analyzer.model import Edge, Node

View = dict[str, Any]


def _as_list(value: Any) -> list[Any]:
    if value is None or isinstance(value, ChainableUndefined):
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def _names(items: Any) -> list[str]:
    return sorted({str(v.get("name", "")) for v in _as_list(items) if isinstance(v, Mapping)})


def _ids(items: Any) -> list[str]:
    return sorted({str(v.get("id", "")) for v in _as_list(items) if isinstance(v, Mapping)})


def _distinct(items: Any, attribute: str) -> list[Any]:
    """Sorted distinct non-empty values of ``attribute`` over views (tuple values are flattened)."""
    values: set[Any] = set()
    for item in _as_list(items):
        value = item.get(attribute) if isinstance(item, Mapping) else None
        if isinstance(value, (list, tuple)):
            values.update(value)
        elif value not in (None, ""):
            values.add(value)
    return sorted(values, key=str)


def _flatten(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in _as_list(items):
        out.extend(_as_list(item))
    return out


def _make_env() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=ChainableUndefined, autoescape=False)
    env.filters.update(names=_names, ids=_ids, distinct=_distinct, as_list=_as_list, flatten=_flatten)
    env.globals.update(distinct=_distinct, names=_names)
    return env


ENV = _make_env()


class ExpressionError(ValueError):
    """A rule expression or template that does not compile."""


def compile_condition(source: str) -> Callable[[Mapping[str, Any]], bool]:
    """A condition: a Jinja2 expression whose truth decides. Raises :class:`ExpressionError`."""
    try:
        compiled = ENV.compile_expression(source, undefined_to_none=True)
    except TemplateSyntaxError as exc:
        raise ExpressionError(f"bad expression {source!r}: {exc.message}") from None

    def run(scope: Mapping[str, Any]) -> bool:
        return bool(compiled(**scope))

    return run


def compile_value(source: str) -> Callable[[Mapping[str, Any]], Any]:
    """An expression evaluated for its value (``let:`` bindings, thresholds)."""
    try:
        compiled = ENV.compile_expression(source, undefined_to_none=True)
    except TemplateSyntaxError as exc:
        raise ExpressionError(f"bad expression {source!r}: {exc.message}") from None

    def run(scope: Mapping[str, Any]) -> Any:
        return compiled(**scope)

    return run


def compile_template(source: str) -> Callable[[Mapping[str, Any]], str]:
    """A message template; the result is stripped and whitespace-collapsed to one line."""
    try:
        template = ENV.from_string(source)
    except TemplateSyntaxError as exc:
        raise ExpressionError(f"bad template {source!r}: {exc.message}") from None

    def run(scope: Mapping[str, Any]) -> str:
        return " ".join(template.render(**scope).split())

    return run


def _evidence_views(evidence: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {
            "source": str(e.source),
            "path": e.location.path,
            "line": e.location.line,
            "detail": e.detail,
            "profile": e.profile,
            "count": e.count,
        }
        for e in evidence
    ]


def node_view(node: Node) -> View:
    attrs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in node.attrs.items()}
    view: View = dict(attrs)
    view.update(
        id=node.id, kind=str(node.kind), name=node.name, attrs=attrs, evidence=_evidence_views(node.evidence)
    )
    return view


def edge_view(edge: Edge, source: View, target: View) -> View:
    attrs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in edge.attrs.items()}
    view: View = dict(attrs)
    view.update(
        id=f"{edge.source}|{edge.kind}|{edge.key}|{edge.target}",
        kind=str(edge.kind),
        name=f"{source['name']} {edge.kind} {target['name']}",
        source=source,
        target=target,
        attrs=attrs,
        evidence=_evidence_views(edge.evidence),
    )
    return view
