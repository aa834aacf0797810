"""The CI glue works as written: the composite action's scan step, the pre-commit hook and the
README's shell recipe run here against a fixture system (only the install steps are skipped:
this environment already has archconform installed from the checkout)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES, REPO

SYSTEM = FIXTURES / "systems" / "ecommerce-violations"
BIN = str(Path(sys.executable).parent)


@pytest.fixture()
def git_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(SYSTEM, repo)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env)
    return repo


def _action() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text())


def test_action_is_composite_installs_from_its_checkout_and_uploads_sarif() -> None:
    action = _action()
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    assert any(
        "github.action_path" in str(s.get("env", {})) and "pip install" in s.get("run", "") for s in steps
    )
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in steps)
    scan = next(s for s in steps if s.get("id") == "scan")
    assert "GITHUB_STEP_SUMMARY" in scan["run"] and "--baseline-ref" in scan["run"]
    for step in steps:  # inputs reach scripts through env, never pasted into the script
        assert "${{" not in step.get("run", ""), step.get("name")
    used = set(re.findall(r"inputs\.([a-z-]+)", (REPO / "action.yml").read_text()))
    assert used <= set(action["inputs"])


def _run_scan_step(repo: Path, tmp_path: Path, **env: str) -> tuple[str, str, str]:
    scan = next(s for s in _action()["runs"]["steps"] if s.get("id") == "scan")
    output, summary = tmp_path / "out", tmp_path / "summary"
    output.write_text("")
    summary.write_text("")
    environ = {
        **os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"], "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary), "SCAN_PATH": ".", "SCAN_CONFIG": "",
        "FAIL_ON": "error", "SARIF": "archconform.sarif", "BASELINE_REF": "", "EXTRA_ARGS": "", "EVENT_NAME": "push",
        "BASE_REF": "", **env,
    }  # fmt: skip
    done = subprocess.run(
        ["bash", "-e", "-c", scan["run"]], cwd=repo, env=environ, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return output.read_text(), summary.read_text(), done.stdout


def test_action_scan_step_on_push_and_on_a_pull_request(git_repo: Path, tmp_path: Path) -> None:
    out, summary, _ = _run_scan_step(git_repo, tmp_path)
    assert out == "exit-code=1\n" and summary.startswith("## archconform architecture review")
    assert (git_repo / "archconform.sarif").is_file()
    # On a pull request only new findings fail: against its own base nothing is new.
    out, summary, _ = _run_scan_step(git_repo, tmp_path, EVENT_NAME="pull_request", BASELINE_REF="main")
    assert out == "exit-code=0\n" and "**0** new since the baseline" in summary


def test_pre_commit_hook_runs_as_declared(git_repo: Path) -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert re.search(hook["files"], "services/orders/src/main/resources/application.yml")
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"]}
    done = subprocess.run(hook["entry"].split(), cwd=git_repo, env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "error shared-database" in done.stdout


def _readme_block(marker: str) -> str:
    text = (REPO / "README.md").read_text()
    match = re.search(rf"<!-- recipe: {marker} -->\s*```[a-z]*\n(.*?)```", text, re.S)
    assert match, f"README recipe {marker} missing"
    return match.group(1)


def test_readme_shell_recipe_works_as_written(git_repo: Path) -> None:
    script = "\n".join(line for line in _readme_block("shell").splitlines() if "pip install" not in line)
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"]}
    done = subprocess.run(["bash", "-c", script], cwd=git_repo, env=env, capture_output=True, text=True)
    assert done.returncode == 1, done.stdout + done.stderr  # the fixture has errors
    for name in ("archconform.sarif", "archconform.md", "archconform.json"):
        assert (git_repo / name).is_file(), name


def test_readme_ci_recipes_parse_and_use_real_options() -> None:
    from click.testing import CliRunner

    from analyzer.cli import main

    options = CliRunner().invoke(main, ["scan", "--help"]).output
    for marker in ("github", "gitlab"):
        block = yaml.safe_load(_readme_block(marker))
        text = yaml.safe_dump(block)
        for option in re.findall(r"archconform scan [^\n]*", text):
            for flag in re.findall(r"(--[a-z-]+)", option):
                assert flag in options, (marker, flag)


def test_a_scanned_subfolder_gets_repository_relative_uris_and_links(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from analyzer.cli import main

    repo = tmp_path / "mono"
    shutil.copytree(SYSTEM, repo / "systems" / "shop")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    sarif, md = tmp_path / "r.sarif", tmp_path / "s.md"
    args = ["scan", str(repo / "systems" / "shop"), "--sarif", str(sarif), "--markdown", str(md)]
    CliRunner().invoke(main, [*args, "--source-url", "https://github.com/acme/mono/blob/abc", "--quiet"])
    run = json.loads(sarif.read_text())["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris and all(u.startswith("systems/shop/") and (repo / u).is_file() for u in uris)
    assert run["automationDetails"]["id"] == "archconform/systems/shop/"
    assert "(https://github.com/acme/mono/blob/abc/systems/shop/docker-compose.yml#L" in md.read_text()
    html = tmp_path / "r.html"
    CliRunner().invoke(
        main, [*args, "--html", str(html), "--source-url", "https://github.com/acme/mono/blob/abc", "--quiet"]
    )
    assert 'href="https://github.com/acme/mono/blob/abc/systems/shop/docker-compose.yml#L' in html.read_text()
