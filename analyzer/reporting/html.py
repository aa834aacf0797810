"""``--html``: a self-contained architecture review (inline CSS, JS and SVG; no network).

Every string from the scanned repository goes through Jinja2 autoescaping (code excerpts too);
rule help is Markdown rendered by markdown-it-py with raw HTML disabled.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from analyzer.model import EdgeKind, NodeKind, ScanResult, Severity
from analyzer.reporting.layout import BOX_H, BOX_W, GROUPINGS, PLATFORM_KINDS, views
from analyzer.resources import reports_dir

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def markdown_to_html(text: str) -> Markup:
    """Rule help as HTML through a real CommonMark parser with raw HTML disabled: ``<script>``
    in a rule's help is shown as text, ``javascript:`` links are not made links."""
    return Markup(_MARKDOWN.render(text.strip()))


def label_lines(name: str, width: int = 27) -> list[str]:
    """A box name on at most two lines, broken after ``-``, ``_``, ``.`` or ``/`` when possible;
    longer names end in "…" (the full name is in the box's title and accessible name).

    >>> label_lines("order-fulfilment-orchestrator-service")
    ['order-fulfilment-', 'orchestrator-service']
    """
    if len(name) <= width:
        return [name]
    cut = max((name.rfind(ch, 0, width) for ch in "-_./"), default=-1)
    cut = cut + 1 if cut > width // 3 else width
    first, rest = name[:cut], name[cut:]
    return [first, rest if len(rest) <= width else rest[: width - 1] + "…"]


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(reports_dir())),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = markdown_to_html
    env.filters["label_lines"] = label_lines
    return env


# Above this many services one services × tables grid is mostly empty and huge (1,000 services ×
# 1,000 tables is a million cells); each database then gets a grid of only the services touching it.
MATRIX_MAX_COLUMNS = 30
_ACCESS = ((EdgeKind.OWNS, "owns", "O"), (EdgeKind.READS, "reads", "R"), (EdgeKind.WRITES, "writes", "W"))


def ownership_matrix(result: ScanResult) -> dict[str, Any]:
    """Services (columns) × databases and their tables (rows): who connects to each database and
    who owns, reads and writes each table. A read or write by a service that does not own a table
    that has an owner is ``foreign``; a database more than one service connects to is ``shared``.

    Returns ``{"services": [names], "split": bool, "databases": [{"name", "datastore",
    "technology", "shared", "services": [names touching it], "cells": {service: "C"}, "tables":
    [{"name", "owners", "foreign", "cells": {service: {"marks", "title", "foreign"}}}]}]}``,
    everything sorted. ``split`` is true when there are more than :data:`MATRIX_MAX_COLUMNS`
    services: the report then draws one grid per database over its own ``services``.
    """
    graph = result.graph
    names = {n.id: n.name for n in graph.nodes(NodeKind.SERVICE)}
    touching: set[str] = set()
    databases: list[dict[str, Any]] = []
    grouped: dict[str | None, list[str]] = defaultdict(list)
    for table in graph.nodes(NodeKind.TABLE):
        grouped[graph.parent(table.id)].append(table.id)
    db_ids = [db.id for db in graph.nodes(NodeKind.DATABASE)]
    for db_id in [*db_ids, *([None] if grouped.get(None) else [])]:
        connected = (
            sorted({names[s] for s in graph.predecessors(db_id, EdgeKind.CONNECTS) if s in names})
            if db_id
            else []
        )
        local = set(connected)
        tables: list[dict[str, Any]] = []
        for table_id in sorted(grouped.get(db_id, [])):
            who: dict[str, list[str]] = defaultdict(list)
            for kind, label, _ in _ACCESS:
                for s in graph.predecessors(table_id, kind):
                    if s in names:
                        who[names[s]].append(label)
            owners = sorted(name for name, kinds in who.items() if "owns" in kinds)
            cells: dict[str, dict[str, Any]] = {}
            for name, kinds in sorted(who.items()):
                foreign = bool(owners) and name not in owners
                marks = "".join(letter for _, label, letter in _ACCESS if label in kinds)
                cells[name] = {"marks": marks, "title": f"{name} {', '.join(kinds)}", "foreign": foreign}
                local.add(name)
            tables.append(
                {
                    "name": graph.node(table_id).name,
                    "owners": owners,
                    "foreign": any(c["foreign"] for c in cells.values()),
                    "cells": cells,
                }
            )
        db = graph.node(db_id) if db_id else None
        databases.append(
            {
                "name": db.name if db else "(tables outside any known database)",
                "datastore": str(db.attrs.get("datastore") or "") if db else "",
                "technology": str(db.attrs.get("technology") or "") if db else "",
                "shared": len(connected) > 1,
                "services": sorted(local),
                "cells": {name: "C" for name in connected},
                "tables": tables,
            }
        )
        touching |= local
    return {"services": sorted(touching), "split": len(touching) > MATRIX_MAX_COLUMNS, "databases": databases}


def _drawn_ancestor(result: ScanResult, nid: str, drawn: set[str]) -> str:
    """The box a node is drawn in: itself, or the nearest container along ``contains`` edges."""
    seen: set[str] = set()
    current: str | None = nid
    while current is not None and current not in seen:
        if current in drawn:
            return current
        seen.add(current)
        current = result.graph.parent(current)
    return ""


def render_html(result: ScanResult) -> str:
    env = _environment()
    findings = sorted(result.findings, key=lambda f: f.sort_key)
    per_node: Counter[str] = Counter()
    for f in result.active_findings:
        per_node.update(set(f.subjects))
    drawings = views(result.graph, dict(per_node))
    # NOTE: the page opens on the first grouping the system has (areas are what make 60 services
    # readable), platform folded; the other drawings are precomputed and switched to in the page.
    default_view = next((d for d in drawings if d.grouping and not d.unfolded), drawings[0])
    drawing = drawings[0]
    metas = {m.id: m for m in result.rules}
    by_severity: list[tuple[str, list[tuple[str, list[Any]]]]] = []
    for severity in Severity:
        of_level = [f for f in findings if f.severity == severity]
        rules: dict[str, list[Any]] = defaultdict(list)
        for f in of_level:
            rules[f.rule_id].append(f)
        ordered = sorted(
            rules.items(), key=lambda item: (-sum(1 for f in item[1] if not f.suppressed), item[0])
        )
        for _, items in ordered:
            items.sort(key=lambda f: (bool(f.suppressed), f.baseline_state != "new", f.location))
        if ordered:
            by_severity.append((severity.value, ordered))
    groups = {
        g: sorted(
            {value for d in drawings for box in d.boxes for key, value in box.groups if key == g and value}
        )
        for g in GROUPINGS
    }
    groups[""] = []
    platform_members = sorted(n.name for n in result.graph.nodes() if str(n.kind) in PLATFORM_KINDS)
    services = sorted(n.name for n in result.graph.nodes(NodeKind.SERVICE))
    counts = Counter(f.severity.value for f in result.active_findings)
    finding_services = {
        f.fingerprint: sorted(
            {result.graph.node(s).name for s in f.subjects if s in result.graph and s.startswith("service:")}
        )
        for f in findings
    }
    drawn = {box.id for box in drawing.boxes}  # the folded drawing: a platform subject has no box
    subject_names: dict[str, str] = {}
    subject_boxes: dict[str, str] = {}  # subject -> the box that shows it (a database's server)
    for f in findings:
        for sid in f.subjects:
            if sid in result.graph and sid not in subject_names:
                subject_names[sid] = result.graph.node(sid).name
                subject_boxes[sid] = _drawn_ancestor(result, sid, drawn)
    template = env.get_template("report.html.j2")
    return template.render(
        result=result,
        findings=findings,
        by_severity=by_severity,
        groups=groups,
        metas=metas,
        rules_used=sorted({f.rule_id for f in findings}),
        services=services,
        finding_services=finding_services,
        counts=counts,
        severities=[s.value for s in Severity],
        drawings=drawings,
        default_view=default_view,
        platform_members=platform_members,
        subject_names=subject_names,
        subject_boxes=subject_boxes,
        box_w=BOX_W,
        box_h=BOX_H,
        ownership=ownership_matrix(result),
        stats={
            "services": len(services),
            "datastores": sum(1 for _ in result.graph.nodes(NodeKind.DATASTORE)),
            "brokers": sum(1 for _ in result.graph.nodes(NodeKind.BROKER)),
            "tables": sum(1 for _ in result.graph.nodes(NodeKind.TABLE)),
        },
        css=Markup((reports_dir() / "report.css").read_text(encoding="utf-8")),
        js=Markup((reports_dir() / "report.js").read_text(encoding="utf-8")),
    )
