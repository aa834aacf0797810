"""Resource limits for everything a scanned repository supplies, and YAML loading that keeps them.

A pull request controls the bytes archconform reads, so every parser that can be made to expand
its input (YAML aliases, XML entities, gzip, regular expressions, tree-sitter queries) works under
a budget. Hitting one is a :class:`LimitExceeded`, which callers turn into a diagnostic naming the
file; the scan goes on.

The limits in force are a context variable (:func:`using_limits`) so that the pure extractors do
not need them threaded through every call; the pipeline sets them once per scan and once per file
handed to a worker process. Only the trusted side (command line, environment, a ``--config`` file
outside the scanned tree) may raise them; configuration inside the tree may only lower them.
"""

from __future__ import annotations

import contextvars
import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import yaml


class LimitExceeded(ValueError):
    """Repository content asked for more than a limit allows; the message says which limit."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds on what one repository file may cost. Every field is a positive int.

    - ``yaml_max_nodes``: nodes of one YAML document *after* alias expansion (an alias counts
      as a copy of everything it names), which is what flattening and merging will visit.
    - ``yaml_max_depth``: nesting depth of one YAML document.
    - ``trace_max_ratio``: decompressed bytes per compressed byte of a gzipped trace.
    - ``trace_max_bytes``: decompressed bytes of one gzipped trace, whatever the ratio.
    - ``query_max_millis``: wall time of the tree-sitter queries over one source file.
    - ``query_match_limit``: in-progress matches a tree-sitter query cursor may hold.
    - ``code_max_bytes``: size of a source file (Python, Java, Go, JS/TS, C#, ``.proto``).
    - ``config_max_bytes``: size of a manifest or configuration file (compose, Kubernetes, Spring,
      .NET, ``.env``).
    - ``sql_max_bytes``: size of a schema or migration file (SQL, Liquibase, Prisma).
    - ``json_max_depth``: ``[``/``{`` nesting of JSON and YAML flow style, checked before parsing
      (PyYAML's scanner is quadratic in it, its composer recursive).
    - ``code_max_depth``: nesting of source code (brackets before parsing, the syntax tree after):
      the value walkers recurse.
    - ``sql_max_millis``: time sqlglot may spend on the statements of one file.
    """

    yaml_max_nodes: int = 1_000_000
    yaml_max_depth: int = 100
    trace_max_ratio: int = 100
    trace_max_bytes: int = 1 << 30
    query_max_millis: int = 5_000
    query_match_limit: int = 10_000
    code_max_bytes: int = 4 << 20
    config_max_bytes: int = 4 << 20
    sql_max_bytes: int = 16 << 20
    json_max_depth: int = 200
    code_max_depth: int = 400
    sql_max_millis: int = 10_000

    def lowered(self, other: Limits) -> Limits:
        """Each limit the smaller of the two: how untrusted settings are applied."""
        return Limits(
            **{f.name: min(getattr(self, f.name), getattr(other, f.name)) for f in dataclasses.fields(self)}
        )

    def max_bytes(self, kind: str) -> int:
        """The size limit of one kind of input: ``code``, ``config``, ``sql`` or ``trace``."""
        return {
            "code": self.code_max_bytes,
            "sql": self.sql_max_bytes,
            "trace": self.trace_max_bytes,
        }.get(kind, self.config_max_bytes)


DEFAULT_LIMITS = Limits()
LIMIT_NAMES = tuple(f.name for f in dataclasses.fields(Limits))

_current: contextvars.ContextVar[Limits] = contextvars.ContextVar(
    "archconform_limits", default=DEFAULT_LIMITS
)


def current_limits() -> Limits:
    return _current.get()


_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("archconform_deadline", default=None)


@contextmanager
def using_limits(limits: Limits, *, one_file: bool = False) -> Iterator[Limits]:
    """Make ``limits`` the ones in force for the block (per thread / task). ``one_file``: the
    block reads one file, so its time budgets (``query_max_millis``) start now."""
    token = _current.set(limits)
    clock = _deadline.set(time.monotonic() + limits.query_max_millis / 1000) if one_file else None
    try:
        yield limits
    finally:
        if clock is not None:
            _deadline.reset(clock)
        _current.reset(token)


def query_deadline() -> float:
    """When the file being read runs out of query time (``time.monotonic()`` seconds): the
    per-file deadline if one is running, else ``query_max_millis`` from now."""
    return _deadline.get() or time.monotonic() + current_limits().query_max_millis / 1000


# -- YAML ------------------------------------------------------------------------------------


def check_yaml_node(root: yaml.Node, limits: Limits | None = None) -> None:
    """Raise :class:`LimitExceeded` if the composed document ``root`` is too big once its aliases
    are expanded, too deep, or refers to itself. A document within the limits costs one cheap pass
    (:func:`_fits`); one over them, a pass linear in its distinct nodes (:func:`_check_shared`: an
    alias is a shared node, so its expanded size is computed once and added at every use).

    >>> check_yaml_node(yaml.compose("a: [1, 2]"))
    """
    limits = limits or current_limits()
    if _fits(root, limits):
        return
    _check_shared(root, limits)


def _fits(root: yaml.Node, limits: Limits) -> bool:
    """Whether ``root`` is within the limits, by one level-by-level pass over its expansion (an
    alias visited at every use, as the limits count it). Cheap for the documents repositories
    hold; gives up (``False``) as soon as the count or the depth is over a limit, which a
    recursive alias always is. ``True`` is exact; ``False`` leaves the verdict and its message to
    :func:`_check_shared`."""
    count, depth, level = 0, 0, [root]
    while level:
        depth += 1
        count += len(level)
        if depth > limits.yaml_max_depth or count > limits.yaml_max_nodes:
            return False
        below: list[yaml.Node] = []
        for node in level:
            if isinstance(node, yaml.MappingNode):
                for pair in node.value:
                    below.extend(pair)
            elif isinstance(node, yaml.SequenceNode):
                below.extend(node.value)
        level = below
    return True


def _check_shared(root: yaml.Node, limits: Limits) -> None:
    """:func:`check_yaml_node` over the distinct nodes (an alias's expanded size computed once):
    linear even for a bomb, and it names the limit that was hit."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            kids = _children(node)
            size[key] = min(1 + sum(size[id(k)] for k in kids), limits.yaml_max_nodes + 1)
            height[key] = 1 + max((height[id(k)] for k in kids), default=0)
            open_nodes.discard(key)
            if size[key] > limits.yaml_max_nodes:
                raise LimitExceeded(
                    f"YAML expands to more than {limits.yaml_max_nodes} nodes (aliases counted at every "
                    "use; limit yaml_max_nodes)"
                )
            if height[key] > limits.yaml_max_depth:
                raise LimitExceeded(
                    f"YAML nested deeper than {limits.yaml_max_depth} levels (limit yaml_max_depth)"
                )
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise LimitExceeded("YAML alias refers to a node that contains it (recursive alias)")
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


class TextDatesLoader(yaml.SafeLoader):
    """The safe loader with timestamps kept as text: repository values are read as text anyway,
    and PyYAML's timestamp constructor raises on a malformed date (``2001-13-45``, ``!!timestamp
    x``) that a committer may well write."""


TextDatesLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),  # type: ignore[arg-type]
)


def int_or_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """An integer, or its text when Python refuses the conversion (over 4,300 digits)."""
    try:
        return loader.construct_yaml_int(node)  # type: ignore[arg-type]
    except ValueError:
        return loader.construct_scalar(node)  # type: ignore[arg-type]


TextDatesLoader.add_constructor("tag:yaml.org,2002:int", int_or_text)


def load_all_bounded(text: str, loader: Callable[[str], yaml.SafeLoader] = TextDatesLoader) -> list[Any]:
    """Every document of ``text``, composed and checked against the limits before any object is
    built. Raises ``yaml.YAMLError`` for bad YAML, :class:`LimitExceeded` for a bomb or for
    nesting too deep to parse (flow nesting is checked before PyYAML's scanner, which is
    quadratic in it; any recursion that still runs out is a limit too, never a ``RecursionError``).
    """
    from analyzer.model.inputs import check_flow_depth  # here: inputs imports this module

    check_flow_depth(text)
    instance = loader(text)
    docs: list[Any] = []
    try:
        while instance.check_node():
            node = instance.get_node()
            if node is None:
                continue
            if "&" in text:  # anchors: aliases may share nodes, perhaps a bomb
                _check_shared(node, current_limits())
            else:
                check_yaml_node(node)
            docs.append(instance.construct_document(node))
    except RecursionError:
        raise LimitExceeded("YAML nested too deeply to parse (limit yaml_max_depth)") from None
    finally:
        instance.dispose()
    return docs


def safe_load_bounded(text: str) -> Any:
    """Like ``yaml.safe_load`` (first document), within the limits."""
    docs = load_all_bounded(text)
    return docs[0] if docs else None


def compose_bounded(text: str) -> yaml.Node | None:
    """Like ``yaml.compose`` (for line numbers), within the limits."""
    from analyzer.model.inputs import check_flow_depth  # here: inputs imports this module

    check_flow_depth(text)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise LimitExceeded("YAML nested too deeply to parse (limit yaml_max_depth)") from None
    if node is not None:
        check_yaml_node(node)
    return node
