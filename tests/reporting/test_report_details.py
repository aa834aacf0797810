"""Exact behaviour of the report pieces: SARIF limits and URIs, Markdown and Mermaid escaping,
GraphML from hostile input, the ownership matrix and the layout order."""

from __future__ import annotations

import json
import xml.dom.minidom

import jsonschema
import pytest

from analyzer.model import (
    ArchGraph,
    EdgeKind,
    Evidence,
    Finding,
    Location,
    NodeKind,
    RelatedLocation,
    RuleMeta,
    ScanResult,
    Severity,
    SourceKind,
)
from analyzer.reporting import (
    export_graph,
    render_console,
    render_html,
    render_markdown,
    render_sarif,
    sarif,
    summary,
)
from analyzer.reporting import html as html_report
from analyzer.reporting.graphexport import mermaid_label, to_mermaid
from analyzer.reporting.html import ownership_matrix
from analyzer.reporting.layout import layout
from tests.conftest import SHARED
from tests.reporting.test_reports import HOSTILE, build_result

RULE = RuleMeta(
    "AC900", "demo-rule", "Demo", Severity.WARNING, "encapsulation", "Help.", ("architecture", "demo")
)


def _finding(path: str, line: int, severity: Severity = Severity.WARNING, **kw: object) -> Finding:
    return Finding(
        "AC900", "demo-rule", severity, kw.pop("message", "m"), ("service:a",),  # type: ignore[arg-type]
        Location(path, line), fingerprint=f"fp-{path}-{line}", **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _result(findings: list[Finding], graph: ArchGraph | None = None) -> ScanResult:
    g = graph or ArchGraph()
    if graph is None:
        g.add_node(NodeKind.SERVICE, "a")
    return ScanResult(g, findings, [], [RULE], "9.9.9", "demo")


def _validate(doc: dict[str, object]) -> None:
    schema = json.loads((SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(doc)


def test_sarif_uris_are_escaped_and_principle_is_the_first_tag() -> None:
    doc = json.loads(render_sarif(_result([_finding("svc/my dir/V1__a#b%.sql", 4)])))
    _validate(doc)
    run = doc["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["properties"]["tags"] == [
        "encapsulation",
        "architecture",
        "demo",
    ]
    assert "security-severity" not in run["tool"]["driver"]["rules"][0]["properties"]
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "svc/my%20dir/V1__a%23b%25.sql"
    assert location["region"] == {"startLine": 4, "startColumn": 1}


def test_sarif_stays_within_github_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    related = tuple(RelatedLocation(Location("x.yml", i), f"ev {i}") for i in range(1, 151))
    many = _finding("a.yml", 1, related=related)
    doc = json.loads(render_sarif(_result([many])))
    result = doc["runs"][0]["results"][0]
    # Only related locations the message links are shown by GitHub: we include (and link) 20.
    assert [r["id"] for r in result["relatedLocations"]] == list(range(1, 21))
    assert result["properties"]["relatedOmitted"] == 130
    assert "[ev 20](20) and 130 more related locations" in result["message"]["text"]

    monkeypatch.setattr(sarif, "MAX_RESULTS", 1)
    findings = [_finding("b.yml", 2, Severity.NOTE), _finding("c.yml", 3, Severity.ERROR)]
    doc = json.loads(render_sarif(_result(findings)))
    _validate(doc)
    run = doc["runs"][0]
    assert [(r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]] == [
        ("error", "c.yml")
    ]  # fmt: skip
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning" and note["message"]["text"].startswith(
        "1 less severe findings left out"
    )


def test_markdown_escapes_repository_text_and_skips_huge_graphs(monkeypatch: pytest.MonkeyPatch) -> None:
    message = "x | y <img src=x onerror=alert(1)> @org/team *bold* [l](http://e)"
    md = render_markdown(_result([_finding("we`ird|path.yml", 7, message=message)]))
    row = next(line for line in md.splitlines() if line.startswith("| ``we"))
    assert row == (
        "| ``we`ird\\|path.yml:7:1`` | x \\| y \\<img src=x onerror=alert(1)\\> "
        "\\@org/team \\*bold\\* \\[l\\](http://e) | — |"
    )
    assert "```mermaid" in md
    monkeypatch.setattr(summary, "MERMAID_MAX_NODES", 0)
    md = render_markdown(_result([]))
    assert "```mermaid" not in md and "The graph has 1 nodes and 0 edges, too many" in md
    assert md.startswith("## archconform architecture review: demo\n\n**0** errors · **0** warnings")


def test_mermaid_and_dot_labels_cannot_break_out() -> None:
    assert mermaid_label('a"b<c>`d#e|f\ng') == '"a#quot;b#lt;c#gt;#96;d#35;e#124;f g"'
    g = ArchGraph()
    g.add_node(NodeKind.SERVICE, 'x"];\nevil', evidence=[Evidence(SourceKind.COMPOSE, Location("c.yml", 1))])
    assert to_mermaid(g) == 'flowchart LR\n  n0["x#quot;]; evil"]\n'
    assert 'n0 [label="x\\"];\\nevil", shape=box];' in export_graph(g, "dot")


def test_graphml_survives_control_characters_and_mixed_attribute_types() -> None:
    g = ArchGraph()
    a = g.add_node(
        NodeKind.SERVICE, "bad\x01name", attrs={"team": "core", "declared": True},
        evidence=[Evidence(SourceKind.COMPOSE, Location("c.yml", 3))],
    )  # fmt: skip
    b = g.add_node(NodeKind.SERVICE, "b", attrs={"declared": "yes", "aliases": ("b1", "b2")})
    g.add_edge(EdgeKind.CALLS, a, b, attrs={"count": 3, "methods": ("GET",)})
    text = export_graph(g, "graphml")
    doc = xml.dom.minidom.parseString(text)
    keys = [(k.getAttribute("for"), k.getAttribute("attr.name")) for k in doc.getElementsByTagName("key")]
    assert len(keys) == len(set(keys))  # one declared type per attribute name
    declared = next(k for k in doc.getElementsByTagName("key") if k.getAttribute("attr.name") == "declared")
    assert declared.getAttribute("attr.type") == "string"
    assert [n.getAttribute("id") for n in doc.getElementsByTagName("node")] == [
        "service:b",
        "service:bad\ufffdname",
    ]
    assert "compose:c.yml:3" in text and "b1,b2" in text
    assert export_graph(g, "graphml") == text


def test_ownership_matrix_marks_owners_readers_and_shared_databases() -> None:
    matrix = ownership_matrix(build_result())
    assert matrix == {
        "services": [HOSTILE, "orders"],
        "split": False,
        "databases": [
            {
                "name": "shop",
                "datastore": "db",
                "technology": "",
                "shared": True,
                "services": [HOSTILE, "orders"],
                "cells": {HOSTILE: "C", "orders": "C"},
                "tables": [
                    {
                        "name": "public.orders",
                        "owners": ["orders"],
                        "foreign": True,
                        "cells": {
                            HOSTILE: {"marks": "R", "title": f"{HOSTILE} reads", "foreign": True},
                            "orders": {"marks": "O", "title": "orders owns", "foreign": False},
                        },
                    }
                ],
            }
        ],
    }
    page = render_html(build_result())
    assert (
        '<td class="cell foreign" title="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; reads">R</td>'
        in page
    )
    assert '<a class="subject" href="#graph" data-node="datastore:db" title="show database:db/shop' in page


def test_many_services_get_one_grid_per_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_report, "MATRIX_MAX_COLUMNS", 1)
    assert ownership_matrix(build_result())["split"] is True
    page = render_html(build_result())
    assert '<div id="ownership-matrix">' in page and page.count('<table class="matrix">') == 1
    assert "2 services touch databases: one grid per database" in page


def test_layout_of_the_small_system() -> None:
    drawing = layout(build_result().graph, {})
    # orders → db is one layer longer than orders → evil → db: it runs through a dummy slot.
    assert [(b.id, b.x, b.y) for b in drawing.boxes] == [
        ("datastore:db", 644, 24),
        (f"service:{HOSTILE}", 334, 46),
        ("service:orders", 24, 24),
    ]
    runtime = [line for line in drawing.lines if line.runtime_only]
    assert [(r.source, r.target, r.kind) for r in runtime] == [
        ("service:orders", f"service:{HOSTILE}", "calls")
    ]
    assert runtime[0].title == (
        f"orders calls {HOSTILE} · 42 calls seen · p50 3.5 ms, p95 9.0 ms · seen only in traces"
    )


def test_console_keeps_terminal_control_out_of_repository_text() -> None:
    text = render_console(_result([_finding("a.yml", 2, message="boom\x1b[2J\nnext line")]), color=True)
    assert text.splitlines() == [
        "archconform 9.9.9: demo: 1 services, 0 datastores/brokers, 1 findings "
        "(0 error, 1 warning, 0 note), 0 diagnostics",
        "  a.yml:2:1: \x1b[33mwarning\x1b[0m demo-rule: boom\ufffd[2J next line",
        "config: none (defaults)",
    ]
