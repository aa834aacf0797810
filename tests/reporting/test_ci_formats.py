"""GitLab Code Quality JSON and JUnit XML: the shapes those CI systems read."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

from click.testing import CliRunner

from analyzer.cli import main
from tests.conftest import FIXTURES, REPO

SYSTEM = FIXTURES / "systems" / "ecommerce-violations"


def test_gitlab_code_quality_and_junit_from_one_scan(tmp_path: Path) -> None:
    gitlab, junit, data = tmp_path / "gl.json", tmp_path / "junit.xml", tmp_path / "r.json"
    args = ["scan", str(SYSTEM), "--gitlab", str(gitlab), "--junit", str(junit), "--json", str(data)]
    assert CliRunner().invoke(main, [*args, "--quiet"]).exit_code == 1
    findings = json.loads(data.read_text())["findings"]
    issues = json.loads(gitlab.read_text())
    assert len(issues) == len(findings)
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert (REPO / issue["location"]["path"]).is_file() and issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert {i["check_name"] for i in issues if i["severity"] == "critical"} >= {
        "shared-database",
        "missing-saga",
    }

    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert len(cases) == int(suite.get("tests", "0")) >= 19
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == {f["rule"] for f in findings} and suite.get("failures") == str(len(failed))
    saga = cases["missing-saga"].find("failure")
    assert saga is not None and "CheckoutController.java:25:5" in (saga.text or "")
    assert cases["sync-call-cycle"].find("failure") is None
