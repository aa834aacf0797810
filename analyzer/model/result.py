"""The result of one scan: what reports render."""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.model.findings import Diagnostic, Finding, RuleMeta
from analyzer.model.graph import ArchGraph


@dataclass(slots=True)
class ScanResult:
    """Graph, findings (sorted, suppressed ones included with their reason), diagnostics, rules.

    ``root_name`` is the scanned folder's base name (never an absolute path, so output stays
    reproducible). ``absent`` holds baseline entries that no longer match (fingerprint → rule).
    """

    graph: ArchGraph
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    rules: list[RuleMeta]
    tool_version: str
    root_name: str = ""
    absent: list[dict[str, str]] = field(default_factory=list)
    source_url: str = ""  # reports link evidence to <source_url>/<path>#L<line> when set

    @property
    def active_findings(self) -> list[Finding]:
        """Findings not suppressed by a waiver or inline comment."""
        return [f for f in self.findings if not f.suppressed]
