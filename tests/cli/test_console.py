"""The console: severity-ordered counts per rule, --verbose, colour rules, config used, timing."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from analyzer.cli import _Progress, main, use_color
from analyzer.model import (
    ArchGraph,
    Diagnostic,
    DiagnosticLevel,
    Finding,
    Location,
    ScanResult,
    Severity,
)
from analyzer.reporting import render_console
from tests.conftest import FIXTURES

VIOLATIONS = FIXTURES / "systems" / "ecommerce-violations"


def _many() -> ScanResult:
    rules = [
        ("AC303", "hardcoded-endpoint", Severity.WARNING, 40),
        ("AC401", "plaintext-credentials", Severity.ERROR, 3),
    ]
    findings = [
        Finding(
            rid,
            name,
            sev,
            f"{name} {i}",
            (f"service:s{i}",),
            Location(f"s{i}.py", 1),
            fingerprint=f"{rid}{i}",
            suggestion="do this",
        )
        for rid, name, sev, n in rules
        for i in range(n)
    ]
    diags = [Diagnostic(f"f{i}.yml", 1, DiagnosticLevel.WARNING, f"bad {i}") for i in range(15)]
    diags.append(Diagnostic("", 0, DiagnosticLevel.INFO, "read 3 trace files"))
    return ScanResult(ArchGraph(), findings, diags, [], "1.0", "big", config_path="archconform.yml")


def test_many_findings_lead_with_counts_per_rule_most_severe_first() -> None:
    text = render_console(_many(), elapsed=1.25)
    lines = text.splitlines()
    by_rule = lines.index("by rule:")
    assert lines[by_rule + 1].split() == ["error", "3", "plaintext-credentials"]
    assert lines[by_rule + 2].split() == ["warning", "40", "hardcoded-endpoint"]
    assert "first 20 findings (--verbose lists all 43):" in text
    assert sum(1 for line in lines if line.startswith("  s")) == 20
    assert "... and 5 more (--verbose lists them all)" in text
    assert "1 informational diagnostics (--verbose lists them)" in text
    assert lines[-2:] == ["config: archconform.yml", "done in 1.2 s"]


def test_verbose_lists_every_finding_with_its_fix_and_every_diagnostic() -> None:
    text = render_console(_many(), verbose=True)
    assert "by rule:" not in text and text.count("      fix: do this") == 43
    assert "16 diagnostics:" in text and "read 3 trace files" in text


def test_colour_follows_no_color_and_the_option() -> None:
    assert use_color("auto", True, {}) is True
    assert use_color("auto", True, {"NO_COLOR": "1"}) is False
    assert use_color("auto", False, {}) is False
    assert use_color("always", False, {"NO_COLOR": "1"}) is True
    assert use_color("never", True, {}) is False
    out = (
        CliRunner().invoke(main, ["scan", str(VIOLATIONS), "--color", "always", "--fail-on", "never"]).output
    )
    assert "\033[31merror\033[0m" in out and "config: archconform.yml" in out and "done in" in out
    out = (
        CliRunner()
        .invoke(main, ["scan", str(VIOLATIONS), "--fail-on", "never"], env={"NO_COLOR": "1"})
        .output
    )
    assert "\033[" not in out


def test_progress_line_appears_only_after_the_delay(capsys: pytest.CaptureFixture[str]) -> None:
    with _Progress("repo", enabled=True, delay=0.05):
        time.sleep(0.3)
    err = capsys.readouterr().err
    assert "archconform: scanning repo…" in err and err.endswith("\r\033[K")
    with _Progress("repo", enabled=True, delay=5):
        pass
    assert capsys.readouterr().err == ""
