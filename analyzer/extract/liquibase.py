"""Liquibase changelogs in XML and YAML (formatted SQL changelogs are read by ``sqlfiles``).

Each change of a changeSet becomes facts at the line of the change element: ``createTable`` → the
service owns the table; ``dropTable``, ``dropColumn``, ``renameTable``, ``renameColumn``,
``modifyDataType``, ``addNotNullConstraint`` without a default, ``addColumn`` of a NOT NULL
column without a default → :class:`Migration` facts the schema-evolution rules read; ``sql``
bodies go through sqlglot; ``loadData`` / ``insert`` / ``update`` / ``delete`` are writes. A
``migration_tool=liquibase`` marker is set for the service. ``include`` / ``includeAll`` of a master
changelog are resolved (relative to the changelog or to the classpath root ``src/main/resources/``);
an include that names no file is a diagnostic at its line, and included changelogs whose path
discovery would not hand to this extractor are read through the master. ChangeSets whose
``context`` names only test contexts never run in production and yield no facts. XML is parsed with expat
with entity expansion off: a document that declares entities (the "billion laughs" bomb, or an
external entity) is refused with a diagnostic at the declaration, before anything expands; no
DTD is fetched. A malformed file is one diagnostic with its line.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from analyzer.extract.facts import ExtractResult, FileContext, Marker, Migration, TableAccess
from analyzer.extract.sqlfiles import failure_diagnostic, sql_facts
from analyzer.extract.sqltables import dialect_for
from analyzer.extract.yamlsrc import LineDict, LineList, YamlError, load
from analyzer.model import Diagnostic, DiagnosticLevel, Evidence, Location, SourceKind
from analyzer.model.paths import inside_or_none

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
    context: str = ""
    change_set: int = 0  # ordinal of its changeSet in the file: a changeSet is one deployment unit


@dataclass(frozen=True, slots=True)
class _Include:
    """An ``include`` (file) or ``includeAll`` (folder) entry of a changelog, at its line."""

    path: str
    line: int
    relative: bool
    folder: bool


class EntitiesRefused(ValueError):
    """A changelog declares XML entities, which are never expanded (see the module docstring)."""

    def __init__(self, line: int) -> None:
        super().__init__("XML entity declarations are not read (entity expansion is off); file skipped")
        self.line = line


def _xml_parser() -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_: object) -> Any:
        raise EntitiesRefused(parser.CurrentLineNumber)

    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


def _xml_changes(text: str, includes: list[_Include]) -> list[_Change]:
    parser = _xml_parser()
    changes: list[_Change] = []
    stack: list[_Change | None] = []
    changeset_depth = [-1]  # stack depth of the open changeSet element
    context = [""]
    ordinal = [0]

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "changeSet":
            changeset_depth[0] = len(stack)
            context[0] = attrs.get("context") or attrs.get("contexts") or ""
            ordinal[0] += 1
            stack.append(None)
            return
        if local in ("include", "includeAll") and changeset_depth[0] < 0:
            target = attrs.get("file" if local == "include" else "path", "")
            relative = attrs.get("relativeToChangelogFile", "false").lower() == "true"
            includes.append(_Include(target, parser.CurrentLineNumber, relative, local == "includeAll"))
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
            change = _Change(
                local, dict(attrs), parser.CurrentLineNumber, context=context[0], change_set=ordinal[0]
            )
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


def _yaml_changes(data: Any, includes: list[_Include]) -> list[_Change]:
    changes: list[_Change] = []
    log = data.get("databaseChangeLog") if isinstance(data, LineDict) else None
    for position, entry in enumerate(log if isinstance(log, LineList) else []):
        for key, path_key in (("include", "file"), ("includeAll", "path")):
            spec = entry.get(key) if isinstance(entry, LineDict) else None
            if isinstance(spec, dict) and spec.get(path_key):
                relative = str(spec.get("relativeToChangelogFile", "false")).lower() == "true"
                line = log.line_of(position)[1] if isinstance(log, LineList) else 1
                includes.append(_Include(str(spec[path_key]), line, relative, key == "includeAll"))
        change_set = entry.get("changeSet") if isinstance(entry, LineDict) else None
        context = ""
        if isinstance(change_set, LineDict):
            context = str(change_set.get("context") or change_set.get("contexts") or "")
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
                        constraints = spec.get("constraints")
                        if isinstance(constraints, dict):
                            flat.update({f"constraint.{k}": str(v) for k, v in constraints.items()})
                        columns.append(flat)
                text = str(body.get("sql") or "") if isinstance(body, dict) and kind == "sql" else ""
                changes.append(
                    _Change(str(kind), attrs, items.line_of(index)[1], columns, text, context, position + 1)
                )
    return changes


def _not_null_without_default(column: dict[str, str]) -> bool:
    not_null = column.get("constraint.nullable", "true").lower() == "false"
    default = any(k.startswith("defaultValue") for k in column)
    return not_null and not default


_TEST_CONTEXTS = frozenset({"test", "tests", "testing", "unit-test", "integration-test", "it"})
_MAX_INCLUDED = 200  # changelogs read through one master, cycles aside
_CHANGELOG_SUFFIXES = (".xml", ".yaml", ".yml", ".sql")


def _test_only(context: str) -> bool:
    """True when a changeSet's context expression names only test contexts (``context="test"``):
    such changes never run in production (JHipster's sample tables), so they are not facts."""
    words = [w for w in re.split(r"[\s,()]+", context.lower()) if w and w not in ("or", "and")]
    return bool(words) and all(w in _TEST_CONTEXTS for w in words)


def _classpath_root(path: str) -> str:
    """The folder that ``relativeToChangelogFile="false"`` paths are relative to: the Maven/Gradle
    resources root when the changelog sits under one, else the repo root."""
    for marker in ("src/main/resources/", "src/test/resources/", "resources/"):
        index = path.find(marker)
        if index >= 0:
            return path[: index + len(marker)]
    return ""


def _resolve(ctx: FileContext, include: _Include) -> list[str]:
    """Repo-relative paths an include names (``[]``: nothing found inside the repo)."""
    target = include.path.removeprefix("classpath:").removeprefix("classpath*:").lstrip("/")
    here = posixpath.dirname(ctx.path)
    bases = [here] if include.relative else [_classpath_root(ctx.path), here]
    for base in bases:
        candidate = posixpath.normpath(posixpath.join(base, target)) if base else posixpath.normpath(target)
        inside = inside_or_none(ctx.root, candidate)
        if inside is None:
            continue  # never read outside the scanned repo (symlinks, ../ tricks)
        full = str(inside)
        if include.folder and os.path.isdir(full):
            names = sorted(
                n for n in os.listdir(full) if n.lower().endswith((".xml", ".yaml", ".yml", ".sql"))
            )
            return [posixpath.join(candidate, n) for n in names]
        if not include.folder and os.path.isfile(full):
            return [candidate]
    return []


def _follow(ctx: FileContext, includes: list[_Include], result: ExtractResult, seen: set[str]) -> None:
    """Check every include resolves, and read included changelogs that discovery would not hand to
    this extractor on its own (a path without ``changelog``/``liquibase``/``db`` in it). Files it
    does hand over are read on their own, so reading them here would only repeat their facts."""
    for include in includes:
        found = _resolve(ctx, include)
        if not found and not include.folder:
            result.diagnostics.append(
                Diagnostic(
                    ctx.path,
                    include.line,
                    DiagnosticLevel.WARNING,
                    f"Liquibase include {include.path!r} not found in the repository",
                )
            )
        for path in found:
            if wants(path) or path.lower().endswith(".sql") or path in seen or len(seen) >= _MAX_INCLUDED:
                continue
            target = inside_or_none(ctx.root, path)  # a file of an included folder may be a link out
            if target is None:
                result.diagnostics.append(
                    Diagnostic(
                        ctx.path,
                        include.line,
                        DiagnosticLevel.WARNING,
                        f"{path} leads outside the repository",
                    )
                )
                continue
            try:
                with open(target, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except OSError as exc:
                result.diagnostics.append(
                    Diagnostic(ctx.path, include.line, DiagnosticLevel.WARNING, f"cannot read {path}: {exc}")
                )
                continue
            child = FileContext(path, ctx.root, ctx.service, ctx.technology, ctx.profile, ctx.limits)
            _read(child, text, result, seen)


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if ctx.service:
        _read(ctx, text, result, set())
    return result


def _read(ctx: FileContext, text: str, result: ExtractResult, seen: set[str]) -> None:
    seen.add(ctx.path)
    if "databasechangelog" not in text.lower():
        return
    includes: list[_Include] = []
    try:
        if ctx.path.lower().endswith(".xml"):
            changes = _xml_changes(text, includes)
        else:
            changes = _yaml_changes(load(text, ctx.path), includes)
    except EntitiesRefused as exc:
        result.diagnostics.append(Diagnostic(ctx.path, exc.line, DiagnosticLevel.ERROR, str(exc)))
        return
    except expat.ExpatError as exc:
        result.diagnostics.append(
            Diagnostic(
                ctx.path, exc.lineno, DiagnosticLevel.ERROR, f"invalid XML: {expat.ErrorString(exc.code)}"
            )
        )
        return
    except YamlError as exc:
        result.diagnostics.append(Diagnostic(ctx.path, exc.line, DiagnosticLevel.ERROR, str(exc)))
        return
    service = ctx.service
    result.facts.append(
        Marker(
            service,
            "migration_tool",
            "liquibase",
            Evidence(SourceKind.SQL, Location(ctx.path, 1), "liquibase changelog"),
        )
    )
    # Tables created in the same changeSet are new and empty; one created in an earlier changeSet
    # may have been deployed long ago and hold rows, so NOT NULL without default there is a finding.
    created_in: dict[int, set[str]] = defaultdict(set)
    failures: list[tuple[int, str]] = []
    _follow(ctx, includes, result, seen)
    for change in changes:
        if _test_only(change.context):
            continue
        ev = Evidence(SourceKind.SQL, Location(ctx.path, max(change.line, 1)), change.kind)
        table = change.attrs.get("tableName") or change.attrs.get("oldTableName") or ""
        schema = change.attrs.get("schemaName")
        qualified = f"{schema}.{table}" if schema and table else table

        def migration(kind: str, column: str = "", qualified: str = qualified, ev: Evidence = ev) -> None:
            result.facts.append(
                Migration(service, qualified, kind, "liquibase", ev, column, posixpath.basename(ctx.path))
            )

        if change.kind == "createTable" and table:
            created_in[change.change_set].add(qualified)
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
                    if _not_null_without_default(column) and qualified not in created_in[change.change_set]
                    else "add_column"
                )
                migration(kind, column.get("name", ""))
        elif change.kind in ("loadData", "loadUpdateData", "insert", "update", "delete") and table:
            result.facts.append(TableAccess(service, qualified, "writes", ev))
        elif change.kind in ("sql", "createView") and change.text.strip():
            if change.kind == "createView" and change.attrs.get("viewName"):
                view = change.attrs["viewName"]
                result.facts.append(TableAccess(service, f"{schema}.{view}" if schema else view, "owns", ev))
            xml = ctx.path.lower().endswith(".xml")
            result.facts.extend(
                sql_facts(
                    service,
                    ctx.path,
                    change.text,
                    dialect=dialect_for(ctx.technology),
                    tool="liquibase",
                    version=posixpath.basename(ctx.path),
                    first_line=change.line if xml else 1,
                    fixed_line=None if xml else change.line,
                    created=created_in[change.change_set],
                    failures=failures,
                )
            )
    result.diagnostics.extend(failure_diagnostic(ctx.path, failures))
