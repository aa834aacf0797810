"""Hole 4 of issue #15: repository content that expands (YAML aliases, XML entities, gzip) or
backtracks (regexes, tree-sitter queries) is read under limits. Each bomb is scanned in a child
process capped at 1.5 GB of address space; the bounds below are generous on purpose (a loaded CI
machine must not make them flaky): the bombs used to take gigabytes or minutes."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.security.bombs import (
    appsettings_alias,
    gzip_trace,
    liquibase_entities,
    properties_backslashes,
    spring_yaml_alias,
    tree_sitter_parens,
)
from tests.security.conftest import scan_measured

MAX_SECONDS = 60.0
MAX_RSS_MB = 700.0


def _diagnostics_at(out: dict[str, object], path: str) -> list[str]:
    return [d["message"] for d in out["diagnostics"] if d["path"] == path]  # type: ignore[attr-defined,index]


@pytest.mark.parametrize(
    ("bomb", "expected"),
    [
        (spring_yaml_alias, "YAML expands to more than"),
        (appsettings_alias, "YAML expands to more than"),
        (liquibase_entities, "XML entity declarations are not read"),
        (lambda repo: gzip_trace(repo, gigabytes=0.25), "gzip data inflates past"),
    ],
    ids=["spring-yaml-alias", "appsettings-alias", "liquibase-entities", "gzip-trace"],
)
def test_expansion_bombs_are_diagnostics_in_bounded_memory(tmp_path: Path, bomb, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = bomb(tmp_path)
    out = scan_measured(tmp_path)
    assert any(expected in message for message in _diagnostics_at(out, path)), out["diagnostics"]
    assert out["max_rss_mb"] < MAX_RSS_MB, out["max_rss_mb"]
    assert out["seconds"] < MAX_SECONDS, out["seconds"]


def test_a_properties_line_of_backslashes_does_not_hang(tmp_path: Path) -> None:
    path = properties_backslashes(tmp_path)
    (tmp_path / path).write_text("spring.application.name=orders\n" + "\\" * 4000 + "!\n")
    out = scan_measured(tmp_path)
    assert out["seconds"] < MAX_SECONDS, out["seconds"]  # 44 bytes used to take minutes


def test_a_line_of_parens_is_read_in_linear_time(tmp_path: Path) -> None:
    path = tree_sitter_parens(tmp_path)  # 100 KB: minutes per file before
    out = scan_measured(tmp_path)
    # Read with a syntax-error diagnostic, or (since the robustness work) skipped before parsing
    # by code_max_depth: either way named at the file and quick.
    expected = ("syntax errors", "limit code_max_depth")
    assert any(e in m for m in _diagnostics_at(out, path) for e in expected), out["diagnostics"]
    assert out["seconds"] < MAX_SECONDS / 2, out["seconds"]


def test_source_over_the_query_budget_is_a_diagnostic(tmp_path: Path) -> None:
    path = tree_sitter_parens(tmp_path)
    (tmp_path / path).write_text("def broken(:\n" + "requests.get(url)\n" * 20000)
    # Configuration inside the tree may lower a limit (never raise it).
    (tmp_path / "archconform.yml").write_text("limits: {query_max_millis: 1}\n")
    out = scan_measured(tmp_path)
    assert any("limit query_max_millis" in m for m in _diagnostics_at(out, path)), out["diagnostics"]


def test_deep_nesting_and_recursive_aliases_are_diagnostics(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    head = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"
    (tmp_path / "k8s" / "deep.yaml").write_text(head + "spec: " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "k8s" / "loop.yaml").write_text(head + "spec: &a {template: *a}\n")
    out = scan_measured(tmp_path)
    assert _diagnostics_at(out, "k8s/deep.yaml"), out["diagnostics"]
    assert _diagnostics_at(out, "k8s/loop.yaml"), out["diagnostics"]


def _scanners() -> dict[str, Callable[[str], object]]:
    from analyzer.extract.connstr import parse_connection_string
    from analyzer.extract.images import technology_for_dockerfile
    from analyzer.extract.interpolate import parse_env_entries
    from analyzer.extract.spring import _properties, _resolve
    from analyzer.extract.sqltables import split_statements
    from analyzer.extract.traces.problems import Problems
    from analyzer.extract.traces.servicegraph import read_servicegraph

    return {
        "properties": _properties,
        "sql": split_statements,
        "env": parse_env_entries,
        "dockerfile": technology_for_dockerfile,
        "libpq": parse_connection_string,
        "prometheus": lambda text: read_servicegraph([text], Problems("m.prom")),
        "placeholders": lambda text: _resolve(text, {}),
    }


@pytest.mark.parametrize(
    ("scanner", "text"),
    [
        ("properties", "\\" * 200_000 + "!"),
        ("sql", " g" * 200_000),
        ("sql", "$" * 400_000),
        ("env", "A=a" + " " * 400_000 + "b"),
        ("dockerfile", "\n" * 400_000),
        ("libpq", "host=x " + "a_" * 200_000),
        ("prometheus", "calls_total{" + "a_" * 200_000 + "} 1"),
        ("placeholders", "${" * 200_000),
        ("placeholders", "${a:" * 100_000),
    ],
)
def test_text_scanners_stay_linear_on_hostile_lines(scanner: str, text: str) -> None:
    """Regexes over repository text, reviewed for backtracking: each input took minutes or more
    (quadratic or exponential) before; now well under a second each on a quiet machine."""
    start = time.perf_counter()
    _scanners()[scanner](text)
    assert time.perf_counter() - start < 15


def test_a_plain_trace_over_trace_max_bytes_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "traces").mkdir()
    (tmp_path / "traces" / "big.json").write_text('{"resourceSpans": [' + " " * 4000 + "]}")
    (tmp_path / "archconform.yml").write_text("traces: ['traces/*.json']\nlimits: {trace_max_bytes: 1000}\n")
    out = scan_measured(tmp_path)
    assert any("limit trace_max_bytes" in m for m in _diagnostics_at(out, "traces/big.json")), out[
        "diagnostics"
    ]
