"""SQL migration and schema files: ownership, access, schema changes and tool markers, by exact line."""

from __future__ import annotations

from pathlib import Path

from analyzer.extract import sqlfiles
from analyzer.model import DiagnosticLevel
from tests.extract.sql.helpers import FIXTURES, accesses, markers, migrations, run

FLYWAY = "flyway/orders/db/migration"
GOMIGRATE = "golang-migrate/catalog/migrations"


def _flyway(name: str) -> sqlfiles.ExtractResult:
    return run(sqlfiles, FIXTURES, f"{FLYWAY}/{name}", "orders", "postgresql")


def test_flyway_v1_creates_owns_and_cross_service_foreign_key() -> None:
    result = _flyway("V1__init.sql")
    assert result.diagnostics == []
    assert accesses(result) == {
        ("public.orders", "owns", 2),
        ("customers.customer", "reads", 4),  # foreign key into another service's schema
        ("order_line", "owns", 8),
        ("public.orders", "reads", 12),
        ("order_line", "owns", 14),
    }
    # qty is NOT NULL without default, but order_line is created in this same file: it is empty.
    assert migrations(result) == {
        ("public.orders", "create_table", "", 2),
        ("order_line", "create_table", "", 8),
        ("order_line", "add_column", "qty", 14),
    }
    assert markers(result) == {("orders", "migration_tool", "flyway")}
    details = {f.evidence.detail for f in result.facts if getattr(f, "table", "") == "customers.customer"}
    assert details == {"foreign key"}


def test_flyway_versions_are_normalised() -> None:
    versions = {
        name: {getattr(f, "version", None) for f in _flyway(name).facts} - {None}
        for name in ("V1__init.sql", "V3__cleanup.sql")
    }
    assert versions == {"V1__init.sql": {"1"}, "V3__cleanup.sql": {"3"}}
    assert sqlfiles.migration_tool("db/V1_1__backfill.sql", "") == ("flyway", "1.1")
    assert sqlfiles.migration_tool("db/R__views.sql", "") == ("flyway", "")
    assert sqlfiles.migration_tool("db/schema.sql", "--liquibase formatted sql\n") == ("liquibase", "")


def test_flyway_insert_select_reads_source_writes_target() -> None:
    result = _flyway("V1_1__backfill.sql")
    assert accesses(result) == {("public.orders", "writes", 1), ("customers.customer", "reads", 2)}
    assert migrations(result) == set()


def test_flyway_v2_changes_on_existing_tables() -> None:
    result = _flyway("V2__status.sql")
    assert migrations(result) == {
        ("public.orders", "add_not_null_without_default", "status", 1),
        ("public.orders", "add_column", "priority", 2),  # has a default
        ("order_line", "narrow_type", "sku", 3),  # TEXT in V1 -> VARCHAR(32)
        # line 4: qty was created NOT NULL in V1, so SET NOT NULL changes nothing
        ("public.orders", "add_not_null_without_default", "note", 5),  # nullable in V1
        # line 6: INT -> BIGINT widens
    }


def test_flyway_v3_drop_after_add_in_v1_and_cte_update_from_delete_using() -> None:
    result = _flyway("V3__cleanup.sql")
    assert result.diagnostics == []
    assert migrations(result) == {
        ("public.orders", "drop_column", "note", 2),
        ("order_line", "rename_column", "sku", 3),
        ("order_line", "rename_table", "", 4),
        ("legacy_cart", "drop_table", "", 5),
    }
    assert accesses(result) == {
        ("public.orders", "owns", 2),
        ("order_line", "owns", 3),
        ("order_line", "owns", 4),
        ("public.orders", "reads", 6),  # through the CTE `stale`, which is not a table
        ("order_item", "writes", 7),
        ("inventory.stock", "reads", 8),
        ("order_item", "writes", 8),
    }


def test_flyway_undo_and_golang_migrate_down_are_rollbacks() -> None:
    for rel in (
        f"{FLYWAY}/U3__cleanup.sql",
        f"{GOMIGRATE}/000001_init.down.sql",
        f"{GOMIGRATE}/000002_rename.down.sql",
    ):
        result = run(sqlfiles, FIXTURES, rel, "svc", "postgresql")
        assert (result.facts, result.diagnostics) == ([], []), rel


def test_golang_migrate_up_files() -> None:
    first = run(sqlfiles, FIXTURES, f"{GOMIGRATE}/000001_init.up.sql", "catalog", "mysql")
    assert markers(first) == {("catalog", "migration_tool", "golang-migrate")}
    assert accesses(first) == {("products", "owns", 1), ("product_tags", "owns", 5)}
    second = run(sqlfiles, FIXTURES, f"{GOMIGRATE}/000002_rename.up.sql", "catalog", "mysql")
    assert second.diagnostics == []
    assert migrations(second) == {
        ("product_tags", "rename_table", "", 1),  # MySQL RENAME TABLE
        ("products", "narrow_type", "name", 2),  # MODIFY: VARCHAR(100) in 000001 -> VARCHAR(50)
        # (its NOT NULL restates 000001's, so it is no add_not_null_without_default)
        ("products", "rename_column", "name", 3),  # CHANGE COLUMN renames; VARCHAR(50) is kept
        ("products", "drop_column", "title", 4),
    }
    assert {f.version for f in second.facts if hasattr(f, "version")} == {"000002"}


def test_tsql_sp_rename() -> None:
    ctx = sqlfiles.FileContext("pay/db/V4__rename.sql", "/nonexistent", "pay", "sqlserver")
    text = "EXEC sp_rename 'dbo.Payments.Amount', 'Total', 'COLUMN';\nGO\nEXEC sp_rename 'dbo.Refund', 'Refunds';\n"
    assert migrations(sqlfiles.extract(ctx, text)) == {
        ("dbo.payments", "rename_column", "amount", 1),
        ("dbo.refund", "rename_table", "", 3),
    }


def test_broken_statements_one_diagnostic_rest_read() -> None:
    result = run(sqlfiles, FIXTURES, "broken/broken.sql", "svc", "postgresql")
    assert accesses(result) == {("good_one", "owns", 1), ("good_one", "writes", 3), ("good_one", "writes", 5)}
    assert [(d.path, d.line, d.level) for d in result.diagnostics] == [
        ("broken/broken.sql", 2, DiagnosticLevel.WARNING)
    ]
    assert result.diagnostics[0].message.startswith("2 SQL statement(s) not understood")
    assert markers(result) == set()
    assert {f.tool for f in result.facts if hasattr(f, "tool")} == {"plain"}


def test_deep_nesting_file() -> None:
    result = run(sqlfiles, FIXTURES, "broken/deep_nesting.sql", "svc", "postgresql")
    assert accesses(result) == {("shallow_t", "reads", 3), ("after_deep", "writes", 4)}
    assert [(d.line, "nested deeper than 40 levels" in d.message) for d in result.diagnostics] == [(2, True)]


def test_liquibase_formatted_sql() -> None:
    rel = "liquibase/customers/src/main/resources/db/changelog/sql/005-views.sql"
    result = run(sqlfiles, FIXTURES, rel, "customers", "postgresql")
    assert markers(result) == {("customers", "migration_tool", "liquibase")}
    assert migrations(result) == {
        ("customer_note", "create_table", "", 4),
        ("customer", "drop_column", "tier", 8),
    }


def test_files_outside_services_and_unknown_dialect() -> None:
    ctx = sqlfiles.FileContext("schema.sql", "/nonexistent", "", "")
    assert sqlfiles.extract(ctx, "CREATE TABLE t (id INT);").facts == []
    ctx = sqlfiles.FileContext("svc/schema.sql", "/nonexistent", "svc", "neo4j")
    # T-SQL brackets parse only after the default dialect falls back to the common ones.
    result = sqlfiles.extract(ctx, "SELECT * FROM [dbo].[Orders] WITH (NOLOCK);\nCREATE TABLE t (id INT);")
    assert accesses(result) == {("dbo.Orders", "reads", 1), ("t", "owns", 2)}


def test_type_changes_without_history_count_as_narrowing() -> None:
    ctx = sqlfiles.FileContext("svc/db/V9__types.sql", "/nonexistent", "svc", "postgresql")
    text = "ALTER TABLE t ALTER COLUMN a TYPE TEXT;\nALTER TABLE t ALTER COLUMN b TYPE INT;\n"
    # Anything fits TEXT; the old type of b is unknown, so the change cannot be shown safe.
    assert migrations(sqlfiles.extract(ctx, text)) == {("t", "narrow_type", "b", 2)}


def test_history_follows_versions_not_file_names(tmp_path: Path) -> None:
    folder = tmp_path / "svc" / "db"
    folder.mkdir(parents=True)
    (folder / "V1__a.sql").write_text("CREATE TABLE t (c VARCHAR(10));")
    (folder / "V10__b.sql").write_text("ALTER TABLE t ALTER COLUMN c TYPE VARCHAR(5);")
    (folder / "V2__c.sql").write_text("ALTER TABLE t ALTER COLUMN c TYPE VARCHAR(100);")
    (folder / "U2__c.sql").write_text("ALTER TABLE t ALTER COLUMN c TYPE VARCHAR(1);")
    (folder / "V11__d.sql").write_text("ALTER TABLE t ALTER COLUMN c TYPE VARCHAR(50);")

    def changes(name: str) -> set[tuple[str, str, str, int]]:
        return migrations(run(sqlfiles, tmp_path, f"svc/db/{name}", "svc", "postgresql"))

    assert changes("V2__c.sql") == set()  # 10 -> 100 widens; V10 sorts after V2 by version
    assert changes("V10__b.sql") == {("t", "narrow_type", "c", 1)}  # 100 -> 5
    assert changes("V11__d.sql") == set()  # 5 -> 50


def test_history_across_checkpoints(tmp_path: Path) -> None:
    folder = tmp_path / "svc" / "migrations"
    folder.mkdir(parents=True)
    (folder / "000001_init.up.sql").write_text("CREATE TABLE t (c VARCHAR(10));")
    widths = {n: 10 + n for n in range(2, 61)}
    widths[26] = widths[51] = 5  # narrowed right after the 25-version checkpoints, then widened again
    for n, width in widths.items():
        (folder / f"{n:06d}_m.up.sql").write_text(f"ALTER TABLE t ALTER COLUMN c TYPE VARCHAR({width});")
        (folder / f"{n:06d}_m.down.sql").write_text("ALTER TABLE t ALTER COLUMN c TYPE VARCHAR(1);")
    narrowed = {
        n
        for n in widths
        if migrations(run(sqlfiles, tmp_path, f"svc/migrations/{n:06d}_m.up.sql", "svc", "postgresql"))
    }
    assert narrowed == {26, 51}
