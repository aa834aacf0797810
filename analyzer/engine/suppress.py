"""Suppressions (inline comments and config waivers) and baselines.

Inline: ``archconform: ignore[rule-a, rule-b] reason`` in any comment syntax, on the finding's
evidence line or on the line just above it. Waivers in ``archconform.yml`` name a rule, the
subjects (node ids, names or globs) and a reason, optionally ``until`` a date: once expired a
waiver stops suppressing and the scan says so. Suppressions that match nothing are reported, so
stale ones get cleaned up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from fnmatch import fnmatchcase
from typing import Any

from analyzer.config import Config, Waiver
from analyzer.model import Diagnostic, DiagnosticLevel, Finding

INLINE = re.compile(r"archconform:\s*ignore\[([^\]]*)\]\s*(.*)")


@dataclasses.dataclass(frozen=True, slots=True)
class InlineSuppression:
    path: str
    line: int
    rules: tuple[str, ...]
    reason: str


def parse_inline(text: str) -> tuple[tuple[str, ...], str] | None:
    found = INLINE.search(text)
    if found is None:
        return None
    rules = tuple(r.strip() for r in found.group(1).split(",") if r.strip())
    reason = found.group(2).strip().rstrip("*/-#> ").strip()
    return rules, reason


def _subject_matches(pattern: str, subject: str) -> bool:
    bare = subject.split(":", 1)[-1]
    return pattern in (subject, bare) or bare.endswith("/" + pattern) or fnmatchcase(subject, pattern)


def _waiver_matches(waiver: Waiver, finding: Finding) -> bool:
    if waiver.rule not in (finding.rule, finding.rule_id):
        return False
    return all(any(_subject_matches(p, s) for s in finding.subjects) for p in waiver.subjects)


def apply_suppressions(
    findings: Sequence[Finding],
    config: Config,
    read_line: Callable[[str, int], str],
    today: dt.date,
    comments: Iterable[InlineSuppression] = (),
) -> tuple[list[Finding], list[Diagnostic]]:
    """Mark suppressed findings (they stay in the result, with the reason). Returns diagnostics
    for expired waivers and suppressions that matched nothing."""
    diagnostics: list[Diagnostic] = []
    used_waivers: set[int] = set()
    used_inline: set[tuple[str, int]] = set()
    out: list[Finding] = []
    for finding in findings:
        reason = ""
        by = "inline"
        loc = finding.location
        for line_no in (loc.line, loc.line - 1):
            if line_no < 1:
                continue
            parsed = parse_inline(read_line(loc.path, line_no))
            if parsed and (finding.rule in parsed[0] or finding.rule_id in parsed[0]):
                reason = parsed[1] or "inline suppression"
                used_inline.add((loc.path, line_no))
                break
        if not reason:
            for index, waiver in enumerate(config.waivers):
                if not _waiver_matches(waiver, finding):
                    continue
                used_waivers.add(index)
                if waiver.until is not None and waiver.until < today:
                    continue
                reason = waiver.reason
                by = "waiver"
                break
        out.append(dataclasses.replace(finding, suppressed=reason, suppressed_by=by) if reason else finding)
    config_path = config.path or "archconform.yml"
    for index, waiver in enumerate(config.waivers):
        if waiver.until is not None and waiver.until < today:
            diagnostics.append(
                Diagnostic(
                    config_path,
                    waiver.line,
                    DiagnosticLevel.WARNING,
                    f"waiver for '{waiver.rule}' expired on {waiver.until.isoformat()}; "
                    "it no longer suppresses",
                )
            )
        elif index not in used_waivers:
            diagnostics.append(
                Diagnostic(
                    config_path,
                    waiver.line,
                    DiagnosticLevel.WARNING,
                    f"waiver for '{waiver.rule}' matches no finding",
                )
            )
    for comment in comments:
        if (comment.path, comment.line) not in used_inline:
            names = ", ".join(comment.rules)
            diagnostics.append(
                Diagnostic(
                    comment.path,
                    comment.line,
                    DiagnosticLevel.WARNING,
                    f"suppression ignore[{names}] matches no finding",
                )
            )
    return out, diagnostics


BASELINE_VERSION = 1


def create_baseline(findings: Iterable[Finding]) -> dict[str, Any]:
    """A baseline: the fingerprints of today's findings (lines are informative only)."""
    entries = sorted(
        (
            {"fingerprint": f.fingerprint, "rule": f.rule, "message": f.message, "path": f.location.path}
            for f in findings
        ),
        key=lambda e: (e["rule"], e["fingerprint"]),
    )
    unique = {e["fingerprint"]: e for e in entries}
    return {"version": BASELINE_VERSION, "tool": "archconform", "findings": list(unique.values())}


def apply_baseline(
    findings: Sequence[Finding], data: dict[str, Any]
) -> tuple[list[Finding], list[dict[str, str]]]:
    """Mark findings ``new`` or ``unchanged``; return the baseline entries that are now gone."""
    entries = data.get("findings") or []
    known = {str(e.get("fingerprint")): e for e in entries if isinstance(e, dict)}
    seen: set[str] = set()
    out = []
    for finding in findings:
        state = "unchanged" if finding.fingerprint in known else "new"
        seen.add(finding.fingerprint)
        out.append(dataclasses.replace(finding, baseline_state=state))
    absent = [{k: str(v) for k, v in entry.items()} for fp, entry in sorted(known.items()) if fp not in seen]
    return out, absent
