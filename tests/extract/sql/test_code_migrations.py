"""Alembic and EF Core migrations: forward direction only, parsed with tree-sitter, never imported."""

from __future__ import annotations

from analyzer.extract.facts import FileContext
from analyzer.extract.source import migrations as code_migrations
from tests.extract.sql.helpers import FIXTURES, accesses, markers, migrations, run

ALEMBIC = "alembic/billing/alembic/versions/3f2a1c_create_invoices.py"
EFCORE = "efcore/payments/Migrations/20240101120000_Init.cs"


def test_alembic_upgrade_only() -> None:
    result = run(code_migrations, FIXTURES, ALEMBIC, "billing", "postgresql")
    assert markers(result) == {("billing", "migration_tool", "alembic")}
    assert migrations(result) == {
        ("invoice", "create_table", "", 13),
        ("invoice", "add_not_null_without_default", "currency", 18),
        ("invoice", "add_column", "paid", 19),  # server_default
        ("invoice", "drop_column", "legacy_ref", 20),
        ("invoice", "rename_column", "total", 21),
        ("invoice", "narrow_type", "amount", 22),
        ("invoice_old", "rename_table", "", 23),
        ("payment_stub", "drop_table", "", 24),
    }  # downgrade()'s drop_table("invoice") at line 28 is a rollback
    assert ("invoice", "writes", 25) in accesses(result)
    assert {m.version for m in result.facts if hasattr(m, "version")} == {"3f2a1c"}


def test_efcore_up_only() -> None:
    result = run(code_migrations, FIXTURES, EFCORE, "payments", "sqlserver")
    assert markers(result) == {("payments", "migration_tool", "efcore")}
    assert migrations(result) == {
        ("pay.Payments", "create_table", "", 9),
        ("pay.Payments", "add_not_null_without_default", "Reference", 17),
        ("pay.Payments", "drop_column", "Legacy", 23),
        ("pay.Payments", "rename_column", "Amount", 28),
        ("pay.Payments", "narrow_type", "Reference", 30),
        ("Refunds", "drop_table", "", 32),
    }  # Down()'s DropTable at line 37 is a rollback
    assert accesses(result) == {("pay.Payments", "owns", 9)}


def test_wants_and_non_migrations() -> None:
    assert code_migrations.wants("svc/Migrations/20240101_Init.cs")
    assert not code_migrations.wants("svc/Migrations/20240101_Init.Designer.cs")
    assert code_migrations.wants("svc/alembic/versions/abc_x.py")
    ctx = FileContext("svc/alembic/versions/abc_x.py", "/nonexistent", "svc")
    assert code_migrations.extract(ctx, "def helper():\n    pass\n").facts == []
    broken = code_migrations.extract(ctx, "def upgrade(:\n    op.drop_table('t'\n")
    assert broken.diagnostics  # a syntax error is reported, never raised
