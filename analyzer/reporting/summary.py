"""Console and Markdown summaries."""

from __future__ import annotations

import re
import urllib.parse
from collections import Counter

from analyzer.model import Finding, Location, ScanResult, Severity
from analyzer.reporting.graphexport import mermaid_size, safe_text, to_mermaid
from analyzer.reporting.sarif import help_uri

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.NOTE: "\033[36m"}
_RESET = "\033[0m"


def _counts(result: ScanResult) -> Counter[Severity]:
    return Counter(f.severity for f in result.active_findings)


def _term(text: str) -> str:
    # Repository text must not drive the terminal: no escape sequences, one line per finding.
    return " ".join(safe_text(text).split())


# Above this many findings the console leads with counts per rule and lists only the first ones.
CONSOLE_MANY = 30
CONSOLE_SHOWN = 20
DIAGNOSTICS_SHOWN = 10


def _paint(text: str, severity: Severity, color: bool) -> str:
    return f"{_COLORS[severity]}{text}{_RESET}" if color else text


def render_console(
    result: ScanResult, color: bool = False, verbose: bool = False, elapsed: float | None = None
) -> str:
    """A terminal summary, most severe first. Totals; with many findings, counts per rule and the
    first few findings (``verbose``: all of them with their suggested change); the diagnostics
    (``verbose``: all of them, else the first errors and warnings and how to see the rest); which
    config was used; the elapsed time. Colour only when ``color``."""
    counts = _counts(result)
    graph = result.graph
    services = sum(1 for n in graph.nodes() if n.kind == "service")
    stores = sum(1 for n in graph.nodes() if n.kind in ("datastore", "broker"))
    active = sorted(result.active_findings, key=lambda f: f.sort_key)
    lines = [
        f"archconform {result.tool_version}: {_term(result.root_name) or '.'}: "
        f"{services} services, {stores} datastores/brokers, "
        f"{len(active)} findings "
        f"({counts[Severity.ERROR]} error, {counts[Severity.WARNING]} warning, "
        f"{counts[Severity.NOTE]} note), {len(result.diagnostics)} diagnostics"
    ]
    many = len(active) > CONSOLE_MANY and not verbose
    if many:
        per_rule = Counter((f.severity, f.rule) for f in active)
        lines.append("by rule:")
        for (severity, rule), count in sorted(
            per_rule.items(), key=lambda i: (-i[0][0].weight, -i[1], i[0][1])
        ):
            lines.append(f"  {_paint(f'{severity.value:8}', severity, color)}{count:5}  {rule}")
        lines.append(f"first {CONSOLE_SHOWN} findings (--verbose lists all {len(active)}):")
    for f in active[:CONSOLE_SHOWN] if many else active:
        level = _paint(f.severity.value, f.severity, color)
        state = f" [{f.baseline_state}]" if f.baseline_state else ""
        lines.append(f"  {_term(str(f.location))}: {level} {f.rule}{state}: {_term(f.message)}")
        if verbose and f.suggestion:
            lines.append(f"      fix: {_term(f.suggestion)}")
    suppressed = len(result.findings) - len(active)
    if suppressed:
        lines.append(f"  ({suppressed} suppressed)")
    if result.absent:
        lines.append(f"  ({len(result.absent)} baseline findings no longer present)")
    if result.hidden_test_findings:
        lines.append(
            f"  ({result.hidden_test_findings} in tests, generated code or examples not shown; "
            "include_tests: true shows them)"
        )
    if result.merged_duplicates:
        lines.append(f"  ({result.merged_duplicates} duplicate findings merged into the ones above)")
    if result.failed_rules:
        lines.append(f"rules that failed to run: {', '.join(_term(r) for r in result.failed_rules)}")
    shown = result.diagnostics if verbose else [d for d in result.diagnostics if str(d.level) != "info"]
    if shown:
        limit = len(shown) if verbose else DIAGNOSTICS_SHOWN
        lines.append(f"{len(shown)} diagnostics{'' if verbose else ' (errors and warnings)'}:")
        lines.extend(
            f"  {_term(d.path) or '-'}:{d.line}: {d.level}: {_term(d.message)}" for d in shown[:limit]
        )
        if len(shown) > limit:
            lines.append(f"  ... and {len(shown) - limit} more (--verbose lists them all)")
    infos = len(result.diagnostics) - len(shown)
    if infos and not verbose:
        lines.append(f"{infos} informational diagnostics (--verbose lists them)")
    lines.append(f"config: {_term(result.config_path) if result.config_path else 'none (defaults)'}")
    if elapsed is not None:
        lines.append(f"done in {elapsed:.1f} s")
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
    path = f"{result.repo_prefix}/{location.path}" if result.repo_prefix else location.path
    target = urllib.parse.quote(path, safe="/")
    return f"[{text}]({result.source_url}/{target}#L{location.line})"


# GitHub rejects a pull-request comment over 65,536 characters; we stay well under it (room for a
# bot's own header) and say how many findings the full report has beyond what fits.
MARKDOWN_LIMIT = 65_536
MARKDOWN_BUDGET = 60_000
ROWS_PER_RULE = 25
_HEADINGS = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.NOTE: "Notes"}


def _group_by_rule(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    """Rules by descending count (ties by name); in each, new findings first, then by place."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.rule, []).append(finding)
    for items in groups.values():
        items.sort(key=lambda f: (f.baseline_state != "new", f.location, f.subjects))
    return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))


def _markdown_sections(result: ScanResult, findings: list[Finding], with_baseline: bool) -> list[list[str]]:
    """Blocks of lines, most important first: errors before warnings before notes, grouped by rule."""
    helps = {m.name: help_uri(m) for m in result.rules}
    blocks: list[list[str]] = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.NOTE):
        of_level = [f for f in findings if f.severity == severity]
        if not of_level:
            continue
        blocks.append(["", f"### {_HEADINGS[severity]} ({len(of_level)})"])
        for rule, items in _group_by_rule(of_level):
            new = sum(1 for f in items if f.baseline_state == "new")
            count = f"{len(items)}" + (f", {new} new" if with_baseline else "")
            link = f" · [rule]({helps[rule]})" if rule in helps else ""
            header = ["", f"#### {md_code(rule)} ({count}){link}", ""]
            state = "| New " if with_baseline else ""
            header += [
                f"{state}| Location | Finding | Suggested change |",
                "|---" * (4 if with_baseline else 3) + "|",
            ]
            rows = []
            for f in items[:ROWS_PER_RULE]:
                cells = [_md_location(result, f.location), md_text(f.message), md_text(f.suggestion) or "—"]
                if with_baseline:
                    cells.insert(0, "🆕" if f.baseline_state == "new" else "")
                rows.append("| " + " | ".join(cells) + " |")
            if len(items) > ROWS_PER_RULE:
                rows.append(
                    f"\n{len(items) - ROWS_PER_RULE} more {md_code(rule)} findings in the full report."
                )
            blocks.append(header + rows)
    return blocks


def render_markdown(result: ScanResult, limit: int = MARKDOWN_BUDGET) -> str:
    """A pull-request comment: totals, then findings by severity and rule (new ones first with a
    baseline), each with its suggested change; always under ``limit`` characters, saying how many
    findings did not fit. The Mermaid graph comes last, and only if it fits."""
    counts = _counts(result)
    totals = [
        _plural(counts[Severity.ERROR], "error"),
        _plural(counts[Severity.WARNING], "warning"),
        _plural(counts[Severity.NOTE], "note"),
    ]
    with_baseline = any(f.baseline_state for f in result.findings)
    if with_baseline:
        new = sum(1 for f in result.active_findings if f.baseline_state == "new")
        totals.append(f"**{new}** new since the baseline")
    if result.absent:
        totals.append(f"**{len(result.absent)}** fixed since the baseline")
    head = [
        f"## archconform architecture review: {md_text(result.root_name or 'scan')}",
        "",
        " · ".join(totals),
    ]
    active = sorted(result.active_findings, key=lambda f: f.sort_key)
    tail: list[str] = []
    suppressed = len(result.findings) - len(result.active_findings)
    if suppressed:
        tail += ["", f"{suppressed} finding(s) suppressed by waivers or inline comments."]
    if result.hidden_test_findings:
        tail += [
            "",
            f"{result.hidden_test_findings} finding(s) in tests, generated code or examples not shown "
            "(`include_tests: true` shows them).",
        ]
    errors = [d for d in result.diagnostics if str(d.level) == "error"]
    if errors:
        tail += ["", f"⚠️ {len(errors)} input problem(s) — see the SARIF or JSON output."]
    if result.failed_rules:
        tail += ["", f"⛔ Rules that did not run: {', '.join(md_code(r) for r in result.failed_rules)}."]
    lines = list(head)
    if not active:
        lines += ["", "No findings. ✅"]
    used = len("\n".join(lines + tail)) + 200  # the "N more" line
    shown = 0
    blocks = _markdown_sections(result, active, with_baseline)
    cut = False
    for block in blocks:
        size = len("\n".join(block)) + 1
        if used + size > limit:
            rows = [line for line in block if line.startswith("| ") and not line.startswith("| Location")]
            header = [line for line in block if line not in rows]
            fitting: list[str] = []
            for row in rows:
                if used + len("\n".join(header + fitting)) + len(row) + 2 > limit:
                    break
                fitting.append(row)
            if fitting:
                lines += header + fitting
                shown += len(fitting)
            cut = True
            break
        lines += block
        used += size
        shown += sum(
            1 for line in block if line.startswith("| ") and not line.startswith(("| Location", "| New"))
        )
    if cut or shown < len(active):
        more = len(active) - shown
        if more > 0:
            lines += ["", f"**{more} more** finding(s) in the full report (SARIF, JSON or HTML)."]
    lines += tail
    nodes, edges = mermaid_size(result.graph)
    graph_lines = ["", "<details><summary>Architecture graph</summary>", ""]
    if nodes <= MERMAID_MAX_NODES and edges <= MERMAID_MAX_EDGES:
        graph_lines.append(to_mermaid(result.graph, fence=True))
    else:
        graph_lines += [
            f"The graph has {nodes} nodes and {edges} edges, too many for a Mermaid diagram here; "
            "see the HTML report or `archconform graph --format dot`.",
            "",
        ]
    graph_lines.append("</details>")
    if len("\n".join(lines + graph_lines)) + 1 <= limit:
        lines += graph_lines
    return "\n".join(lines) + "\n"
