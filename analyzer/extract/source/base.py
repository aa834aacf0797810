"""Shared machinery for the source-code extractors: grammars, parsing, locations, and resolving
the value of an expression (string constants, concatenation, f-strings / template literals with
known parts, environment reads with defaults) — without ever running the code.

Resolution rules, the same for every language:

* a literal is ``Value(text, "literal")``; an environment read is ``Value(default, "env", VAR)``
  (empty text when there is no default); a config key (Spring ``@Value``) is origin ``config``;
* concatenation keeps what is known from the left: ``BASE + "/x" + id`` with ``BASE`` known is
  ``BASE/x`` (the host is what matters); an unknown leading part makes the whole ``unresolved``;
* what cannot be resolved stays ``Value("", "unresolved", name)`` and is said so — never guessed.
"""

from __future__ import annotations

import bisect
import functools
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from analyzer.extract.connstr import parse_connection_string, parse_host_list
from analyzer.extract.facts import Call, Connection, ExtractResult, Marker, TableAccess, Value
from analyzer.extract.sqltables import analyze_sql, dialect_for
from analyzer.extract.values import concat, template_of
from analyzer.model import Diagnostic, DiagnosticLevel, Evidence, Location, SourceKind
from analyzer.model.inputs import bracket_depth
from analyzer.model.limits import LimitExceeded, Limits, current_limits, query_deadline

MUTATING_VERBS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
UNKNOWN = Value("", "unresolved")


@functools.cache
def language(name: str) -> Language:
    """The tree-sitter grammar of ``name`` (python, javascript, typescript, tsx, java, go, csharp)."""
    if name == "python":
        import tree_sitter_python as grammar

        return Language(grammar.language())
    if name == "javascript":
        import tree_sitter_javascript as grammar_js

        return Language(grammar_js.language())
    if name in ("typescript", "tsx"):
        import tree_sitter_typescript as grammar_ts

        return Language(grammar_ts.language_tsx() if name == "tsx" else grammar_ts.language_typescript())
    if name == "java":
        import tree_sitter_java as grammar_java

        return Language(grammar_java.language())
    if name == "go":
        import tree_sitter_go as grammar_go

        return Language(grammar_go.language())
    if name == "csharp":
        import tree_sitter_c_sharp as grammar_cs

        return Language(grammar_cs.language())
    raise ValueError(f"no grammar for {name}")


def parse(name: str, text: str) -> tuple[Tree, bytes]:
    """Parse source text; :class:`LimitExceeded` if it nests deeper than ``code_max_depth``
    (the walkers that evaluate values recurse, and must stay far from Python's limit)."""
    limit = current_limits().code_max_depth
    if bracket_depth(text, "code", stop_above=limit) > limit:
        raise LimitExceeded(f"brackets nested deeper than {limit} levels (limit code_max_depth)")
    data = text.encode("utf-8")
    tree = Parser(language(name)).parse(data)
    deepest = tree_depth(tree.root_node, limit)
    if deepest > limit:
        raise LimitExceeded(f"syntax tree nested deeper than {limit} levels (limit code_max_depth)")
    return tree, data


def tree_depth(node: Node, stop_above: int = 0) -> int:
    """Depth of the syntax tree under ``node`` (1 for a leaf), walked without recursion; with
    ``stop_above``, stops as soon as that is exceeded."""
    cursor = node.walk()
    depth = deepest = 1
    while True:
        if cursor.goto_first_child():
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above and deepest > stop_above:
                    return deepest
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return deepest
            depth -= 1


@functools.cache
def _query(name: str, types: tuple[str, ...]) -> Query:
    return Query(language(name), "\n".join(f"({t}) @{t}" for t in types))


def nodes_of(name: str, root: Node, types: tuple[str, ...]) -> list[Node]:
    """Every node of the given types, in document order, found by one combined tree-sitter
    query (the matching runs in C; Python sees only the nodes it will look at).

    The extractors ask many questions of one file: the calls, the assignments, the functions of
    the whole file, then the calls of each function. Whole-file questions are answered by one query
    per file for every type asked of whole files of that grammar so far (:class:`_FileNodes`), its
    captures kept by type and start byte; a question about a part of the file picks from them by
    byte range. Only types never asked of a whole file are queried in the part itself.

    NOTE: a tree with syntax errors is walked instead. Hostile text such as one long line of ``(``
    parses into an error node with tens of thousands of children, on which the query's matching is
    superlinear (2-10 s per 20 KB, minutes per 100 KB) while the walk stays linear. The walk runs
    under the file's time budget (``query_max_millis``) and the query under ``query_match_limit``;
    over either, :class:`LimitExceeded` names the limit. (The query cursor's progress callback would
    be the natural budget, but tree-sitter 0.26's binding crashes when it returns False.)"""
    limits = current_limits()
    if root.has_error:
        found = _walk_for(root, frozenset(types), query_deadline(), limits.query_max_millis)
    else:
        known = _FILE_NODES.pick(name, root, types)
        if known is None and root.parent is None and _FILE_NODES.index(name, root, types, limits):
            known = _FILE_NODES.pick(name, root, types)
        found = known if known is not None else _captured(name, root, types, limits)
    if time.monotonic() > query_deadline():
        raise _over_time(limits.query_max_millis)
    return sorted(found, key=lambda n: (n.start_byte, -n.end_byte))


def _captured(name: str, root: Node, types: tuple[str, ...], limits: Limits) -> list[Node]:
    cursor = QueryCursor(_query(name, types), match_limit=limits.query_match_limit)
    captures = cursor.captures(root)
    if cursor.did_exceed_match_limit:
        raise LimitExceeded(
            f"tree-sitter query held over {limits.query_match_limit} partial matches "
            "(limit query_match_limit); file skipped"
        )
    return [node for nodes in captures.values() for node in nodes]


class _FileNodes:
    """The nodes of each type one query over the whole of the current file found, by position,
    to answer questions about any part of it (by byte range, with a check of ancestry where the
    range alone cannot tell). Holds the file's root node, which keeps its tree alive, so the tree
    is recognised by its root (node ids are unique among live trees).

    Answers are the same nodes a query of the part finds; :func:`nodes_of` sorts them by
    (start, -end), a total order unless two of them span the same bytes. Nodes of one type keep
    the order they were captured in, as before; nodes of two types that span the same bytes would
    be ordered by how the captures were gathered, so a question asking for two such types of the
    file is put to the part itself."""

    def __init__(self) -> None:
        self.asked: dict[str, tuple[str, ...]] = {}  # grammar -> types asked of whole files
        self.grammar = ""
        self.top: Node | None = None
        self.by_type: dict[str, tuple[list[int], list[Node]]] = {}
        self.tied: set[frozenset[str]] = set()  # pairs of types with nodes that span the same bytes

    def index(self, grammar: str, top: Node, types: tuple[str, ...], limits: Limits) -> bool:
        """Query ``top`` (a whole file) once for every type asked of whole files, ``types`` too.
        False when nothing is kept: that query needs more than the limits allow."""
        known = self.asked.get(grammar, ())
        if grammar == self.grammar and self.top is not None and self.top == top and set(types) <= set(known):
            return False  # tried for this file already, and kept nothing
        wanted = tuple(sorted({*known, *types}))
        self.asked[grammar] = wanted
        self.grammar, self.top, self.by_type, self.tied = grammar, top, {}, set()
        cursor = QueryCursor(_query(grammar, wanted), match_limit=limits.query_match_limit)
        captures = cursor.captures(top)
        if cursor.did_exceed_match_limit:
            return False
        first: dict[tuple[int, int], str] = {}
        for kind, nodes in captures.items():
            for node in nodes:
                other = first.setdefault((node.start_byte, node.end_byte), kind)
                if other != kind:  # e.g. a C# argument that is one string literal
                    self.tied.add(frozenset((kind, other)))
        for kind in wanted:
            nodes = sorted(captures.get(kind, []), key=lambda n: n.start_byte)
            self.by_type[kind] = ([node.start_byte for node in nodes], nodes)
        return True

    def pick(self, grammar: str, root: Node, types: tuple[str, ...]) -> list[Node] | None:
        """The nodes of ``types`` in the subtree at ``root`` (unsorted), or None if unknown here."""
        asked = set(types)
        if self.top is None or grammar != self.grammar or len(asked) != len(types):
            return None
        if any(kind not in self.by_type for kind in types) or any(pair <= asked for pair in self.tied):
            return None
        top = root
        while (parent := top.parent) is not None:
            top = parent
        if top != self.top:
            return None
        start, end = root.start_byte, root.end_byte
        picked: list[Node] = []
        for kind in types:
            starts, nodes = self.by_type[kind]
            picked.extend(
                node
                for node in nodes[bisect.bisect_left(starts, start) : bisect.bisect_right(starts, end)]
                if node.end_byte <= end
                and ((node.start_byte != start and node.end_byte != end) or _within(node, root, start, end))
            )
        return picked


def _within(node: Node, root: Node, start: int, end: int) -> bool:
    """Whether ``node`` (inside ``root``'s byte range) is ``root`` or below it: not an ancestor
    with the same range, nor an empty node just outside."""
    current: Node | None = node
    while current is not None and current.start_byte >= start and current.end_byte <= end:
        if current == root:
            return True
        current = current.parent
    return False


_FILE_NODES = _FileNodes()


def _walk_for(root: Node, types: frozenset[str], deadline: float, budget_ms: int) -> list[Node]:
    found: list[Node] = []
    for count, node in enumerate(walk(root)):
        if node.type in types:
            found.append(node)
        if count % 4096 == 0 and time.monotonic() > deadline:
            raise _over_time(budget_ms)
    return found


def _over_time(budget_ms: int) -> LimitExceeded:
    return LimitExceeded(
        f"tree-sitter queries took over {budget_ms} ms (limit query_max_millis); file skipped"
    )


def location(path: str, node: Node) -> Location:
    row, column = node.start_point
    return Location(path, row + 1, column + 1)


def walk(node: Node) -> Iterator[Node]:
    """Every named node, depth first, without recursion (deep trees must not overflow)."""
    cursor = node.walk()
    visited_children = False
    while True:
        if not visited_children:
            if cursor.node is not None and cursor.node.is_named:
                yield cursor.node
            if cursor.goto_first_child():
                continue
        if cursor.goto_next_sibling():
            visited_children = False
            continue
        if not cursor.goto_parent():
            return
        visited_children = True


def text_of(node: Node | None) -> str:
    raw = node.text if node is not None else None  # each .text is a fresh copy: take it once
    return raw.decode("utf-8", errors="replace") if raw is not None else ""


def combine(parts: list[Value]) -> Value:
    """Concatenation: known from the left; the whole expression kept as a template
    (:func:`analyzer.extract.values.concat`)."""
    return concat(parts)


_ADDRESS_NAME = re.compile(r"(url|uri|host|dsn|addr|address|endpoint|connection|server|broker)s?$", re.I)
_SCHEME = re.compile(r"^(jdbc:[a-z]+:|[a-z][a-z0-9+.-]*://)", re.I)


VALUE_BUILDERS = frozenset(
    {
        "format", "formatted", "valueOf", "concat", "append", "join", "fromHttpUrl", "fromUriString",
        "path", "pathSegment", "queryParam", "resolve", "create", "parse", "toString", "Sprintf", "Join",
        "JoinPath", "urljoin", "replace", "startsWith", "endsWith", "equals", "contains", "split",
        "matches", "info", "debug", "warn", "warning", "error", "trace", "log", "println", "printf",
        "Printf", "Println", "Infof", "Debugf", "Errorf", "Warnf", "LogInformation", "LogDebug",
        "LogWarning", "LogError", "assertEquals", "assertThat", "expect", "setdefault",
    }
)  # fmt: skip
"""Calls that build, compare or print a value rather than reach what it addresses."""


def carries_address(value: Value, client: bool = False) -> bool:
    """Whether a value reaching a call may be an address: its (template) text starts with a
    scheme (``http://``, ``mongodb://``, ``jdbc:postgresql:``), it is a keyword connection string,
    or it is read from configuration under an address-like name (``*_URL``, ``*.host``). Passed
    to a known ``client`` API, any configurable or host-like value is one."""
    template = template_of(value)
    if _SCHEME.match(template) or _SCHEME.match(value.text):
        return True
    if re.match(r"^\s*(host|server|data source|address)\s*=", value.text or template, re.I):
        return True
    configurable = value.origin in ("env", "config") and bool(value.variable)
    if configurable and (client or _ADDRESS_NAME.search(value.variable.rsplit(".", 1)[-1].replace("-", ""))):
        return True
    return client and value.known and bool(re.fullmatch(r"[A-Za-z0-9_.-]+(:\d+)?", value.text))


@dataclass(slots=True)
class FileScan:
    """The per-file state every language walker fills: constants, facts, diagnostics."""

    path: str
    service: str
    technology: str
    consts: dict[str, Value] = field(default_factory=dict)
    facts: list[Any] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    channels: list[tuple[int, Value]] = field(default_factory=list)  # gRPC channels: (offset, target)

    def grpc_channel(self, node: Node, target: Value) -> None:
        """A gRPC channel to ``target``: itself a call to whatever the address is, whether or not
        a stub built on it is recognised."""
        self.channels.append((node.start_byte, target))
        if target.known or target.origin in ("env", "config"):
            self.facts.append(Call(self.service, target, self.evidence(node, "gRPC channel"), "grpc"))

    def grpc_stub(self, node: Node, service: str, channel: Value | None = None) -> None:
        """A gRPC client stub for ``service`` (the proto service's short name). Its target is the
        channel passed inline, else the channel created last before it in the file; with neither,
        the resolver matches the service name against the ``.proto`` files of the system."""
        if channel is None or not (channel.known or channel.variable):
            earlier = [value for offset, value in self.channels if offset < node.start_byte]
            channel = earlier[-1] if earlier else Value("", "unresolved", service)
        detail = f"gRPC {service}"
        self.facts.append(Call(self.service, channel, self.evidence(node, detail), "grpc", "", service))

    def evidence(self, node: Node, detail: str = "") -> Evidence:
        return Evidence(SourceKind.CODE, location(self.path, node), detail)

    def syntax_errors(self, tree: Tree) -> None:
        if tree.root_node.has_error:
            first = tree.root_node
            while not (first.is_error or first.is_missing):  # descend along the erroneous branch
                child = next((c for c in first.children if c.has_error or c.is_error or c.is_missing), None)
                if child is None:
                    break
                first = child
            self.diagnostics.append(
                Diagnostic(
                    self.path,
                    first.start_point[0] + 1,
                    DiagnosticLevel.WARNING,
                    "syntax errors in this file; facts come from the parts that parse",
                )
            )

    SQL_START = re.compile(r"\s*(select|insert|update|delete|with|merge|create|alter|drop|truncate)\b", re.I)

    def sql(self, value: Value, node: Node, creates: bool = False) -> None:
        """Tables an SQL string literal (at ``node``) reads and writes; ``creates`` also owns."""
        if not value.known or not self.SQL_START.match(value.text):
            return
        for facts in analyze_sql(value.text, dialect_for(self.technology)):
            detail = f"SQL {facts.kind}"
            for action, tables in (
                ("reads", facts.reads),
                ("writes", facts.writes),
                ("owns", facts.creates if creates else ()),
            ):
                for table in tables:
                    self.facts.append(TableAccess(self.service, table, action, self.evidence(node, detail)))
                    if action == "writes" and "outbox" in table.lower():
                        self.facts.append(
                            Marker(self.service, "outbox", table, self.evidence(node, "outbox table"))
                        )

    def connection(self, node: Node, callee: str, target: Value, hint: str = "") -> None:
        """A client API of technology ``hint`` received ``target``. A literal connection string is
        parsed here; a value a deployment fills (``env(MONGO_URL) ?? "mongodb://..."``,
        ``"jdbc:postgresql://" + env(PG_HOST) + ":5432/billing"``) goes to the resolver as a
        value reaching a call, which fills it and recognises what it carries."""
        template = template_of(target)
        if target.known and target.origin not in ("env", "config") and "\u27e8" not in template:
            info = parse_connection_string(target.text, hint)
            if info is None and hint and re.fullmatch(r"[A-Za-z0-9_.-]+(:\d+)?", target.text):
                info = parse_host_list(target.text, hint)
            if info is not None and info.hosts:
                self.facts.append(Connection(self.service, info, self.evidence(node, callee), "literal"))
            return
        if target.known or target.origin in ("env", "config"):
            self.facts.append(Call(self.service, target, self.evidence(node, callee), hint or ""))

    def result(self) -> ExtractResult:
        out = ExtractResult()
        out.facts.extend(self.facts)
        out.diagnostics.extend(self.diagnostics)
        return out


def begin(ctx: Any, text: str, grammar: str) -> tuple[FileScan, Node]:
    """Parse a source file of ``ctx.service`` and start its scan (syntax errors reported)."""
    tree, _ = parse(grammar, text)
    scan = FileScan(ctx.path, ctx.service, ctx.technology)
    scan.syntax_errors(tree)
    return scan, tree.root_node


Evaluate = Callable[[Node | None], Value]
