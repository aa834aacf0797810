"""A renderer for the common subset of Helm's Go templates, with a line map back to the template.

Supported: text and actions with ``{{-`` / ``-}}`` trimming and ``{{/* comments */}}``; pipelines
(``a | b c``), parenthesised pipelines, variables (``$``, ``$x := ...``, ``$x = ...``), fields of
``.``, ``$`` and variables (``.Values.a.b``, ``.Release``, ``.Chart``, ``.Capabilities``, ``.Files.Get``,
``.Template``); ``if`` / ``else if`` / ``else``, ``range`` (lists, maps in key order, integers; with
``$i, $v :=``), ``with``, ``define``, ``template``, ``include``, ``tpl``; and the Sprig functions charts
use most (``default``, ``quote``, ``toYaml``, ``nindent``, ``indent``, ``printf``, ``trunc``,
``trimSuffix``, ``replace``, ``lower``, ``eq``, ``and``, ``or``, ``dict``, ``list``, ``hasKey``, ...).

Anything else raises :class:`RenderError` with the template and line, so the caller can say what it
could not render instead of skipping it. Nothing here runs code from the repository: templates are
data interpreted by this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml


class RenderError(Exception):
    def __init__(self, template: str, line: int, message: str) -> None:
        super().__init__(f"{template}:{line}: {message}")
        self.template = template
        self.line = line
        self.message = message


@dataclass(slots=True)
class _Node:
    kind: str  # text | action | if | range | with | define | template | comment
    line: int
    text: str = ""
    branches: list[tuple[str, list[_Node]]] = field(default_factory=list)  # (condition, body)
    otherwise: list[_Node] = field(default_factory=list)


_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)
_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:\\.|[^"\\])*")|(?P<raw>`[^`]*`)|(?P<num>-?\d+(?:\.\d+)?)(?![\w.])'
    r"|(?P<op>:=|=|\||\(|\)|,)|(?P<word>[$.]?[\w$.]*[\w$]|\.|\$))"
)


def _parse(source: str, template: str) -> tuple[list[_Node], dict[str, list[_Node]]]:
    """The template's node tree and the ``define`` blocks it declares."""
    pieces: list[tuple[str, str, int]] = []  # (kind, text, line)
    position = 0
    line = 1
    for match in _ACTION.finditer(source):
        text = source[position : match.start()]
        pieces.append(("text", text, line))
        line += text.count("\n")
        if match.group(1) and pieces:
            kind, prior, start = pieces[-1]
            pieces[-1] = (kind, prior.rstrip(" \t\r\n"), start)
        pieces.append(("action", match.group(2).strip(), line))
        line += match.group(0).count("\n")
        position = match.end()
        if match.group(3):
            rest = source[position:]
            stripped = rest.lstrip(" \t\r\n")
            line += rest[: len(rest) - len(stripped)].count("\n")
            position += len(rest) - len(stripped)
    pieces.append(("text", source[position:], line))
    defines: dict[str, list[_Node]] = {}
    stack: list[tuple[_Node, list[_Node]]] = []
    root: list[_Node] = []
    current = root
    for kind, text, at in pieces:
        if kind == "text":
            if text:
                current.append(_Node("text", at, text))
            continue
        if text.startswith("/*") or not text:
            continue
        word = text.split(None, 1)[0]
        rest = text[len(word) :].strip()
        if word in ("if", "range", "with", "define", "block"):
            node = _Node(word if word != "block" else "define", at, rest)
            node.branches.append((rest, []))
            current.append(node)
            stack.append((node, current))
            current = node.branches[-1][1]
        elif word == "else":
            if not stack:
                raise RenderError(template, at, "else without if/range/with")
            node = stack[-1][0]
            if rest.startswith("if "):
                node.branches.append((rest[3:].strip(), []))
                current = node.branches[-1][1]
            else:
                current = node.otherwise
        elif word == "end":
            if not stack:
                raise RenderError(template, at, "end without a block")
            node, current = stack.pop()
            if node.kind == "define":
                name = _literal(node.text.split()[0]) if node.text else ""
                defines[str(name)] = node.branches[0][1]
                if node.text.split()[0:1] and len(node.text.split()) > 1:  # block: also render in place
                    node.kind = "template"
                else:
                    current.remove(node)
        elif word == "template":
            current.append(_Node("template", at, rest))
        else:
            current.append(_Node("action", at, text))
    if stack:
        raise RenderError(template, stack[-1][0].line, f"{stack[-1][0].kind} is never closed with end")
    return root, defines


def _literal(token: str) -> Any:
    if token.startswith('"'):
        return bytes(token[1:-1], "utf-8").decode("unicode_escape")
    if token.startswith("`"):
        return token[1:-1]
    return token


def _truth(value: Any) -> bool:
    return bool(value) and value != 0


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return _to_yaml(value)
    return str(value)


def _to_yaml(value: Any) -> str:
    if value is None:
        return "null"
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=True).rstrip("\n").removesuffix("\n...")


def _indent(width: Any, text: Any) -> str:
    pad = " " * int(width)
    return "\n".join(pad + line for line in _show(text).split("\n"))


def _printf(fmt: str, *args: Any) -> str:
    values = iter(args)

    def one(match: re.Match[str]) -> str:
        verb = match.group(0)
        if verb == "%%":
            return "%"
        value = next(values, "")
        if verb[-1] == "q":
            return '"' + _show(value) + '"'
        if verb[-1] == "d":
            return str(int(value or 0))
        return _show(value)

    return re.sub(r"%[-+# 0-9.]*[svdqtgf%]", one, fmt)


def _default(fallback: Any, value: Any = None) -> Any:
    return value if _truth(value) else fallback


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "default": _default,
    "quote": lambda *v: " ".join('"' + _show(x) + '"' for x in v),
    "squote": lambda *v: " ".join("'" + _show(x) + "'" for x in v),
    "toYaml": _to_yaml,
    "toJson": lambda v: __import__("json").dumps(v, sort_keys=True),
    "nindent": lambda w, t: "\n" + _indent(w, t),
    "indent": _indent,
    "printf": _printf,
    "print": lambda *v: "".join(_show(x) for x in v),
    "println": lambda *v: " ".join(_show(x) for x in v) + "\n",
    "trunc": lambda n, s: _show(s)[: int(n)] if int(n) >= 0 else _show(s)[int(n) :],
    "trimSuffix": lambda suffix, s: _show(s).removesuffix(suffix),
    "trimPrefix": lambda prefix, s: _show(s).removeprefix(prefix),
    "trim": lambda s: _show(s).strip(),
    "replace": lambda old, new, s: _show(s).replace(old, new),
    "lower": lambda s: _show(s).lower(),
    "upper": lambda s: _show(s).upper(),
    "title": lambda s: _show(s).title(),
    "toString": _show,
    "int": lambda v: int(float(v or 0)),
    "int64": lambda v: int(float(v or 0)),
    "float64": lambda v: float(v or 0),
    "eq": lambda a, *b: any(a == x for x in b),
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "not": lambda v: not _truth(v),
    "empty": lambda v: not _truth(v),
    "and": lambda *v: next((x for x in v if not _truth(x)), v[-1]),
    "or": lambda *v: next((x for x in v if _truth(x)), v[-1]),
    "coalesce": lambda *v: next((x for x in v if _truth(x)), None),
    "ternary": lambda a, b, cond: a if _truth(cond) else b,
    "hasKey": lambda d, k: isinstance(d, dict) and k in d,
    "get": lambda d, k: d.get(k, "") if isinstance(d, dict) else "",
    "index": lambda d, *keys: _index(d, keys),
    "list": lambda *v: list(v),
    "dict": lambda *v: {str(v[i]): v[i + 1] for i in range(0, len(v) - 1, 2)},
    "contains": lambda sub, s: sub in _show(s),
    "hasPrefix": lambda p, s: _show(s).startswith(p),
    "hasSuffix": lambda p, s: _show(s).endswith(p),
    "join": lambda sep, v: sep.join(_show(x) for x in (v or [])),
    "len": lambda v: len(v or ()),
    "b64enc": lambda s: __import__("base64").b64encode(_show(s).encode()).decode(),
    "sha256sum": lambda s: __import__("hashlib").sha256(_show(s).encode()).hexdigest(),
    "semverCompare": lambda constraint, version: True,
    "required": lambda message, value: value,
    "kindIs": lambda kind, v: _kind(v) == kind,
    "typeIs": lambda kind, v: _kind(v) == kind,
    "lookup": lambda *v: {},
    "merge": lambda d, *others: {
        **{k: v for o in reversed(others) for k, v in (o or {}).items()},
        **(d or {}),
    },
    "cat": lambda *v: " ".join(_show(x) for x in v if x is not None),
    "splitList": lambda sep, s: _show(s).split(sep),
    "first": lambda v: v[0] if v else None,
    "last": lambda v: v[-1] if v else None,
    "uniq": lambda v: list(dict.fromkeys(v or [])),
    "keys": lambda d: sorted((d or {}).keys()),
    "add": lambda *v: sum(int(x) for x in v),
    "sub": lambda a, b: int(a) - int(b),
    "kebabcase": lambda s: re.sub(r"(?<!^)(?=[A-Z])", "-", _show(s)).lower(),
    "randAlphaNum": lambda n: "x" * int(n),
    "tuple": lambda *v: list(v),
    "append": lambda seq, v: [*(seq or []), v],
    "prepend": lambda seq, v: [v, *(seq or [])],
    "compact": lambda seq: [x for x in seq or [] if _truth(x)],
    "has": lambda v, seq: v in (seq or []),
    "without": lambda seq, *v: [x for x in seq or [] if x not in v],
    "values": lambda d: [d[k] for k in sorted(d or {})],
    "pick": lambda d, *k: {x: (d or {})[x] for x in k if x in (d or {})},
    "omit": lambda d, *k: {x: y for x, y in (d or {}).items() if x not in k},
    "set": lambda d, k, v: {**(d or {}), k: v},
    "unset": lambda d, k: {x: y for x, y in (d or {}).items() if x != k},
    "deepCopy": lambda v: yaml.safe_load(yaml.safe_dump(v)),
    "mergeOverwrite": lambda d, *others: {
        **(d or {}),
        **{k: v for o in others for k, v in (o or {}).items()},
    },
    "fromYaml": lambda s: yaml.safe_load(_show(s)) or {},
    "fromJson": lambda s: __import__("json").loads(_show(s) or "{}"),
    "sha1sum": lambda s: __import__("hashlib").sha1(_show(s).encode()).hexdigest(),
    "b64dec": lambda s: __import__("base64").b64decode(_show(s)).decode("utf-8", "replace"),
    "regexReplaceAll": lambda pattern, s, repl: re.sub(pattern, repl.replace("$", "\\"), _show(s)),
    "regexMatch": lambda pattern, s: re.search(pattern, _show(s)) is not None,
    "until": lambda n: list(range(int(n))),
    "trimAll": lambda chars, s: _show(s).strip(chars),
    "nospace": lambda s: re.sub(r"\s", "", _show(s)),
    "snakecase": lambda s: re.sub(r"(?<!^)(?=[A-Z])", "_", _show(s)).lower(),
    "toStrings": lambda seq: [_show(x) for x in seq or []],
    "mul": lambda *v: __import__("math").prod(int(x) for x in v),
    "div": lambda a, b: int(a) // int(b),
    "mod": lambda a, b: int(a) % int(b),
    "max": lambda *v: max(int(x) for x in v),
    "min": lambda *v: min(int(x) for x in v),
    "fail": lambda message: (_ for _ in ()).throw(ValueError(f"fail: {message}")),
}


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "slice"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "int" if isinstance(value, int) else "float64"
    return "string" if isinstance(value, str) else "invalid"


def _index(value: Any, keys: tuple[Any, ...]) -> Any:
    for key in keys:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
            value = value[key]
        else:
            return None
    return value


@dataclass(slots=True)
class Renderer:
    """Renders templates of one chart; ``defines`` are shared by all its templates (``_helpers.tpl``)."""

    defines: dict[str, list[_Node]] = field(default_factory=dict)
    depth: int = 0

    def load(self, source: str, template: str) -> list[_Node]:
        nodes, defines = _parse(source, template)
        self.defines.update(defines)
        return nodes

    def render(self, nodes: list[_Node], dot: Any, template: str) -> list[tuple[str, int]]:
        """Output chunks with the template line each starts at."""
        out: list[tuple[str, int]] = []
        self._run(nodes, dot, [{"$": dot}], out, template)
        return out

    # -- execution ----------------------------------------------------------------------
    def _run(
        self,
        nodes: list[_Node],
        dot: Any,
        scopes: list[dict[str, Any]],
        out: list[tuple[str, int]],
        template: str,
    ) -> None:
        for node in nodes:
            if node.kind == "text":
                out.append((node.text, node.line))
            elif node.kind == "action":
                value = self._pipeline(node.text, dot, scopes, template, node.line, assign=True)
                if value is not _ASSIGNED:
                    out.append((_show(value), -node.line))
            elif node.kind == "template":
                parts = _tokens(node.text, template, node.line)
                name = str(_literal(parts[0]))
                arg = self._pipeline(
                    node.text[len(parts[0]) :].strip() or "", dot, scopes, template, node.line
                )
                out.append((self._include(name, arg, template, node.line), -node.line))
            elif node.kind == "if":
                for condition, body in node.branches:
                    inner = [*scopes, {}]
                    if _truth(self._pipeline(condition, dot, inner, template, node.line, assign=True)):
                        self._run(body, dot, inner, out, template)
                        break
                else:
                    self._run(node.otherwise, dot, [*scopes, {}], out, template)
            elif node.kind == "with":
                condition, body = node.branches[0]
                inner = [*scopes, {}]
                value = self._pipeline(condition, dot, inner, template, node.line, assign=True)
                if _truth(value):
                    self._run(body, value, inner, out, template)
                else:
                    self._run(node.otherwise, dot, [*scopes, {}], out, template)
            elif node.kind == "range":
                self._range(node, dot, scopes, out, template)

    def _range(
        self, node: _Node, dot: Any, scopes: list[dict[str, Any]], out: list[tuple[str, int]], template: str
    ) -> None:
        spec, body = node.branches[0]
        names: list[str] = []
        if ":=" in spec:
            head, spec = spec.split(":=", 1)
            names = [n.strip() for n in head.split(",")]
        value = self._pipeline(spec.strip(), dot, scopes, template, node.line)
        if isinstance(value, dict):
            items: list[tuple[Any, Any]] = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, (list, tuple)):
            items = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [(i, i) for i in range(value)]
        else:
            items = []
        if not items:
            self._run(node.otherwise, dot, [*scopes, {}], out, template)
        for key, item in items:
            scope: dict[str, Any] = {}
            if len(names) == 1:
                scope[names[0]] = item
            elif len(names) == 2:
                scope[names[0]], scope[names[1]] = key, item
            self._run(body, item, [*scopes, scope], out, template)

    def _include(self, name: str, dot: Any, template: str, line: int) -> str:
        if name not in self.defines:
            raise RenderError(template, line, f"template {name!r} is not defined")
        if self.depth > 40:
            raise RenderError(template, line, f"template {name!r} includes itself too deeply")
        self.depth += 1
        try:
            return "".join(text for text, _ in self.render(self.defines[name], dot, template))
        finally:
            self.depth -= 1

    def _pipeline(
        self,
        text: str,
        dot: Any,
        scopes: list[dict[str, Any]],
        template: str,
        line: int,
        assign: bool = False,
    ) -> Any:
        tokens = _tokens(text, template, line)
        if assign and len(tokens) > 2 and tokens[0].startswith("$") and tokens[1] in (":=", "="):
            value = self._evaluate(tokens[2:], dot, scopes, template, line)
            if tokens[1] == ":=":
                scopes[-1][tokens[0]] = value
            else:
                for scope in reversed(scopes):
                    if tokens[0] in scope:
                        scope[tokens[0]] = value
                        break
                else:
                    scopes[-1][tokens[0]] = value
            return _ASSIGNED
        return self._evaluate(tokens, dot, scopes, template, line)

    def _evaluate(
        self, tokens: list[str], dot: Any, scopes: list[dict[str, Any]], template: str, line: int
    ) -> Any:
        commands: list[list[Any]] = [[]]
        depth = 0
        group: list[str] = []
        for token in tokens:
            if depth:
                if token == "(":
                    depth += 1
                elif token == ")":
                    depth -= 1
                    if depth == 0:
                        commands[-1].append(_Group(group))
                        group = []
                        continue
                group.append(token)
            elif token == "(":
                depth = 1
            elif token == "|":
                commands.append([])
            else:
                commands[-1].append(token)
        if depth:
            raise RenderError(template, line, "unbalanced parentheses")
        value: Any = _NOTHING
        for command in commands:
            value = self._command(command, value, dot, scopes, template, line)
        return None if value is _NOTHING else value

    def _argument(self, token: Any, dot: Any, scopes: list[dict[str, Any]], template: str, line: int) -> Any:
        if isinstance(token, _Group):
            return self._evaluate(token.tokens, dot, scopes, template, line)
        if token.startswith(('"', "`")):
            return _literal(token)
        if re.fullmatch(r"-?\d+", token):
            return int(token)
        if re.fullmatch(r"-?\d+\.\d+", token):
            return float(token)
        if token in ("true", "false"):
            return token == "true"
        if token == "nil":
            return None
        if token.startswith("$"):
            name, _, path = token.partition(".")
            for scope in reversed(scopes):
                if name in scope:
                    return _field(scope[name], path)
            raise RenderError(template, line, f"undefined variable {name}")
        if token.startswith("."):
            return _field(dot, token[1:])
        if token in FUNCTIONS or token in ("include", "tpl"):
            return self._command([token], _NOTHING, dot, scopes, template, line)
        raise RenderError(template, line, f"function {token!r} is not supported")

    def _command(
        self, command: list[Any], piped: Any, dot: Any, scopes: list[dict[str, Any]], template: str, line: int
    ) -> Any:
        if not command:
            raise RenderError(template, line, "empty command")
        head = command[0]
        args = [self._argument(a, dot, scopes, template, line) for a in command[1:]]
        if piped is not _NOTHING:
            args.append(piped)
        if isinstance(head, str) and head in ("include", "tpl"):
            if len(args) != 2:
                raise RenderError(template, line, f"{head} takes two arguments")
            if head == "include":
                return self._include(str(args[0]), args[1], template, line)
            nodes = self.load(_show(args[0]), template)
            return "".join(text for text, _ in self.render(nodes, args[1], template))
        if isinstance(head, str) and head in FUNCTIONS:
            try:
                return FUNCTIONS[head](*args)
            except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
                raise RenderError(template, line, f"{head}: {exc}") from exc
        value = self._argument(head, dot, scopes, template, line)
        if isinstance(head, _Group) and all(isinstance(t, str) and t.startswith(".") for t in command[1:]):
            for token in command[1:]:  # (pipeline).field
                value = _field(value, token[1:])
            return value
        if callable(value):
            return value(*args)
        if args:
            raise RenderError(template, line, f"{head} is not a function")
        return value


class _Group:
    __slots__ = ("tokens",)

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens


_NOTHING = object()
_ASSIGNED = object()


def _field(value: Any, path: str) -> Any:
    for part in [p for p in path.split(".") if p]:
        if isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def _tokens(text: str, template: str, line: int) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            if text[position:].strip() == "":
                break
            raise RenderError(template, line, f"cannot read {text[position : position + 30]!r}")
        token = next(g for g in match.groups() if g is not None)
        tokens.append(token)
        position = match.end()
    return tokens


def line_map(chunks: list[tuple[str, int]]) -> tuple[str, list[int]]:
    """The rendered text and, per output line (0-based), the template line it comes from. A chunk
    with a negative line is an action's output: all its lines point at the action."""
    lines: list[int] = []
    at_line_start = True
    for chunk, start in chunks:
        advance = start > 0
        line = abs(start)
        for index, segment in enumerate(chunk.split("\n")):
            if index > 0:
                if at_line_start:
                    lines.append(line)
                at_line_start = True
                line += 1 if advance else 0
            if segment and at_line_start:
                lines.append(line)
                at_line_start = False
    return "".join(chunk for chunk, _ in chunks), lines
