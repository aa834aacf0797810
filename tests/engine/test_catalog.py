"""The built-in rule catalog: every rule complete, valid against the published schema, and tested."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from analyzer.config import Config
from analyzer.engine import load_rules
from analyzer.pipeline.rulesdoc import render_rules_docs
from tests.conftest import REPO

RULES = REPO / "rules"
CASES = REPO / "tests" / "rules" / "cases"
SCHEMA = json.loads((RULES / "schema" / "rule.schema.json").read_text())
RULE_FILES = sorted(p for p in RULES.rglob("*.yml"))


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_file_valid_against_published_schema(path: Path) -> None:
    jsonschema.Draft7Validator(SCHEMA).validate(yaml.safe_load(path.read_text()))


def test_every_rule_has_metadata_and_pass_and_fail_cases() -> None:
    rules, diagnostics = load_rules(Config())
    assert diagnostics == []
    ids = [r.meta.id for r in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        meta = rule.meta
        assert meta.title and meta.principle and len(meta.help) > 200, meta.name
        for heading in ("Why it matters", "What fires it", "Better"):
            assert heading in meta.help, (meta.name, heading)
        folder = CASES / meta.name
        names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
        assert any(n.startswith("pass_") for n in names), f"{meta.name}: no pass_* case"
        assert any(n.startswith("fail_") for n in names), f"{meta.name}: no fail_* case"


def test_rules_docs_generated_from_metadata() -> None:
    rules, _ = load_rules(Config())
    text = render_rules_docs([r.meta for r in rules])
    for rule in rules:
        assert f"### {rule.meta.name}" in text
    assert text.count("| AC") == len(rules)


def test_config_files_in_the_repo_match_the_published_config_schema() -> None:
    schema = json.loads((RULES / "schema" / "config.schema.json").read_text())
    configs = sorted(REPO.glob("fixtures/**/archconform.yml")) + sorted(
        REPO.glob("tests/rules/cases/**/archconform.yml")
    )
    assert len(configs) >= 5
    validator = jsonschema.Draft7Validator(schema)
    for path in configs:
        data = yaml.safe_load(path.read_text())
        if isinstance(data.get("waivers"), list):
            for waiver in data["waivers"]:
                if "until" in waiver:
                    waiver["until"] = str(waiver["until"])
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], (path, errors)
