"""Protocol Buffers service definitions: which gRPC services (and methods) a service declares.

A ``.proto`` file of a service says it *serves* ``package.Service``; the resolver matches gRPC
stubs in other services' code to it. Facts: ``Marker(service, "grpc_service", "pkg.Service")`` at the
``service`` keyword and ``Marker(service, "grpc_method", "pkg.Service/Method")`` at each ``rpc``.

A small tokenizer (comments, strings, words, punctuation) is enough: the grammar parts we need are
``package x.y;``, ``service Name { ... }`` and ``rpc Name(...)`` inside it. Options, messages and
imports are skipped. A file that ends inside a comment, a string or a service block still yields
what came before, plus a warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from analyzer.extract.facts import ExtractResult, FileContext, Marker
from analyzer.model import Diagnostic, DiagnosticLevel, Evidence, Location, SourceKind

NAME = "proto"


@dataclass(frozen=True, slots=True)
class Token:
    """A word (identifiers, dotted names, numbers), a string, or one punctuation character;
    ``line``/``column`` are 1-based."""

    text: str
    line: int
    column: int


class ProtoSyntaxError(ValueError):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def wants(path: str) -> bool:
    return path.endswith(".proto")


def tokenize(text: str) -> Iterator[Token]:
    """Tokens of a ``.proto`` source, comments dropped. Raises :class:`ProtoSyntaxError` at the end
    of an unterminated comment or string (after yielding every token before it)."""
    i, line, line_start, n = 0, 1, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line, line_start, i = line + 1, i + 1, i + 1
        elif ch.isspace():
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ProtoSyntaxError("unterminated comment", line)
            for offset in range(i, end):
                if text[offset] == "\n":
                    line, line_start = line + 1, offset + 1
            i = end + 2
        elif ch in "\"'":
            start, column = i, i - line_start + 1
            i += 1
            while i < n and text[i] != ch and text[i] != "\n":
                i += 2 if text[i] == "\\" else 1
            if i >= n or text[i] != ch:
                raise ProtoSyntaxError("unterminated string", line)
            i += 1
            yield Token(text[start:i], line, column)
        elif ch.isalnum() or ch in "_.":
            start = i
            while i < n and (text[i].isalnum() or text[i] in "_."):
                i += 1
            yield Token(text[start:i], line, start - line_start + 1)
        else:
            yield Token(ch, line, i - line_start + 1)
            i += 1


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    package = ""
    service = ""  # the service block we are in, qualified
    depth = 0  # brace depth inside the current service block
    service_line = 0
    previous: list[Token] = []

    def evidence(token: Token, detail: str) -> Evidence:
        return Evidence(SourceKind.CODE, Location(ctx.path, token.line, token.column), detail)

    def qualify(name: str) -> str:
        return f"{package}.{name}" if package else name

    tokens = tokenize(text)
    try:
        for token in tokens:
            previous.append(token)
            if len(previous) > 3:
                previous.pop(0)
            if not service:
                if len(previous) >= 2 and previous[-2].text == "package" and depth == 0:
                    package = token.text.strip(".")
                elif len(previous) >= 2 and previous[-2].text == "service" and _is_name(token.text):
                    service, service_line = qualify(token.text), previous[-2].line
                    result.facts.append(
                        Marker(ctx.service, "grpc_service", service, evidence(previous[-2], "proto service"))
                    )
                continue
            if token.text == "{":
                depth += 1
            elif token.text == "}":
                depth -= 1
                if depth == 0:
                    service = ""
            elif depth == 1 and len(previous) >= 2 and previous[-2].text == "rpc" and _is_name(token.text):
                result.facts.append(
                    Marker(
                        ctx.service,
                        "grpc_method",
                        f"{service}/{token.text}",
                        evidence(previous[-2], "proto rpc"),
                    )
                )
    except ProtoSyntaxError as error:
        result.diagnostics.append(
            Diagnostic(ctx.path, error.line, DiagnosticLevel.WARNING, f"proto: {error}")
        )
        return result
    if service:
        result.diagnostics.append(
            Diagnostic(
                ctx.path, service_line, DiagnosticLevel.WARNING, f"proto: service {service} is not closed"
            )
        )
    return result


def _is_name(text: str) -> bool:
    return bool(text) and (text[0].isalpha() or text[0] == "_") and "." not in text
