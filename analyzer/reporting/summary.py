"""Console and Markdown summaries."""

from __future__ import annotations

from collections import Counter

from analyzer.model import ScanResult, Severity
from analyzer.reporting.graphexport import to_mermaid

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.NOTE: "\033[36m"}
_RESET = "\033[0m"


def _counts(result: ScanResult) -> Counter[Severity]:
    return Counter(f.severity for f in result.active_findings)


def render_console(result: ScanResult, color: bool = False) -> str:
    counts = _counts(result)
    graph = result.graph
    services = sum(1 for n in graph.nodes() if n.kind == "service")
    stores = sum(1 for n in graph.nodes() if n.kind in ("datastore", "broker"))
    lines = [
        f"archconform {result.tool_version}: {result.root_name or '.'}: "
        f"{services} services, {stores} datastores/brokers, "
        f"{len(result.active_findings)} findings "
        f"({counts[Severity.ERROR]} error, {counts[Severity.WARNING]} warning, {counts[Severity.NOTE]} note)"
    ]
    for f in sorted(result.active_findings, key=lambda f: f.sort_key):
        level = f.severity.value
        if color:
            level = f"{_COLORS[f.severity]}{level}{_RESET}"
        state = f" [{f.baseline_state}]" if f.baseline_state else ""
        lines.append(f"  {f.location}: {level} {f.rule}{state}: {f.message}")
    suppressed = len(result.findings) - len(result.active_findings)
    if suppressed:
        lines.append(f"  ({suppressed} suppressed)")
    if result.absent:
        lines.append(f"  ({len(result.absent)} baseline findings no longer present)")
    problems = [d for d in result.diagnostics if str(d.level) != "info"]
    if problems:
        lines.append(f"{len(problems)} diagnostics:")
        lines.extend(f"  {d.path or '-'}:{d.line}: {d.level}: {d.message}" for d in problems[:50])
        if len(problems) > 50:
            lines.append(f"  ... and {len(problems) - 50} more (see the JSON or SARIF output)")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def render_markdown(result: ScanResult) -> str:
    counts = _counts(result)
    new = [f for f in result.active_findings if f.baseline_state == "new"]
    lines = [
        "## archconform architecture review",
        "",
        f"**{counts[Severity.ERROR]}** errors · **{counts[Severity.WARNING]}** warnings · "
        f"**{counts[Severity.NOTE]}** notes"
        + (
            f" · **{len(new)}** new since the baseline"
            if any(f.baseline_state for f in result.findings)
            else ""
        ),
        "",
    ]
    if result.active_findings:
        lines += ["| Severity | Rule | Location | Finding |", "|---|---|---|---|"]
        for f in sorted(result.active_findings, key=lambda f: f.sort_key):
            state = " 🆕" if f.baseline_state == "new" else ""
            where = _cell(str(f.location))
            lines.append(f"| {f.severity.value}{state} | `{f.rule}` | `{where}` | {_cell(f.message)} |")
    else:
        lines.append("No findings. ✅")
    suppressed = len(result.findings) - len(result.active_findings)
    if suppressed:
        lines += ["", f"{suppressed} finding(s) suppressed by waivers or inline comments."]
    lines += [
        "",
        "<details><summary>Architecture graph</summary>",
        "",
        to_mermaid(result.graph, fence=True),
        "</details>",
    ]
    errors = [d for d in result.diagnostics if str(d.level) == "error"]
    if errors:
        lines += ["", f"⚠️ {len(errors)} input problem(s) — see the SARIF or JSON output."]
    return "\n".join(lines) + "\n"
