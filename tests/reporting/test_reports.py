"""Reports from a hand-built result: SARIF validity and content, the JSON contract, escaping,
determinism, graph exports — and the HTML in a real headless browser."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.dom.minidom
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from analyzer.model import (
    ArchGraph,
    Diagnostic,
    DiagnosticLevel,
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
    render_json,
    render_markdown,
    render_sarif,
)
from tests.conftest import SHARED

HOSTILE = '<script>alert("x")</script>'


def ev(path: str, line: int, source: SourceKind = SourceKind.COMPOSE, detail: str = "") -> Evidence:
    return Evidence(source, Location(path, line), detail)


def build_result() -> ScanResult:
    g = ArchGraph()
    orders = g.add_node(NodeKind.SERVICE, "orders", evidence=[ev("compose.yaml", 2)])
    evil = g.add_node(NodeKind.SERVICE, HOSTILE, evidence=[ev("compose.yaml", 9)])
    ds = g.add_node(
        NodeKind.DATASTORE, "db", attrs={"technology": "postgresql"}, evidence=[ev("compose.yaml", 20)]
    )
    db = g.add_node(
        NodeKind.DATABASE, "db", "shop", name="shop", attrs={"datastore": "db", "database": "shop"}
    )
    g.add_edge(EdgeKind.CONTAINS, ds, db)
    g.add_edge(EdgeKind.CONNECTS, orders, db, evidence=[ev("compose.yaml", 5)], attrs={"tls": False})
    g.add_edge(EdgeKind.CONNECTS, evil, db, evidence=[ev("compose.yaml", 12)])
    table = g.add_node(
        NodeKind.TABLE, "db", "shop", "public.orders", name="public.orders", attrs={"table": "orders"}
    )
    g.add_edge(EdgeKind.CONTAINS, db, table)
    g.add_edge(EdgeKind.OWNS, orders, table, evidence=[ev("orders/V1.sql", 1, SourceKind.SQL)])
    g.add_edge(EdgeKind.READS, evil, table, evidence=[ev("evil/q.sql", 3, SourceKind.SQL)])
    g.add_edge(
        EdgeKind.CALLS,
        orders,
        evil,
        attrs={"runtime": True, "static": False, "count": 42, "latency_p50_ms": 3.5, "latency_p95_ms": 9.0},
        evidence=[ev("traces/t.json", 1, SourceKind.TRACE)],
    )
    shared = RuleMeta(
        "AC101",
        "shared-database",
        "Shared",
        Severity.ERROR,
        "database-per-service",
        "**Why** `x`\n\n- a\n- b",
    )
    creds = RuleMeta(
        "AC401", "plaintext-credentials", "Creds", Severity.WARNING, "security", "help", ("security",)
    )
    findings = [
        Finding(
            "AC101", "shared-database", Severity.ERROR, f"2 services share shop: orders, {HOSTILE}",
            ("database:db/shop", evil, orders), Location("compose.yaml", 5),
            (RelatedLocation(Location("compose.yaml", 12), "env DATABASE_URL"),), "f" * 32, "new",
        ),
        Finding(
            "AC401", "plaintext-credentials", Severity.WARNING, "literal password", (ds,),
            Location("compose.yaml", 22), (), "e" * 32, "unchanged", "accepted until rotation",
        ),
    ]  # fmt: skip
    diagnostics = [Diagnostic("broken.yml", 3, DiagnosticLevel.ERROR, "invalid YAML: mapping values")]
    return ScanResult(
        g, findings, diagnostics, [shared, creds], "1.2.3", "shop", [{"fingerprint": "d" * 32, "rule": "x"}]
    )


def test_sarif_is_schema_valid_and_complete() -> None:
    assert len(json.loads(render_sarif(build_result()))["runs"][0]["results"]) == 1  # suppressed: out
    text = render_sarif(build_result(), include_suppressed=True)
    doc = json.loads(text)
    schema = json.loads((SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["AC101", "AC401"]
    assert rules[0]["help"]["markdown"].startswith("**Why**")
    assert "security-severity" in rules[1]["properties"] and "security-severity" not in rules[0]["properties"]
    first, second = run["results"]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "compose.yaml",
        "uriBaseId": "%SRCROOT%",
    }
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 1}
    assert first["relatedLocations"][0]["message"]["text"] == "env DATABASE_URL"
    assert first["partialFingerprints"] == {
        "archconform/v1": "f" * 32,
        "primaryLocationLineHash": "f" * 16 + ":1",
    }
    assert first["baselineState"] == "new" and second["baselineState"] == "unchanged"
    assert second["suppressions"][0]["justification"] == "accepted until rotation"
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert render_sarif(build_result(), include_suppressed=True) == text


def test_json_contract() -> None:
    doc = json.loads(render_json(build_result()))
    assert doc["tool"] == {"name": "archconform", "version": "1.2.3"}
    node = next(n for n in doc["graph"]["nodes"] if n["id"] == "datastore:db")
    assert node["attrs"]["technology"] == "postgresql"
    assert node["evidence"] == [{"source": "compose", "path": "compose.yaml", "line": 20, "column": 1}]
    db = next(n for n in doc["graph"]["nodes"] if n["kind"] == "database")
    assert db["attrs"]["datastore"] == "db" and db["attrs"]["database"] == "shop"
    edge = next(e for e in doc["graph"]["edges"] if e["kind"] == "calls")
    assert set(edge) >= {"source", "target", "kind", "attrs", "evidence"} and edge["attrs"]["count"] == 42
    finding = doc["findings"][0]
    assert set(finding) >= {
        "rule_id",
        "rule",
        "severity",
        "message",
        "subjects",
        "location",
        "related",
        "fingerprint",
    }
    assert finding["related"][0] == {
        "path": "compose.yaml",
        "line": 12,
        "column": 1,
        "message": "env DATABASE_URL",
    }
    assert doc["diagnostics"] == [
        {"level": "error", "message": "invalid YAML: mapping values", "path": "broken.yml", "line": 3}
    ]
    assert doc["absent"][0]["fingerprint"] == "d" * 32


def test_html_is_self_contained_and_escapes_repository_text() -> None:
    page = render_html(build_result())
    assert HOSTILE not in page and "&lt;script&gt;alert(" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    assert 'class="edge calls runtime"' in page and "42 calls seen" in page and "p50 3.5 ms" in page
    assert "<strong>Why</strong> <code>x</code>" in page and "<li>a</li>" in page
    assert "accepted until rotation" in page and "invalid YAML" in page


def test_markdown_console_and_graph_exports() -> None:
    result = build_result()
    md = render_markdown(result)
    assert "**1** error · **0** warnings · **0** notes · **1** new since the baseline · **1** fixed" in md
    assert "### Errors (1)" in md and "#### `shared-database` (1, 1 new)" in md
    assert "| 🆕 | `compose.yaml:5:1` |" in md
    assert "```mermaid" in md and "<script>" not in md
    console = render_console(result)
    assert "compose.yaml:5:1: error shared-database [new]" in console and "(1 suppressed)" in console
    assert "literal password" not in console
    dot = export_graph(result.graph, "dot")
    assert dot.startswith("digraph architecture {") and "style=dashed" in dot and '\\"x\\"' in dot
    mermaid = export_graph(result.graph, "mermaid")
    assert "-.->|calls|" in mermaid and "#lt;script#gt;" in mermaid
    graphml = export_graph(result.graph, "graphml")
    xml.dom.minidom.parseString(graphml)
    data = json.loads(export_graph(result.graph, "json"))
    assert {n["kind"] for n in data["nodes"]} == {"service", "datastore", "database", "table"}
    with pytest.raises(ValueError):
        export_graph(result.graph, "png")


def _browser_dom(tmp_path: Path, result: ScanResult) -> Callable[[str], str]:
    """Write ``result``'s HTML and return a function giving the DOM headless Chromium builds for the
    page opened with a URL fragment (``#selftest`` runs the page's own interaction checks)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.fail("chromium is not installed: run 'make browser-deps' (make test does)")
    page = tmp_path / "report.html"
    page.write_text(render_html(result), encoding="utf-8")

    def dom(fragment: str) -> str:
        run = subprocess.run(
            [
                browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                "--virtual-time-budget=2000", "--dump-dom", page.as_uri() + fragment,
            ],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-2000:]
        return run.stdout

    return dom


@pytest.mark.browser
def test_html_in_a_real_browser(tmp_path: Path) -> None:
    dom = _browser_dom(tmp_path, build_result())

    everything = dom("")
    assert '<svg id="system-graph"' in everything and everything.count('class="node ') == 3
    assert '<table class="matrix" id="ownership-matrix">' in everything
    assert '<a class="subject" href="#graph" data-node="service:orders"' in everything
    assert 'data-shown="1"' in everything  # the suppressed finding is hidden by default
    only_warnings = dom("#severity=warning&suppressed=1")
    assert 'data-shown="1"' in only_warnings and 'checked="" value="note"' not in only_warnings
    nothing = dom("#severity=note")
    assert 'data-shown="0"' in nothing
    by_rule = dom("#rule=plaintext-credentials&suppressed=1")
    assert 'data-shown="1"' in by_rule and "1 of 2 shown" in by_rule
    by_service = dom("#service=orders&suppressed=1")
    assert 'data-shown="1"' in by_service
    # Zoom, search and keyboard, driven through the page's own handlers (see report.js).
    checked = dom("#selftest")
    assert 'data-test-zoomed="true"' in checked
    assert 'data-matches="1"' in checked and 'data-test-search-focus="true"' in checked
    assert 'data-test-keyboard="true"' in checked and 'data-test-tabbable="3/3"' in checked
    found = dom("#find=order&group=")
    assert 'data-matches="1"' in found and 'class="node service match"' in found


def _grouped_result() -> ScanResult:
    """Three services in two bounded contexts, a database, and two platform components."""
    g = ArchGraph()
    e = [ev("compose.yaml", 1)]
    ids = [
        g.add_node(NodeKind.SERVICE, name, attrs={"context": ctx}, evidence=e)
        for name, ctx in (("orders", "sales"), ("billing", "sales"), ("stock", HOSTILE))
    ]
    store = g.add_node(NodeKind.DATASTORE, "orders-db", attrs={"technology": "postgresql"}, evidence=e)
    g.add_edge(EdgeKind.CALLS, ids[0], ids[1], evidence=e)
    g.add_edge(EdgeKind.CALLS, ids[0], ids[2], evidence=e)
    g.add_edge(EdgeKind.CONNECTS, ids[0], store, evidence=e)
    gateway = g.add_node(NodeKind.PLATFORM, "gateway", evidence=e)
    config = g.add_node(NodeKind.PLATFORM, "config-server", evidence=e)
    g.add_edge(EdgeKind.ROUTES_TO, gateway, ids[0], evidence=e)
    for sid in ids:
        g.add_edge(EdgeKind.CONFIGURED_BY, sid, config, evidence=e)
    return ScanResult(g, [], [], [], "1.2.3", "shop", [])


def test_html_precomputes_every_grouping_and_platform_fold() -> None:
    page = render_html(_grouped_result())
    assert page.count('<g class="view"') == 4  # (none, context) × (folded, unfolded)
    assert '<g class="view" data-grouping="context" data-unfolded="0"' in page  # shown first
    assert page.count('class="node platform folded"') == 2 and 'aria-expanded="false"' in page
    assert HOSTILE not in page and 'data-area="&lt;script&gt;' in page
    assert 'id="platform-toggle" aria-pressed="false"' in page


@pytest.mark.browser
def test_html_grouping_and_platform_fold_in_a_real_browser(tmp_path: Path) -> None:
    dom = _browser_dom(tmp_path, _grouped_result())

    opened = dom("")
    assert 'data-areas="2"' in opened and 'data-groups="2"' in opened
    # Enter on the folded box unfolds (2 platform boxes), the button folds back; the select
    # switches to no grouping (no areas).
    checked = dom("#selftest")
    assert 'data-test-platform="2/true"' in checked
    assert 'data-test-grouping="none/0"' in checked
    linked = dom("#group=&platform=open")
    assert 'data-view="none+platform"' in linked and 'aria-pressed="true"' in linked


def test_reports_link_evidence_when_the_source_url_is_known() -> None:
    result = build_result()
    result.source_url = "https://github.com/acme/shop/blob/abc123"
    page = render_html(result)
    assert '<a class="loc" href="https://github.com/acme/shop/blob/abc123/compose.yaml#L5"' in page
    md = render_markdown(result)
    assert "[`compose.yaml:5:1`](https://github.com/acme/shop/blob/abc123/compose.yaml#L5)" in md
    assert "href=" not in render_html(build_result()).split('id="findings"')[1].split("</section>")[
        0
    ].replace('href="#graph"', "")
