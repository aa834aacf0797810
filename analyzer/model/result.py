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
    # Rules that failed to load or evaluate: the scan did not check everything (exit code 3).
    failed_rules: tuple[str, ...] = ()
    config_path: str = ""  # the config file used, as the user named it ('' = defaults)
    # Where the scanned folder sits in its repository (POSIX, '' = the repository root): SARIF
    # URIs and source links are repository-relative, finding paths are scan-relative.
    repo_prefix: str = ""
    automation_id: str = ""
    # Files present but not analysed, by language or kind: (label, file count), sorted.
    not_read: tuple[tuple[str, int], ...] = ()
    # Findings dropped because they sit in tests, generated code or examples (include_tests: false).
    hidden_test_findings: int = 0
    merged_duplicates: int = 0  # findings merged into another one about the same fact
    # "path:line" -> that line with a line of context either side, credentials masked (HTML report).
    excerpts: dict[str, str] = field(default_factory=dict)

    @property
    def active_findings(self) -> list[Finding]:
        """Findings not suppressed by a waiver or inline comment."""
        return [f for f in self.findings if not f.suppressed]
