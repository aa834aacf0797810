"""A fast, closed evaluator for the common shape of rule conditions.

Rule conditions are Jinja2 expressions. Rendering one through Jinja costs tens of microseconds
(a fresh context per call), which dominates rule time on large graphs. Most conditions use a
small subset — names, attribute and item access on views, constants, comparisons, ``and`` /
``or`` / ``not``, ``in``, a few filters — so this module compiles that subset of Jinja's own
syntax tree into nested Python closures (no ``eval``, no attribute access on objects: only dict
keys and list indexes). Anything outside the subset returns ``None`` from :func:`compile_fast`
and the caller falls back to the sandboxed Jinja environment, which stays the reference
semantics: a missing attribute is ``None`` and falsy, comparisons involving it are false.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import nodes

Fn = Callable[[Mapping[str, Any]], Any]


class _Unsupported(Exception):
    pass


def _length(value: Any) -> int:
    try:
        return len(value) if value is not None else 0
    except TypeError:
        return 0


_FILTERS: dict[str, Callable[[Any], Any]] = {
    "length": _length,
    "count": _length,
    "lower": lambda v: str(v).lower() if v is not None else "",
    "upper": lambda v: str(v).upper() if v is not None else "",
    "list": lambda v: list(v) if v is not None else [],
    "bool": bool,
}


def _const(node: nodes.Node) -> Any:
    if not isinstance(node, nodes.Const):
        raise _Unsupported("non-constant filter argument")
    return node.value


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def _map(attribute: str = "") -> Callable[[Any], Any]:
    if not attribute:
        raise _Unsupported("map without attribute")
    return lambda v: [_get(i, attribute) for i in _items(v)]


def _sort(**kwargs: Any) -> Callable[[Any], Any]:
    if kwargs:
        raise _Unsupported("sort options")
    return lambda v: sorted(_items(v), key=str)


def _unique(**kwargs: Any) -> Callable[[Any], Any]:
    if kwargs:
        raise _Unsupported("unique options")
    return lambda v: list(dict.fromkeys(_items(v)))


def _names_of(v: Any) -> list[str]:
    return sorted({str(i.get("name", "")) for i in _items(v) if isinstance(i, Mapping)})


def _distinct_of(attribute: str) -> Callable[[Any], Any]:
    def run(v: Any) -> list[Any]:
        values: set[Any] = set()
        for item in _items(v):
            value = item.get(attribute) if isinstance(item, Mapping) else None
            if isinstance(value, (list, tuple)):
                values.update(value)
            elif value not in (None, ""):
                values.add(value)
        return sorted(values, key=str)

    return run


_ARG_FILTERS: dict[str, Callable[..., Callable[[Any], Any]]] = {
    "join": lambda sep="": lambda v: str(sep).join("" if i is None else str(i) for i in _items(v)),
    "replace": lambda old, new: lambda v: ("" if v is None else str(v)).replace(old, new),
    "map": _map,
    "sort": _sort,
    "unique": _unique,
    "distinct": _distinct_of,
    "names": lambda: _names_of,
    "select": lambda: lambda v: [i for i in _items(v) if i],
    "sum": lambda: lambda v: sum(i for i in _items(v) if isinstance(i, (int, float))),
    "first": lambda: lambda v: (_items(v) or [None])[0],
    "last": lambda: lambda v: (_items(v) or [None])[-1],
}


def _safe_compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def run(left: Any, right: Any) -> bool:
        try:
            return bool(op(left, right))
        except TypeError:
            return False

    return run


def _contains(item: Any, container: Any) -> bool:
    try:
        return container is not None and item in container
    except TypeError:
        return False


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _safe_compare(operator.eq),
    "ne": _safe_compare(operator.ne),
    "lt": _safe_compare(operator.lt),
    "lteq": _safe_compare(operator.le),
    "gt": _safe_compare(operator.gt),
    "gteq": _safe_compare(operator.ge),
    "in": _contains,
    "notin": lambda a, b: not _contains(a, b),
}


def _get(container: Any, key: Any) -> Any:
    if isinstance(container, Mapping):
        return container.get(key)
    if isinstance(container, (list, tuple)) and isinstance(key, int):
        return container[key] if -len(container) <= key < len(container) else None
    return None


def _build(node: nodes.Node) -> Fn:
    if isinstance(node, nodes.Name):
        name = node.name
        return lambda scope: scope.get(name)
    if isinstance(node, nodes.Const):
        value = node.value
        return lambda scope: value
    if isinstance(node, (nodes.List, nodes.Tuple)):
        items = [_build(i) for i in node.items]
        return lambda scope: [f(scope) for f in items]
    if isinstance(node, nodes.Getattr):
        target, attr = _build(node.node), node.attr
        if attr.startswith("_"):
            raise _Unsupported(attr)
        return lambda scope: _get(target(scope), attr)
    if isinstance(node, nodes.Getitem):
        target, key = _build(node.node), _build(node.arg)
        return lambda scope: _get(target(scope), key(scope))
    if isinstance(node, nodes.And):
        left, right = _build(node.left), _build(node.right)
        return lambda scope: left(scope) and right(scope)
    if isinstance(node, nodes.Or):
        left, right = _build(node.left), _build(node.right)
        return lambda scope: left(scope) or right(scope)
    if isinstance(node, nodes.Not):
        inner = _build(node.node)
        return lambda scope: not inner(scope)
    if isinstance(node, nodes.CondExpr) and node.expr2 is not None:
        test, yes, no = _build(node.test), _build(node.expr1), _build(node.expr2)
        return lambda scope: yes(scope) if test(scope) else no(scope)
    if isinstance(node, nodes.Compare):
        first = _build(node.expr)
        steps = [(_COMPARE[op.op], _build(op.expr)) for op in node.ops if op.op in _COMPARE]
        if len(steps) != len(node.ops):
            raise _Unsupported("comparison")

        def compare(scope: Mapping[str, Any]) -> bool:
            left = first(scope)
            for fn, right_fn in steps:
                right = right_fn(scope)
                if not fn(left, right):
                    return False
                left = right
            return True

        return compare
    if isinstance(node, nodes.Filter) and node.node is not None and not node.dyn_args and not node.dyn_kwargs:
        inner = _build(node.node)
        if not node.args and not node.kwargs and node.name in _FILTERS:
            fn = _FILTERS[node.name]
            return lambda scope: fn(inner(scope))
        make = _ARG_FILTERS.get(node.name)
        if make is None:
            raise _Unsupported(node.name)
        args = [_const(a) for a in node.args]
        kwargs: dict[str, Any] = {str(k.key): _const(k.value) for k in node.kwargs}
        fn2 = make(*args, **kwargs)
        return lambda scope: fn2(inner(scope))
    if isinstance(node, nodes.Test) and node.name in ("none", "defined") and not node.args:
        inner = _build(node.node)
        if node.name == "none":
            return lambda scope: inner(scope) is None
        return lambda scope: inner(scope) is not None
    raise _Unsupported(type(node).__name__)


def _text(text: str) -> Fn:
    return lambda scope: text


def compile_fast_template(template: nodes.Template) -> Callable[[Mapping[str, Any]], str] | None:
    """A message template made only of text and supported expressions, or ``None``."""
    parts: list[Fn] = []
    try:
        for statement in template.body:
            if not isinstance(statement, nodes.Output):
                return None
            for node in statement.nodes:
                if isinstance(node, nodes.TemplateData):
                    parts.append(_text(node.data))
                else:
                    parts.append(_build(node))
    except (_Unsupported, KeyError, TypeError):
        return None

    def render(scope: Mapping[str, Any]) -> str:
        return "".join("" if (value := part(scope)) is None else str(value) for part in parts)

    return render


def compile_fast(expression: nodes.Node) -> Fn | None:
    """Closures for a supported Jinja expression tree, or ``None`` to use Jinja itself."""
    try:
        return _build(expression)
    except (_Unsupported, KeyError):
        return None
