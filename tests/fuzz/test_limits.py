"""Input limits: each one stops what it should with a diagnostic naming the file, and the
configuration may set them (lower only, from inside the scanned repository)."""

from __future__ import annotations

import os
from pathlib import Path

from analyzer.extract.facts import FileContext
from analyzer.extract.sqltables import analyze_sql
from analyzer.model import DiagnosticLevel
from analyzer.model.inputs import bracket_depth, read_text_file
from analyzer.model.limits import DEFAULT_LIMITS, Limits, using_limits
from analyzer.pipeline import extraction, load_project_config


def _run(tmp_path: Path, name: str, path: str, text: str | bytes, limits: Limits) -> list[tuple[str, str]]:
    full = tmp_path / path
    full.parent.mkdir(parents=True, exist_ok=True)
    full.write_bytes(text.encode() if isinstance(text, str) else text)
    result = extraction.run_one((name, FileContext(path, str(tmp_path), "orders", limits=limits)))
    return [(d.path, d.message) for d in result.diagnostics]


def test_size_limit_is_per_kind(tmp_path: Path) -> None:
    small_code = Limits(code_max_bytes=100)
    code = _run(tmp_path, "python", "app/main.py", "x = 1\n" * 50, small_code)
    assert code and code[0][0] == "app/main.py" and "100 byte limit" in code[0][1]
    assert _run(tmp_path, "sqlfiles", "db/V1__a.sql", "CREATE TABLE a (id int);\n" * 10, small_code) == []


def test_code_nesting_stops_before_python_recursion(tmp_path: Path) -> None:
    limits = Limits(code_max_depth=50)
    chain = 'x = "a"' + ' + "b"' * 200 + "\n"  # no brackets: the syntax tree is what is deep
    diagnostics = _run(tmp_path, "python", "app/chain.py", chain, limits)
    assert diagnostics == [
        (
            "app/chain.py",
            "python extractor: file skipped: syntax tree nested deeper than 50 levels (limit code_max_depth)",
        )
    ]
    fine = _run(tmp_path, "python", "app/fine.py", 'x = "a" + "b"\n', limits)
    assert fine == []


def test_json_nesting_is_checked_before_parsing(tmp_path: Path) -> None:
    deep = '{"ConnectionStrings": ' + "[" * 60 + "]" * 60 + "}"
    diagnostics = _run(tmp_path, "dotnet", "appsettings.json", deep, Limits(json_max_depth=50))
    assert any("limit json_max_depth" in m for _, m in diagnostics)
    assert bracket_depth("[" * 60, stop_above=50) == 51


def test_sql_time_budget_stops_between_statements() -> None:
    sql = "SELECT a FROM b JOIN c ON b.x = c.y;\n" * 400
    with using_limits(Limits(sql_max_millis=1)):
        facts = analyze_sql(sql)
    assert len(facts) == 400
    assert "limit sql_max_millis" in facts[-1].error


def test_fifos_and_symlink_loops_are_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yml")
    (tmp_path / "loop.yml").symlink_to("loop.yml")
    assert "not a regular file" in read_text_file(tmp_path / "pipe.yml", 1000).note
    assert "symlink loop" in read_text_file(tmp_path / "loop.yml", 1000).note


def test_limits_in_the_config_lower_but_never_raise_from_inside_the_tree(tmp_path: Path) -> None:
    (tmp_path / "archconform.yml").write_text("limits:\n  json_max_depth: 20\n  code_max_bytes: 999999999\n")
    inside = load_project_config(tmp_path).limits
    assert inside.json_max_depth == 20
    assert inside.code_max_bytes == DEFAULT_LIMITS.code_max_bytes
    outside = tmp_path.parent / f"{tmp_path.name}-trusted.yml"
    outside.write_text("limits:\n  code_max_bytes: 999999999\n")
    assert load_project_config(tmp_path, outside).limits.code_max_bytes == 999999999


def test_binary_files_are_skipped_with_a_note(tmp_path: Path) -> None:
    diagnostics = _run(tmp_path, "java", "src/A.java", b"\xca\xfe\xba\xbe\x00\x00", DEFAULT_LIMITS)
    assert diagnostics == [("src/A.java", "binary file (zero bytes in its first 8 KiB)")]
    result = extraction.run_one(("java", FileContext("src/A.java", str(tmp_path), "orders")))
    assert result.diagnostics[0].level == DiagnosticLevel.INFO
