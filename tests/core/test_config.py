from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analyzer.config import ConfigError, load_config
from analyzer.model import Severity


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "archconform.yml"
    path.write_text(text)
    return path


def test_full_config_round_trip(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
services:
  - name: orders
    paths: [services/orders]
    aliases: [order-svc]
aliases:
  orders-database: orders-db
ignore: ["legacy/**"]
rules:
  shared-database: {severity: warning}
  polyglot-persistence-sprawl:
    options: {max_technologies: 4}
  hardcoded-endpoint: false
contexts:
  ordering: {services: [orders], team: checkout}
waivers:
  - rule: shared-database
    subjects: [database:shop-db/shop]
    reason: split planned for Q3
    until: 2027-01-31
rule_paths: [rules-extra]
allow_python_rules: true
profiles: [prod]
""",
    )
    config = load_config(path)
    assert config.services[0].name == "orders"
    assert ("order-svc", "orders") in config.aliases
    assert ("orders-database", "orders-db") in config.aliases
    assert config.rule("shared-database").severity == Severity.WARNING
    assert config.rule("polyglot-persistence-sprawl").option("max_technologies") == 4
    assert config.rule("hardcoded-endpoint").enabled is False
    assert config.rule("unknown-rule").enabled is True
    assert config.contexts[0].team == "checkout"
    assert config.waivers[0].until == dt.date(2027, 1, 31)
    assert config.rule_paths == (str((tmp_path / "rules-extra").resolve()),)
    assert config.allow_python_rules is True


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("rules:\n  x: [1]\n", 2, "found a list"),
        ("colour: blue\n", 1, "unknown setting 'colour'"),
        ("services:\n  - paths: [a]\n", 2, "needs 'name'"),
        ("waivers:\n  - rule: x\n    reason: ''\n", 3, "must not be empty"),
        ("waivers:\n  - rule: x\n    reason: r\n    until: soon\n", 2, "must be a date"),
        ("rules:\n  shared-database:\n    severity: fatal\n", 3, "unknown value 'fatal'"),
        ("rule_paths: [" + "a" * 300 + "]\n", 1, "rule_paths[0]"),
        ("limits: {json_max_depth: 0}\n", 1, "limits.json_max_depth"),
        ("rules:\n" + "  " + "[" * 3000 + "\n", 1, "nested deeper than 200"),
        ("rules: [\n", 2, "invalid YAML"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.path == "archconform.yml"
    assert caught.value.line == line
    assert fragment in caught.value.message
