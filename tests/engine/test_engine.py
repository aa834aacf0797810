"""The rule engine over hand-built graphs: patterns, grouping, aggregates, walks, suppressions."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from analyzer.config import Config, RuleConfig, Waiver
from analyzer.engine import apply_baseline, apply_suppressions, create_baseline, evaluate, load_rules, rule
from analyzer.engine.loader import RuleError, parse_rule
from analyzer.engine.rules import Report
from analyzer.model import ArchGraph, EdgeKind, Evidence, Location, NodeKind, Severity, SourceKind

HEAD = "id: X\nname: x\ntitle: t\nseverity: note\nprinciple: p\nhelp: h\nmessage: m\n"


def ev(path: str, line: int, detail: str = "", source: SourceKind = SourceKind.COMPOSE) -> Evidence:
    return Evidence(source, Location(path, line), detail)


def shop_graph() -> ArchGraph:
    g = ArchGraph()
    svcs = {
        n: g.add_node(NodeKind.SERVICE, n, evidence=[ev("compose.yaml", i)])
        for i, n in enumerate(["orders", "inventory", "users"], 2)
    }
    ds = g.add_node(
        NodeKind.DATASTORE,
        "shop-db",
        attrs={"technology": "postgresql", "persistent": False},
        evidence=[ev("compose.yaml", 20)],
    )
    shop = g.add_node(
        NodeKind.DATABASE, "shop-db", "shop", name="shop", attrs={"datastore": "shop-db", "database": "shop"}
    )
    users = g.add_node(
        NodeKind.DATABASE,
        "shop-db",
        "users",
        name="users",
        attrs={"datastore": "shop-db", "database": "users"},
    )
    g.add_edge(EdgeKind.CONTAINS, ds, shop)
    g.add_edge(EdgeKind.CONTAINS, ds, users)
    g.add_edge(
        EdgeKind.CONNECTS,
        svcs["orders"],
        shop,
        evidence=[ev("compose.yaml", 5, "env DATABASE_URL")],
        attrs={"tls": False},
    )
    g.add_edge(
        EdgeKind.CONNECTS,
        svcs["inventory"],
        shop,
        evidence=[ev("inventory/config.yaml", 3, source=SourceKind.CONFIG)],
    )
    g.add_edge(EdgeKind.CONNECTS, svcs["users"], users, evidence=[ev("compose.yaml", 9)])
    items = g.add_node(
        NodeKind.TABLE,
        "shop-db",
        "shop",
        "public.items",
        name="public.items",
        attrs={"table": "items", "owners": ("inventory",)},
    )
    g.add_edge(
        EdgeKind.OWNS, svcs["inventory"], items, evidence=[ev("inventory/V1.sql", 1, source=SourceKind.SQL)]
    )
    g.add_edge(
        EdgeKind.READS, svcs["orders"], items, evidence=[ev("orders/V2.sql", 4, source=SourceKind.SQL)]
    )
    g.add_edge(
        EdgeKind.WRITES, svcs["orders"], items, evidence=[ev("orders/Repo.java", 9, source=SourceKind.CODE)]
    )
    for a, b, line in [("orders", "inventory", 30), ("inventory", "users", 31), ("users", "orders", 32)]:
        g.add_edge(
            EdgeKind.CALLS, svcs[a], svcs[b], evidence=[ev(f"{a}/client.py", line, source=SourceKind.CODE)]
        )
    return g


@pytest.fixture(scope="module")
def rules():  # type: ignore[no-untyped-def]
    loaded, diagnostics = load_rules(Config())
    assert diagnostics == []
    return loaded


def by_rule(findings, name):  # type: ignore[no-untyped-def]
    return [f for f in findings if f.rule == name]


def test_shared_database_groups_all_services_and_anchors_on_best_evidence(rules) -> None:  # type: ignore[no-untyped-def]
    findings, diags = evaluate(shop_graph(), rules, Config())
    assert diags == []
    (found,) = by_rule(findings, "shared-database")
    assert found.subjects == ("database:shop-db/shop", "service:inventory", "service:orders")
    assert found.location == Location("inventory/config.yaml", 3)  # config outranks compose
    assert [r.location for r in found.related] == [Location("compose.yaml", 5)]
    assert "inventory, orders" in found.message and found.severity is Severity.ERROR


def test_shared_server_is_a_separate_lesser_finding(rules) -> None:  # type: ignore[no-untyped-def]
    findings, _ = evaluate(shop_graph(), rules, Config())
    (found,) = by_rule(findings, "shared-database-server")
    assert found.severity is Severity.NOTE
    assert "3 services keep 2 separate databases" in found.message


def test_cross_service_access_one_finding_per_service_and_table(rules) -> None:  # type: ignore[no-untyped-def]
    findings, _ = evaluate(shop_graph(), rules, Config())
    (found,) = by_rule(findings, "cross-service-data-access")
    assert found.location == Location("orders/Repo.java", 9)
    assert "reads and writes table 'items', which inventory owns" in found.message
    assert Location("inventory/V1.sql", 1) in {r.location for r in found.related}


def test_cycle_reported_once_with_witness(rules) -> None:  # type: ignore[no-untyped-def]
    findings, _ = evaluate(shop_graph(), rules, Config())
    (found,) = by_rule(findings, "sync-call-cycle")
    assert found.message == "Synchronous call cycle: inventory → users → orders → inventory"
    assert len(found.related) == 2


def test_options_and_severity_from_config(rules) -> None:  # type: ignore[no-untyped-def]
    config = Config(rules=(("shared-database", RuleConfig(options=(("min_services", 3),))),
                           ("sync-call-cycle", RuleConfig(severity=Severity.WARNING)),
                           ("AC402", RuleConfig(enabled=False))))  # fmt: skip
    findings, _ = evaluate(shop_graph(), rules, config)
    assert by_rule(findings, "shared-database") == []
    assert by_rule(findings, "sync-call-cycle")[0].severity is Severity.WARNING
    assert by_rule(findings, "unencrypted-database-connection") == []


def test_fingerprints_ignore_lines(rules) -> None:  # type: ignore[no-untyped-def]
    first, _ = evaluate(shop_graph(), rules, Config())
    moved = shop_graph()
    moved.add_edge(
        EdgeKind.CONNECTS,
        "service:orders",
        "database:shop-db/shop",
        evidence=[ev("a.yaml", 1, source=SourceKind.CODE)],
    )
    second, _ = evaluate(moved, rules, Config())
    assert {f.fingerprint for f in first} == {f.fingerprint for f in second}


def test_walk_chains() -> None:
    g = ArchGraph()
    names = [f"s{i}" for i in range(7)]
    for n in names:
        g.add_node(NodeKind.SERVICE, n)
    for a, b in itertools.pairwise(names):
        g.add_edge(
            EdgeKind.CALLS,
            f"service:{a}",
            f"service:{b}",
            evidence=[ev(f"{a}.py", 1, source=SourceKind.CODE)],
        )
    rules, _ = load_rules(Config())
    findings, _ = evaluate(g, rules, Config())
    (found,) = by_rule(findings, "long-sync-call-chain")
    assert found.message.startswith("A chain of 6 synchronous calls (limit 4): s0 → s1")
    assert found.location == Location("s0.py", 1)


def test_absent_and_distinct() -> None:
    text = """
id: X1
name: table-without-owner
title: t
severity: warning
principle: p
help: h
match:
  nodes: {t: table, s: service}
  edges: [{from: s, kind: reads, to: t, as: r}]
  absent: [{from: _, kind: owns, to: t}]
location: r
message: "{{ t.name }} read by {{ s.name }} has no owner"
"""
    r = parse_rule(text, "x.yml")
    g = shop_graph()
    orphan = g.add_node(NodeKind.TABLE, "shop-db", "shop", "public.orphan", name="public.orphan")
    g.add_edge(
        EdgeKind.READS, "service:users", orphan, evidence=[ev("users/q.sql", 2, source=SourceKind.SQL)]
    )
    findings, _ = evaluate(g, [r], Config())
    assert [(f.message, f.location) for f in findings] == [
        ("public.orphan read by users has no owner", Location("users/q.sql", 2))
    ]


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        (
            HEAD.replace("note", "fatal") + "match: {nodes: {a: service}}\n",
            4,
            "severity",
        ),
        (
            HEAD + "match:\n  nodes: {a: servise}\n",
            9,
            "unknown value 'servise'",
        ),
        (
            HEAD + "match: {nodes: {a: service}}\nhaving: 'a ==='\n",
            9,
            "bad expression",
        ),
        (
            HEAD + "match: {nodes: {a: service}}\nbogus: 1\n",
            9,
            "unknown key",
        ),
    ],
)
def test_rule_errors_point_at_the_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(RuleError) as info:
        parse_rule(text, "mine.yml")
    assert info.value.line == line and needle in info.value.message


def test_expressions_are_sandboxed() -> None:
    text = (
        "id: X\nname: x\ntitle: t\nseverity: note\nprinciple: p\nhelp: h\n"
        'message: "{{ a.__class__.__mro__ }}"\nmatch: {nodes: {a: service}}\n'
    )
    findings, diags = evaluate(shop_graph(), [parse_rule(text, "x.yml")], Config())
    # The sandbox hides internals: the unsafe attribute renders as undefined (empty), never a class.
    assert [f.message for f in findings] == ["", "", ""] and diags == []


def test_python_rule_and_suppressions_and_baseline() -> None:
    @rule(id="ORG1", name="no-ledger", title="t", severity="error", principle="p", help="h")
    def check(graph, options):  # type: ignore[no-untyped-def]
        for edge in graph.edges(EdgeKind.CONNECTS):
            yield Report(f"{edge.source} connects", (edge.source,), edge)

    g = shop_graph()
    findings, _ = evaluate(g, [check], Config())
    assert len(findings) == 3
    lines = {("compose.yaml", 5): "      DATABASE_URL: x # archconform: ignore[no-ledger] migrating in Q3"}
    waiver = Waiver("ORG1", "legacy", ("users",), None, 7)
    expired = Waiver("no-ledger", "old", ("inventory",), dt.date(2020, 1, 1), 8)
    stale = Waiver("no-ledger", "nothing", ("ghost",), None, 9)
    config = Config(path="archconform.yml", waivers=(waiver, expired, stale))
    out, diags = apply_suppressions(findings, config, lambda p, n: lines.get((p, n), ""), dt.date(2026, 1, 1))
    reasons = {f.subjects[0]: f.suppressed for f in out}
    kinds = {f.subjects[0]: f.suppressed_by for f in out}
    assert kinds == {"service:orders": "inline", "service:users": "waiver", "service:inventory": ""}
    assert reasons == {
        "service:orders": "migrating in Q3",
        "service:users": "legacy",
        "service:inventory": "",
    }
    assert sorted((d.line, d.message.split(";")[0]) for d in diags) == [
        (8, "waiver for 'no-ledger' expired on 2020-01-01"),
        (9, "waiver for 'no-ledger' matches no finding"),
    ]
    base = create_baseline(out[:2])
    marked, absent = apply_baseline(out[1:], base)
    assert [f.baseline_state for f in marked] == ["unchanged", "new"]
    assert [a["fingerprint"] for a in absent] == [out[0].fingerprint]


def test_fast_evaluator_agrees_with_jinja(monkeypatch: pytest.MonkeyPatch) -> None:
    """The closure compiler is an optimisation only: with it off, every finding is identical."""
    from analyzer.engine import expr

    graph = shop_graph()
    graph.update_node("service:orders", attrs={"plaintext_credentials": ("DB_PASSWORD",)},
                      evidence=[ev("compose.yaml", 6, "plaintext credential DB_PASSWORD")])  # fmt: skip
    fast_rules, _ = load_rules(Config())
    fast, _ = evaluate(graph, fast_rules, Config())
    monkeypatch.setattr(expr, "compile_fast", lambda node: None)
    monkeypatch.setattr(expr, "compile_fast_template", lambda node: None)
    slow_rules, _ = load_rules(Config())
    slow, _ = evaluate(graph, slow_rules, Config())
    assert len(fast) >= 7
    assert fast == slow
