"""YAML with source lines: mappings and sequences that remember where each entry was written.

Every fact needs the exact line that proves it, so manifests are loaded into :class:`LineDict`
and :class:`LineList`, which keep ``(path, line)`` per key or item (anchors, aliases and ``<<``
merge keys resolved as YAML defines them; a merged entry keeps the line where it was written).
Only the safe YAML subset is constructed: no Python objects, ever. Every document is checked
against the limits in force (:mod:`analyzer.model.limits`) before it is built: an alias bomb or a
document nested too deeply is a :class:`YamlError` (a diagnostic at the file), not gigabytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import yaml

from analyzer.extract.yamlfast import with_libyaml
from analyzer.model.inputs import check_flow_depth
from analyzer.model.limits import LimitExceeded, int_or_text, load_all_bounded

Source = tuple[str, int]  # (repo-relative path, 1-based line)


class LineDict(dict[Any, Any]):
    """A mapping plus ``src[key]`` (where the key was written) and ``origin`` (the mapping)."""

    src: dict[Any, Source]
    origin: Source
    override: bool = False  # tagged `!override` (compose): replaces on merge

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.src = {}  # NOTE: a LineDict built in code (not loaded) still answers line_of
        self.origin = ("", 1)

    def line_of(self, key: Any) -> Source:
        return self.src.get(key, self.origin)


class LineList(list[Any]):
    """A sequence plus ``src[i]`` per item and ``origin``."""

    src: list[Source]
    origin: Source
    override: bool = False  # tagged `!override` (compose): replaces on merge

    def line_of(self, index: int) -> Source:
        return self.src[index] if 0 <= index < len(self.src) else self.origin


_STR_TAG = "tag:yaml.org,2002:str"


def _value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """``loader.construct_object(node, deep=True)``, with plain strings (most keys and values)
    taken straight from the node, which is all the string constructor does."""
    if node.tag == _STR_TAG and type(node) is yaml.ScalarNode:
        return node.value
    return loader.construct_object(node, deep=True)


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
    path = _path_of(loader)
    loader.flatten_mapping(node)
    out = LineDict()
    out.src = {}
    out.origin = (path, node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = _value(loader, key_node)
        try:
            hash(key)
        except TypeError:
            continue  # an unhashable key (a list) cannot name anything we read
        out[key] = _value(loader, value_node)
        out.src[key] = (path, key_node.start_mark.line + 1)
    return out


def _sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    path = _path_of(loader)
    out = LineList(_value(loader, item) for item in node.value)
    out.src = [(path, item.start_mark.line + 1) for item in node.value]
    out.origin = (path, node.start_mark.line + 1)
    return out


def _compose_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    # Compose's merge tags: `!reset` drops the inherited value, `!override` replaces it.
    if node.tag == "!reset":
        return None
    value: LineDict | LineList
    if isinstance(node, yaml.MappingNode):
        value = _mapping(loader, node)
    elif isinstance(node, yaml.SequenceNode):
        value = _sequence(loader, node)
    else:
        return loader.construct_scalar(node)  # type: ignore[arg-type]
    value.override = True  # a merge replaces the base value instead of combining
    return value


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


def _path_of(loader: yaml.SafeLoader) -> str:
    return str(getattr(loader, "source_path", ""))


class _LineLoader(yaml.SafeLoader):
    """The safe loader, building :class:`LineDict` / :class:`LineList` that remember the lines of
    ``source_path`` (set on each instance by :func:`_loader_for`)."""


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)
# Timestamps stay strings: values are read as text, and PyYAML's timestamp constructor
# raises on a malformed date (`2001-13-45`) that a committer may well write.
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
_LineLoader.add_constructor("tag:yaml.org,2002:int", int_or_text)  # 40,000 digits: text, not ValueError
_LineLoader.add_constructor("!override", _compose_tag)
_LineLoader.add_constructor("!reset", _compose_tag)
_FAST_LINE_LOADER = with_libyaml(_LineLoader)  # the same constructors on libyaml's C parser


def _loader_for(path: str) -> Callable[[str], yaml.SafeLoader]:
    """A loader of ``path``'s text (one class for every file: building two per file cost more
    than loading a small manifest)."""

    def loader(text: str) -> yaml.SafeLoader:
        instance = _FAST_LINE_LOADER(text)
        instance.source_path = path  # type: ignore[attr-defined]
        return instance

    return loader


class YamlError(ValueError):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def load_all(text: str, path: str) -> list[Any]:
    """Every document of a YAML stream, with lines. Raises :class:`YamlError` with the line."""
    try:
        check_flow_depth(text)  # before PyYAML's scanner, quadratic in it (JSON is read as YAML too)
        return [doc for doc in load_all_bounded(text, _loader_for(path)) if doc is not None]
    except LimitExceeded as exc:
        raise YamlError(f"not read: {exc}", 1) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlError(f"invalid YAML: {problem}", mark.line + 1 if mark else 1) from None
    except RecursionError:
        raise YamlError("invalid YAML: nested too deeply", 1) from None


def load(text: str, path: str) -> Any:
    docs = load_all(text, path)
    return docs[0] if docs else None


def flatten(node: Any, separator: str, prefix: str = "", line: int = 1) -> Iterator[tuple[str, str, int]]:
    """``(key path, value, line)`` for every scalar of a loaded document; keys joined with
    ``separator`` (``.`` for plain config, ``__`` for .NET's environment-variable form)."""
    if isinstance(node, LineDict):
        for key, value in node.items():
            yield from flatten(
                value, separator, f"{prefix}{separator}{key}" if prefix else str(key), node.line_of(key)[1]
            )
    elif isinstance(node, LineList):
        for index, value in enumerate(node):
            yield from flatten(value, separator, f"{prefix}{separator}{index}", node.line_of(index)[1])
    elif node is not None and not isinstance(node, bool):
        yield prefix, str(node), line
