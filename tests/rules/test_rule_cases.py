"""The built-in rules' pass_*/fail_* cases, run through the same harness users get
(``archconform rules test``): each case is a small repository with ``expected.yaml``."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.pipeline.ruletest import find_cases, run_case, run_rule_tests
from tests.conftest import REPO

CASES = REPO / "tests" / "rules" / "cases"


@pytest.mark.parametrize("case", find_cases(CASES), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case(case: Path) -> None:
    result = run_case(case)
    assert result.ok, "\n".join(result.problems)


def test_harness_reports_missing_and_unexpected_findings(tmp_path: Path) -> None:
    source = CASES / "shared-database" / "fail_two_services_one_database"
    broken = tmp_path / "shared-database" / "fail_wrong_line"
    broken.mkdir(parents=True)
    for item in source.iterdir():
        if item.is_file():
            (broken / item.name).write_bytes(item.read_bytes())
        else:
            (broken / item.name).mkdir()
            for inner in item.iterdir():
                (broken / item.name / inner.name).write_bytes(inner.read_bytes())
    (broken / "expected.yaml").write_text("findings:\n  - {path: docker-compose.yml, line: 99}\n")
    ok, report = run_rule_tests(tmp_path)
    assert not ok
    assert "missing finding at docker-compose.yml:99" in report
    assert "unexpected finding at docker-compose.yml:5" in report
    assert report.endswith("0 passed, 1 failed")
