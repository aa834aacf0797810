"""Hole 1 and 2 of issue #15, as an attacker who can only commit files: configuration inside the
scanned tree must not run code or make the scan read outside the tree."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.config import load_config
from analyzer.pipeline import load_project_config, scan
from tests.security.conftest import touched_under

COMPOSE = "services:\n  orders:\n    image: shop/orders\n    environment:\n      DB_URL: postgres://db:5432/orders\n"


def _evil_rule(marker: Path) -> str:
    return (
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).write_text('pwned')\n"
        "from analyzer.engine import rule\n\n"
        '@rule(id="X1", name="evil", title="t", severity="error", principle="p", help="h")\n'
        "def check(graph, options):\n"
        "    return []\n"
    )


@pytest.fixture
def hostile_rules(tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose committed config enables Python rules and names its own rule folder."""
    repo = tmp_path / "repo"
    (repo / "rules").mkdir(parents=True)
    marker = tmp_path / "marker"
    (repo / "rules" / "evil.py").write_text(_evil_rule(marker))
    (repo / "docker-compose.yml").write_text(COMPOSE)
    (repo / "archconform.yml").write_text("rule_paths: [rules]\nallow_python_rules: true\n")
    return repo, marker


def test_committed_config_cannot_enable_python_rules(hostile_rules: tuple[Path, Path]) -> None:
    repo, marker = hostile_rules
    result = scan(repo, jobs=1)
    assert not marker.exists()
    messages = [d.message for d in result.diagnostics]
    assert any("'allow_python_rules: true' ignored" in m for m in messages), messages
    assert any(d.path.endswith("evil.py") and "not loaded" in d.message for d in result.diagnostics)


@pytest.mark.parametrize("how", ["flag", "environment", "config-given-inside"])
def test_even_an_opt_in_does_not_run_rules_from_a_folder_the_tree_named(
    hostile_rules: tuple[Path, Path], how: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    repo, marker = hostile_rules
    args = ["scan", str(repo), "--json", str(tmp_path / "out.json"), "--fail-on", "never"]
    if how == "flag":
        args.append("--allow-python-rules")
    elif how == "environment":
        monkeypatch.setenv("ARCHCONFORM_ALLOW_PYTHON_RULES", "1")
    else:  # --config naming the committed file: still inside the tree, still untrusted
        args += ["--config", str(repo / "archconform.yml"), "--allow-python-rules"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    diagnostics = json.loads((tmp_path / "out.json").read_text())["diagnostics"]
    assert any("named by configuration inside the scanned repository" in d["message"] for d in diagnostics)


def test_trusted_config_outside_the_tree_with_the_flag_runs_python_rules(
    hostile_rules: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, marker = hostile_rules
    trusted = tmp_path / "ci" / "archconform.yml"
    trusted.parent.mkdir()
    trusted.write_text("rule_paths: [../repo/rules]\n")
    scan(repo, load_project_config(repo, trusted), jobs=1)
    assert not marker.exists()  # named, but not allowed
    scan(repo, load_project_config(repo, trusted, allow_python_rules=True), jobs=1)
    assert marker.exists()  # the trusted side asked for it


def test_untrusted_limits_only_go_down(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "archconform.yml").write_text("limits:\n  yaml_max_nodes: 100000000\n  yaml_max_depth: 20\n")
    config = load_project_config(repo)
    assert config.limits.yaml_max_nodes == 1_000_000
    assert config.limits.yaml_max_depth == 20
    assert any("not raised: yaml_max_nodes" in d.message for d in config.refused)
    trusted = load_config(repo / "archconform.yml")  # the caller vouches for it
    assert trusted.limits.yaml_max_nodes == 100_000_000


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the repository holding things the repository must not make us read."""
    folder = tmp_path / "outside"
    (folder / "rules").mkdir(parents=True)
    (folder / "secret.json").write_text('{"resourceSpans": []}')
    (folder / "rules" / "r.yml").write_text("id: Y\n")
    (folder / "rules" / "r.py").write_text("raise SystemExit('imported')\n")
    return folder


def test_config_paths_outside_the_tree_are_refused_not_read(
    tmp_path: Path, outside: Path, opened: list[str]
) -> None:
    repo = tmp_path / "repo"
    (repo / "traces").mkdir(parents=True)
    (repo / "docker-compose.yml").write_text(COMPOSE)
    # A committed symlink inside the tree that points out of it, picked up by an innocent glob.
    os.symlink(outside / "secret.json", repo / "traces" / "link.json")
    os.symlink(outside / "rules", repo / "linked-rules")
    (repo / "archconform.yml").write_text(
        "traces: ['../outside/*.json', '" + str(outside) + "/*.json', 'traces/*.json', '../../**/*.json']\n"
        "rule_paths: ['../outside/rules', '" + str(outside / "rules") + "', /etc/apt, linked-rules]\n"
    )
    before = len(opened)
    result = scan(repo, jobs=1)
    assert any(p.endswith("docker-compose.yml") for p in opened[before:])  # the hook does record
    assert touched_under(opened[before:], outside) == []
    assert not any("/etc/apt" in path for path in opened[before:])
    refusals = [d.message for d in result.diagnostics if "outside" in d.message]
    assert any("'../outside/*.json'" in m for m in refusals), refusals
    assert any("/etc/apt" in m for m in refusals), refusals
    assert any("traces/link.json" in m for m in refusals), refusals
