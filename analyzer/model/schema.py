"""Validating user-written YAML (rule files, ``archconform.yml``) against their JSON Schemas.

The schemas in ``rules/schema/`` are the published contract (editors use them too), so the same
files decide what a valid rule or config is: a malformed shape is one clear error with the file's
line, before any code looks at the data and trips over it. ``jsonschema`` is the validator (a
runtime dependency for this: the field's own tool, and a hand-written subset would drift from
the schemas); this module maps its error paths back to YAML lines and words them for people.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from analyzer.model.limits import TextDatesLoader

if TYPE_CHECKING:
    import jsonschema


class StringDatesLoader(TextDatesLoader):
    """Safe YAML where timestamps stay strings (JSON has no dates; the schemas say ``string``)."""


@functools.lru_cache(maxsize=8)
def _validator(schema_file: str) -> jsonschema.protocols.Validator:
    import jsonschema  # lazily: only a config or a user rule file needs it, and it costs 50 ms

    schema = json.loads(Path(schema_file).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def line_of(node: yaml.Node | None, path: Sequence[Any], key: bool = False) -> int:
    """1-based line of the YAML node at ``path`` (keys and indexes) under ``node``; with ``key``,
    the line of the last key itself. Falls back to the deepest node found."""
    if node is None:
        return 1
    current = node
    for part in path:
        if isinstance(current, yaml.MappingNode):
            match = next(
                ((k, v) for k, v in current.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)),
                None,
            )
            if match is None:
                break
            current = match[0] if key and part == path[-1] else match[1]
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int) and part < len(current.value):
            current = current.value[part]
        else:
            break
    return int(current.start_mark.line) + 1


def _where(path: Sequence[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"


def _leaf(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """The most telling error inside a oneOf/anyOf (the branch that got furthest)."""
    while error.context:
        branches = list(error.context)
        # A branch that failed only on the instance's type is the least telling; among the
        # others, the deepest error says most precisely what is wrong.
        typed = [e for e in branches if e.validator != "type" or e.relative_path]
        error = max(typed or branches, key=lambda e: len(e.absolute_path))
    return error


def _unknown_key(error: jsonschema.ValidationError, root: yaml.Node | None) -> tuple[int, str]:
    """An ``additionalProperties`` error: the first unknown key, at its line, with a suggestion."""
    allowed = sorted(error.schema.get("properties", {}))
    extra = sorted(
        (str(k) for k in error.instance if k not in allowed),
        key=lambda k: line_of(root, [*error.absolute_path, k], key=True),
    )
    name = extra[0] if extra else "?"
    line = line_of(root, [*error.absolute_path, name], key=True)
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        return line, f"unknown setting '{name}' (did you mean '{close[0]}'?)"
    expected = f"; expected one of: {', '.join(allowed)}" if allowed else ""
    inside = "" if not error.absolute_path else f" in {_where(error.absolute_path)}"
    return line, f"unknown setting '{name}'{inside}{expected}"


def _describe(error: jsonschema.ValidationError, root: yaml.Node | None) -> tuple[int, str]:
    where = _where(error.absolute_path)
    branches = list(error.context or ())
    if branches and all(e.validator == "type" and not e.relative_path for e in branches):
        wanted = []
        for branch in branches:
            value = branch.validator_value
            wanted.extend(value if isinstance(value, list) else [value])
        names = [_SCHEMA_TYPES.get(w, w) for w in dict.fromkeys(wanted)]
        found = _type_name(error.instance)
        return line_of(root, error.absolute_path), f"{where}: expected {' or '.join(names)}, found {found}"
    leaf = _leaf(error)
    if leaf.validator == "additionalProperties" and isinstance(leaf.instance, dict):
        return _unknown_key(leaf, root)
    line = line_of(root, leaf.absolute_path)
    where = _where(leaf.absolute_path)
    if leaf.validator == "required" and isinstance(leaf.instance, dict):
        missing = [str(r) for r in leaf.validator_value if r not in leaf.instance]
        return line, f"{where}: needs '{missing[0] if missing else '?'}'"
    if leaf.validator == "minLength" and leaf.instance == "":
        return line, f"{where}: must not be empty"
    if leaf.validator == "type":
        value = leaf.validator_value
        names = [_SCHEMA_TYPES.get(w, w) for w in (value if isinstance(value, list) else [value])]
        return line, f"{where}: expected {' or '.join(names)}, found {_type_name(leaf.instance)}"
    if leaf.validator == "enum":
        choices = ", ".join(map(str, leaf.validator_value))
        return line, f"{where}: unknown value {leaf.instance!r}; expected one of: {choices}"
    message = leaf.message if len(leaf.message) <= 200 else leaf.message[:199] + "…"
    return line, f"{where}: {message}"


_SCHEMA_TYPES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    return "a string"


def schema_problem(data: Any, root: yaml.Node | None, schema_file: Path) -> tuple[int, str] | None:
    """``(line, message)`` of the first (by line) way ``data`` breaks the schema, or ``None``.

    ``data`` is the YAML loaded with :class:`StringDatesLoader`; ``root`` its composed node tree
    (for lines). A document too deep to validate is itself a problem.
    """
    try:
        errors = list(_validator(str(schema_file)).iter_errors(data))
    except RecursionError:
        return 1, "nested too deeply to validate"
    if not errors:
        return None
    described = sorted(_describe(e, root) for e in errors)
    return described[0]
