""".NET Aspire AppHost: the deployment model of current .NET, read from its C# without running it.

In a C# file that builds a distributed application (``DistributedApplication.CreateBuilder``), each
statement is read as a chain on one resource: ``AddProject<Projects.X>("name")`` (also
``AddNpmApp`` / ``AddContainer`` / ``AddDockerfile`` / ``AddExecutable``) declares a service;
``AddPostgres`` / ``AddSqlServer`` / ``AddMySql`` / ``AddMongoDB`` / ``AddRedis`` / ``AddValkey`` /
``AddRabbitMQ`` / ``AddKafka`` / ``AddNats`` / ``AddElasticsearch`` declare a datastore or broker and
``.AddDatabase("db")`` a database in it. ``.WithReference(x)`` connects a service to the database,
datastore or broker ``x`` (or calls the service ``x``); ``.WaitFor(x)`` is a start-up dependency.
Resources are followed through ``var`` names across statements (``var db = pg.AddDatabase("ordersdb");``).
Names are the resource names Aspire gives them (the first string argument).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from analyzer.extract.facts import (
    Call,
    Connection,
    ConnectionInfo,
    DatastoreDecl,
    DependsOn,
    ExtractResult,
    FileContext,
    ServiceDecl,
    Value,
)
from analyzer.model import Evidence, Location, SourceKind

NAME = "aspire"

STORES = {
    "AddPostgres": ("postgresql", "datastore"),
    "AddSqlServer": ("sqlserver", "datastore"),
    "AddMySql": ("mysql", "datastore"),
    "AddMongoDB": ("mongodb", "datastore"),
    "AddRedis": ("redis", "datastore"),
    "AddValkey": ("valkey", "datastore"),
    "AddGarnet": ("redis", "datastore"),
    "AddOracle": ("oracle", "datastore"),
    "AddElasticsearch": ("elasticsearch", "datastore"),
    "AddRabbitMQ": ("rabbitmq", "broker"),
    "AddKafka": ("kafka", "broker"),
    "AddNats": ("nats", "broker"),
}
SERVICES = ("AddProject", "AddNpmApp", "AddContainer", "AddDockerfile", "AddExecutable", "AddNodeApp")
_CALL = re.compile(r"\.?\b(?P<method>Add\w+|WithReference|WaitFor|WaitForCompletion)\s*(?:<[^>]*>)?\s*\(")
_STRING = re.compile(r'^\s*"(?P<value>[^"]*)"')
_ARG_NAME = re.compile(r"^\s*(?P<name>[A-Za-z_]\w*)\s*[,)]")


@dataclass(frozen=True, slots=True)
class _Resource:
    kind: str  # service | store | database
    name: str
    technology: str = ""
    role: str = ""
    store: str = ""


def wants(path: str) -> bool:
    return path.endswith(".cs")


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if "DistributedApplication" not in text or ("AddProject" not in text and "Add" not in text):
        return result
    variables: dict[str, _Resource] = {}
    projects = _referenced_projects(ctx)
    position = 0
    for statement in re.split(r"(?<=;)", text):
        offset = position
        position += len(statement)
        code = re.sub(r"//[^\n]*", lambda m: " " * len(m.group(0)), statement)
        assigned = re.match(r"\s*(?:var\s+|[\w<>.]+\s+)?(?P<var>[A-Za-z_]\w*)\s*=(?!=)", code)
        subject: _Resource | None = None
        rhs = code[assigned.end() :] if assigned else code
        start = re.match(r"\s*(?:await\s+)?(?P<var>[A-Za-z_]\w*)\s*\.", rhs)
        if start and start.group("var") in variables:
            subject = variables[start.group("var")]
        for match in _CALL.finditer(code):
            method = match.group("method")
            line = text.count("\n", 0, offset + match.start()) + 1
            evidence = Evidence(SourceKind.CODE, Location(ctx.path, line), f"aspire {method}")
            rest = code[match.end() :]
            literal = _STRING.match(rest)
            if method in SERVICES and literal:
                subject = _Resource("service", literal.group("value"))
                root = _project_root(code, ctx) or projects.get(_project_type(rest, code, match.start()), "")
                result.facts.append(ServiceDecl(subject.name, evidence, root=root))
            elif method in STORES and literal:
                technology, role = STORES[method]
                subject = _Resource("store", literal.group("value"), technology, role)
                result.facts.append(DatastoreDecl(subject.name, technology, evidence, role=role))
            elif method == "AddDatabase" and literal and subject is not None and subject.kind == "store":
                store = subject
                subject = _Resource(
                    "database", literal.group("value"), store.technology, store.role, store.name
                )
                result.facts.append(
                    DatastoreDecl(
                        store.name, store.technology, evidence, role=store.role, databases=(subject.name,)
                    )
                )
            elif method in ("WithReference", "WaitFor", "WaitForCompletion") and subject is not None:
                argument = _ARG_NAME.match(rest)
                target = variables.get(argument.group("name")) if argument else None
                if target is None or subject.kind != "service":
                    continue
                _reference(subject, target, method, evidence, result)
        if assigned and subject is not None:
            variables[assigned.group("var")] = subject
    return result


def _reference(
    subject: _Resource, target: _Resource, method: str, evidence: Evidence, result: ExtractResult
) -> None:
    if method != "WithReference":
        name = target.store if target.kind == "database" else target.name
        result.facts.append(DependsOn(subject.name, name, evidence))
    elif target.kind == "service":
        result.facts.append(Call(subject.name, Value(target.name, "discovery"), evidence, protocol="http"))
    else:
        store = target.store if target.kind == "database" else target.name
        database = target.name if target.kind == "database" else ""
        info = ConnectionInfo(target.technology, (store,), None, database, raw_scheme="aspire")
        result.facts.append(Connection(subject.name, info, evidence, "literal"))


def _project_type(rest: str, code: str, start: int) -> str:
    """``Catalog.Api`` for ``AddProject<Projects.Catalog_Api>``: Aspire names the generated type after
    the project with dots turned into underscores."""
    match = re.match(r"AddProject\s*<\s*Projects\.(?P<type>\w+)\s*>", code[start:].lstrip("."))
    return match.group("type").lower() if match else ""


def _referenced_projects(ctx: FileContext) -> dict[str, str]:
    """Generated project type (lower case, ``.`` → ``_``) → project folder, from the AppHost's
    ``.csproj`` ``ProjectReference`` items beside the file (read inside the repository only)."""
    folder = posixpath.dirname(ctx.path)
    base = Path(ctx.root) / folder
    found: dict[str, str] = {}
    try:
        csprojs = sorted(base.glob("*.csproj"))
        for csproj in csprojs:
            text = csproj.read_text(encoding="utf-8-sig", errors="replace")
            for match in re.finditer(r'ProjectReference\s+Include="(?P<path>[^"]+)"', text):
                path = match.group("path").replace("\\", "/")
                project = posixpath.splitext(posixpath.basename(path))[0]
                target = posixpath.normpath(posixpath.join(folder, posixpath.dirname(path)))
                if not target.startswith(".."):
                    found[project.replace(".", "_").replace("-", "_").lower()] = (
                        "" if target == "." else target
                    )
    except OSError:
        return found
    return found


def _project_root(code: str, ctx: FileContext) -> str:
    """The project folder of ``AddProject("name", "../Orders/Orders.csproj")`` when the path is given."""
    match = re.search(r'AddProject\s*\(\s*"[^"]*"\s*,\s*@?"(?P<path>[^"]+\.csproj)"', code)
    if not match:
        return ""
    folder = posixpath.normpath(
        posixpath.join(posixpath.dirname(ctx.path), posixpath.dirname(match.group("path")))
    )
    return "" if folder.startswith("..") else folder
