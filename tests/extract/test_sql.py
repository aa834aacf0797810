"""SQL statement analysis and the SQL file extractor: exact tables, actions, lines."""

from __future__ import annotations

from analyzer.extract import sqlfiles
from analyzer.extract.facts import FileContext, Marker, Migration, TableAccess
from analyzer.extract.sqltables import analyze_sql, dialect_for, split_statements

SCRIPT = """\
-- header comment; with a semicolon
CREATE TABLE orders (
    id BIGINT PRIMARY KEY,
    customer_id BIGINT REFERENCES customers.customer(id),
    note TEXT DEFAULT 'a;b'
);

INSERT INTO audit (id)
SELECT o.id FROM orders o JOIN public."Items" i ON i.id = o.id;
WITH recent AS (SELECT id FROM shipments) SELECT * FROM recent;
UPDATE stock SET qty = qty - 1 FROM orders WHERE orders.id = stock.id;
DELETE FROM carts USING users WHERE users.id = carts.user_id;
CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN UPDATE x SET a = 1; RETURN NEW; END $$ LANGUAGE plpgsql;
SELEC broken;
"""


def test_statements_tables_and_lines() -> None:
    got = [
        (f.line, f.kind, f.reads, f.writes, f.creates, f.references, bool(f.error))
        for f in analyze_sql(SCRIPT, "postgres")
    ]
    assert got == [
        (2, "create_table", (), (), ("orders",), ("customers.customer",), False),
        (8, "insert", ("orders", "public.Items"), ("audit",), (), (), False),
        (10, "select", ("shipments",), (), (), (), False),
        (11, "update", ("orders",), ("stock",), (), (), False),
        (12, "delete", ("users",), ("carts",), (), (), False),
        (13, "create", (), (), (), (), False),
        (14, "error", (), (), (), (), True),
    ]


def test_schema_qualified_names_keep_the_schema() -> None:
    (facts,) = analyze_sql('SELECT * FROM "public"."Items" JOIN sales.orders ON true', "postgres")
    assert facts.reads == ("public.Items", "sales.orders")


def test_positions_point_at_the_table_reference() -> None:
    (facts,) = analyze_sql("SELECT *\nFROM a\n  JOIN b ON a.id = b.id", "postgres")
    assert facts.position("b") == (3, 8) and facts.position("a") == (2, 6)


def test_nesting_guard_and_split() -> None:
    deep = "SELECT " + "(" * 60 + "1" + ")" * 60
    (facts,) = analyze_sql(deep)
    assert facts.error and "nested" in facts.error
    assert split_statements("SELECT 1;\n\n-- c\nSELECT ';';\nGO\n") == [(1, "SELECT 1"), (4, "SELECT ';'")]
    assert dialect_for("sqlserver") == "tsql" and dialect_for("unknown") == ""


def test_sql_file_extractor_ownership_access_and_migrations() -> None:
    ctx = FileContext("orders/db/migration/V3__changes.sql", "/nonexistent", "orders", "postgresql")
    text = (
        "ALTER TABLE orders DROP COLUMN note;\n"
        "ALTER TABLE orders ADD COLUMN status TEXT NOT NULL;\n"
        "ALTER TABLE orders ADD COLUMN flag BOOLEAN NOT NULL DEFAULT false;\n"
        "ALTER TABLE orders ALTER COLUMN id TYPE INT;\n"
        "ALTER TABLE orders RENAME COLUMN customer_id TO buyer_id;\n"
        "DROP TABLE legacy_orders;\n"
        "SELECT * FROM inventory_items;\n"
    )
    result = sqlfiles.extract(ctx, text)
    assert [(m.key, m.value) for m in result.facts if isinstance(m, Marker)] == [("migration_tool", "flyway")]
    migrations = {(m.change, m.table, m.column, m.tool, m.version, m.evidence.location.line)
                  for m in result.facts if isinstance(m, Migration)}  # fmt: skip
    assert migrations == {
        ("drop_column", "orders", "note", "flyway", "3", 1),
        ("add_not_null_without_default", "orders", "status", "flyway", "3", 2),
        ("add_column", "orders", "flag", "flyway", "3", 3),
        ("narrow_type", "orders", "id", "flyway", "3", 4),
        ("rename_column", "orders", "customer_id", "flyway", "3", 5),
        ("drop_table", "legacy_orders", "", "flyway", "3", 6),
    }
    access = {
        (t.table, t.action, t.evidence.location.line) for t in result.facts if isinstance(t, TableAccess)
    }
    assert ("inventory_items", "reads", 7) in access and ("orders", "owns", 1) in access
    assert result.diagnostics == []


def test_rollbacks_are_ignored_and_broken_sql_is_one_diagnostic() -> None:
    down = FileContext("svc/migrations/000001_init.down.sql", "/x", "svc", "postgresql")
    assert sqlfiles.extract(down, "DROP TABLE orders;").facts == []
    up = FileContext("svc/migrations/000001_init.up.sql", "/x", "svc", "postgresql")
    result = sqlfiles.extract(up, "CREATE TABLE t (id int);\nSELEC 1;\nSELEC 2;\n")
    assert ("golang-migrate", "t") in {(m.tool, m.table) for m in result.facts if isinstance(m, Migration)}
    (diag,) = result.diagnostics
    assert diag.line == 2 and diag.message.startswith("2 SQL statement(s) not understood")


LIQUIBASE_XML = """<?xml version="1.0" encoding="utf-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
    <changeSet id="1" author="a">
        <createTable tableName="orders">
            <column name="id" type="bigint"><constraints primaryKey="true" nullable="false"/></column>
        </createTable>
    </changeSet>
    <changeSet id="2" author="a">
        <addColumn tableName="customers">
            <column name="tier" type="varchar(10)"><constraints nullable="false"/></column>
        </addColumn>
        <dropColumn tableName="orders" columnName="legacy_code"/>
        <renameColumn tableName="orders" oldColumnName="ref" newColumnName="reference"/>
        <modifyDataType tableName="orders" columnName="note" newDataType="varchar(20)"/>
        <sql>UPDATE orders SET note = '' WHERE note IS NULL</sql>
    </changeSet>
</databaseChangeLog>
"""


def test_liquibase_xml_changelog() -> None:
    from analyzer.extract import liquibase

    result = liquibase.extract(
        FileContext(
            "orders/src/main/resources/db/changelog/db.changelog-1.xml", "/x", "orders", "postgresql"
        ),
        LIQUIBASE_XML,
    )
    assert result.diagnostics == []
    migrations = {
        (m.change, m.table, m.column, m.evidence.location.line)
        for m in result.facts
        if isinstance(m, Migration)
    }
    assert migrations == {
        ("create_table", "orders", "", 4),
        ("add_not_null_without_default", "customers", "tier", 9),
        ("drop_column", "orders", "legacy_code", 12),
        ("rename_column", "orders", "ref", 13),
        ("narrow_type", "orders", "note", 14),
    }
    access = {
        (t.table, t.action, t.evidence.location.line) for t in result.facts if isinstance(t, TableAccess)
    }
    assert access == {("orders", "owns", 4), ("customers", "owns", 9), ("orders", "writes", 15)}
    assert [(m.key, m.value) for m in result.facts if isinstance(m, Marker)] == [
        ("migration_tool", "liquibase")
    ]
    broken = liquibase.extract(
        FileContext("o/db/changelog.xml", "/x", "orders"), "<databaseChangeLog><changeSet>"
    )
    assert (
        broken.facts == []
        and broken.diagnostics[0].line == 1
        and "invalid XML" in broken.diagnostics[0].message
    )


def test_liquibase_yaml_changelog() -> None:
    from analyzer.extract import liquibase

    text = (
        "databaseChangeLog:\n  - changeSet:\n      id: 1\n      author: a\n      changes:\n"
        "        - createTable:\n            tableName: carts\n            columns:\n"
        "              - column: {name: id, type: bigint}\n"
        "        - dropTable:\n            tableName: old_carts\n"
    )
    result = liquibase.extract(FileContext("carts/db/changelog/master.yaml", "/x", "carts"), text)
    migrations = {
        (m.change, m.table, m.evidence.location.line) for m in result.facts if isinstance(m, Migration)
    }
    assert migrations == {("create_table", "carts", 6), ("drop_table", "old_carts", 10)}


def test_alembic_upgrade_only() -> None:
    from analyzer.extract.source import migrations

    text = '''"""add status"""
import sqlalchemy as sa
from alembic import op


def upgrade():
    op.create_table("refunds", sa.Column("id", sa.Integer, primary_key=True))
    op.add_column("orders", sa.Column("status", sa.String(20), nullable=False))
    op.alter_column("orders", "total", type_=sa.Integer())
    op.drop_column("orders", "legacy")
    op.execute("UPDATE orders SET status = 'new'")


def downgrade():
    op.drop_table("refunds")
'''
    ctx = FileContext("orders/alembic/versions/3f2a_add_status.py", "/x", "orders", "postgresql")
    assert migrations.wants(ctx.path)
    result = migrations.extract(ctx, text)
    got = {
        (m.change, m.table, m.column, m.evidence.location.line)
        for m in result.facts
        if isinstance(m, Migration)
    }
    assert got == {
        ("create_table", "refunds", "", 7),
        ("add_not_null_without_default", "orders", "status", 8),
        ("narrow_type", "orders", "total", 9),
        ("drop_column", "orders", "legacy", 10),
    }
    assert ("orders", "writes", 11) in {
        (t.table, t.action, t.evidence.location.line) for t in result.facts if isinstance(t, TableAccess)
    }


def test_efcore_up_only() -> None:
    from analyzer.extract.source import migrations

    text = """using Microsoft.EntityFrameworkCore.Migrations;

public partial class AddBuyerTier : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "Buyers",
            schema: "ordering",
            columns: table => new { Id = table.Column<int>(nullable: false) });
        migrationBuilder.AddColumn<string>(name: "Tier", table: "Buyers", schema: "ordering", nullable: false);
        migrationBuilder.RenameColumn(name: "Ref", table: "Orders", newName: "Reference");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "Buyers", schema: "ordering");
    }
}
"""
    ctx = FileContext("src/Ordering/Migrations/20240101_AddBuyerTier.cs", "/x", "ordering", "sqlserver")
    assert migrations.wants(ctx.path)
    got = {
        (m.change, m.table, m.column, m.evidence.location.line)
        for m in migrations.extract(ctx, text).facts
        if isinstance(m, Migration)
    }
    assert got == {
        ("create_table", "ordering.Buyers", "", 7),
        ("add_not_null_without_default", "ordering.Buyers", "Tier", 11),
        ("rename_column", "Orders", "Ref", 12),
    }
