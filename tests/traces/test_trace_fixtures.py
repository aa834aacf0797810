"""Our own trace fixtures: messaging (old and new semconv), a cross-service write, broken files,
and the aggregate formats (Jaeger dependencies, servicegraph metrics)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.extract.facts import (
    Call,
    Connection,
    ExtractResult,
    Message,
    Operation,
    ServiceDecl,
    TableAccess,
)
from analyzer.extract.traces import read_trace_file

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "traces"


def read(name: str) -> ExtractResult:
    return read_trace_file(FIXTURES / name, f"fixtures/traces/{name}")


def messages(result: ExtractResult) -> set[tuple[str, str, str, str, int, int]]:
    return {
        (m.service, m.direction, m.system, m.topic, m.count, m.evidence.location.line)
        for m in result.facts
        if isinstance(m, Message)
    }


def diagnostics(result: ExtractResult) -> set[tuple[int, str]]:
    return {(d.line, d.message) for d in result.diagnostics}


def test_new_semconv_messaging_across_json_lines() -> None:
    result = read("otlp-messaging-new-semconv.jsonl")
    assert messages(result) == {
        ("checkout", "publishes", "kafka", "orders", 1, 1),
        ("accounting", "consumes", "kafka", "orders", 1, 2),
        ("fraud-detection", "consumes", "kafka", "orders", 1, 2),
    }
    op = [
        (o.service, o.name, o.publishes, o.evidence.location.line)
        for o in result.facts
        if isinstance(o, Operation)
    ]
    assert op == [("checkout", "POST /api/checkout", ("orders",), 1)]
    services = {(s.name, s.evidence.location.line) for s in result.facts if isinstance(s, ServiceDecl)}
    assert services == {("checkout", 1), ("accounting", 2), ("fraud-detection", 2)}
    assert result.diagnostics == []


def test_old_semconv_messaging_legacy_layout_uppercase_ids_enum_names() -> None:
    result = read("otlp-messaging-old-semconv.json")
    assert messages(result) == {
        ("shipping", "publishes", "rabbitmq", "shipments", 1, 1),
        ("notifier", "consumes", "rabbitmq", "shipments", 2, 1),  # receive (CONSUMER) + process (INTERNAL)
    }
    conns = {
        (c.service, c.info.technology, c.info.hosts, c.info.database)
        for c in result.facts
        if isinstance(c, Connection)
    }
    assert conns == {("shipping", "postgresql", ("logistics-db",), "logistics")}  # postgres → postgresql
    op = next(o for o in result.facts if isinstance(o, Operation))
    assert (op.service, op.name, op.publishes) == ("shipping", "POST /ship", ("shipments",))
    assert result.diagnostics == []


def test_cross_service_write_without_compensation() -> None:
    result = read("cross-service-write.json")
    ops = [o for o in result.facts if isinstance(o, Operation)]
    assert len(ops) == 1
    op = ops[0]
    assert (op.service, op.name, op.count, op.compensated) == ("gateway", "POST /checkout", 1, False)
    assert op.written_services == ("inventory", "orders", "payments")
    assert op.mutating_calls == ("inventory", "orders", "payments")  # fx-rates GET is not mutating
    assert "payment_events" in op.writes_tables  # Mongo insert on a named collection
    calls = {
        (c.service, c.target.text, c.protocol, c.method, c.path, c.count, c.errors)
        for c in result.facts
        if isinstance(c, Call)
    }
    assert calls == {
        ("gateway", "orders", "http", "POST", "/orders", 1, 0),
        ("gateway", "payments", "http", "POST", "/payments/{id}/capture", 1, 1),
        ("gateway", "fx-rates", "http", "GET", "", 1, 0),  # uninstrumented peer via peer.service
        ("orders", "inventory", "grpc", "Reserve", "inventory.Inventory/Reserve", 1, 0),
    }
    conns = {
        (c.service, c.info.technology, c.info.hosts, c.info.database)
        for c in result.facts
        if isinstance(c, Connection)
    }
    assert conns == {
        ("orders", "postgresql", ("orders-db",), "orders"),
        ("payments", "mysql", ("payments-db",), "payments"),
        ("payments", "mongodb", ("audit-mongo",), "audit"),
        ("inventory", "redis", ("inventory-redis",), "2"),
    }


def test_cross_service_write_sql_tables() -> None:
    pytest.importorskip("analyzer.extract.sqltables")
    result = read("cross-service-write.json")
    writes = {
        (t.service, t.table, t.database, t.host)
        for t in result.facts
        if isinstance(t, TableAccess) and t.action == "writes"
    }
    assert writes == {
        ("orders", "orders", "orders", "orders-db"),
        ("payments", "accounts", "payments", "payments-db"),
        ("payments", "payment_events", "audit", "audit-mongo"),
    }


def test_truncated_json_line_is_reported_and_the_rest_read() -> None:
    result = read("broken-truncated-line.jsonl")
    assert diagnostics(result) == {
        (2, "invalid JSON line (truncated?): unexpected control character in string (column 404)"),
        (3, "unknown span kind 9; read as unspecified"),
        (3, "unknown span kind 'SPAN_KIND_SIDEWAYS'; read as unspecified"),
    }
    calls = {
        (c.service, c.target.text, c.evidence.location.line) for c in result.facts if isinstance(c, Call)
    }
    assert calls == {("alpha", "beta", 1)}  # client span on line 1, server span on line 3


def test_truncated_document_gives_line_of_the_break() -> None:
    result = read("broken-truncated-document.json")
    assert result.facts == []
    assert [(d.line, d.message) for d in result.diagnostics] == [
        (225, "invalid JSON (truncated or malformed): unexpected end of data (line 225, column 28)")
    ]


def test_wrong_types_skip_only_the_bad_spans() -> None:
    result = read("broken-wrong-types.json")
    assert {s.name for s in result.facts if isinstance(s, ServiceDecl)} == {"gamma"}
    calls = {(c.service, c.target.text, c.latency_p50_ms) for c in result.facts if isinstance(c, Call)}
    assert calls == {("gamma", "delta", None)}  # its timestamps are not integers
    assert diagnostics(result) == {
        (
            41,
            "span c000000000000002 skipped: wrong types "
            "(TypeError: string indices must be integers, not 'str')",
        ),
        (48, "span c000000000000003 skipped: wrong types (KeyError: 'value')"),
        (1, "span skipped: wrong types (AttributeError: 'str' object has no attribute 'get')"),
        (1, "scopeSpans is not a list"),
        (1, "resourceSpans entry is not an object"),
        (
            60,
            "1 call span(s) without integer start/end times (first: span c000000000000004); latency left out",
        ),
    }


def test_jaeger_dependencies_are_call_edges() -> None:
    result = read("jaeger-dependencies.json")
    calls = {(c.service, c.target.text, c.count, c.protocol) for c in result.facts if isinstance(c, Call)}
    assert calls == {
        ("frontend", "cart", 120, ""),
        ("frontend", "checkout", 7, ""),
    }  # cart→cart: no self-call
    assert diagnostics(result) == {
        (1, "dependency entry skipped: ValueError: invalid literal for int() with base 10: 'x'")
    }


def test_servicegraph_metrics_are_edges_with_latency() -> None:
    result = read("servicegraph.prom")
    calls = {
        (
            c.service,
            c.target.text,
            c.count,
            c.errors,
            c.latency_p50_ms,
            c.latency_p95_ms,
            c.evidence.location.line,
        )
        for c in result.facts
        if isinstance(c, Call)
    }
    assert calls == {
        ("frontend", "cart", 40, 0, 4.0, 100.0, 3),
        ("frontend", "checkout", 10, 2, None, None, 4),
    }
    conns = {(c.service, c.info.hosts, c.evidence.count) for c in result.facts if isinstance(c, Connection)}
    assert conns == {("checkout", ("orders-db",), 25)}
    assert diagnostics(result) == {
        (15, "unreadable servicegraph sample"),
        (16, "servicegraph sample value 'NaNx' is not a number"),
    }
