"""End to end: each fixture system yields exactly the findings its expected-findings.yaml lists."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from analyzer.model import Severity
from analyzer.pipeline import scan
from analyzer.reporting import render_json, render_sarif
from tests.conftest import FIXTURES, SHARED

SYSTEMS = sorted(p.parent for p in (FIXTURES / "systems").glob("*/expected-findings.yaml"))


def expected_set(system: Path) -> set[tuple[str, str, int]]:
    data = yaml.safe_load((system / "expected-findings.yaml").read_text()) or {}
    return {(f["rule"], f["path"], int(f["line"])) for f in data.get("findings") or []}


@pytest.mark.parametrize("system", SYSTEMS, ids=[s.name for s in SYSTEMS])
def test_system_findings_match_expected(system: Path) -> None:
    result = scan(system)
    actual = {(f.rule, f.location.path, f.location.line) for f in result.active_findings}
    expected = expected_set(system)
    missing = sorted(expected - actual)
    unexpected = sorted(actual - expected)
    assert not missing and not unexpected, f"missing: {missing}\nunexpected: {unexpected}"


def test_conforming_system_has_no_errors() -> None:
    result = scan(FIXTURES / "systems" / "ecommerce")
    errors = [f for f in result.active_findings if f.severity == Severity.ERROR]
    assert errors == []


def test_outputs_are_deterministic_and_sarif_valid() -> None:
    system = FIXTURES / "systems" / "ecommerce-violations"
    first, second = scan(system), scan(system)
    assert render_sarif(first) == render_sarif(second)
    assert render_json(first) == render_json(second)
    schema = json.loads((SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(json.loads(render_sarif(first)))
