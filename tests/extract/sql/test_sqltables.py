"""The statement-level SQL API shared by SQL files, embedded SQL and trace spans."""

from __future__ import annotations

import pytest

from analyzer.extract.sqltables import SqlStatementFacts, analyze_sql, dialect_for


def _one(sql: str, dialect: str = "postgres") -> SqlStatementFacts:
    (facts,) = analyze_sql(sql, dialect)
    assert facts.error == "", facts.error
    return facts


@pytest.mark.parametrize(
    ("technology", "dialect"),
    [
        ("postgresql", "postgres"),
        ("cockroachdb", "postgres"),
        ("mysql", "mysql"),
        ("mariadb", "mysql"),
        ("sqlserver", "tsql"),
        ("oracle", "oracle"),
        ("sqlite", "sqlite"),
        ("mongodb", ""),
        ("", ""),
    ],
)
def test_dialect_for(technology: str, dialect: str) -> None:
    assert dialect_for(technology) == dialect


@pytest.mark.parametrize(
    ("sql", "kind", "reads", "writes", "creates"),
    [
        (
            "SELECT * FROM public.orders o JOIN items i ON i.o = o.id",
            "select",
            ("items", "public.orders"),
            (),
            (),
        ),
        ('SELECT * FROM "Orders" JOIN Items ON 1 = 1', "select", ("Orders", "items"), (), ()),
        ("WITH recent AS (SELECT * FROM orders) SELECT * FROM recent", "select", ("orders",), (), ()),
        (
            "WITH x AS (SELECT id FROM staging.raw) INSERT INTO public.orders SELECT * FROM x",
            "insert",
            ("staging.raw",),
            ("public.orders",),
            (),
        ),
        ("INSERT INTO audit SELECT * FROM orders", "insert", ("orders",), ("audit",), ()),
        ("INSERT INTO audit (a) VALUES (1)", "insert", (), ("audit",), ()),
        (
            "UPDATE orders o SET total = p.x FROM payments p WHERE p.id = o.id",
            "update",
            ("payments",),
            ("orders",),
            (),
        ),
        (
            "DELETE FROM orders USING customers c WHERE c.id = orders.cid",
            "delete",
            ("customers",),
            ("orders",),
            (),
        ),
        (
            "MERGE INTO tgt t USING src s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v "
            "WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)",
            "merge",
            ("src",),
            ("tgt",),
            (),
        ),
        (
            "CREATE TABLE report AS SELECT * FROM sales.orders",
            "create_table",
            ("sales.orders",),
            (),
            ("report",),
        ),
        ("CREATE TABLE IF NOT EXISTS Shop.Cart (id INT)", "create_table", (), (), ("shop.cart",)),
        ("TRUNCATE TABLE carts", "truncate", (), ("carts",), ()),
    ],
)
def test_tables_per_statement(
    sql: str, kind: str, reads: tuple[str, ...], writes: tuple[str, ...], creates: tuple[str, ...]
) -> None:
    facts = _one(sql)
    assert (facts.kind, facts.reads, facts.writes, facts.creates) == (kind, reads, writes, creates)


def test_foreign_keys_are_references_in_create_and_alter() -> None:
    create = _one(
        "CREATE TABLE a (id INT REFERENCES other.customers (id), b INT, FOREIGN KEY (b) REFERENCES z (id))"
    )
    assert create.references == ("other.customers", "z")
    alter = _one("ALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (x) REFERENCES billing.invoice (id)")
    assert (alter.kind, alter.alters, alter.references) == ("alter_table", ("a",), ("billing.invoice",))


def test_procedure_call_is_not_a_table() -> None:
    facts = _one("EXEC sp_rename 'dbo.a', 'b'", "tsql")
    assert (facts.kind, facts.reads, facts.writes) == ("execute", (), ())


def test_statements_keep_their_lines_and_errors_do_not_hide_the_rest() -> None:
    sql = "SELECT 1;\n\n-- a comment; with a semicolon\nSELEC * FORM x;\nINSERT INTO t\nVALUES (';');\n/* x */ DELETE FROM u"
    got = [(f.line, f.kind, f.writes, bool(f.error)) for f in analyze_sql(sql, "postgres")]
    assert got == [
        (1, "select", (), False),
        (4, "error", (), True),
        (5, "insert", ("t",), False),
        (7, "delete", ("u",), False),
    ]


def test_dollar_quoted_function_body_is_one_statement() -> None:
    sql = (
        "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  INSERT INTO x VALUES (1);\n  RETURN NEW;\nEND\n"
        "$$ LANGUAGE plpgsql;\nSELECT * FROM after_fn;"
    )
    facts = analyze_sql(sql, "postgres")
    assert [(f.line, f.reads) for f in facts][-1] == (7, ("after_fn",))
    assert len(facts) == 2


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    deep = "SELECT id FROM t WHERE id IN " + "(SELECT id FROM t WHERE id IN " * 50 + "(1)" + ")" * 50
    facts = analyze_sql(f"{deep};\nSELECT * FROM fine", "postgres")
    assert [(f.line, f.kind, f.reads) for f in facts] == [(1, "error", ()), (2, "select", ("fine",))]
    assert "nested deeper" in facts[0].error
    # 1,000 levels would overflow even the compiled parser; still one error, no exception.
    worst = "SELECT " + "(" * 1000 + "1" + ")" * 1000
    assert analyze_sql(worst)[0].kind == "error"


@pytest.mark.parametrize("garbage", ["", ";;;", "\x00\x01", "((((", "'unterminated", "$$ never closed", "GO"])
def test_garbage_never_raises(garbage: str) -> None:
    for facts in analyze_sql(garbage):
        assert facts.kind == "error" or facts.error == ""


def test_table_positions_are_line_and_column_in_the_text() -> None:
    (facts,) = analyze_sql("INSERT INTO audit\nSELECT *\n  FROM orders")
    assert facts.position("orders") == (3, 8)
    assert facts.position("audit") == (1, 13)
