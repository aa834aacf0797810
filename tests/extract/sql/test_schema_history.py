"""Type narrowing against the type earlier versions declared."""

from __future__ import annotations

import pytest
from sqlglot import exp

from analyzer.extract.schema_history import Column, Schema, apply, narrows
from analyzer.extract.sqltables import analyze_sql


def _type(text: str, dialect: str = "postgres") -> exp.DataType:
    return exp.DataType.build(text, dialect=dialect)


@pytest.mark.parametrize(
    ("old", "new", "narrowing"),
    [
        ("varchar(32)", "text", False),
        ("varchar(50)", "varchar(100)", False),
        ("varchar(100)", "varchar(50)", True),
        ("text", "varchar(10)", True),
        ("int", "bigint", False),
        ("bigint", "int", True),
        ("smallint", "double precision", False),
        ("numeric(10,2)", "numeric(12,2)", False),
        ("numeric(10,2)", "numeric(8,2)", True),
        ("numeric(10,4)", "numeric(10,2)", True),
        ("int", "text", False),
        ("text", "int", True),
        ("timestamp", "date", True),
    ],
)
def test_narrows(old: str, new: str, narrowing: bool) -> None:
    assert narrows(_type(old), _type(new)) is narrowing


def test_unknown_old_type() -> None:
    assert narrows(None, _type("int")) is True
    assert narrows(None, _type("text")) is False
    assert narrows(_type("nvarchar(20)", "tsql"), _type("nvarchar(max)", "tsql")) is False


def test_replay_tracks_creates_alters_renames_and_drops() -> None:
    schema: Schema = {}
    sql = (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), b INT NOT NULL);\n"
        "ALTER TABLE t ADD COLUMN c TEXT;\n"
        "ALTER TABLE t RENAME COLUMN a TO a2;\n"
        "ALTER TABLE t ALTER COLUMN c SET NOT NULL;\n"
        "ALTER TABLE t DROP COLUMN b;\n"
        "ALTER TABLE t RENAME TO u;\n"
        "CREATE TABLE gone (x INT);\nDROP TABLE gone;"
    )
    for facts in analyze_sql(sql, "postgres"):
        apply(schema, facts)
    assert set(schema) == {"u"}
    assert {
        name: (column.dtype.sql() if column.dtype else "", column.not_null)
        for name, column in schema["u"].items()
    } == {
        "id": ("INT", True),
        "a2": ("VARCHAR(10)", False),
        "c": ("TEXT", True),
    }
    assert isinstance(schema["u"]["id"], Column)
