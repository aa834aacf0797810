"""Liquibase changelogs in XML and YAML (formatted SQL changelogs are read by ``sqlfiles``).

Each change of a changeSet becomes facts at the line of the change element: ``createTable`` → the
service owns the table; ``dropTable``, ``dropColumn``, ``renameTable``, ``renameColumn``,
``modifyDataType``, ``addNotNullConstraint`` without a default, ``addColumn`` of a NOT NULL
column without a default → :class:`Migration` facts the schema-evolution rules read; ``sql``
bodies go through sqlglot; ``loadData`` / ``insert`` / ``update`` / ``delete`` are writes. A
``migration_tool=liquibase`` marker is set for the service. ``include`` and ``includeAll`` need no
following: every changelog in the service's tree is read on its own. XML is parsed with expat
(no external entities or DTDs are fetched); a malformed file is one diagnostic with its line.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from analyzer.extract.facts import ExtractResult, FileContext, Marker, Migration, TableAccess
from analyzer.extract.sqltables import analyze_sql, dialect_for
from analyzer.extract.yamlsrc import LineDict, LineList, YamlError, load
from analyzer.model import Diagnostic, DiagnosticLevel, Evidence, Location, SourceKind

NAME = "liquibase"


def wants(path: str) -> bool:
    return path.lower().endswith((".xml", ".yaml", ".yml", ".json")) and (
        "changelog" in path.lower() or "liquibase" in path.lower() or "/db/" in path.lower()
    )


@dataclass(slots=True)
class _Change:
    kind: str
    attrs: dict[str, str]
    line: int
    columns: list[dict[str, str]] = field(default_factory=list)
    text: str = ""


def _xml_changes(text: str) -> list[_Change]:
    parser = expat.ParserCreate(namespace_separator=" ")
    changes: list[_Change] = []
    stack: list[_Change | None] = []
    changeset_depth = [-1]  # stack depth of the open changeSet element

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "changeSet":
            changeset_depth[0] = len(stack)
            stack.append(None)
            return
        parent = stack[-1] if stack else None
        if local == "column" and parent is not None:
            parent.columns.append(dict(attrs))
            stack.append(parent)  # its <constraints> belong to this column
            return
        if local == "constraints" and parent is not None and parent.columns:
            parent.columns[-1].update({f"constraint.{k}": v for k, v in attrs.items()})
            stack.append(None)
            return
        if changeset_depth[0] >= 0 and len(stack) == changeset_depth[0] + 1:
            change = _Change(local, dict(attrs), parser.CurrentLineNumber)
            changes.append(change)
            stack.append(change)
            return
        stack.append(parent)

    def end(name: str) -> None:
        if stack:
            stack.pop()
        if name.rsplit(" ", 1)[-1] == "changeSet":
            changeset_depth[0] = -1

    def data(chunk: str) -> None:
        current = stack[-1] if stack else None
        if current is not None and current.kind in ("sql", "createView"):
            current.text += chunk

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.Parse(text, True)
    return changes


def _yaml_changes(data: Any) -> list[_Change]:
    changes: list[_Change] = []
    log = data.get("databaseChangeLog") if isinstance(data, LineDict) else None
    for entry in log if isinstance(log, LineList) else []:
        change_set = entry.get("changeSet") if isinstance(entry, LineDict) else None
        items = change_set.get("changes") if isinstance(change_set, LineDict) else None
        if not isinstance(items, LineList):
            continue
        for index, item in enumerate(items):
            if not isinstance(item, LineDict):
                continue
            for kind, body in item.items():
                attrs = (
                    {str(k): str(v) for k, v in body.items() if not isinstance(v, (list, dict))}
                    if isinstance(body, dict)
                    else {}
                )
                columns = []
                for column in body.get("columns") or [] if isinstance(body, dict) else []:
                    spec = column.get("column") if isinstance(column, dict) else None
                    if isinstance(spec, dict):
                        flat = {str(k): str(v) for k, v in spec.items() if not isinstance(v, dict)}
                        flat.update(
                            {f"constraint.{k}": str(v) for k, v in (spec.get("constraints") or {}).items()}
                        )
                        columns.append(flat)
                text = str(body.get("sql") or "") if isinstance(body, dict) and kind == "sql" else ""
                changes.append(_Change(str(kind), attrs, items.line_of(index)[1], columns, text))
    return changes


def _not_null_without_default(column: dict[str, str]) -> bool:
    not_null = column.get("constraint.nullable", "true").lower() == "false"
    default = any(k.startswith("defaultValue") for k in column)
    return not_null and not default


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    lowered = text.lower()
    if "databasechangelog" not in lowered or not ctx.service:
        return result
    try:
        if ctx.path.lower().endswith(".xml"):
            changes = _xml_changes(text)
        else:
            changes = _yaml_changes(load(text, ctx.path))
    except expat.ExpatError as exc:
        result.diagnostics.append(
            Diagnostic(
                ctx.path, exc.lineno, DiagnosticLevel.ERROR, f"invalid XML: {expat.ErrorString(exc.code)}"
            )
        )
        return result
    except YamlError as exc:
        result.diagnostics.append(Diagnostic(ctx.path, exc.line, DiagnosticLevel.ERROR, str(exc)))
        return result
    service = ctx.service
    result.facts.append(
        Marker(
            service,
            "migration_tool",
            "liquibase",
            Evidence(SourceKind.SQL, Location(ctx.path, 1), "liquibase changelog"),
        )
    )
    created: set[str] = set()
    for change in changes:
        ev = Evidence(SourceKind.SQL, Location(ctx.path, max(change.line, 1)), change.kind)
        table = change.attrs.get("tableName") or change.attrs.get("oldTableName") or ""
        schema = change.attrs.get("schemaName")
        qualified = f"{schema}.{table}" if schema and table else table

        def migration(kind: str, column: str = "", qualified: str = qualified, ev: Evidence = ev) -> None:
            result.facts.append(
                Migration(service, qualified, kind, "liquibase", ev, column, posixpath.basename(ctx.path))
            )

        if change.kind == "createTable" and table:
            created.add(qualified)
            result.facts.append(TableAccess(service, qualified, "owns", ev))
            migration("create_table")
        elif change.kind == "dropTable" and table:
            migration("drop_table")
        elif change.kind == "dropColumn" and table:
            names = (
                [change.attrs["columnName"]]
                if "columnName" in change.attrs
                else [c.get("name", "") for c in change.columns]
            )
            for name in names:
                migration("drop_column", name)
        elif change.kind == "renameColumn" and table:
            migration("rename_column", change.attrs.get("oldColumnName", ""))
        elif change.kind == "renameTable" and table:
            migration("rename_table")
        elif change.kind == "modifyDataType" and table:
            migration("narrow_type", change.attrs.get("columnName", ""))
        elif change.kind == "addNotNullConstraint" and table and "defaultNullValue" not in change.attrs:
            migration("add_not_null_without_default", change.attrs.get("columnName", ""))
        elif change.kind == "addColumn" and table:
            result.facts.append(TableAccess(service, qualified, "owns", ev))
            for column in change.columns:
                kind = (
                    "add_not_null_without_default"
                    if _not_null_without_default(column) and qualified not in created
                    else "add_column"
                )
                migration(kind, column.get("name", ""))
        elif change.kind in ("loadData", "loadUpdateData", "insert", "update", "delete") and table:
            result.facts.append(TableAccess(service, qualified, "writes", ev))
        elif change.kind in ("sql", "createView") and change.text.strip():
            for facts in analyze_sql(change.text, dialect_for(ctx.technology)):
                for name in facts.reads:
                    result.facts.append(TableAccess(service, name, "reads", ev))
                for name in facts.writes:
                    result.facts.append(TableAccess(service, name, "writes", ev))
    return result
