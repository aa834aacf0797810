"""CI formats other than SARIF: GitLab Code Quality JSON (``--gitlab``) and JUnit XML (``--junit``).

GitLab Code Quality: a JSON array of issues with ``description``, ``check_name``, ``fingerprint``,
``severity`` (info, minor, major, critical, blocker) and ``location.path`` / ``location.lines.begin``,
paths relative to the repository root (GitLab shows them in the merge request widget and diff).
JUnit: one test case per rule that ran, failed when it has findings (each listed in the failure
text), an ``<error>`` for a rule that failed to run; CI systems that read JUnit show it as a test
report. Suppressed findings are left out of both.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from analyzer.model import Finding, ScanResult, Severity

_GITLAB_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.NOTE: "minor"}


def _repo_path(result: ScanResult, path: str) -> str:
    return f"{result.repo_prefix}/{path}" if result.repo_prefix else path


def render_gitlab(result: ScanResult) -> str:
    """GitLab Code Quality report (``artifacts: reports: codequality``)."""
    issues: list[dict[str, Any]] = []
    for f in sorted(result.active_findings, key=lambda f: f.sort_key):
        description = f.message if not f.suggestion else f"{f.message}. Suggested change: {f.suggestion}"
        issues.append(
            {
                "type": "issue",
                "check_name": f.rule,
                "description": description,
                "categories": ["Complexity" if f.severity != Severity.ERROR else "Bug Risk"],
                "severity": _GITLAB_SEVERITY[f.severity],
                "fingerprint": f.fingerprint,
                "location": {
                    "path": _repo_path(result, f.location.path),
                    "lines": {"begin": f.location.line},
                },
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _failure_text(result: ScanResult, findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        lines.append(f"{_repo_path(result, str(f.location))}: {f.severity.value}: {f.message}")
        if f.suggestion:
            lines.append(f"    suggested change: {f.suggestion}")
    return "\n".join(lines)


def render_junit(result: ScanResult) -> str:
    """JUnit XML: a test case per rule; failures carry the findings."""
    by_rule: dict[str, list[Finding]] = {}
    for f in sorted(result.active_findings, key=lambda f: f.sort_key):
        by_rule.setdefault(f.rule, []).append(f)
    metas = sorted(result.rules, key=lambda m: m.id)
    names = [m.name for m in metas] + sorted(set(by_rule) - {m.name for m in metas})
    principle = {m.name: m.principle for m in metas}
    failures = sum(1 for n in names if by_rule.get(n))
    errors = sum(1 for n in names if n in result.failed_rules)
    suites = ET.Element("testsuites", name="archconform", tests=str(len(names)))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"archconform {result.repo_prefix or result.root_name or '.'}",
        tests=str(len(names)),
        failures=str(failures),
        errors=str(errors),
        skipped="0",
    )
    for name in names:
        case = ET.SubElement(
            suite, "testcase", classname=f"archconform.{principle.get(name, 'rules')}", name=name
        )
        found = by_rule.get(name, [])
        if name in result.failed_rules:
            ET.SubElement(
                case, "error", message=f"rule '{name}' failed to run"
            ).text = "The rule failed to load or evaluate; see the diagnostics."
        elif found:
            worst = max(found, key=lambda f: f.severity.weight).severity.value
            failure = ET.SubElement(case, "failure", message=f"{len(found)} finding(s)", type=worst)
            failure.text = _failure_text(result, found)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
