"""Operations (entry points) and their write sets, the same way for every language.

An operation's write set is the facts found inside its handler's syntax node plus those inside
the same-file functions it calls, transitively: tables written (SQL, repositories), mutating calls
(POST / PUT / PATCH / DELETE, gRPC) and publishes. Facts are matched to functions by position in
the file, so no call graph beyond names in the same file is needed — and none is guessed.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tree_sitter import Node

from analyzer.extract.facts import Call, Message, Operation, TableAccess
from analyzer.extract.source.base import MUTATING_VERBS, FileScan


@dataclass(frozen=True, slots=True)
class Scope:
    """Same-file functions by name, and how to list the callee names inside a node."""

    functions: dict[str, Node]
    callees: Callable[[Node], list[str]]


def _reach(start: Node, scope: Scope) -> list[Node]:
    seen: dict[int, Node] = {start.id: start}
    todo = [start]
    while todo:
        node = todo.pop()
        for name in scope.callees(node):
            short = name.rsplit(".", 1)[-1]
            target = scope.functions.get(name) or scope.functions.get(short)
            if target is not None and target.id not in seen:
                seen[target.id] = target
                todo.append(target)
    return list(seen.values())


def collect_operations(
    scan: FileScan,
    routes: Iterable[tuple[str, Node]],
    scope: Scope,
    extra_writes: Callable[[Node], list[str]] | None = None,
    delegates: Callable[[Node], list[str]] | None = None,
    internal: bool = False,
) -> list[Operation]:
    operations = []
    # Facts by position, so each node takes the ones inside it by bisection instead of a full scan.
    relevant = sorted(
        (((f.evidence.location.line - 1, f.evidence.location.column - 1), i), f)
        for i, f in enumerate(scan.facts)
        if isinstance(f, (TableAccess, Call, Message))
    )
    positions = [key for key, _ in relevant]
    for name, handler in routes:
        nodes = _reach(handler, scope)
        writes: set[str] = set()
        calls: set[str] = set()
        publishes: set[str] = set()
        inside: dict[int, object] = {}
        for node in nodes:
            low = bisect.bisect_left(positions, (tuple(node.start_point), -1))
            high = bisect.bisect_right(positions, (tuple(node.end_point), len(scan.facts)))
            inside.update((positions[k][1], relevant[k][1]) for k in range(low, high))
        for _, fact in sorted(inside.items()):
            if isinstance(fact, TableAccess) and fact.action == "writes":
                writes.add(fact.table)
            elif isinstance(fact, Call) and (
                fact.method.upper() in MUTATING_VERBS or fact.protocol == "grpc"
            ):
                if fact.target.text or fact.target.variable:
                    calls.add(fact.target.text or fact.target.variable)
            elif isinstance(fact, Message) and fact.direction == "publishes":
                publishes.add(fact.topic)
        if extra_writes is not None:
            for node in nodes:
                writes.update(extra_writes(node))
        delegated: set[str] = set()
        if delegates is not None:
            for node in nodes:
                delegated.update(delegates(node))
        operations.append(
            Operation(
                scan.service,
                name,
                scan.evidence(handler, name),
                tuple(sorted(writes)),
                tuple(sorted(calls)),
                tuple(sorted(publishes)),
                delegates=tuple(sorted(delegated)),
                internal=internal,
            )
        )
    return operations


def module_name(path: str) -> str:
    """The name other files of the service import this file by: its stem, or its folder's name
    for a package entry file (``__init__.py``, ``index.js``)."""
    folder, _, filename = path.rpartition("/")
    stem = filename.split(".", 1)[0]
    if stem in ("__init__", "index", "mod") and folder:
        return folder.rpartition("/")[2]
    return stem


def module_summaries(
    scan: FileScan,
    module: str,
    functions: dict[str, Node],
    handlers: Iterable[tuple[str, Node]],
    scope: Scope,
    delegates: Callable[[Node], list[str]] | None = None,
) -> list[Operation]:
    """Internal operations ``module.function`` for the top-level functions of a file, so that a
    handler in another file of the service that imports them gets their writes (see the resolver)."""
    return class_summaries(scan, [([module], sorted(functions.items()))], handlers, scope, None, delegates)


def class_summaries(
    scan: FileScan,
    owners: Iterable[tuple[list[str], list[tuple[str, Node]]]],
    handlers: Iterable[tuple[str, Node]],
    scope: Scope,
    extra_writes: Callable[[Node], list[str]] | None = None,
    delegates: Callable[[Node], list[str]] | None = None,
) -> list[Operation]:
    """Internal operations ``Owner.name`` for each (owner names, named functions) pair — a class
    and the interfaces it implements, or a module — skipping functions that are handlers themselves."""
    taken = {node.id for _, node in handlers}
    named = [
        (f"{owner}.{name}", node)
        for names, functions in owners
        for name, node in functions
        if node.id not in taken
        for owner in names
    ]
    return collect_operations(scan, named, scope, extra_writes, delegates, internal=True)
