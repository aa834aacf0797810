"""SQL files under a service: schema ownership, data access and schema changes.

``CREATE TABLE`` / ``CREATE VIEW`` (and DDL on a table: ``ALTER``, ``CREATE INDEX``) → the
service ``owns`` it; DML → ``reads`` / ``writes``; a foreign key to a table → ``reads`` with
detail ``foreign key`` (a cross-service foreign key is cross-service data access). The dialect
is that of the service's main datastore. Schema changes become :class:`Migration` facts with the
change kinds rules read (``drop_table``, ``drop_column``, ``rename_table``, ``rename_column``,
``narrow_type``, ``add_not_null_without_default`` on a table this file does not create).
Versioned files are read against the schema their earlier versions built
(:mod:`analyzer.extract.schema_history`, in version order): a type change is ``narrow_type``
unless the old type is known and the new one holds all its values (``varchar(32) → text`` is not),
and ``SET NOT NULL`` on a column already NOT NULL is nothing.

The migration tool is read from the layout: Flyway ``V<version>__<name>.sql`` (``R__`` repeatable,
``U`` undo ignored), golang-migrate ``<n>_<name>.up.sql`` (``.down.sql`` is the rollback and is
ignored), Liquibase formatted SQL (``--liquibase formatted sql``), and files under a
``migrations`` folder that follow none of these (``plain``, which is not a tool). Unparseable
statements are reported once per file with the first failing line; the rest is still read.
A login created or changed with a literal password (``CREATE USER ... IDENTIFIED BY '...'``) is a
:class:`~analyzer.extract.facts.Credential` (:mod:`analyzer.extract.sqlcreds`), in any SQL file.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable

from sqlglot import exp

from analyzer.extract.facts import ExtractResult, Fact, FileContext, Marker, Migration, TableAccess
from analyzer.extract.schema_history import Schema, apply, narrows, schema_before
from analyzer.extract.sqlcreds import sql_credentials
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
        # Flyway reads ``_`` in a version as ``.`` (V1_1 is 1.1); R__ repeatables have no version.
        return "flyway", flyway.group("version").replace("_", ".")
    gomigrate = _GOMIGRATE.match(name)
    if gomigrate:
        return "golang-migrate", gomigrate.group("version")
    return "", ""


def _is_rollback(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return name.endswith(".down.sql") or bool(_FLYWAY_UNDO.match(name)) or "/rollback" in path.lower()


def _name(node: object) -> str:
    return str(getattr(node, "name", "") or "")


def _not_null(constraints: list[exp.Expression]) -> tuple[bool, bool]:
    """(NOT NULL, has DEFAULT) among a column definition's constraints."""
    kinds = [c.args.get("kind") for c in constraints]
    not_null = any(isinstance(k, exp.NotNullColumnConstraint) and not k.args.get("allow_null") for k in kinds)
    return not_null, any(isinstance(k, exp.DefaultColumnConstraint) for k in kinds)


def _rename_command(facts: SqlStatementFacts) -> list[tuple[str, str, str]]:
    """MySQL ``RENAME TABLE a TO b`` and T-SQL ``sp_rename``, which sqlglot does not model."""
    tree = facts.statement
    if isinstance(tree, exp.Command) and str(tree.this).upper() == "RENAME":
        rest = str(tree.expression.name if isinstance(tree.expression, exp.Literal) else tree.expression)
        return [
            ("rename_table", old.strip('`"').lower(), "")
            for old in re.findall(r"(?i)(?:^|,)\s*(?:TABLE\s+)?([\w.`\"]+)\s+TO\s", rest)
        ]
    if type(tree).__name__ == "Execute" and tree is not None and _name(tree.this).lower() == "sp_rename":
        args = [a.name for a in tree.expressions if isinstance(a, exp.Literal)]
        if len(args) >= 3 and args[2].upper() == "COLUMN":
            table, _, column = args[0].rpartition(".")
            return [("rename_column", table.lower(), column.lower())]
        if args:
            return [("rename_table", args[0].lower(), "")]
    return []


def _changes(facts: SqlStatementFacts, created_here: set[str], schema: Schema) -> list[tuple[str, str, str]]:
    """(change, table, column) for the schema changes of one statement.

    ``created_here`` holds the tables created earlier in the same file: adding a NOT NULL column
    without a default to those is safe (they are empty), so it is ``add_column`` there.
    ``schema`` is what earlier versions built: a type change is ``narrow_type`` unless the old type
    is known and the new one holds all its values; NOT NULL on a column already NOT NULL is nothing.
    """
    tree = facts.statement
    out: list[tuple[str, str, str]] = []
    if facts.kind.startswith("create_table"):
        out.extend(("create_table", t, "") for t in facts.creates)
    elif facts.kind == "drop_table":
        out.extend(("drop_table", t, "") for t in facts.alters)
    elif isinstance(tree, exp.Alter) and facts.alters:
        table = facts.alters[0]
        existing = table not in created_here
        known = schema.get(table, {})
        for action in tree.args.get("actions") or []:
            if isinstance(action, exp.Drop) and str(action.args.get("kind") or "").upper() == "COLUMN":
                for column in action.args.get("tables") or [action.this]:
                    out.append(("drop_column", table, _name(column)))
            elif isinstance(action, exp.RenameColumn):
                out.append(("rename_column", table, _name(action.this)))
            elif isinstance(action, exp.AlterRename):
                out.append(("rename_table", table, ""))
            elif isinstance(action, exp.AlterColumn):
                column = _name(action.this)
                before = known.get(column.lower())
                dtype = action.args.get("dtype")
                if isinstance(dtype, exp.DataType) and narrows(before.dtype if before else None, dtype):
                    out.append(("narrow_type", table, column))
                if action.args.get("allow_null") is False and existing and not (before and before.not_null):
                    out.append(("add_not_null_without_default", table, column))
            elif type(action).__name__ == "ModifyColumn" and isinstance(action.this, exp.ColumnDef):
                # MySQL MODIFY / CHANGE [COLUMN]: CHANGE renames (rename_from) and retypes.
                column = action.this.name
                renamed = action.args.get("rename_from")
                before = known.get((_name(renamed) if renamed is not None else column).lower())
                if renamed is not None:
                    out.append(("rename_column", table, _name(renamed)))
                dtype = action.this.args.get("kind")
                if isinstance(dtype, exp.DataType) and narrows(before.dtype if before else None, dtype):
                    out.append(("narrow_type", table, column))
                not_null, has_default = _not_null(action.this.args.get("constraints") or [])
                if not_null and not has_default and existing and not (before and before.not_null):
                    out.append(("add_not_null_without_default", table, column))
            elif isinstance(action, exp.ColumnDef):
                not_null, has_default = _not_null(action.args.get("constraints") or [])
                if not_null and not has_default and existing:
                    out.append(("add_not_null_without_default", table, action.name))
                else:
                    out.append(("add_column", table, action.name))
    else:
        out.extend(_rename_command(facts))
    return out


@functools.cache
def _version_of(tool: str) -> Callable[[str], str]:
    """File name -> its version when it is a forward migration of ``tool``, else ``""``.
    Cached so that each tool has one function object, which the folder-history cache keys on."""

    def version(name: str) -> str:
        other_tool, other_version = migration_tool(name, "")
        return other_version if other_tool == tool and not _is_rollback(name) else ""

    return version


def _prior_schema(ctx: FileContext, tool: str, version: str) -> Schema:
    """The schema the earlier versions in this file's folder build (Flyway, golang-migrate)."""
    if tool not in ("flyway", "golang-migrate") or not version or not ctx.root:
        return {}
    return schema_before(
        ctx.root, posixpath.dirname(ctx.path), version, _version_of(tool), dialect_for(ctx.technology)
    )


def failure_diagnostic(path: str, failures: list[tuple[int, str]]) -> list[Diagnostic]:
    """One warning per file for its unparseable statements: ``failures`` are (line, error)."""
    if not failures:
        return []
    line, error = min(failures)
    return [
        Diagnostic(
            path,
            line,
            DiagnosticLevel.WARNING,
            f"{len(failures)} SQL statement(s) not understood ({error}); the rest of the file was read",
        )
    ]


def sql_facts(
    service: str,
    path: str,
    sql: str,
    *,
    dialect: str,
    tool: str = "",
    version: str = "",
    first_line: int = 1,
    fixed_line: int | None = None,
    created: set[str] | None = None,
    failures: list[tuple[int, str]] | None = None,
    schema: Schema | None = None,
) -> list[Fact]:
    """Facts of a piece of SQL that starts at ``first_line`` of ``path`` (1 for a whole file).

    ``fixed_line`` puts every fact at that line instead (SQL inside a YAML changelog, whose text
    lines do not map onto the file's). ``created`` collects the tables created so far in the same
    migration unit (shared across calls); ``failures`` collects (line, error) of unparseable ones.
    ``schema`` is the schema before this SQL (earlier versions); it is updated statement by statement.
    """
    facts_out: list[Fact] = []
    created = set() if created is None else created
    schema = {} if schema is None else schema

    def evidence(text_line: int, detail: str, column: int = 1) -> Evidence:
        if fixed_line is not None:
            return Evidence(SourceKind.SQL, Location(path, fixed_line, 1), detail)
        if text_line == 1 and first_line != 1:
            column = 1  # columns on the first line are relative to the embedded text, not the file
        return Evidence(SourceKind.SQL, Location(path, first_line + text_line - 1, column), detail)

    def at(facts: SqlStatementFacts, table: str, detail: str) -> Evidence:
        line, column = facts.position(table)
        return evidence(line, detail, column)

    for facts in analyze_sql(sql, dialect):
        if facts.error:
            if failures is not None:
                failures.append((evidence(facts.line, "").location.line, facts.error))
            continue
        line = facts.line
        created.update(facts.creates)
        for table in facts.creates:
            detail = facts.kind.upper().replace("_", " ")
            facts_out.append(TableAccess(service, table, "owns", evidence(line, detail)))
        for table in facts.alters:
            if facts.kind != "drop_table":
                detail = facts.kind.replace("_", " ")
                facts_out.append(TableAccess(service, table, "owns", evidence(line, detail)))
        for table in facts.references:
            facts_out.append(TableAccess(service, table, "reads", at(facts, table, "foreign key")))
        for table in facts.reads:
            facts_out.append(TableAccess(service, table, "reads", at(facts, table, facts.kind)))
        for table in facts.writes:
            facts_out.append(TableAccess(service, table, "writes", at(facts, table, facts.kind)))
        for change, table, column in _changes(facts, created, schema):
            ev = evidence(line, change)
            facts_out.append(Migration(service, table, change, tool or "plain", ev, column, version))
        apply(schema, facts)
    facts_out.extend(sql_credentials(service, path, sql, first_line, fixed_line))
    return facts_out


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if _is_rollback(ctx.path) or not ctx.service:
        # A password committed in a rollback or an init script of no service is still committed.
        result.facts.extend(sql_credentials(ctx.service, ctx.path, text))
        return result
    tool, version = migration_tool(ctx.path, text)
    if tool:
        evidence = Evidence(SourceKind.SQL, Location(ctx.path, 1, 1), f"migration_tool {tool}")
        result.facts.append(Marker(ctx.service, "migration_tool", tool, evidence))
    failures: list[tuple[int, str]] = []
    result.facts.extend(
        sql_facts(
            ctx.service,
            ctx.path,
            text,
            dialect=dialect_for(ctx.technology),
            tool=tool,
            version=version,
            failures=failures,
            schema=_prior_schema(ctx, tool, version),
        )
    )
    result.diagnostics.extend(failure_diagnostic(ctx.path, failures))
    return result
