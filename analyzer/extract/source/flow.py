"""Local value flow, the same for every language: what a name holds where it is used.

A name used inside a function is looked up among the assignments of that function (and of the
functions around it) that come *before* the use: ``url = base + "/orders"`` then ``get(url)``;
``url += "/x"`` extends what it held. When a name is assigned on several branches the last
assignment whose value is known (or configurable) wins — the program's own fallback order
(``if (useRibbon) url = ...; else url = String.format(..., host)``) usually puts the configured one
there. Names not bound in a function fall back to the walker's module or class level.

Each language says which nodes bind names (:class:`Syntax`); evaluation stays with the language's
walker. Cycles (``a = a + "/x"`` seen from inside itself) end as unknown, never loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tree_sitter import Node

from analyzer.extract.facts import Value
from analyzer.extract.source.base import nodes_of, text_of
from analyzer.extract.values import concat, unknown

Binding = tuple[str, str, Node]  # (name, operator "=" or "+=", right-hand side)


@dataclass(frozen=True, slots=True)
class Syntax:
    """How one grammar binds names: ``scopes`` are function-like nodes; ``binders`` the node
    types that assign; ``bindings`` turns one binder node into its (name, operator, value)s."""

    grammar: str
    scopes: tuple[str, ...]
    binders: tuple[str, ...]
    bindings: Callable[[Node], Iterator[Binding]]


def _plain(node: Node | None) -> str:
    """A bare name, with ``this.`` / ``self.`` dropped (fields are bound in constructors)."""
    text = text_of(node)
    for prefix in ("this.", "self."):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text if text.replace("_", "a").replace("$", "a").isalnum() else ""


def _operator(node: Node) -> str:
    op = text_of(node.child_by_field_name("operator")) or "="
    return "+=" if op == "+=" else ("=" if op in ("=", ":=") else "")


def java_bindings(node: Node) -> Iterator[Binding]:
    if node.type == "variable_declarator":
        value = node.child_by_field_name("value")
        if value is not None:
            yield text_of(node.child_by_field_name("name")), "=", value
    elif node.type == "assignment_expression":
        right, op = node.child_by_field_name("right"), _operator(node)
        if right is not None and op:
            yield _plain(node.child_by_field_name("left")), op, right


def python_bindings(node: Node) -> Iterator[Binding]:
    right = node.child_by_field_name("right")
    if right is None:
        return
    left = node.child_by_field_name("left")
    op = (
        "="
        if node.type == "assignment"
        else ("+=" if text_of(node.child_by_field_name("operator")) == "+=" else "")
    )
    if op:
        yield _plain(left), op, right


def javascript_bindings(node: Node) -> Iterator[Binding]:
    if node.type == "variable_declarator":
        value, name = node.child_by_field_name("value"), node.child_by_field_name("name")
        if value is not None and name is not None and name.type == "identifier":
            yield text_of(name), "=", value
    else:
        right = node.child_by_field_name("right")
        op = "=" if node.type == "assignment_expression" else _operator(node)
        if right is not None and op:
            yield _plain(node.child_by_field_name("left")), op, right


def go_bindings(node: Node) -> Iterator[Binding]:
    if node.type == "var_spec":
        names = [c for c in node.children_by_field_name("name")]
        value = node.child_by_field_name("value")
        values = value.named_children if value is not None else []
    else:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        names = left.named_children if left is not None else []
        values = right.named_children if right is not None else []
    op = "=" if node.type in ("var_spec", "short_var_declaration") else _operator(node)
    if op and len(names) == len(values):
        for name, value in zip(names, values, strict=True):
            yield _plain(name), op, value


def csharp_bindings(node: Node) -> Iterator[Binding]:
    if node.type == "variable_declarator":
        name = node.child_by_field_name("name")
        value = next(
            (c for c in node.named_children if c != name and c.type != "bracketed_argument_list"), None
        )
        if value is not None and value.type == "equals_value_clause" and value.named_children:
            value = value.named_children[0]
        if value is not None:
            yield text_of(name), "=", value
    elif node.type == "assignment_expression":
        right, op = node.child_by_field_name("right"), _operator(node)
        if right is not None and op:
            yield _plain(node.child_by_field_name("left")), op, right


JAVA = Syntax(
    "java",
    ("method_declaration", "constructor_declaration", "lambda_expression"),
    ("variable_declarator", "assignment_expression"),
    java_bindings,
)
PYTHON = Syntax(
    "python", ("function_definition", "lambda"), ("assignment", "augmented_assignment"), python_bindings
)
GO = Syntax(
    "go",
    ("function_declaration", "method_declaration", "func_literal"),
    ("short_var_declaration", "var_spec", "assignment_statement"),
    go_bindings,
)
CSHARP = Syntax(
    "csharp",
    ("method_declaration", "constructor_declaration", "local_function_statement", "lambda_expression"),
    ("variable_declarator", "assignment_expression"),
    csharp_bindings,
)


def javascript(grammar: str) -> Syntax:
    return Syntax(
        grammar,
        ("function_declaration", "function_expression", "arrow_function", "method_definition", "function"),
        ("variable_declarator", "assignment_expression", "augmented_assignment_expression"),
        javascript_bindings,
    )


class Flow:
    """Looks names up in the functions around a use; ``evaluate`` is the walker's evaluator."""

    def __init__(self, syntax: Syntax, evaluate: Callable[[Node], Value]) -> None:
        self.syntax = syntax
        self.evaluate = evaluate
        self._scopes: dict[
            tuple[int, int], dict[str, list[tuple[int, str, Node]]]
        ] = {}  # name -> (end, op, value)
        self._active: set[tuple[int, int]] = set()

    def scope_of(self, node: Node) -> Node | None:
        parent = node.parent
        while parent is not None and parent.type not in self.syntax.scopes:
            parent = parent.parent
        return parent

    def _bindings(self, scope: Node) -> dict[str, list[tuple[int, str, Node]]]:
        key = (scope.start_byte, scope.end_byte)
        if key not in self._scopes:
            found: dict[str, list[tuple[int, str, Node]]] = {}
            for binder in nodes_of(self.syntax.grammar, scope, self.syntax.binders):
                if self.scope_of(binder) != scope:
                    continue
                for name, op, value in self.syntax.bindings(binder):
                    if name:
                        found.setdefault(name, []).append((binder.end_byte, op, value))
            self._scopes[key] = found
        return self._scopes[key]

    def returned(self, function: Node) -> Value:
        """What a function of the file returns (its last ``return``), for helpers that build a URL
        (``def products_url(path): return base + path``). Parameters stay unknown; recursion ends."""
        key = (function.start_byte, function.end_byte)
        if key in self._active:
            return unknown(text_of(function.child_by_field_name("name")))
        returns = [
            r
            for r in nodes_of(self.syntax.grammar, function, ("return_statement",))
            if self.scope_of(r) == function and r.named_children
        ]
        if not returns:
            return unknown(text_of(function.child_by_field_name("name")))
        self._active.add(key)
        try:
            expression = returns[-1].named_children[0]
            if expression.type == "expression_list" and expression.named_children:
                expression = expression.named_children[0]
            return self.evaluate(expression)
        finally:
            self._active.discard(key)

    def bindings_of(self, use: Node, name: str) -> list[tuple[int, str, Node]]:
        """The assignments of ``name`` visible at ``use`` (innermost function first)."""
        scope = self.scope_of(use)
        while scope is not None:
            entries = [e for e in self._bindings(scope).get(name, ()) if e[0] <= use.start_byte]
            if entries:
                return entries
            scope = self.scope_of(scope)
        return []

    def unbound(self, use: Node, name: str) -> Value:
        """The unknown value of a name nothing in the file binds; a parameter of an enclosing
        function says so (its callers pass it)."""
        scope = self.scope_of(use)
        while scope is not None:
            parameters = scope.child_by_field_name("parameters")
            if parameters is not None and re.search(rf"\b{re.escape(name)}\b", text_of(parameters)):
                return unknown(f"{name} (a parameter)")
            scope = self.scope_of(scope)
        return unknown(name)

    def lookup(self, use: Node, name: str) -> Value | None:
        """What ``name`` holds at ``use``, from the enclosing functions; ``None`` when no
        enclosing function binds it before the use (an assignment does not see itself)."""
        scope = self.scope_of(use)
        while scope is not None:
            entries = [e for e in self._bindings(scope).get(name, ()) if e[0] <= use.start_byte]
            if entries:
                return self._value_of(name, scope, entries)
            scope = self.scope_of(scope)
        return None

    def _value_of(self, name: str, scope: Node, entries: list[tuple[int, str, Node]]) -> Value:
        best: Value | None = None
        for index in range(len(entries) - 1, -1, -1):
            _, op, node = entries[index]
            key = (node.start_byte, node.end_byte)
            if key in self._active:
                continue
            self._active.add(key)
            try:
                value = self.evaluate(node)
                if op == "+=":
                    earlier = self._value_of(name, scope, entries[:index]) if index else unknown(name)
                    value = concat([earlier, value])
            finally:
                self._active.discard(key)
            if value.known or value.origin in ("env", "config"):
                return value
            if best is None:
                best = value
        return best if best is not None else unknown(name)
