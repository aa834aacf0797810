"""Reading rule files: YAML rules (validated, errors at the user's file and line) and Python rules.

The YAML rule language is documented by ``rules/schema/rule.schema.json`` (for editors) and in
the README; this module is its validator and compiler. Python rules are loaded only from
``rule_paths`` the trusted side named, when it opts in (``--allow-python-rules`` or a trusted
config's ``allow_python_rules: true``) — loading one runs it — and
from installed packages exposing the entry-point group ``archconform.rules``.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from analyzer.engine.expr import ExpressionError, compile_condition, compile_template, compile_value
from analyzer.engine.rules import DeclarativeRule, PythonRule, Report, Rule
from analyzer.engine.spec import WILDCARD, EdgePattern, MatchSpec, NodePattern, OutputSpec, WalkSpec
from analyzer.model import Diagnostic, DiagnosticLevel, EdgeKind, NodeKind, RuleMeta, Severity
from analyzer.model.inputs import check_flow_depth
from analyzer.model.limits import (
    DEFAULT_LIMITS,
    LimitExceeded,
    check_yaml_node,
    compose_bounded,
    int_or_text,
    load_all_bounded,
)
from analyzer.model.schema import StringDatesLoader, schema_problem
from analyzer.resources import rules_dir

ENTRY_POINT_GROUP = "archconform.rules"

_TOP = {
    "id", "name", "title", "severity", "principle", "tags", "help", "options", "enabled",
    "match", "cycles", "chains", "group_by", "having", "let", "message", "location",
    "location_detail", "per_evidence", "related", "subjects",
}  # fmt: skip
_REQUIRED = ("id", "name", "title", "severity", "principle", "help", "message")


class RuleError(Exception):
    """A mistake in a rule file, at a 1-based line."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


class _Doc:
    """A YAML mapping with the line of every key, for errors that point at the user's text."""

    def __init__(self, path: str, node: yaml.Node) -> None:
        self.path = path
        self.node = node
        self.lines: dict[str, int] = {}
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self.lines[str(key.value)] = value.start_mark.line + 1

    def line(self, key: str) -> int:
        return self.lines.get(key, self.node.start_mark.line + 1)

    def error(self, key: str, message: str) -> RuleError:
        return RuleError(self.path, self.line(key), message)


def _kinds(doc: _Doc, key: str, value: Any, enum: type[NodeKind] | type[EdgeKind]) -> tuple[Any, ...]:
    values = value if isinstance(value, list) else [value]
    out = []
    for item in values:
        try:
            out.append(enum(str(item)))
        except ValueError:
            allowed = ", ".join(k.value for k in enum)
            raise doc.error(key, f"unknown {enum.__name__} {item!r}; expected one of: {allowed}") from None
    return tuple(out)


def _cond(doc: _Doc, key: str, source: Any) -> Callable[[Any], bool] | None:
    if source is None:
        return None
    try:
        return compile_condition(str(source))
    except ExpressionError as exc:
        raise doc.error(key, str(exc)) from None


def _str_list(doc: _Doc, key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise doc.error(key, f"'{key}' must be a name or a list of names")
    return tuple(value)


def _edge_pattern(doc: _Doc, key: str, item: Any, variables: set[str]) -> EdgePattern:
    if not isinstance(item, dict) or not {"from", "kind", "to"} <= item.keys():
        raise doc.error(key, f"each entry of '{key}' needs 'from', 'kind' and 'to'")
    unknown = set(item) - {"from", "kind", "to", "as", "where"}
    if unknown:
        raise doc.error(key, f"unknown key(s) {sorted(unknown, key=str)} in an edge pattern")
    for end in ("from", "to"):
        if item[end] != WILDCARD:
            variables.add(str(item[end]))
    if item.get("as"):
        variables.add(str(item["as"]))
    return EdgePattern(
        str(item["from"]),
        _kinds(doc, key, item["kind"], EdgeKind),
        str(item["to"]),
        str(item.get("as") or ""),
        _cond(doc, key, item.get("where")),
    )


def _match(doc: _Doc, raw: Any) -> tuple[MatchSpec, tuple[str, ...], set[str]]:
    if not isinstance(raw, dict):
        raise doc.error(
            "match", "'match' must be a mapping with 'nodes', 'edges', 'absent', 'distinct', 'where'"
        )
    unknown = set(raw) - {"nodes", "edges", "absent", "distinct", "where"}
    if unknown:
        raise doc.error("match", f"unknown key(s) {sorted(unknown, key=str)} in 'match'")
    nodes: dict[str, NodePattern] = {}
    for var, spec in (raw.get("nodes") or {}).items():
        if isinstance(spec, (str, list)):
            nodes[var] = NodePattern(var, _kinds(doc, "match", spec, NodeKind))
        elif isinstance(spec, dict):
            kinds = _kinds(doc, "match", spec["kind"], NodeKind) if spec.get("kind") else ()
            nodes[var] = NodePattern(var, kinds, _cond(doc, "match", spec.get("where")))
        else:
            raise doc.error("match", f"node variable {var!r} needs a kind or {{kind, where}}")
    variables = set(nodes)
    edges = tuple(_edge_pattern(doc, "match", e, variables) for e in raw.get("edges") or [])
    absent_vars = set(variables)
    absent = tuple(_edge_pattern(doc, "match", e, absent_vars) for e in raw.get("absent") or [])
    if absent_vars - variables - {p.var for p in absent}:
        missing = sorted(absent_vars - variables - {p.var for p in absent}, key=str)
        raise doc.error("match", f"'absent' may only use bound variables or '_', not {missing}")
    if not nodes and not edges:
        raise doc.error("match", "'match' needs at least one node or edge")
    distinct = tuple(tuple(str(v) for v in group) for group in raw.get("distinct") or [])
    # keys may be anything YAML allows (null, numbers): ordered as text
    node_vars = tuple(sorted((v for v in variables if v not in {p.var for p in edges if p.var}), key=str))
    spec = MatchSpec(nodes, edges, absent, distinct, _cond(doc, "match", raw.get("where")))
    return spec, node_vars, variables


def _walk(doc: _Doc, mode: str, raw: Any) -> WalkSpec:
    if not isinstance(raw, dict) or "edges" not in raw:
        raise doc.error(mode, f"'{mode}' needs 'edges' (edge kinds) and optionally 'nodes', 'where'")
    longer = raw.get("longer_than")
    if mode == "chains" and longer is None:
        raise doc.error(mode, "'chains' needs 'longer_than' (a number or an expression over options)")
    try:
        longer_fn = compile_value(str(longer)) if longer is not None else None
    except ExpressionError as exc:
        raise doc.error(mode, str(exc)) from None
    return WalkSpec(
        mode,
        _kinds(doc, mode, raw["edges"], EdgeKind),
        _kinds(doc, mode, raw["nodes"], NodeKind) if raw.get("nodes") else (),
        _cond(doc, mode, raw.get("where")),
        longer_fn,
    )


_RE_PARSER: Any = importlib.import_module("re._parser")  # the stdlib's own parser (no stub)


def nested_repeat(pattern: str) -> bool:
    """Whether a regex repeats, without bound, something that itself repeats a variable number of
    times — ``(a+)+``, ``(\\w*,)*``: the shape Python's backtracking ``re`` needs exponential time
    for when the text almost matches. Rules from a config inside the scanned repository are
    untrusted and their ``location_detail`` runs over repository text, so such patterns are refused.

    >>> nested_repeat("(a+)+$"), nested_repeat("ddl-auto (update|create)")
    (True, False)
    """
    unbounded = _RE_PARSER.MAXREPEAT

    def nested(value: Any) -> Iterator[Any]:
        if isinstance(value, _RE_PARSER.SubPattern):
            yield value
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from nested(item)

    def walk(items: Any, in_unbounded: bool) -> bool:
        for op, av in items:
            if str(op) in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, high, sub = av
                if in_unbounded and high != low and str(op) != "POSSESSIVE_REPEAT":
                    return True
                if walk(sub, in_unbounded or high == unbounded):
                    return True
            elif any(walk(sub, in_unbounded) for sub in nested(av)):
                return True
        return False

    return walk(_RE_PARSER.parse(pattern), False)


def _detail_pattern(doc: _Doc, pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise doc.error(
            "location_detail", f"'location_detail' is not a valid regular expression: {exc}"
        ) from None
    if nested_repeat(pattern):
        raise doc.error(
            "location_detail",
            "'location_detail' repeats a repetition, e.g. (a+)+, which can backtrack for minutes on "
            "long evidence; write it without the nesting",
        )
    return pattern


def _fast_text_dates() -> type | None:
    """libyaml's safe loader with the constructors of :class:`StringDatesLoader` (timestamps and
    over-long integers stay text), or ``None`` without libyaml."""
    base = getattr(yaml, "CSafeLoader", None)
    if base is None:
        return None
    fast: Any = type("FastTextDatesLoader", (base,), {})
    fast.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
    fast.add_constructor("tag:yaml.org,2002:int", int_or_text)
    return fast


_FAST_TEXT_DATES = _fast_text_dates()


def _compose_and_load(text: str) -> tuple[yaml.Node | None, Any]:
    """The rule's node (for lines) and data from one parse on libyaml; the pure-Python loader,
    twice as before, only for a file libyaml refuses (its error messages are the ones users see).
    Every scan loads the built-in rules: this is most of an empty scan's start-up."""
    fast = _FAST_TEXT_DATES
    if fast is not None:
        loader = fast(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                check_yaml_node(node)
                return node, loader.construct_document(node)
            return None, None
        except yaml.YAMLError:
            pass
        finally:
            loader.dispose()
    documents = load_all_bounded(text, StringDatesLoader)  # timestamps stay strings
    return compose_bounded(text), documents[0] if documents else None


def parse_rule(text: str, path: str, validate: bool = True) -> DeclarativeRule:
    """Compile one YAML rule. Raises :class:`RuleError` with the file and line of the mistake.
    ``validate=False`` skips the JSON Schema check: only for the built-in pack, which
    tests/engine/test_catalog.py validates against the same schema (the check and the jsonschema
    import were a quarter of an empty scan's start-up)."""
    try:
        check_flow_depth(text, DEFAULT_LIMITS.json_max_depth)
        node, data = _compose_and_load(text)
    except LimitExceeded as exc:
        raise RuleError(path, 1, f"rule not read: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RuleError(path, mark.line + 1 if mark else 1, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise RuleError(path, 1, "nested too deeply to be a rule") from None
    if node is None or not isinstance(data, dict):
        raise RuleError(path, 1, "a rule file is a YAML mapping (id, name, title, severity, ...)")
    doc = _Doc(path, node)
    unknown = sorted(set(data) - _TOP, key=str)  # keys may be numbers too
    if unknown:
        raise doc.error(unknown[0], f"unknown key {unknown[0]!r}; rule keys are: {', '.join(sorted(_TOP))}")
    for key in _REQUIRED:
        if not data.get(key):
            raise RuleError(path, 1, f"a rule needs '{key}'")
    try:
        severity = Severity(str(data["severity"]))
    except ValueError:
        raise doc.error("severity", "severity must be error, warning or note") from None
    # The published schema decides the shape before anything is compiled: a mapping where a list
    # belongs is an error at its line, not a TypeError deep in the compiler.
    problem = schema_problem(data, node, rules_dir() / "schema" / "rule.schema.json") if validate else None
    if problem is not None:
        raise RuleError(path, problem[0], problem[1])
    bodies = [k for k in ("match", "cycles", "chains") if k in data]
    if len(bodies) != 1:
        raise RuleError(path, 1, "a rule needs exactly one of 'match', 'cycles' or 'chains'")
    match_spec = walk = None
    node_vars: tuple[str, ...] = ()
    variables: set[str] = set()
    if "match" in data:
        match_spec, node_vars, variables = _match(doc, data["match"])
    else:
        walk = _walk(doc, bodies[0], data[bodies[0]])
        variables = {"nodes", "edges", "cycle", "chain", "length"}
    options_raw = data.get("options") or {}
    if not isinstance(options_raw, dict):
        raise doc.error("options", "'options' maps option names to {default, description}")
    options = {
        name: (spec.get("default") if isinstance(spec, dict) else spec) for name, spec in options_raw.items()
    }
    group_by = _str_list(doc, "group_by", data.get("group_by")) if "group_by" in data else None
    let_raw = data.get("let") or {}
    if not isinstance(let_raw, dict):
        raise doc.error("let", "'let' maps names to expressions")
    try:
        let = tuple((str(k), compile_value(str(v))) for k, v in let_raw.items())
        message = compile_template(str(data["message"]))
    except ExpressionError as exc:
        raise doc.error("message", str(exc)) from None
    output = OutputSpec(
        message=message,
        group_by=group_by,
        having=_cond(doc, "having", data.get("having")),
        let=let,
        location=str(data.get("location") or ""),
        location_detail=_detail_pattern(doc, str(data.get("location_detail") or "")),
        per_evidence=bool(data.get("per_evidence")),
        related=_str_list(doc, "related", data.get("related")),
        subjects=_str_list(doc, "subjects", data.get("subjects")),
    )
    for key in ("group_by", "related", "subjects"):
        for var in _str_list(doc, key, data.get(key)):
            if match_spec is not None and var not in variables:
                raise doc.error(key, f"'{key}' names {var!r}, which the pattern does not bind")
    if match_spec is not None and output.location and output.location not in variables:
        raise doc.error("location", f"'location' names {output.location!r}, which the pattern does not bind")
    meta = RuleMeta(
        id=str(data["id"]),
        name=str(data["name"]),
        title=str(data["title"]),
        severity=severity,
        principle=str(data["principle"]),
        help=str(data["help"]),
        tags=tuple(str(t) for t in data.get("tags") or ()),
        source=path,
    )
    return DeclarativeRule(
        meta, output, match_spec, walk, options, bool(data.get("enabled", True)), node_vars
    )


# -- Python rules ---------------------------------------------------------------------------


def rule(
    *,
    id: str,
    name: str,
    title: str,
    severity: str,
    principle: str,
    help: str,
    tags: tuple[str, ...] = (),
    options: dict[str, Any] | None = None,
    enabled: bool = True,
) -> Callable[[Callable[..., Any]], PythonRule]:
    """Decorate ``check(graph, options) -> Iterable[Report]`` to make it a rule."""

    def wrap(check: Callable[..., Any]) -> PythonRule:
        meta = RuleMeta(id, name, title, Severity(severity), principle, help, tuple(tags), check.__module__)
        return PythonRule(meta, check, dict(options or {}), enabled)

    return wrap


def _rules_in(obj: Any) -> Iterator[Rule]:
    if isinstance(obj, PythonRule):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _rules_in(item)
    elif hasattr(obj, "__dict__") and type(obj).__name__ == "module":
        for name in sorted(vars(obj)):
            if isinstance(getattr(obj, name), PythonRule):
                yield getattr(obj, name)


def load_python_file(path: Path) -> list[Rule]:
    """Import a user's rule module (the config opted in) and collect its decorated rules."""
    module_name = f"archconform_user_rules.{path.stem}_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise RuleError(path.name, 1, "cannot load this Python rule file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return list(_rules_in(module))


def load_entry_points() -> tuple[list[Rule], list[Diagnostic]]:
    rules: list[Rule] = []
    diagnostics: list[Diagnostic] = []
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            rules.extend(_rules_in(entry.load()))
        except Exception as exc:
            diagnostics.append(
                Diagnostic(
                    f"entry point {entry.name}",
                    0,
                    DiagnosticLevel.ERROR,
                    f"rule plugin failed to load: {exc}",
                )
            )
    return rules, diagnostics


__all__ = ["Report", "RuleError", "load_entry_points", "load_python_file", "parse_rule", "rule"]
