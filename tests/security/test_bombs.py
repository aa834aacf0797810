"""Hole 4 of issue #15: repository content that expands (YAML aliases, XML entities, gzip) or
backtracks (regexes, tree-sitter queries) is read under limits. Each bomb is scanned in a child
process capped at 1.5 GB of address space; the bounds below are generous on purpose (a loaded CI
machine must not make them flaky): the bombs used to take gigabytes or minutes."""

from __future__ import annotations

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
    assert any("syntax errors" in m for m in _diagnostics_at(out, path)), out["diagnostics"]
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
