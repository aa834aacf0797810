"""ASP.NET Core configuration: ``appsettings.json`` and ``appsettings.<Environment>.json``.

The environment in the file name is the profile (``appsettings.Docker.json`` → ``docker``); the
deployment selects it with ``ASPNETCORE_ENVIRONMENT`` / ``DOTNET_ENVIRONMENT``. Read:
``ConnectionStrings:*`` and a top-level ``ConnectionString`` (ADO.NET or Npgsql keyword strings,
URLs), other settings whose value is a URL or a datastore host (``EventBusConnection``), and literal
passwords. Evidence details use the environment-variable form of the key
(``ConnectionStrings__Orders``), because that is how a deployment overrides it.
"""

from __future__ import annotations

import posixpath
import re

from analyzer.extract.connstr import parse_connection_string
from analyzer.extract.envfacts import classify
from analyzer.extract.facts import Connection, ExtractResult, FileContext, Setting
from analyzer.extract.yamlsrc import LineDict, YamlError, flatten, load
from analyzer.model import Diagnostic, DiagnosticLevel, Evidence, Location, SourceKind

NAME = "dotnet"
_FILE = re.compile(r"^appsettings(\.(?P<env>[\w-]+))?\.json$", re.I)


def wants(path: str) -> bool:
    return bool(_FILE.match(posixpath.basename(path)))


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if not ctx.service:
        return result
    match = _FILE.match(posixpath.basename(ctx.path))
    profile = (match.group("env") or "").lower() if match else ""
    try:
        data = load(text, ctx.path)
    except YamlError as exc:
        result.diagnostics.append(
            Diagnostic(ctx.path, exc.line, DiagnosticLevel.ERROR, f"invalid JSON: {exc}")
        )
        return result
    if not isinstance(data, LineDict):
        return result
    entries = list(flatten(data, "__"))
    siblings = {re.sub(r"[^A-Za-z0-9]+", "_", k).upper(): v for k, v, _ in entries}
    for key, value, line in entries:
        evidence = Evidence(SourceKind.CONFIG, Location(ctx.path, line), key, 1, profile)
        # Every key, for code that reads it (IConfiguration["A:B"], IOptions<T>): resolve/configjoin.
        result.facts.append(Setting(ctx.service, key, value, evidence))
        lowered = key.lower()
        if (
            lowered.startswith("connectionstrings__")
            or lowered == "connectionstring"
            or lowered.endswith("__connectionstring")
        ):
            info = parse_connection_string(value, "")
            if info is not None and info.hosts:
                result.facts.append(Connection(ctx.service, info, evidence, "config"))
            continue
        if re.search(r"(clientsecret|secret|apikey)$", lowered) and not re.search(r"[<${]", value):
            continue
        result.facts.extend(classify(ctx.service, key, value, evidence, siblings, set(), literal=True))
    return result
