"""Golden SARIF, Markdown and JSON of the fixture systems, and GitHub's view of the SARIF.

Regenerate after an intended change with ``make golden`` (``ARCHCONFORM_UPDATE_GOLDEN=1 pytest
tests/reporting/test_golden.py``) and review the diff like code. The JSON golden leaves out the
graph (the extractor tests cover it) so that it changes only when findings or diagnostics do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from analyzer.model import ScanResult
from analyzer.pipeline import scan
from analyzer.reporting import render_json, render_markdown, render_sarif
from tests.conftest import FIXTURES, REPO, SHARED
from tests.reporting import github_profile

GOLDEN = Path(__file__).parent / "golden"
SYSTEMS = {
    "ecommerce-violations": FIXTURES / "systems" / "ecommerce-violations",
    "ecommerce": FIXTURES / "systems" / "ecommerce",
    "noisy-shop": FIXTURES / "reporting" / "noisy-shop",
}
UPDATE = bool(os.environ.get("ARCHCONFORM_UPDATE_GOLDEN"))
_cache: dict[str, ScanResult] = {}


def result_of(name: str) -> ScanResult:
    if name not in _cache:
        result = scan(SYSTEMS[name])
        # As if scanned in this checkout, git or not: URIs are relative to the repository root.
        result.repo_prefix = SYSTEMS[name].relative_to(REPO).as_posix()
        _cache[name] = result
    return _cache[name]


def _json_without_graph(result: ScanResult) -> str:
    data = json.loads(render_json(result))
    data.pop("graph")
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


RENDERERS = {"sarif": render_sarif, "md": render_markdown, "json": _json_without_graph}


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_reports_match_their_golden_files(name: str, fmt: str) -> None:
    text = RENDERERS[fmt](result_of(name))
    golden = GOLDEN / f"{name}.{fmt}"
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.read_text(encoding="utf-8") == text, f"{golden} differs: run 'make golden' and review"


@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_sarif_passes_the_github_profile_check(name: str) -> None:
    schema = json.loads((SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text())
    doc = json.loads(render_sarif(result_of(name)))
    assert github_profile.check(doc, REPO, schema) == []
    assert doc["runs"][0]["automationDetails"]["id"] == f"archconform/{result_of(name).repo_prefix}/"


def test_trace_only_findings_point_at_the_file_that_declares_the_caller() -> None:
    case = REPO / "tests" / "rules" / "cases" / "undeclared-runtime-dependency" / "fail_call_only_in_traces"
    result = scan(case)
    result.repo_prefix = case.relative_to(REPO).as_posix()
    doc = json.loads(render_sarif(result))
    assert github_profile.check(doc, REPO) == []
    (found,) = [
        r for r in doc["runs"][0]["results"] if r["ruleId"] == "AC602" or "run time" in r["message"]["text"]
    ]
    uri = found["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == f"{result.repo_prefix}/docker-compose.yml"
    assert "(observed in trace file traces/zipkin.json)" in found["message"]["text"]


def test_the_checker_catches_what_github_would_lose() -> None:
    doc = json.loads(render_sarif(result_of("ecommerce-violations")))
    result = doc["runs"][0]["results"][1]
    del result["partialFingerprints"]["primaryLocationLineHash"]
    result["message"]["text"] = "no links"
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "nowhere.java"
    doc["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "https://example.com/docs/rules.md"
    problems = "\n".join(github_profile.check(doc, REPO))
    for expected in ("primaryLocationLineHash", "not linked", "names no file", "names no page"):
        assert expected in problems


def test_rule_pages_in_docs_match_rules_docs(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from analyzer.cli import main

    outcome = CliRunner().invoke(main, ["rules", "docs", "--split", str(tmp_path)])
    assert outcome.exit_code == 0, outcome.output
    generated = {p.name: p.read_text() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_text() for p in (REPO / "docs" / "rules").iterdir()}
    assert committed == generated, "docs/rules is stale: run 'archconform rules docs --split docs/rules'"


def test_a_real_system_one_finding_per_fact_and_github_ready(tmp_path: Path) -> None:
    """eShopOnContainers' compose files (../shared/real-data): no duplicate findings, none from
    its test compose files, Markdown under the comment limit, SARIF that passes the profile."""
    from analyzer.engine import is_non_production
    from analyzer.reporting.summary import MARKDOWN_LIMIT
    from tests.extract.manifests.realdata import restore

    repo = restore(tmp_path / "eshop", "compose/dotnet-architecture__eShopOnContainers")
    result = scan(repo)
    places = [(f.rule, f.location.path, f.location.line) for f in result.findings]
    assert result.findings and len(places) == len(set(places))
    assert not [f for f in result.findings if is_non_production(f.location.path)]
    assert len(render_markdown(result)) < MARKDOWN_LIMIT
    schema = json.loads((SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text())
    assert github_profile.check(json.loads(render_sarif(result)), repo, schema) == []
