"""Liquibase XML/YAML changelogs: changes at the change element's line, includes, test contexts."""

from __future__ import annotations

from pathlib import Path

from analyzer.extract import liquibase
from analyzer.extract.facts import FileContext, Migration
from analyzer.model import DiagnosticLevel
from tests.extract.sql.helpers import FIXTURES, accesses, markers, migrations, run

ROOT = FIXTURES / "liquibase"
RESOURCES = "customers/src/main/resources"


def test_xml_changelog_changes_and_test_context_skipped() -> None:
    result = run(liquibase, ROOT, f"{RESOURCES}/db/changelog/001-customers.xml", "customers", "postgresql")
    assert result.diagnostics == []
    assert migrations(result) == {
        ("customer", "create_table", "", 4),
        # changeSet 3 adds a NOT NULL column to a table created in an earlier changeSet: existing data.
        ("customer", "add_not_null_without_default", "tier", 17),
        ("customer", "narrow_type", "email", 22),
        ("customer", "drop_column", "legacy_code", 25),
        ("customer", "rename_column", "email", 26),
        ("customer", "add_not_null_without_default", "mail", 27),
        ("customer_old", "drop_table", "", 28),
    }
    # test_fixture (context="test") never reaches production.
    assert accesses(result) == {
        ("customer", "owns", 4),
        ("customer", "owns", 17),
        ("orders.orders", "reads", 29),
        ("audit_log", "writes", 29),
    }
    assert markers(result) == {("customers", "migration_tool", "liquibase")}
    assert {f.evidence.source.value for f in result.facts} == {"sql"}


def test_yaml_changelog() -> None:
    result = run(liquibase, ROOT, f"{RESOURCES}/db/changelog/002-addresses.yaml", "customers", "postgresql")
    assert result.diagnostics == []
    assert migrations(result) == {
        ("crm.address", "create_table", "", 6),
        ("crm.address", "add_column", "zip", 13),  # same changeSet as the create: the table is empty
        ("address", "drop_column", "street2", 33),
        ("address", "rename_column", "zip", 36),
    }  # the test-context dropTable of changeSet 11 is skipped


def test_master_follows_includes_and_reports_missing_ones() -> None:
    result = run(
        liquibase, ROOT, f"{RESOURCES}/db/changelog/db.changelog-master.xml", "customers", "postgresql"
    )
    assert [(d.line, d.level) for d in result.diagnostics] == [(9, DiagnosticLevel.WARNING)]
    assert "004-missing.xml" in result.diagnostics[0].message
    # 001 and 002 sit under db/changelog and are read on their own; schema/003-loyalty.xml is not
    # a path discovery hands to this extractor, so the master reads it, at its own path and lines.
    loyalty = f"{RESOURCES}/schema/003-loyalty.xml"
    assert not liquibase.wants(loyalty)
    assert {
        (f.evidence.location.path, f.evidence.location.line) for f in result.facts if isinstance(f, Migration)
    } == {(loyalty, 3)}
    assert ("loyalty_points", "owns", 3) in accesses(result)


def test_include_never_leaves_the_repository(tmp_path: Path) -> None:
    inner = tmp_path / "repo" / "svc" / "db"
    inner.mkdir(parents=True)
    (tmp_path / "outside.xml").write_text(
        "<databaseChangeLog><changeSet><dropTable tableName='x'/></changeSet></databaseChangeLog>"
    )
    master = '<databaseChangeLog>\n<include file="../../../outside.xml" relativeToChangelogFile="true"/>\n</databaseChangeLog>'
    ctx = FileContext("svc/db/master.xml", str(tmp_path / "repo"), "svc")
    result = liquibase.extract(ctx, master)
    assert migrations(result) == set()
    assert [d.line for d in result.diagnostics] == [2]


def test_include_cycle_terminates(tmp_path: Path) -> None:
    folder = tmp_path / "svc" / "schema"
    folder.mkdir(parents=True)
    (folder / "a.xml").write_text(
        '<databaseChangeLog><include file="b.xml" relativeToChangelogFile="true"/></databaseChangeLog>'
    )
    (folder / "b.xml").write_text(
        '<databaseChangeLog><include file="a.xml" relativeToChangelogFile="true"/>\n'
        '<changeSet id="1" author="x"><dropTable tableName="t"/></changeSet></databaseChangeLog>'
    )
    ctx = FileContext("svc/schema/a.xml", str(tmp_path), "svc")
    result = liquibase.extract(ctx, (folder / "a.xml").read_text())
    assert [(m.change, m.evidence.location.path) for m in result.facts if isinstance(m, Migration)] == [
        ("drop_table", "svc/schema/b.xml")
    ]


def test_malformed_changelogs_are_diagnostics() -> None:
    ctx = FileContext("svc/db/changelog/bad.xml", "/nonexistent", "svc")
    bad = liquibase.extract(ctx, "<databaseChangeLog>\n<changeSet>\n</databaseChangeLog>")
    assert bad.facts == [] and [(d.line, d.level) for d in bad.diagnostics] == [(3, DiagnosticLevel.ERROR)]
    ctx = FileContext("svc/db/changelog/bad.yaml", "/nonexistent", "svc")
    bad = liquibase.extract(ctx, "databaseChangeLog:\n  - changeSet: [\n")
    assert bad.facts == [] and len(bad.diagnostics) == 1
    odd = liquibase.extract(
        ctx, "databaseChangeLog:\n  - changeSet: 3\n  - 7\n  - changeSet: {changes: [1, {x: 2}]}\n"
    )
    assert odd.diagnostics == [] and migrations(odd) == set()


def test_sql_change_lines_follow_the_body() -> None:
    text = (
        "<databaseChangeLog>\n<changeSet id='1' author='a'>\n<sql>\n"
        "  CREATE TABLE notes (id INT);\n  DROP TABLE old_notes;\n  SELEC broken;\n</sql>\n</changeSet>\n</databaseChangeLog>"
    )
    result = liquibase.extract(
        FileContext("svc/db/changelog/x.xml", "/nonexistent", "svc", "postgresql"), text
    )
    assert migrations(result) == {("notes", "create_table", "", 4), ("old_notes", "drop_table", "", 5)}
    assert [d.line for d in result.diagnostics] == [6]
