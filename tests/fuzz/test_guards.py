"""Guards: a failure inside one file is a diagnostic naming it (and, with --verbose, where in
archconform it happened); a failure outside any one file is exit 3 with a short message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer import cli
from analyzer.config import Config
from analyzer.extract import compose
from analyzer.pipeline import scan
from analyzer.resolve import deployments
from tests.conftest import FIXTURES

GOOD = FIXTURES / "hostile" / "good"


def _boom(*args: object, **kwargs: object) -> object:
    raise RuntimeError("unexpected\nshape")


def test_an_extractor_bug_costs_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(GOOD, tmp_path / "repo")
    monkeypatch.setattr(compose, "extract", _boom)
    result = scan(tmp_path / "repo", Config(), jobs=1)
    errors = [d for d in result.diagnostics if d.path == "docker-compose.yml"]
    assert [d.message for d in errors] == [
        "internal error in compose extractor: RuntimeError: unexpected shape"
    ]
    assert errors[0].origin.startswith("tests/fuzz/test_guards.py:") or errors[0].origin.startswith(
        "analyzer/"
    )
    assert any(f.rule == "cross-service-data-access" for f in result.findings)  # code and SQL still read


def test_a_discovery_failure_costs_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(GOOD, tmp_path / "repo")
    monkeypatch.setattr(deployments, "_compose_services", _boom)  # the inventory's reading of compose
    result = scan(tmp_path / "repo", Config(), jobs=1)
    assert any(d.path == "docker-compose.yml" and "internal error" in d.message for d in result.diagnostics)


def test_verbose_says_where_a_file_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(GOOD, tmp_path / "repo")
    monkeypatch.setattr(compose, "extract", _boom)
    out = CliRunner().invoke(cli.main, ["scan", str(tmp_path / "repo"), "--fail-on", "never", "--verbose"])
    assert out.exit_code == 0
    assert "docker-compose.yml:0: failed at " in out.output


def test_an_internal_failure_outside_any_file_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "scan", _boom)
    out = CliRunner().invoke(cli.main, ["scan", str(GOOD)])
    assert out.exit_code == 3
    assert "internal error: RuntimeError('unexpected\\nshape') at analyzer/cli.py:" in out.output
    assert "→ test_guards.py:" in out.output and "in _boom" in out.output
    assert "Traceback" not in out.output
