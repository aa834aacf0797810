"""YAML rules from a rule folder inside the scanned tree are allowed (untrusted configuration may
tune and add declarative rules), so their expressions and regexes are repository content too:
they must not be able to exhaust memory or time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from analyzer.config import ConfigError
from analyzer.pipeline import scan

RULE = """id: X1
name: hostile
title: t
severity: error
principle: p
help: h
match:
  nodes:
    svc: {{kind: service, where: "{where}"}}
location: svc
location_detail: "{detail}"
message: "{{{{ svc.name }}}}"
"""
COMPOSE = "services:\n  orders:\n    image: shop/orders\n"


def _repo(tmp_path: Path, where: str, detail: str) -> Path:
    repo = tmp_path / "repo"
    (repo / "rules").mkdir(parents=True)
    (repo / "docker-compose.yml").write_text(COMPOSE)
    (repo / "archconform.yml").write_text("rule_paths: [rules]\n")
    (repo / "rules" / "hostile.yml").write_text(RULE.format(where=where, detail=detail))
    return repo


@pytest.mark.parametrize(
    "where", ["('a' * 4000000000) | length > 0", "(7 ** 1000000000) > 0", "[0] * 10**10"]
)
def test_expressions_cannot_build_huge_values(tmp_path: Path, where: str) -> None:
    start = time.perf_counter()
    result = scan(_repo(tmp_path, where, "x"), jobs=1)
    assert time.perf_counter() - start < 60
    assert any(
        "rule 'hostile' failed" in d.message and "would build" in d.message for d in result.diagnostics
    )


def test_a_backtracking_location_detail_is_refused_when_the_rule_loads(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="repeats a repetition"):
        scan(_repo(tmp_path, "true", "(a+)+$"), jobs=1)
