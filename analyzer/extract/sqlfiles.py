"""SQL files under a service: schema ownership, data access and schema changes.

``CREATE TABLE`` / ``CREATE VIEW`` (and DDL on a table: ``ALTER``, ``CREATE INDEX``) → the
service ``owns`` it; DML → ``reads`` / ``writes``; a foreign key to a table → ``reads`` with
detail ``foreign key`` (a cross-service foreign key is cross-service data access). The dialect
is that of the service's main datastore. Schema changes become :class:`Migration` facts with the
change kinds rules read (``drop_table``, ``drop_column``, ``rename_table``, ``rename_column``,
``narrow_type`` for any column type change, ``add_not_null_without_default`` on a table this
file does not create).

The migration tool is read from the layout: Flyway ``V<version>__<name>.sql`` (``R__`` repeatable,
``U`` undo ignored), golang-migrate ``<n>_<name>.up.sql`` (``.down.sql`` is the rollback and is
ignored), Liquibase formatted SQL (``--liquibase formatted sql``), and files under a
``migrations`` folder that follow none of these (``plain``, which is not a tool). Unparseable
statements are reported once per file with the first failing line; the rest is still read.
"""

from __future__ import annotations

import posixpath
import re

from sqlglot import exp

from analyzer.extract.facts import ExtractResult, FileContext, Marker, Migration, TableAccess
from analyzer.extract.sqltables import SqlStatementFacts, analyze_sql, dialect_for
from analyzer.model import Diagnostic, DiagnosticLevel, Evidence, Location, SourceKind

NAME = "sqlfiles"

_FLYWAY = re.compile(r"^(V|R)(?P<version>[\d._]*)__.+\.sql$", re.I)
_FLYWAY_UNDO = re.compile(r"^U[\d._]+__.+\.sql$", re.I)
_GOMIGRATE = re.compile(r"^(?P<version>\d+)_.+\.(up|down)\.sql$", re.I)


def wants(path: str) -> bool:
    return path.lower().endswith(".sql")


def migration_tool(path: str, text: str) -> tuple[str, str]:
    """``(tool, version)`` from the file's name and first line; tool ``""`` for plain SQL."""
    name = posixpath.basename(path)
    head = text.lstrip()[:200].lower()
    if head.startswith("--liquibase formatted sql"):
        return "liquibase", ""
    flyway = _FLYWAY.match(name)
    if flyway:
        return "flyway", flyway.group("version")
    gomigrate = _GOMIGRATE.match(name)
    if gomigrate:
        return "golang-migrate", gomigrate.group("version")
    return "", ""


def _is_rollback(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return name.endswith(".down.sql") or bool(_FLYWAY_UNDO.match(name)) or "/rollback" in path.lower()


def _changes(facts: SqlStatementFacts, created_here: set[str]) -> list[tuple[str, str, str]]:
    """(change, table, column) for the schema changes of one statement."""
    tree = facts.statement
    out: list[tuple[str, str, str]] = []
    if facts.kind.startswith("create_table"):
        out.extend(("create_table", t, "") for t in facts.creates)
    elif facts.kind == "drop_table":
        out.extend(("drop_table", t, "") for t in facts.alters)
    elif isinstance(tree, exp.Alter) and facts.alters:
        table = facts.alters[0]
        for action in tree.args.get("actions") or []:
            if isinstance(action, exp.Drop) and str(action.args.get("kind") or "").upper() == "COLUMN":
                for column in action.args.get("tables") or [action.this]:
                    out.append(("drop_column", table, getattr(column, "name", "")))
            elif isinstance(action, exp.RenameColumn):
                out.append(("rename_column", table, action.this.name if action.this else ""))
            elif isinstance(action, exp.AlterRename):
                out.append(("rename_table", table, ""))
            elif isinstance(action, exp.AlterColumn) and action.args.get("dtype") is not None:
                out.append(("narrow_type", table, action.this.name if action.this else ""))
            elif isinstance(action, exp.ColumnDef):
                constraints = [c.args.get("kind") for c in action.args.get("constraints") or []]
                not_null = any(
                    isinstance(k, exp.NotNullColumnConstraint) and not k.args.get("allow_null")
                    for k in constraints
                )
                has_default = any(isinstance(k, exp.DefaultColumnConstraint) for k in constraints)
                if not_null and not has_default and table not in created_here:
                    out.append(("add_not_null_without_default", table, action.name))
                else:
                    out.append(("add_column", table, action.name))
    return out


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if _is_rollback(ctx.path) or not ctx.service:
        return result
    tool, version = migration_tool(ctx.path, text)
    statements = analyze_sql(text, dialect_for(ctx.technology))

    def evidence(line: int, detail: str, column: int = 1) -> Evidence:
        return Evidence(SourceKind.SQL, Location(ctx.path, line, column), detail)

    def at(facts: SqlStatementFacts, table: str, detail: str) -> Evidence:
        line, column = facts.position(table)
        return evidence(line, detail, column)

    if tool:
        result.facts.append(
            Marker(ctx.service, "migration_tool", tool, evidence(1, f"migration_tool {tool}"))
        )
    failures = [s for s in statements if s.error]
    if failures:
        first = failures[0]
        result.diagnostics.append(
            Diagnostic(
                ctx.path,
                first.line,
                DiagnosticLevel.WARNING,
                f"{len(failures)} SQL statement(s) not understood ({first.error}); "
                "the rest of the file was read",
            )
        )
    created_here: set[str] = set()
    for facts in statements:
        if facts.error:
            continue
        line = facts.line
        created_here.update(facts.creates)
        for table in facts.creates:
            result.facts.append(
                TableAccess(ctx.service, table, "owns", evidence(line, facts.kind.upper().replace("_", " ")))
            )
        for table in facts.alters:
            if facts.kind != "drop_table":
                result.facts.append(
                    TableAccess(ctx.service, table, "owns", evidence(line, facts.kind.replace("_", " ")))
                )
        for table in facts.references:
            result.facts.append(TableAccess(ctx.service, table, "reads", at(facts, table, "foreign key")))
        for table in facts.reads:
            result.facts.append(TableAccess(ctx.service, table, "reads", at(facts, table, facts.kind)))
        for table in facts.writes:
            result.facts.append(TableAccess(ctx.service, table, "writes", at(facts, table, facts.kind)))
        for change, table, column in _changes(facts, created_here):
            result.facts.append(
                Migration(
                    ctx.service, table, change, tool or "plain", evidence(line, change), column, version
                )
            )
    return result
