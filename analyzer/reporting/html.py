"""``--html``: a self-contained architecture review (inline CSS, JS and SVG; no network).

Every string from the scanned repository goes through Jinja2 autoescaping; rule help is
Markdown converted by :func:`markdown_to_html`, which escapes first and only then adds the few
tags it knows.
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from analyzer.model import EdgeKind, NodeKind, ScanResult, Severity
from analyzer.reporting.layout import BOX_H, BOX_W, layout
from analyzer.resources import reports_dir


def markdown_to_html(text: str) -> Markup:
    """The Markdown subset rule help uses: paragraphs, ``-`` lists, **bold**, `code`."""
    blocks = re.split(r"\n\s*\n", text.strip())
    out: list[str] = []
    for block in blocks:
        lines = block.strip().splitlines()
        if all(line.lstrip().startswith(("- ", "* ")) for line in lines):
            items = "".join(f"<li>{_inline(line.lstrip()[2:])}</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
        else:
            out.append(f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>")
    return Markup("".join(out))


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=True)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    escaped = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)
    return escaped


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(reports_dir())),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = markdown_to_html
    return env


def _ownership(result: ScanResult) -> dict[str, Any]:
    graph = result.graph
    databases: list[dict[str, Any]] = []
    for db in graph.nodes(NodeKind.DATABASE):
        tables: list[dict[str, Any]] = []
        for table_id in graph.successors(db.id, EdgeKind.CONTAINS):
            table = graph.node(table_id)
            access: dict[str, list[str]] = {"owns": [], "reads": [], "writes": []}
            for kind in (EdgeKind.OWNS, EdgeKind.READS, EdgeKind.WRITES):
                access[str(kind)] = sorted(graph.node(s).name for s in graph.predecessors(table_id, kind))
            tables.append({"name": table.name, **access})
        users = sorted(graph.node(s).name for s in graph.predecessors(db.id, EdgeKind.CONNECTS))
        databases.append(
            {
                "id": db.id,
                "name": db.name,
                "datastore": str(db.attrs.get("datastore") or ""),
                "technology": str(db.attrs.get("technology") or ""),
                "services": users,
                "tables": sorted(tables, key=lambda t: str(t["name"])),
            }
        )
    return {"databases": databases}


def render_html(result: ScanResult) -> str:
    env = _environment()
    findings = sorted(result.findings, key=lambda f: f.sort_key)
    per_node: Counter[str] = Counter()
    for f in result.active_findings:
        per_node.update(set(f.subjects))
    drawing = layout(result.graph, dict(per_node))
    metas = {m.id: m for m in result.rules}
    by_principle: dict[str, list[Any]] = defaultdict(list)
    for f in findings:
        meta = metas.get(f.rule_id)
        by_principle[meta.principle if meta else "other"].append(f)
    services = sorted(n.name for n in result.graph.nodes(NodeKind.SERVICE))
    counts = Counter(f.severity.value for f in result.active_findings)
    finding_services = {
        f.fingerprint: sorted(
            {result.graph.node(s).name for s in f.subjects if s in result.graph and s.startswith("service:")}
        )
        for f in findings
    }
    template = env.get_template("report.html.j2")
    return template.render(
        result=result,
        findings=findings,
        by_principle=sorted(by_principle.items()),
        metas=metas,
        rules_used=sorted({f.rule_id for f in findings}),
        services=services,
        finding_services=finding_services,
        counts=counts,
        severities=[s.value for s in Severity],
        drawing=drawing,
        box_w=BOX_W,
        box_h=BOX_H,
        ownership=_ownership(result),
        stats={
            "services": len(services),
            "datastores": sum(1 for _ in result.graph.nodes(NodeKind.DATASTORE)),
            "brokers": sum(1 for _ in result.graph.nodes(NodeKind.BROKER)),
            "tables": sum(1 for _ in result.graph.nodes(NodeKind.TABLE)),
        },
        css=Markup((reports_dir() / "report.css").read_text(encoding="utf-8")),
        js=Markup((reports_dir() / "report.js").read_text(encoding="utf-8")),
    )
