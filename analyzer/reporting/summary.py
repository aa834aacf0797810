"""Console and Markdown summaries."""

from __future__ import annotations

import re
import urllib.parse
from collections import Counter

from analyzer.model import Location, ScanResult, Severity
from analyzer.reporting.graphexport import mermaid_size, safe_text, to_mermaid

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.NOTE: "\033[36m"}
_RESET = "\033[0m"


def _counts(result: ScanResult) -> Counter[Severity]:
    return Counter(f.severity for f in result.active_findings)


def _term(text: str) -> str:
    # Repository text must not drive the terminal: no escape sequences, one line per finding.
    return " ".join(safe_text(text).split())


def render_console(result: ScanResult, color: bool = False) -> str:
    """A terminal summary: totals, one line per active finding (``path:line:col: level rule:
    message``), then the diagnostics (at most 50). Colour only when ``color``."""
    counts = _counts(result)
    graph = result.graph
    services = sum(1 for n in graph.nodes() if n.kind == "service")
    stores = sum(1 for n in graph.nodes() if n.kind in ("datastore", "broker"))
    lines = [
        f"archconform {result.tool_version}: {_term(result.root_name) or '.'}: "
        f"{services} services, {stores} datastores/brokers, "
        f"{len(result.active_findings)} findings "
        f"({counts[Severity.ERROR]} error, {counts[Severity.WARNING]} warning, "
        f"{counts[Severity.NOTE]} note), {len(result.diagnostics)} diagnostics"
    ]
    for f in sorted(result.active_findings, key=lambda f: f.sort_key):
        level = f.severity.value
        if color:
            level = f"{_COLORS[f.severity]}{level}{_RESET}"
        state = f" [{f.baseline_state}]" if f.baseline_state else ""
        lines.append(f"  {_term(str(f.location))}: {level} {f.rule}{state}: {_term(f.message)}")
    suppressed = len(result.findings) - len(result.active_findings)
    if suppressed:
        lines.append(f"  ({suppressed} suppressed)")
    if result.absent:
        lines.append(f"  ({len(result.absent)} baseline findings no longer present)")
    problems = [d for d in result.diagnostics if str(d.level) != "info"]
    if problems:
        lines.append(f"{len(problems)} diagnostics:")
        lines.extend(
            f"  {_term(d.path) or '-'}:{d.line}: {d.level}: {_term(d.message)}" for d in problems[:50]
        )
        if len(problems) > 50:
            lines.append(f"  ... and {len(problems) - 50} more (see the JSON or SARIF output)")
    return "\n".join(lines)


# Characters Markdown (GitHub flavour) gives meaning to in running text: emphasis, links, raw HTML,
# table cells, headings, @mentions. Backslash escapes work for every one of them.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~@#!{}])")
# GitHub renders Mermaid only up to these sizes (its Mermaid configuration); above, we omit the graph.
MERMAID_MAX_EDGES = 400
MERMAID_MAX_NODES = 200


def md_text(text: str) -> str:
    """Repository text safe inside a Markdown table cell: specials escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_code(text: str) -> str:
    """A code span that holds any text: a fence longer than any backtick run inside, pipes escaped
    (GFM splits table cells on ``|`` even in code spans)."""
    flat = " ".join(text.split()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _plural(count: int, word: str) -> str:
    return f"**{count}** {word}{'' if count == 1 else 's'}"


def _md_location(result: ScanResult, location: Location) -> str:
    """``path:line:column`` as code, linked to the source when the scan knows where it lives."""
    text = md_code(str(location))
    if not result.source_url or location.path.startswith("../"):
        return text
    target = urllib.parse.quote(location.path, safe="/")
    return f"[{text}]({result.source_url}/{target}#L{location.line})"


def render_markdown(result: ScanResult) -> str:
    """A pull-request comment: counts by severity, a findings table, the system graph in Mermaid."""
    counts = _counts(result)
    totals = [
        _plural(counts[Severity.ERROR], "error"),
        _plural(counts[Severity.WARNING], "warning"),
        _plural(counts[Severity.NOTE], "note"),
    ]
    if any(f.baseline_state for f in result.findings):
        new = sum(1 for f in result.active_findings if f.baseline_state == "new")
        totals.append(f"**{new}** new since the baseline")
    if result.absent:
        totals.append(f"**{len(result.absent)}** fixed since the baseline")
    lines = [
        f"## archconform architecture review: {md_text(result.root_name or 'scan')}",
        "",
        " · ".join(totals),
        "",
    ]
    if result.active_findings:
        lines += ["| Severity | Rule | Location | Finding |", "|---|---|---|---|"]
        for f in sorted(result.active_findings, key=lambda f: f.sort_key):
            state = " 🆕" if f.baseline_state == "new" else ""
            cells = (
                f"{f.severity.value}{state}",
                md_code(f.rule),
                _md_location(result, f.location),
                md_text(f.message),
            )
            lines.append("| " + " | ".join(cells) + " |")
    else:
        lines.append("No findings. ✅")
    suppressed = len(result.findings) - len(result.active_findings)
    if suppressed:
        lines += ["", f"{suppressed} finding(s) suppressed by waivers or inline comments."]
    nodes, edges = mermaid_size(result.graph)
    lines += ["", "<details><summary>Architecture graph</summary>", ""]
    if nodes <= MERMAID_MAX_NODES and edges <= MERMAID_MAX_EDGES:
        lines.append(to_mermaid(result.graph, fence=True))
    else:
        lines += [
            f"The graph has {nodes} nodes and {edges} edges, too many for a Mermaid diagram here; "
            "see the HTML report or `archconform graph --format dot`.",
            "",
        ]
    lines.append("</details>")
    errors = [d for d in result.diagnostics if str(d.level) == "error"]
    if errors:
        lines += ["", f"⚠️ {len(errors)} input problem(s) — see the SARIF or JSON output."]
    return "\n".join(lines) + "\n"
