"""Exit codes CI can trust: 0 clean, 1 findings, 2 usage or config error, 3 internal error or a
rule that did not run — and never a traceback for a user mistake."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli.clirun import run

THROWING_RULE = (
    "from analyzer.engine import rule\n\n\n"
    '@rule(id="ORG009", name="always-throws", title="Throws", severity="warning",\n'
    '      principle="team", help="Throws.")\n'
    "def check(graph, options):\n"
    '    raise RuntimeError("boom")\n'
)


def test_a_rule_that_throws_exits_3_and_sarif_names_it(shop: Path, tmp_path: Path) -> None:
    rules = tmp_path / "team-rules"  # Python rules run only from a config outside the scanned tree
    rules.mkdir()
    (rules / "throws.py").write_text(THROWING_RULE)
    trusted = tmp_path / "archconform.yml"
    trusted.write_text("rule_paths: [team-rules]\nallow_python_rules: true\n")
    sarif = tmp_path / "r.sarif"
    code, out = run(
        "scan",
        str(shop),
        "--sarif",
        str(sarif),
        "--fail-on",
        "never",
        "--config",
        str(trusted),
        "--allow-python-rules",
    )
    assert code == 3, out
    assert "always-throws" in out and "Traceback" not in out
    invocation = json.loads(sarif.read_text())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    named = [n for n in invocation["toolExecutionNotifications"] if "associatedRule" in n]
    assert [n["associatedRule"]["id"] for n in named] == ["ORG009"]


def test_unwritable_output_is_a_usage_error_without_traceback(shop: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, out = run("scan", str(shop), "--sarif", str(blocker / "r.sarif"))
    assert code == 2 and "cannot write" in out and "Traceback" not in out
    code, out = run("scan", str(shop), "--json", str(tmp_path))
    assert code == 2 and "is a directory" in out
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        code, out = run("scan", str(shop), "--markdown", str(locked / "s.md"))
        assert code == 2 and "permission denied" in out


def test_rules_list_with_a_broken_rule_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "bad.yml").write_text("id: X1\nname: bad\nmatch: [\n")
    (tmp_path / "archconform.yml").write_text("rule_paths: [rules]\n")
    code, out = run("rules", "list", "--config", str(tmp_path / "archconform.yml"))
    assert code == 2 and "bad.yml" in out and "Traceback" not in out


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            "rules:\n  shared-databse: false\n",
            "archconform.yml:2: unknown rule 'shared-databse' (did you mean 'shared-database'?)",
        ),
        (
            "rules:\n  polyglot-persistence-sprawl:\n    options: {max_technology: 4}\n",
            "archconform.yml:3: rule 'polyglot-persistence-sprawl': unknown option 'max_technology' (did you mean 'max_technologies'?)",
        ),
        (
            "rule:\n  shared-database: false\n",
            "archconform.yml:1: unknown setting 'rule' (did you mean 'rules'?)",
        ),
        (
            "rules:\n  shared-database: {severty: note}\n",
            "unknown setting 'severty' (did you mean 'severity'?)",
        ),
    ],
)
def test_unknown_names_in_the_config_are_errors_with_a_suggestion(
    shop: Path, config: str, expected: str
) -> None:
    (shop / "archconform.yml").write_text(config)
    code, out = run("scan", str(shop))
    assert code == 2 and expected in out, out


def test_a_scan_that_finds_no_service_says_so(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here\n")
    code, out = run("scan", str(tmp_path))
    assert code == 2 and "no service found" in out and "--allow-empty" in out
    assert run("scan", str(tmp_path), "--allow-empty")[0] == 0


def test_an_internal_error_exits_3_with_one_line(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_: object, **__: object) -> None:
        raise ValueError("unexpected")

    monkeypatch.setattr("analyzer.cli.scan", explode)
    code, out = run("scan", str(shop))
    assert code == 3 and "internal error" in out and "Traceback" not in out
