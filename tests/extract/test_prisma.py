"""Prisma schemas: owned models (``@@map`` wins) and the datasource."""

from __future__ import annotations

from analyzer.extract import prisma
from analyzer.extract.facts import Connection, FileContext, TableAccess
from analyzer.model import DiagnosticLevel
from tests.conftest import FIXTURES

SCHEMA = "js/catalog/prisma/schema.prisma"


def test_models_are_owned_tables_and_datasource_comes_from_env() -> None:
    text = (FIXTURES / "code" / SCHEMA).read_text()
    result = prisma.extract(FileContext(SCHEMA, str(FIXTURES / "code"), "catalog"), text)
    assert prisma.wants(SCHEMA) and not prisma.wants("x/schema.sql")
    owned = {(f.table, f.evidence.location.line) for f in result.facts if isinstance(f, TableAccess)}
    assert owned == {("Product", 10), ("price_history", 16)}
    (conn,) = [f for f in result.facts if isinstance(f, Connection)]
    assert (conn.info.technology, conn.host_origin) == ("postgresql", "env")
    assert result.diagnostics == []


def test_literal_url_and_unclosed_model() -> None:
    text = 'datasource db {\n  provider = "mysql"\n  url = "mysql://u:p@shop-db:3306/shop"\n}\nmodel A {\n  id Int\n'
    result = prisma.extract(FileContext("s/schema.prisma", "/x", "svc"), text)
    (conn,) = [f for f in result.facts if isinstance(f, Connection)]
    assert (conn.info.technology, conn.info.hosts, conn.host_origin) == ("mysql", ("shop-db",), "literal")
    assert [(d.line, d.level) for d in result.diagnostics] == [(5, DiagnosticLevel.WARNING)]
