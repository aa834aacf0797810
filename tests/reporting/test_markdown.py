"""The pull-request Markdown: errors first, grouped by rule with counts, new findings first with a
baseline, and never over GitHub's 65,536-character comment limit."""

from __future__ import annotations

import dataclasses

from analyzer.model import ArchGraph, Finding, Location, RuleMeta, ScanResult, Severity
from analyzer.reporting import render_markdown
from analyzer.reporting.summary import MARKDOWN_LIMIT

RULES = [
    RuleMeta("AC303", "hardcoded-endpoint", "t", Severity.WARNING, "p", "h"),
    RuleMeta("AC401", "plaintext-credentials", "t", Severity.ERROR, "p", "h"),
]


def _finding(rule: RuleMeta, index: int, state: str = "") -> Finding:
    return Finding(
        rule.id, rule.name, rule.severity, f"{rule.name} number {index} " + "x" * 120, (f"service:s{index}",),
        Location(f"services/s{index}/src/main/java/com/acme/Client{index}.java", index + 1),
        fingerprint=f"{index:032d}", baseline_state=state, suggestion="Read the address from configuration " * 3,
    )  # fmt: skip


def _result(findings: list[Finding]) -> ScanResult:
    return ScanResult(ArchGraph(), findings, [], RULES, "1.0", "big")


def test_errors_come_first_grouped_by_rule_with_counts() -> None:
    findings = [_finding(RULES[0], i) for i in range(5)] + [_finding(RULES[1], i) for i in range(2)]
    md = render_markdown(_result(findings))
    assert md.index("### Errors (2)") < md.index("### Warnings (5)")
    assert "#### `plaintext-credentials` (2) · [rule](" in md and "#### `hardcoded-endpoint` (5)" in md
    assert "Read the address from configuration" in md


def test_new_findings_come_first_with_a_baseline() -> None:
    findings = [_finding(RULES[0], i, "unchanged" if i < 3 else "new") for i in range(5)]
    md = render_markdown(_result(findings))
    rows = [line for line in md.splitlines() if line.startswith("| 🆕") or line.startswith("|  |")]
    assert [r.startswith("| 🆕") for r in rows] == [True, True, False, False, False]
    assert "#### `hardcoded-endpoint` (5, 2 new)" in md


def test_a_huge_result_stays_under_the_comment_limit_and_says_what_is_left_out() -> None:
    findings = [_finding(RULES[0], i) for i in range(3000)] + [_finding(RULES[1], i) for i in range(400)]
    md = render_markdown(_result(findings))
    assert len(md) < MARKDOWN_LIMIT
    assert "### Errors (400)" in md and md.index("### Errors") < md.index("### Warnings")
    more = next(line for line in md.splitlines() if "more** finding(s) in the full report" in line)
    shown = sum(1 for line in md.splitlines() if line.startswith("| `services/"))
    assert more == f"**{3400 - shown} more** finding(s) in the full report (SARIF, JSON or HTML)."
    unchanged = [dataclasses.replace(f, baseline_state="unchanged") for f in findings]
    assert len(render_markdown(_result(unchanged))) < MARKDOWN_LIMIT
