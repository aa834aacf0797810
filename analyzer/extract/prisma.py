"""Prisma ``schema.prisma``: the models a service owns, and its datasource.

A line scanner (Prisma's schema language has no tree-sitter wheel here): ``model Name {`` ...
``}`` blocks become ``TableAccess(action="owns")`` on the table name (``@@map("orders")`` wins over
the model name, as Prisma maps it); ``datasource db { provider = "postgresql" url = ... }`` becomes a
``Connection`` (``env("DATABASE_URL")`` has host origin ``env``). Unclosed blocks get a diagnostic.
"""

from __future__ import annotations

import re

from analyzer.extract.connstr import parse_connection_string
from analyzer.extract.facts import Connection, ConnectionInfo, ExtractResult, FileContext, TableAccess
from analyzer.model import Diagnostic, DiagnosticLevel, Evidence, Location, SourceKind

NAME = "prisma"

_BLOCK = re.compile(r"^\s*(model|datasource)\s+(\w+)\s*\{")
_MAP = re.compile(r'^\s*@@map\(\s*(?:name\s*:\s*)?"([^"]+)"')
_SETTING = re.compile(r'^\s*(provider|url)\s*=\s*(env\(\s*"([^"]+)"\s*\)|"([^"]*)")')
_COMMENT = re.compile(r"(^|\s)//.*$")  # not the // of a URL
_PROVIDERS = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "sqlserver": "sqlserver",
    "mongodb": "mongodb",
    "sqlite": "sqlite",
    "cockroachdb": "cockroachdb",
}


def wants(path: str) -> bool:
    return path.rsplit("/", 1)[-1].endswith(".prisma")


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    block: tuple[str, str, int] | None = None  # (kind, name, line)
    table = ""
    settings: dict[str, tuple[str, str]] = {}  # key -> (literal, env var)
    for number, line in enumerate(text.splitlines(), start=1):
        code = _COMMENT.sub("", line)
        if block is None:
            opened = _BLOCK.match(code)
            if opened:
                block, table, settings = (opened.group(1), opened.group(2), number), opened.group(2), {}
            continue
        mapped = _MAP.match(code)
        if mapped:
            table = mapped.group(1)
        setting = _SETTING.match(code)
        if setting:
            settings[setting.group(1)] = (setting.group(4) or "", setting.group(3) or "")
        if code.strip() == "}":
            kind, _, start = block
            evidence = Evidence(SourceKind.CODE, Location(ctx.path, start), f"prisma {kind}")
            if kind == "model":
                result.facts.append(TableAccess(ctx.service, table, "owns", evidence))
            else:
                result.facts.append(_datasource(ctx.service, settings, evidence))
            block = None
    if block is not None:
        result.diagnostics.append(
            Diagnostic(
                ctx.path, block[2], DiagnosticLevel.WARNING, f"prisma {block[0]} {block[1]} is not closed"
            )
        )
    return result


def _datasource(service: str, settings: dict[str, tuple[str, str]], evidence: Evidence) -> Connection:
    technology = _PROVIDERS.get(settings.get("provider", ("", ""))[0], "")
    url, variable = settings.get("url", ("", ""))
    info = parse_connection_string(url, technology) if url else None
    if info is None:
        info = ConnectionInfo(technology=technology)
    return Connection(service, info, evidence, "env" if variable else "literal")
