"""Which tables a piece of SQL reads, writes, creates or alters — one statement at a time.

Used for SQL files, SQL embedded in code and ``db.statement`` in trace spans. Text is split
into statements first (quotes, comments and ``$$`` bodies respected), each keeps its 1-based
line, and each is parsed alone with sqlglot's compiled parser, so one bad statement never
hides the rest. Table names come back as written, schema-qualified when the SQL qualifies
them, lower-cased unless quoted; CTE names are not tables.

sqlglot's recursive parser overflows on pathological nesting (about 47 levels of parentheses
in the pure build; the compiled build, which we install, parses 400 levels of nested subqueries
and raises ``RecursionError`` near 2,000). NOTE: statements nested deeper than :data:`MAX_NESTING`
are reported as errors without being parsed even by the compiled build, so that a scan gives the
same facts whichever build is installed; any ``RecursionError`` or other parser exception that
still happens is caught and becomes that statement's ``error``.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from analyzer.model.inputs import bracket_depth
from analyzer.model.limits import current_limits

# sqlglot logs a warning for every statement it falls back to a Command for (function bodies,
# vendor syntax); those are expected in migrations and reported as our own facts instead.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

MAX_NESTING = 40
_STATEMENTS: tuple[type[exp.Expression], ...] = tuple(
    t
    for t in (
        getattr(exp, name, None)
        for name in (
            "Query",
            "Insert",
            "Update",
            "Delete",
            "Merge",
            "Create",
            "Alter",
            "Drop",
            "TruncateTable",
            "Command",
            "Set",
            "Use",
            "Transaction",
            "Commit",
            "Rollback",
            "Grant",
            "Revoke",
            "Comment",
            "Pragma",
            "Analyze",
            "Describe",
            "Execute",
            "Show",
            "Copy",
            "Cache",
            "Uncache",
            "Refresh",
            "LoadData",
        )
    )
    if isinstance(t, type)
)
MAX_STATEMENT_CHARS = 200_000

_DIALECTS = {
    "postgresql": "postgres",
    "cockroachdb": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlserver": "tsql",
    "oracle": "oracle",
    "sqlite": "sqlite",
    "db2": "",
    "cassandra": "",
}


def dialect_for(technology: str) -> str:
    """sqlglot dialect name for a canonical technology (``""``: sqlglot's default)."""
    return _DIALECTS.get(technology, "")


@dataclass(frozen=True, slots=True)
class SqlStatementFacts:
    """One statement: its 1-based line in the text, kind (select, insert, create_table, ...),
    tables read, written, created, altered (DDL on an existing table) and referenced by foreign
    keys. ``error`` is set when the statement could not be parsed."""

    line: int
    kind: str
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    creates: tuple[str, ...] = ()
    error: str = ""
    alters: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    statement: exp.Expression | None = None
    positions: tuple[tuple[str, int, int], ...] = ()  # (table, line, column) of its first mention

    def position(self, table: str) -> tuple[int, int]:
        """1-based (line, column) of ``table`` in the whole text (statement start if unknown)."""
        for name, line, column in self.positions:
            if name == table:
                return self.line + line - 1, column
        return self.line, 1


_GO_LINE = re.compile(r"[ \t]*go[ \t]*(?:--[^\n]*)?(?:\r?\n|$)", re.I)


_DOLLAR_TAG = re.compile(r"\$[A-Za-z_]*\$")
_NEXT = re.compile(r"[\n'\"`$;#/gG-]")  # what split_statements acts on inside a statement


def _first_on_line(sql: str, i: int) -> bool:
    """Only blanks between the previous newline and ``i``. Looks back over the blanks alone, so a
    long line with many ``g``s stays linear (finding the line start per ``g`` was quadratic)."""
    j = i - 1
    while j >= 0 and sql[j] in " \t":
        j -= 1
    return j < 0 or sql[j] == "\n"


def split_statements(sql: str) -> list[tuple[int, str]]:
    """``(line, text)`` per statement; line is where the statement's first token starts."""
    out: list[tuple[int, str]] = []
    i, n = 0, len(sql)
    start = 0
    line = 1
    start_line: int | None = None
    while i < n:
        ch = sql[i]
        if ch == "\n":
            line += 1
            i += 1
            continue
        if ch in " \t\r":
            i += 1
            continue
        if ch in "gG" and _first_on_line(sql, i) and _GO_LINE.match(sql, i):
            # T-SQL batch separator: ``GO`` alone on its line ends the statement like ``;``.
            if start_line is not None and sql[start:i].strip():
                out.append((start_line, sql[start:i].strip()))
            start_line = None
            end = sql.find("\n", i)
            i = n if end < 0 else end
            continue
        if sql.startswith("--", i) or (ch == "#" and start_line is None):
            end = sql.find("\n", i)
            i = n if end < 0 else end
            continue
        if sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += sql.count("\n", i, end)
            i = end
            continue
        if start_line is None:
            start_line = line
            start = i
        if ch in ("'", '"', "`"):
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:
                        j += 2
                        continue
                    break
                if sql[j] == "\\" and ch == "'":
                    j += 1
                j += 1
            line += sql.count("\n", i, j)
            i = j + 1
            continue
        if ch == "$":
            tag = _DOLLAR_TAG.match(sql, i)  # not sql[i:]: a copy of the rest per "$" was quadratic
            if tag:
                end = sql.find(tag.group(0), i + len(tag.group(0)))
                end = n if end < 0 else end + len(tag.group(0))
                line += sql.count("\n", i, end)
                i = end
                continue
        if ch == ";":
            text = sql[start:i].strip()
            if text:
                out.append((start_line, text))
            start_line = None
            i += 1
            continue
        # Inside a statement, only the characters _NEXT finds can change anything: skip to one.
        found = _NEXT.search(sql, i + 1)
        i = found.start() if found else n
    if start_line is not None:
        text = sql[start:].strip()
        if text and not re.fullmatch(r"(?i)go", text):
            out.append((start_line, text))
    return [(ln, t) for ln, t in out if not re.fullmatch(r"(?i)go", t)]


def _name(table: exp.Table) -> str:
    ident = table.this
    name = ident.name if isinstance(ident, exp.Identifier) else table.name
    if not name:
        return ""
    if not (isinstance(ident, exp.Identifier) and ident.quoted):
        name = name.lower()
    schema = table.args.get("db")
    if isinstance(schema, exp.Identifier) and schema.name:
        schema_name = schema.name if schema.quoted else schema.name.lower()
        return f"{schema_name}.{name}"
    return name


def _tables(node: exp.Expression | None, ctes: set[str]) -> list[str]:
    if node is None:
        return []
    found = []
    for table in node.find_all(exp.Table):
        name = _name(table)
        if name and name not in ctes and not isinstance(table.this, exp.Func):
            found.append(name)
    return found


def _target(node: exp.Expression | None) -> str:
    if isinstance(node, exp.Schema):
        node = node.this
    return _name(node) if isinstance(node, exp.Table) else ""


def _nesting(sql: str) -> int:
    # NOTE: braces and brackets count too: sqlglot parses `{...}` (struct literals, ODBC escapes)
    # and `[...]` recursively, and 20,000 nested `{a:` took seconds per dialect tried.
    return bracket_depth(sql, "code", stop_above=MAX_NESTING)


def _positions(tree: exp.Expression) -> tuple[tuple[str, int, int], ...]:
    seen: dict[str, tuple[int, int]] = {}
    for table in tree.find_all(exp.Table):
        name = _name(table)
        meta = getattr(table.this, "meta", None) or {}
        if name and "line" in meta:
            where = (int(meta["line"]), max(int(meta.get("col", 1)) - len(table.this.name) + 1, 1))
            if name not in seen or where < seen[name]:
                seen[name] = where
    return tuple((name, line, column) for name, (line, column) in sorted(seen.items()))


def _facts(line: int, tree: exp.Expression) -> SqlStatementFacts:
    facts = _kind_facts(line, tree)
    return dataclasses.replace(facts, positions=_positions(tree))


def _kind_facts(line: int, tree: exp.Expression) -> SqlStatementFacts:
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    everything = _tables(tree, ctes)

    def rest(*exclude: str) -> tuple[str, ...]:
        skip = set(exclude)
        return tuple(sorted({t for t in everything if t not in skip}))

    if isinstance(tree, (exp.Insert, exp.Update, exp.Delete, exp.Merge)):
        target = _target(tree.this)
        kind = type(tree).__name__.lower()
        if isinstance(tree, exp.Merge):
            reads = tuple(sorted(set(_tables(tree.args.get("using"), ctes))))
        else:
            reads = rest(target) if target else rest()
        if isinstance(tree, exp.Insert) and target in reads:
            reads = tuple(t for t in reads if t != target)
        return SqlStatementFacts(line, kind, reads, (target,) if target else (), statement=tree)
    if isinstance(tree, exp.Create):
        kind = str(tree.args.get("kind") or "").lower()
        if kind == "index":
            index = tree.this
            table = _target(index.args.get("table")) if isinstance(index, exp.Index) else ""
            return SqlStatementFacts(line, "create_index", alters=(table,) if table else (), statement=tree)
        target = _target(tree.this)
        if kind in ("table", "view", "materialized view"):
            references: set[str] = set()
            for ref in tree.find_all(exp.Reference):
                references.update(_tables(ref, ctes))
            source = tree.args.get("expression")
            reads = tuple(sorted(set(_tables(source, ctes)) - {target}))
            return SqlStatementFacts(
                line,
                f"create_{kind.replace(' ', '_')}",
                reads,
                creates=(target,) if target else (),
                references=tuple(sorted(references - {target})),
                statement=tree,
            )
        return SqlStatementFacts(line, f"create_{kind or 'other'}", statement=tree)
    if isinstance(tree, exp.Alter):
        target = _target(tree.this)
        added: set[str] = set()
        for ref in tree.find_all(exp.Reference):
            added.update(_tables(ref, ctes))
        return SqlStatementFacts(
            line,
            "alter_table",
            alters=(target,) if target else (),
            references=tuple(sorted(added - {target})),
            statement=tree,
        )
    if type(tree).__name__ == "Execute":
        # EXEC proc args: the procedure name parses as a Table but is not one.
        return SqlStatementFacts(line, "execute", statement=tree)
    if isinstance(tree, exp.Drop):
        kind = str(tree.args.get("kind") or "").lower()
        names = tuple(sorted({_name(t) for t in tree.find_all(exp.Table) if _name(t)}))
        return SqlStatementFacts(
            line, f"drop_{kind or 'other'}", alters=names if kind == "table" else (), statement=tree
        )
    if isinstance(tree, (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery)):
        return SqlStatementFacts(line, "select", rest(), statement=tree)
    if isinstance(tree, exp.TruncateTable):
        return SqlStatementFacts(line, "truncate", writes=rest(), statement=tree)
    return SqlStatementFacts(line, type(tree).__name__.lower(), statement=tree)


def _parse(text: str, dialect: str) -> exp.Expression | None:
    # The service's own dialect first; then the default, then the common dialects (placeholders such as
    # %s or @p parse only in some of them).
    for read in dict.fromkeys([dialect or None, None, "postgres", "mysql", "tsql"]):
        try:
            tree: Any = sqlglot.parse_one(text, read=read)
        except (SqlglotError, RecursionError):
            continue
        except Exception:  # a parser bug on odd input must not stop the scan
            continue
        if tree is not None and not isinstance(tree, exp.Command):
            return tree
        if isinstance(tree, exp.Command):
            return tree
    return None


@functools.lru_cache(maxsize=4096)  # the same query text recurs across files and call sites
def analyze_sql(sql: str, dialect: str = "") -> tuple[SqlStatementFacts, ...]:
    """Facts for every statement in ``sql`` (unparseable ones carry ``error``); remembered per
    (text, dialect), which is safe because the facts are frozen."""
    results: list[SqlStatementFacts] = []
    statements = split_statements(sql)
    budget = current_limits().sql_max_millis
    deadline = time.monotonic() + budget / 1000
    for line, text in statements:
        if time.monotonic() > deadline:  # checked between statements: sqlglot cannot be interrupted
            results.append(
                SqlStatementFacts(
                    line, "error", error=f"time budget of {budget} ms spent (limit sql_max_millis)"
                )
            )
            continue
        if len(text) > MAX_STATEMENT_CHARS:
            results.append(SqlStatementFacts(line, "error", error="statement too long to analyse"))
            continue
        if _nesting(text) > MAX_NESTING:
            results.append(SqlStatementFacts(line, "error", error=f"nested deeper than {MAX_NESTING} levels"))
            continue
        tree = _parse(text, dialect)
        if tree is None:
            results.append(SqlStatementFacts(line, "error", error="sqlglot could not parse the statement"))
            continue
        if isinstance(tree, exp.Command):
            results.append(SqlStatementFacts(line, str(tree.this or "command").lower(), statement=tree))
            continue
        if not isinstance(tree, _STATEMENTS):
            results.append(SqlStatementFacts(line, "error", error="not a SQL statement"))
            continue
        try:
            results.append(_facts(line, tree))
        except RecursionError:
            results.append(SqlStatementFacts(line, "error", error="statement nested too deeply"))
        except Exception as exc:  # never let one statement stop the file
            results.append(SqlStatementFacts(line, "error", error=f"could not analyse: {type(exc).__name__}"))
    return tuple(results)
