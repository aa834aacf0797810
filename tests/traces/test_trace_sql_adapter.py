"""The trace reader's use of ``analyzer.extract.sqltables`` (its documented API), with a stub when the
real module is not there yet, so table facts from traced statements are tested either way."""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from analyzer.extract.facts import Operation, TableAccess
from analyzer.extract.traces import read_trace_file, sql

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "traces"


@dataclass(frozen=True, slots=True)
class _Facts:
    line: int
    kind: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    creates: tuple[str, ...] = ()
    error: str = ""


def _stub_analyze_sql(text: str, dialect: str = "") -> tuple[_Facts, ...]:
    """Just enough SQL for the fixtures: INSERT INTO t / UPDATE t / SELECT ... FROM t."""
    words = text.split()
    verb = words[0].upper() if words else ""
    if verb == "INSERT":
        return (_Facts(1, "insert", (), (words[2].lower(),)),)
    if verb == "UPDATE":
        return (_Facts(1, "update", (), (words[1].lower(),)),)
    found = re.search(r"\bFROM\s+([\w.]+)", text, re.IGNORECASE)
    if verb == "SELECT" and found:
        return (_Facts(1, "select", (found.group(1).lower(),), ()),)
    return (_Facts(1, "other", (), (), (), "unsupported"),)


@pytest.fixture
def sqltables(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    try:
        import analyzer.extract.sqltables  # noqa: F401
    except ImportError:
        stub = types.ModuleType("analyzer.extract.sqltables")
        stub.analyze_sql = _stub_analyze_sql  # type: ignore[attr-defined]
        stub.dialect_for = lambda technology: {"postgresql": "postgres"}.get(technology, technology)  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "analyzer.extract.sqltables", stub)
    monkeypatch.setattr(sql, "_api", None)
    monkeypatch.setattr(sql, "_missing", False)
    monkeypatch.setattr(sql, "_cache", {})
    yield


def test_traced_statements_become_table_accesses(sqltables: None) -> None:
    result = read_trace_file(FIXTURES / "cross-service-write.json", "cross-service-write.json")
    tables = {
        (t.service, t.table, t.action, t.database, t.host, t.technology, t.evidence.count)
        for t in result.facts
        if isinstance(t, TableAccess)
    }
    assert tables == {
        ("orders", "orders", "writes", "orders", "orders-db", "postgresql", 1),
        ("payments", "accounts", "writes", "payments", "payments-db", "mysql", 1),
        ("payments", "payment_events", "writes", "audit", "audit-mongo", "mongodb", 1),
    }
    op = next(o for o in result.facts if isinstance(o, Operation))
    assert op.writes_tables == ("accounts", "orders", "payment_events")


def test_hotrod_select_is_credited_to_the_calling_service(sqltables: None) -> None:
    real = Path(__file__).resolve().parents[2].parent / "shared" / "real-data" / "traces" / "otlp-json"
    path = real / "jaeger__hotrod-skills-fixture__n_plus_one_full_serial.json"
    if not path.exists():
        pytest.skip("shared real-data folder not present")
    result = read_trace_file(path, "hotrod.json")
    tables = {(t.service, t.table, t.action, t.host) for t in result.facts if isinstance(t, TableAccess)}
    assert tables == {("customer", "customer", "reads", "mysql")}


def test_unparseable_statements_are_skipped_and_cached() -> None:
    sql._cache.clear()
    sql._api = (lambda text, dialect="": (_Facts(1, "other", (), (), (), "boom"),), lambda tech: tech)
    try:
        assert sql.tables_of("************", "mysql") == ((), ())
        assert ("************", "mysql") in sql._cache
    finally:
        sql._api = None
        sql._cache.clear()
