"""Compose variable interpolation (the compose specification's rules).

``$$`` is a literal ``$``; ``$VAR`` and ``${VAR}`` substitute; ``${VAR:-default}`` uses the
default when VAR is unset *or empty*, ``${VAR-default}`` only when unset; ``${VAR:?msg}`` /
``${VAR?msg}`` are required; ``${VAR:+alt}`` / ``${VAR+alt}`` substitute ``alt`` when set.
Defaults may nest (``${A:-${B:-x}}``). Variables come from the project's ``.env`` only: the scan
never reads the environment of the machine it runs on, so results are reproducible.

:func:`interpolate` reports which variables were used and which were missing, so callers can
tell a literal from a value that arrives from deployment configuration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(slots=True)
class Interpolated:
    text: str
    used: list[str] = field(default_factory=list)  # variables that had a value
    missing: list[str] = field(default_factory=list)  # variables with no value and no default
    defaulted: list[str] = field(default_factory=list)  # variables replaced by their default
    errors: list[str] = field(default_factory=list)
    keep_missing: bool = False


def _braced(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``${`` at ``start`` (nesting aware), or -1."""
    depth = 0
    i = start
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def interpolate(
    text: str, env: Mapping[str, str], _depth: int = 0, keep_missing: bool = False
) -> Interpolated:
    """Substitute variables. With ``keep_missing``, a variable with no value and no default stays
    as ``${NAME}`` (so a password that is only a reference still reads as one)."""
    result = Interpolated("")
    result.keep_missing = keep_missing
    if _depth > 10:
        result.text = text
        result.errors.append("interpolation nested too deeply")
        return result
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "$":
            out.append(ch)
            i += 1
            continue
        if text.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        if text.startswith("${", i):
            end = _braced(text, i)
            if end < 0:
                result.errors.append(f"unterminated '${{' in {text!r}")
                out.append(text[i:])
                break
            body = text[i + 2 : end]
            out.append(_expand(body, env, result, _depth))
            i = end + 1
            continue
        match = _NAME.match(text, i + 1)
        if match:
            name = match.group(0)
            if name in env:
                out.append(env[name])
                result.used.append(name)
            else:
                result.missing.append(name)
                if keep_missing:
                    out.append("${" + name + "}")
            i = match.end()
            continue
        out.append("$")
        i += 1
    result.text = "".join(out)
    return result


def _expand(body: str, env: Mapping[str, str], result: Interpolated, depth: int) -> str:
    match = _NAME.match(body)
    if not match:
        result.errors.append(f"invalid interpolation '${{{body}}}'")
        return ""
    name = match.group(0)
    rest = body[match.end() :]
    value = env.get(name)
    is_set = value is not None
    if not rest:
        if is_set:
            result.used.append(name)
            return str(value)
        result.missing.append(name)
        return "${" + name + "}" if result.keep_missing else ""
    for op in (":-", "-", ":?", "?", ":+", "+"):
        if rest.startswith(op):
            arg = rest[len(op) :]
            break
    else:
        result.errors.append(f"invalid interpolation '${{{body}}}'")
        return ""
    empty_counts = op.startswith(":")
    present = is_set and (bool(value) or not empty_counts)
    if op in (":-", "-"):
        if present:
            result.used.append(name)
            return str(value)
        inner = interpolate(arg, env, depth + 1, result.keep_missing)
        result.used.extend(inner.used)
        result.missing.extend(inner.missing)
        result.errors.extend(inner.errors)
        result.defaulted.append(name)
        return inner.text
    if op in (":?", "?"):
        if present:
            result.used.append(name)
            return str(value)
        result.missing.append(name)
        return "${" + name + "}" if result.keep_missing else ""
    # :+ / +
    if present:
        result.used.append(name)
        return interpolate(arg, env, depth + 1).text
    return ""


@dataclass(frozen=True, slots=True)
class EnvEntry:
    """One ``KEY=value`` line. ``quote`` is the quote character the value was written in ('' for
    none): compose and dotenv take a single-quoted value literally (no ``$`` interpolation)."""

    key: str
    value: str
    line: int
    quote: str = ""


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def parse_env_entries(text: str) -> list[EnvEntry]:
    """The assignments of a ``.env`` file. ``export`` prefixes, comment lines and ``#`` comments
    after whitespace in unquoted values are dropped; quotes are removed, and a double-quoted
    value has its backslash escapes applied."""
    entries: list[EnvEntry] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not _NAME.fullmatch(key):
            continue
        value = value.strip()
        quote = value[:1] if value[:1] in ("'", '"') else ""
        if quote:
            closing = value.find(quote, 1)
            while quote == '"' and closing > 0 and value[closing - 1] == "\\":
                closing = value.find(quote, closing + 1)
            value = value[1:closing] if closing > 0 else value[1:]
            if quote == '"':
                value = re.sub(r"\\([ntr\"\\])", lambda m: _ESCAPES[m.group(1)], value)
        else:
            value = re.split(r"(?<!\s)\s+#", value, maxsplit=1)[
                0
            ].strip()  # (?<!\s): linear on long blank runs
        entries.append(EnvEntry(key, value, number, quote))
    return entries


def parse_env_file(text: str) -> list[tuple[str, str, int]]:
    """``KEY=value`` lines of a ``.env`` file as (key, value, 1-based line); see
    :func:`parse_env_entries`."""
    return [(e.key, e.value, e.line) for e in parse_env_entries(text)]
