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

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError
from jinja2.parser import Parser
from jinja2.sandbox import ImmutableSandboxedEnvironment

from analyzer.engine.fastexpr import compile_fast, compile_fast_template
from analyzer.model import Edge, Node
from analyzer.model.inputs import bracket_depth


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


MAX_VALUE_ITEMS = 1_000_000  # characters or items a `*` may build
MAX_POWER_BITS = 4096  # bits of an integer `**` may build


class _BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, plus bounds on the two operators that can build huge values from tiny text:
    ``'a' * 10**10`` (memory) and ``2 ** 10**9`` (time). Rules from a config inside the scanned
    repository are untrusted (SECURITY.md), so their expressions must not be able to stall a scan;
    an expression over a bound fails, and the engine reports the rule as failed."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                sized = isinstance(seq, (str, list, tuple)) and isinstance(times, int)
                if sized and len(seq) * max(times, 0) > MAX_VALUE_ITEMS:
                    raise SecurityError(f"'*' would build more than {MAX_VALUE_ITEMS} items")
        integers = isinstance(left, int) and isinstance(right, int) and right > 0
        if operator == "**" and integers and max(abs(left), 2).bit_length() * right > MAX_POWER_BITS:
            raise SecurityError(f"'**' would build a number over {MAX_POWER_BITS} bits")
        return super().call_binop(context, operator, left, right)


def _make_env() -> ImmutableSandboxedEnvironment:
    env = _BoundedEnvironment(undefined=ChainableUndefined, autoescape=False)
    env.filters.update(names=_names, ids=_ids, distinct=_distinct, as_list=_as_list, flatten=_flatten)
    env.globals.update(distinct=_distinct, names=_names)
    return env


ENV = _make_env()


class ExpressionError(ValueError):
    """A rule expression or template that does not compile."""


MAX_EXPRESSION_NESTING = 40  # Jinja2's parser and compiler recurse per bracket level


# a.b.c…, x | f | g…, a[0][0]…, f()()…: each link nests one level in Jinja2's syntax tree
F = TypeVar("F", bound=Callable[..., Any])


def _recursion_is_an_error(compile_fn: F) -> F:
    """What the cheap checks miss (a thousand ``+`` in a row) is still a rule error, never a
    ``RecursionError`` out of Jinja2."""

    @functools.wraps(compile_fn)
    def wrapper(source: str) -> Any:
        try:
            return compile_fn(source)
        except RecursionError:
            raise ExpressionError("expression nested too deeply") from None

    return wrapper  # type: ignore[return-value]


_LONG_CHAIN = re.compile(r"(?:\.\w+|\|\s*\w+|\[[^\[\]]*\]|\([^()]*\)){" + str(MAX_EXPRESSION_NESTING) + "}")


def _check_nesting(source: str) -> None:
    """Refuse what would take Jinja2's recursive parser and compiler near Python's recursion
    limit: deep brackets, or a chain of attribute lookups or filters (``a.b.c.d…``)."""
    depth = bracket_depth(source, "code", stop_above=MAX_EXPRESSION_NESTING)
    if depth > MAX_EXPRESSION_NESTING:
        raise ExpressionError(f"expression nested deeper than {MAX_EXPRESSION_NESTING} brackets")
    if _LONG_CHAIN.search(source):
        raise ExpressionError(f"a chain of more than {MAX_EXPRESSION_NESTING} attributes or filters")


def _parse(source: str) -> nodes.Expr:
    parser = Parser(ENV, source, state="variable")
    expression = parser.parse_expression()
    if not parser.stream.eos:
        raise TemplateSyntaxError("unexpected text after the expression", parser.stream.current.lineno)
    return expression


@_recursion_is_an_error
def compile_condition(source: str) -> Callable[[Mapping[str, Any]], bool]:
    """A condition: a Jinja2 expression whose truth decides. Raises :class:`ExpressionError`."""
    _check_nesting(source)
    try:
        compiled = ENV.compile_expression(source, undefined_to_none=True)
        fast = compile_fast(_parse(source))
    except TemplateSyntaxError as exc:
        raise ExpressionError(f"bad expression {source!r}: {exc.message}") from None
    if fast is not None:
        quick = fast

        def run_fast(scope: Mapping[str, Any]) -> bool:
            return bool(quick(scope))

        return run_fast

    def run(scope: Mapping[str, Any]) -> bool:
        return bool(compiled(**scope))

    return run


@_recursion_is_an_error
def compile_value(source: str) -> Callable[[Mapping[str, Any]], Any]:
    """An expression evaluated for its value (``let:`` bindings, thresholds)."""
    _check_nesting(source)
    try:
        compiled = ENV.compile_expression(source, undefined_to_none=True)
    except TemplateSyntaxError as exc:
        raise ExpressionError(f"bad expression {source!r}: {exc.message}") from None

    def run(scope: Mapping[str, Any]) -> Any:
        return compiled(**scope)

    return run


@_recursion_is_an_error
def compile_template(source: str) -> Callable[[Mapping[str, Any]], str]:
    """A message template; the result is stripped and whitespace-collapsed to one line."""
    _check_nesting(source)
    try:
        template = ENV.from_string(source)
        fast = compile_fast_template(ENV.parse(source))
    except TemplateSyntaxError as exc:
        raise ExpressionError(f"bad template {source!r}: {exc.message}") from None
    if fast is not None:
        quick = fast

        def run_fast(scope: Mapping[str, Any]) -> str:
            return " ".join(quick(scope).split())

        return run_fast

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


class NodeView(Mapping[str, Any]):
    """A node as rule expressions see it: ``id``, ``kind``, ``name``, ``attrs``, ``evidence`` and
    every attribute by its own name. Read-only and lazy: building one costs nothing until read."""

    __slots__ = ("_node",)
    _FIXED = ("id", "kind", "name", "attrs", "evidence")

    def __init__(self, node: Node) -> None:
        self._node = node

    def __getitem__(self, key: str) -> Any:
        node = self._node
        if key == "id":
            return node.id
        if key == "kind":
            return str(node.kind)
        if key == "name":
            return node.name
        if key == "attrs":
            return node.attrs
        if key == "evidence":
            return _evidence_views(node.evidence)
        return node.attrs[key]

    def __iter__(self) -> Iterator[str]:
        yield from self._FIXED
        yield from (k for k in self._node.attrs if k not in self._FIXED)

    def __len__(self) -> int:
        return len(self._FIXED) + sum(1 for k in self._node.attrs if k not in self._FIXED)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NodeView) and other._node.id == self._node.id

    def __hash__(self) -> int:
        return hash(self._node.id)


class EdgeView(Mapping[str, Any]):
    """An edge for expressions: ``kind``, ``source`` and ``target`` (node views), ``attrs``,
    ``evidence`` and every attribute by name."""

    __slots__ = ("_edge", "_source", "_target")
    _FIXED = ("id", "kind", "name", "source", "target", "attrs", "evidence")

    def __init__(self, edge: Edge, source: NodeView, target: NodeView) -> None:
        self._edge = edge
        self._source = source
        self._target = target

    def __getitem__(self, key: str) -> Any:
        edge = self._edge
        if key == "kind":
            return str(edge.kind)
        if key == "source":
            return self._source
        if key == "target":
            return self._target
        if key == "attrs":
            return edge.attrs
        if key == "evidence":
            return _evidence_views(edge.evidence)
        if key == "id":
            return f"{edge.source}|{edge.kind}|{edge.key}|{edge.target}"
        if key == "name":
            return f"{self._source['name']} {edge.kind} {self._target['name']}"
        return edge.attrs[key]

    def __iter__(self) -> Iterator[str]:
        yield from self._FIXED
        yield from (k for k in self._edge.attrs if k not in self._FIXED)

    def __len__(self) -> int:
        return len(self._FIXED) + sum(1 for k in self._edge.attrs if k not in self._FIXED)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EdgeView) and other["id"] == self["id"]

    def __hash__(self) -> int:
        return hash(self["id"])


View = NodeView | EdgeView


def node_view(node: Node) -> NodeView:
    return NodeView(node)


def edge_view(edge: Edge, source: NodeView, target: NodeView) -> EdgeView:
    return EdgeView(edge, source, target)
