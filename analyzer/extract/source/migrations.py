"""Schema migrations written as code: Alembic (``versions/*.py``) and EF Core (``Migrations/*.cs``).

Only the forward direction is read — Alembic ``upgrade()`` and EF Core ``Up(...)``; ``downgrade()``
and ``Down(...)`` are rollbacks, not findings. Read: ``op.create_table`` / ``CreateTable`` (the
service owns the table), drops, renames, column type changes (``alter_column(type_=...)`` /
``AlterColumn``), columns added or altered to NOT NULL without a server default, and raw SQL
(``op.execute`` / ``migrationBuilder.Sql``) through sqlglot. Each change is a :class:`Migration`
at its call's line; a ``migration_tool`` marker (alembic / efcore) is set for the service.
"""

from __future__ import annotations

import posixpath
import re

from tree_sitter import Node

from analyzer.extract.facts import ExtractResult, FileContext, Marker, Migration, TableAccess, Value
from analyzer.extract.source.base import FileScan, nodes_of, parse, text_of

NAME = "code-migrations"


def wants(path: str) -> bool:
    lowered = path.lower()
    if lowered.endswith(".py"):
        return ("/versions/" in f"/{lowered}" and "alembic" in lowered) or "/migrations/versions/" in lowered
    return (
        lowered.endswith(".cs") and "/migrations/" in f"/{lowered}" and not lowered.endswith(".designer.cs")
    )


def _literal(node: Node | None) -> str:
    if node is None:
        return ""
    if node.type in ("string", "string_literal", "verbatim_string_literal"):
        parts = [
            text_of(c) for c in node.named_children if c.type in ("string_content", "string_literal_content")
        ]
        return "".join(parts) if parts else text_of(node).strip("@\"'")
    return ""


def _python_args(call: Node) -> tuple[list[Node], dict[str, Node]]:
    arguments = call.child_by_field_name("arguments")
    positional: list[Node] = []
    keywords: dict[str, Node] = {}
    for child in arguments.named_children if arguments is not None else []:
        if child.type == "keyword_argument":
            name, value = child.child_by_field_name("name"), child.child_by_field_name("value")
            if name is not None and value is not None:
                keywords[text_of(name)] = value
        elif child.type != "comment":
            positional.append(child)
    return positional, keywords


def _csharp_args(call: Node) -> tuple[list[Node], dict[str, Node]]:
    arguments = call.child_by_field_name("arguments") or next(
        (c for c in call.named_children if c.type == "argument_list"), None
    )
    positional: list[Node] = []
    keywords: dict[str, Node] = {}
    for argument in arguments.named_children if arguments is not None else []:
        if argument.type != "argument" or not argument.named_children:
            continue
        name = next((c for c in argument.named_children if c.type == "name_colon"), None)
        value = argument.named_children[-1]
        first = argument.named_children[0]
        if name is None and len(argument.named_children) >= 2 and first.type == "identifier":
            name = first  # newer grammars: `name: value` is (argument (identifier) value)
        if name is not None:
            keywords[text_of(name).rstrip(":").strip()] = value
        else:
            positional.append(value)
    return positional, keywords


def _alembic(scan: FileScan, root: Node) -> None:
    upgrade = next(
        (
            f
            for f in nodes_of("python", root, ("function_definition",))
            if text_of(f.child_by_field_name("name")) == "upgrade"
        ),
        None,
    )
    if upgrade is None:
        return
    version = posixpath.basename(scan.path).split("_", 1)[0]

    def migration(node: Node, change: str, table: str, column: str = "") -> None:
        scan.facts.append(
            Migration(scan.service, table, change, "alembic", scan.evidence(node, change), column, version)
        )

    for call in nodes_of("python", upgrade, ("call",)):
        callee = text_of(call.child_by_field_name("function"))
        if not callee.startswith("op."):
            continue
        method = callee[3:]
        args, kwargs = _python_args(call)
        table = _literal(args[0]) if args else _literal(kwargs.get("table_name"))
        if method == "create_table" and table:
            scan.facts.append(TableAccess(scan.service, table, "owns", scan.evidence(call, "create_table")))
            migration(call, "create_table", table)
        elif method == "drop_table" and table:
            migration(call, "drop_table", table)
        elif method == "rename_table" and table:
            migration(call, "rename_table", table)
        elif method == "drop_column" and table:
            migration(call, "drop_column", table, _literal(args[1]) if len(args) > 1 else "")
        elif method == "add_column" and table and len(args) > 1:
            column_args, column_kwargs = _python_args(args[1]) if args[1].type == "call" else ([], {})
            column = _literal(column_args[0]) if column_args else ""
            not_null = text_of(column_kwargs.get("nullable")) == "False"
            change = (
                "add_not_null_without_default"
                if not_null and "server_default" not in column_kwargs
                else "add_column"
            )
            scan.facts.append(TableAccess(scan.service, table, "owns", scan.evidence(call, "add_column")))
            migration(call, change, table, column)
        elif method == "alter_column" and table:
            column = _literal(args[1]) if len(args) > 1 else _literal(kwargs.get("column_name"))
            if "new_column_name" in kwargs:
                migration(call, "rename_column", table, column)
            if "type_" in kwargs:
                migration(call, "narrow_type", table, column)
            if text_of(kwargs.get("nullable")) == "False" and "server_default" not in kwargs:
                migration(call, "add_not_null_without_default", table, column)
        elif method == "execute" and args:
            scan.sql(Value(_literal(args[0])), args[0], creates=True)


def _efcore(scan: FileScan, root: Node) -> None:
    up = next(
        (
            m
            for m in nodes_of("csharp", root, ("method_declaration",))
            if text_of(m.child_by_field_name("name")) == "Up"
        ),
        None,
    )
    if up is None:
        return
    version = posixpath.basename(scan.path).split("_", 1)[0]

    def migration(node: Node, change: str, table: str, column: str = "") -> None:
        scan.facts.append(
            Migration(scan.service, table, change, "efcore", scan.evidence(node, change), column, version)
        )

    for call in nodes_of("csharp", up, ("invocation_expression",)):
        callee = text_of(call.child_by_field_name("function"))
        method = callee.rsplit(".", 1)[-1].split("<")[0]
        args, kwargs = _csharp_args(call)
        name = _literal(kwargs.get("name")) or (_literal(args[0]) if args else "")
        table = _literal(kwargs.get("table")) or name
        schema = _literal(kwargs.get("schema"))
        qualified = f"{schema}.{table}" if schema and table else table
        if method == "CreateTable" and name:
            scan.facts.append(
                TableAccess(scan.service, qualified, "owns", scan.evidence(call, "CreateTable"))
            )
            migration(call, "create_table", qualified)
        elif method == "DropTable" and name:
            migration(call, "drop_table", qualified)
        elif method == "RenameTable" and name:
            migration(call, "rename_table", qualified)
        elif method == "DropColumn" and "table" in kwargs:
            migration(call, "drop_column", qualified, name)
        elif method == "RenameColumn" and "table" in kwargs:
            migration(call, "rename_column", qualified, name)
        elif method == "AlterColumn" and "table" in kwargs:
            migration(call, "narrow_type", qualified, name)
        elif method == "AddColumn" and "table" in kwargs:
            not_null = text_of(kwargs.get("nullable")) == "false"
            defaulted = "defaultValue" in kwargs or "defaultValueSql" in kwargs
            migration(
                call,
                "add_not_null_without_default" if not_null and not defaulted else "add_column",
                qualified,
                name,
            )
        elif method == "Sql" and args:
            scan.sql(Value(_literal(args[0])), args[0], creates=True)


def extract(ctx: FileContext, text: str) -> ExtractResult:
    if not ctx.service:
        return ExtractResult()
    scan = FileScan(ctx.path, ctx.service, ctx.technology)
    if ctx.path.endswith(".py"):
        if not re.search(r"^\s*def upgrade\(", text, re.M):
            return ExtractResult()
        tree, _ = parse("python", text)
        scan.syntax_errors(tree)
        scan.facts.append(
            Marker(ctx.service, "migration_tool", "alembic", scan.evidence(tree.root_node, "alembic"))
        )
        _alembic(scan, tree.root_node)
    else:
        if "MigrationBuilder" not in text:
            return ExtractResult()
        tree, _ = parse("csharp", text)
        scan.syntax_errors(tree)
        scan.facts.append(
            Marker(ctx.service, "migration_tool", "efcore", scan.evidence(tree.root_node, "efcore"))
        )
        _efcore(scan, tree.root_node)
    return scan.result()
