"""Every real-data SQL and Liquibase file is read without a crash and yields what its README lists.

The files are copies from public repositories (see ``real-data/manifests/README.md``, sections 7
and 8). Skipped when the shared folder is not mounted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.extract import liquibase, sqlfiles
from analyzer.extract.facts import TableAccess
from tests.extract.sql.helpers import markers, migrations, run

REAL = Path("/work/shared/real-data/manifests")
CONDUCTOR = "sql-migrations/Netflix__conductor/postgres-persistence/src/main/resources/db/migration_postgres"
JHIPSTER = "liquibase/jhipster__jhipster-sample-app-microservice/src/main/resources/config/liquibase"
CONDUCTOR_TABLES = {
    "meta_event_handler",
    "meta_task_def",
    "meta_workflow_def",
    "event_execution",
    "poll_data",
    "task_scheduled",
    "task_in_progress",
    "task",
    "workflow",
    "workflow_def_to_workflow",
    "workflow_pending",
    "workflow_to_task",
    "queue",
    "queue_message",
}

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="real-data folder not mounted")


def _all_files() -> list[str]:
    if not REAL.is_dir():
        return []
    found = [
        *REAL.glob("sql-migrations/**/*.sql"),
        *REAL.glob("liquibase/**/*.xml"),
        *REAL.glob("liquibase/**/*.y*ml"),
    ]
    return sorted(p.relative_to(REAL).as_posix() for p in found)


@pytest.mark.parametrize("rel", _all_files())
def test_every_file_reads_without_error(rel: str) -> None:
    module = sqlfiles if rel.endswith(".sql") else liquibase
    result = run(module, REAL, rel, "svc", "postgresql")
    assert result.diagnostics == []
    assert markers(result) == {("svc", "migration_tool", "flyway" if rel.endswith(".sql") else "liquibase")}


def test_conductor_v1_creates_fourteen_tables() -> None:
    result = run(sqlfiles, REAL, f"{CONDUCTOR}/V1__initial_schema.sql", "conductor", "postgresql")
    owned = {f.table for f in result.facts if isinstance(f, TableAccess) and f.action == "owns"}
    assert owned == CONDUCTOR_TABLES
    created = {(table, change) for table, change, _, _ in migrations(result)}
    assert created == {(t, "create_table") for t in CONDUCTOR_TABLES}
    assert ("meta_event_handler", "create_table", "", 6) in migrations(result)


def test_conductor_v6_drops_id_everywhere_but_meta_event_handler() -> None:
    result = run(sqlfiles, REAL, f"{CONDUCTOR}/V6__update_pk.sql", "conductor", "postgresql")
    got = migrations(result)
    assert {(t, c, col) for t, c, col, _ in got} == {
        (t, "drop_column", "id") for t in CONDUCTOR_TABLES - {"meta_event_handler"}
    }
    assert ("queue_message", "drop_column", "id", 4) in got and (
        "meta_task_def",
        "drop_column",
        "id",
        76,
    ) in got
    assert {f.version for f in result.facts if hasattr(f, "version")} == {"6"}


def test_jhipster_changelogs() -> None:
    master = run(liquibase, REAL, f"{JHIPSTER}/master.xml", "jhipster", "postgresql")
    assert master.diagnostics == []  # both includes resolve against src/main/resources
    initial = run(liquibase, REAL, f"{JHIPSTER}/changelog/00000000000000_initial_schema.xml", "jhipster")
    # its only createTable (jhi_date_time_wrapper) has context="test": not production schema
    assert migrations(initial) == set()
    bank = run(
        liquibase, REAL, f"{JHIPSTER}/changelog/20161016121722_added_entity_BankAccount.xml", "jhipster"
    )
    assert migrations(bank) == {("bank_account", "create_table", "", 13)}
    access = {(f.table, f.action) for f in bank.facts if isinstance(f, TableAccess)}
    assert access == {("bank_account", "owns"), ("bank_account", "writes")}  # faker loadData
    destructive = {c for m in (master, initial, bank) for _, c, _, _ in migrations(m)} - {"create_table"}
    assert destructive == set()  # no ALTER or DROP in these changelogs
