"""Every file of ../shared/real-data/traces: the edges its README lists, and the traps it names."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from analyzer.extract.facts import (
    Call,
    Connection,
    DatastoreDecl,
    ExtractResult,
    Message,
    Operation,
    ServiceDecl,
    TableAccess,
)
from analyzer.extract.traces import read_trace_file
from analyzer.model import SourceKind

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real-data" / "traces"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="shared real-data folder not present")


def read(relative: str) -> ExtractResult:
    return read_trace_file(REAL / relative, f"traces/{Path(relative).name}")


def call_counts(result: ExtractResult) -> Counter[tuple[str, str]]:
    """(caller, callee) → calls, summed over protocol/method/route."""
    counts: Counter[tuple[str, str]] = Counter()
    for fact in result.facts:
        if isinstance(fact, Call):
            counts[(fact.service, fact.target.text)] += fact.count
    return counts


def connections(result: ExtractResult) -> dict[tuple[str, str, tuple[str, ...], str], int]:
    return {
        (f.service, f.info.technology, f.info.hosts, f.info.database): f.evidence.count
        for f in result.facts
        if isinstance(f, Connection)
    }


def services(result: ExtractResult) -> set[str]:
    return {f.name for f in result.facts if isinstance(f, ServiceDecl)}


def datastores(result: ExtractResult) -> set[tuple[str, str]]:
    return {(f.name, f.technology) for f in result.facts if isinstance(f, DatastoreDecl)}


def test_every_real_file_is_read_without_diagnostics() -> None:
    files = sorted(p for p in REAL.rglob("*") if p.is_file() and p.name != "README.md")
    assert len(files) == 11
    for path in files:
        result = read_trace_file(path, f"traces/{path.name}")
        assert result.diagnostics == [], path.name
        assert any(isinstance(f, ServiceDecl) for f in result.facts), path.name
        for fact in result.facts:
            assert fact.evidence.source == SourceKind.TRACE
            assert fact.evidence.location.path == f"traces/{path.name}"


def test_hotrod_edges_and_simulated_db_resources_become_datastores() -> None:
    result = read("otlp-json/jaeger__hotrod-skills-fixture__n_plus_one_full_serial.json")
    assert call_counts(result) == {
        ("frontend", "customer"): 1,
        ("frontend", "driver"): 1,
        ("frontend", "route"): 10,
    }
    assert connections(result) == {
        ("customer", "mysql", ("mysql",), ""): 1,
        ("driver", "redis", ("redis-manual",), ""): 14,
    }
    assert services(result) == {"frontend", "customer", "driver", "route"}
    assert datastores(result) == {("mysql", "mysql"), ("redis-manual", "redis")}
    calls = {(c.target.text, c.protocol, c.method, c.path) for c in result.facts if isinstance(c, Call)}
    assert calls == {
        ("customer", "http", "GET", "/customer"),
        ("driver", "grpc", "FindNearest", "driver.DriverService/FindNearest"),
        ("route", "http", "GET", "/route"),
    }
    route = next(c for c in result.facts if isinstance(c, Call) and c.target.text == "route")
    assert route.errors == 0 and route.latency_p50_ms is not None and route.latency_p95_ms is not None
    assert 40 < route.latency_p50_ms <= route.latency_p95_ms < 90
    ops = [f for f in result.facts if isinstance(f, Operation)]
    assert [(o.service, o.name, o.written_services, o.count) for o in ops] == [
        ("frontend", "GET /dispatch", ("driver",), 1)  # gRPC counts as mutating; the DB calls only read
    ]


def test_hotrod_customer_select_reads_the_customer_table() -> None:
    pytest.importorskip("analyzer.extract.sqltables")
    result = read("otlp-json/jaeger__hotrod-skills-fixture__n_plus_one_full_serial.json")
    tables = {
        (t.service, t.table, t.action, t.technology, t.host)
        for t in result.facts
        if isinstance(t, TableAccess)
    }
    assert tables == {("customer", "customer", "reads", "mysql", "mysql")}


def test_otel_demo_mixed_semconv_edges() -> None:
    result = read("otlp-json/jaeger__otel-demo-skills-fixture__error_timeout_masked.json")
    assert call_counts(result) == {
        ("load-generator", "frontend-proxy"): 3,
        ("frontend-proxy", "frontend"): 3,
        ("frontend", "cart"): 2,
        ("frontend", "product-catalog"): 1,
    }
    assert connections(result) == {
        ("cart", "redis", ("valkey-cart",), "0"): 4,  # old db.system + db.redis.database_index
        ("product-catalog", "postgresql", ("astronomy-db",), ""): 1,  # new db.system.name
    }
    grpc = {
        (c.target.text, c.method, c.path)
        for c in result.facts
        if isinstance(c, Call) and c.protocol == "grpc"
    }
    assert grpc == {
        ("cart", "AddItem", "oteldemo.CartService/AddItem"),
        ("cart", "GetCart", "oteldemo.CartService/GetCart"),
        ("product-catalog", "GetProduct", "oteldemo.ProductCatalogService/GetProduct"),
    }
    errors = {
        (c.service, c.target.text, c.path): c.errors for c in result.facts if isinstance(c, Call) and c.errors
    }
    assert errors == {
        ("frontend-proxy", "frontend", "/api/checkout"): 1,
        ("load-generator", "frontend-proxy", "/api/checkout"): 1,
    }
    # the nested SERVER→SERVER spans inside frontend are not a call
    assert ("frontend", "frontend") not in call_counts(result)
    op = next(f for f in result.facts if isinstance(f, Operation))
    assert (op.service, op.name) == ("load-generator", "user_checkout_multi")
    assert "cart" in op.written_services  # HMSET on valkey-cart, and the AddItem RPC


def test_otel_demo_product_query_reads_catalog_products() -> None:
    pytest.importorskip("analyzer.extract.sqltables")
    result = read("otlp-json/jaeger__otel-demo-skills-fixture__error_timeout_masked.json")
    tables = {(t.service, t.table, t.action, t.host) for t in result.facts if isinstance(t, TableAccess)}
    assert tables == {("product-catalog", "catalog.products", "reads", "astronomy-db")}


@pytest.mark.parametrize(
    "relative",
    [
        "otlp-json/opentelemetry-proto__examples__trace.json",
        "otlp-proto/opentelemetry-proto__examples__trace.protobuf-bin",
        "otlp-proto/opentelemetry-proto__examples__trace.protobuf-text",
    ],
)
def test_canonical_example_in_json_binary_and_text(relative: str) -> None:
    result = read(relative)
    assert [(type(f).__name__, getattr(f, "name", "")) for f in result.facts] == [
        ("ServiceDecl", "my.service")
    ]
    assert result.facts[0].evidence.count == 1 and result.diagnostics == []


def test_jaeger_ui_fixture_duplicate_span_id_and_cross_trace_reference() -> None:
    result = read("jaeger/jaeger__uimodel-fixtures__ui_01.json")
    assert services(result) == {"service-x", "service-y"}
    # two service-y spans are CHILD_OF span 0002 of service-x; the duplicate id does not crash
    assert call_counts(result) == {("service-x", "service-y"): 2}


def test_jaeger_petclinic_db_without_semconv_and_short_ids() -> None:
    result = read("jaeger/jaeger-ui__tableValuesTestTrace__spanAmongEachOtherGroupedAndSpans.json")
    assert call_counts(result) == {("api-gateway", "customers-service"): 1}
    assert connections(result) == {("customers-service", "hsqldb", (), "testdb"): 14}


def test_zipkin_yelp_remote_endpoints_and_shared_spans() -> None:
    result = read("zipkin/zipkin__lens-testdata__yelp.json")
    counts = call_counts(result)
    assert counts[("mobile_api", "blt")] == 1
    assert counts[("mobile_api", "spectre")] == 1  # CLIENT and shared SERVER with one id
    assert counts[("yelp-main", "mobile_api")] == 1
    # the "unknown" client's shared server span names the instrumented side
    assert counts[("unknown", "yelp_main/api_proxy")] == 1
    assert connections(result) == {
        ("mobile_api", "memcached", ("memcache",), ""): 2,
        ("yelp-main", "memcached", ("memcache",), ""): 3,
        ("yelp-main", "mysql", ("mysql",), ""): 2,
    }
    assert "unknown" not in services(result)


def test_zipkin_kafka_messaging_through_the_broker() -> None:
    result = read("zipkin/zipkin__lens-testdata__messaging-kafka.json")
    messages = {
        (m.service, m.direction, m.system, m.topic): m.count for m in result.facts if isinstance(m, Message)
    }
    assert messages == {
        ("servicea", "publishes", "kafka", "messages"): 3,
        ("servicea", "publishes", "kafka", "central.messages"): 3,
        ("servicea", "publishes", "kafka", "command-messages"): 3,
        ("servicea", "consumes", "kafka", "messages"): 4,
        ("serviceb", "consumes", "kafka", "messages"): 3,
    }
    assert call_counts(result) == {}  # no synchronous call to "kafka"


def test_zipkin_simple_db() -> None:
    result = read("zipkin/zipkin__lens-testdata__simple-db-p6.json")
    assert connections(result) == {("bootifulmeters", "", ("app_db",), ""): 4}
    assert call_counts(result) == {}


def test_zipkin_simple_db_inserts_write_tables() -> None:
    pytest.importorskip("analyzer.extract.sqltables")
    result = read("zipkin/zipkin__lens-testdata__simple-db-p6.json")
    writes = {t.table for t in result.facts if isinstance(t, TableAccess) and t.action == "writes"}
    assert writes == {"revinfo", "api_book", "api_book_aud"}


def test_zipkin_smartthings_edges_and_keyspace_trap() -> None:
    result = read("zipkin/zipkin__lens-testdata__smartthings-oauth-authorization.json")
    counts = call_counts(result)
    expected = {
        ("datamgmt", "auth"): 20,
        ("datamgmt", "account"): 5,
        ("datamgmt", "bouncer"): 1,
        ("stlogin", "auth"): 2,
        ("bouncer", "pusher"): 5,
        ("pusher", "dove"): 1,
        ("pusher", "paperboy"): 1,
        # The README counts 4: two shared stlogin SERVER spans plus their two nested stlogin
        # SERVER children. Those children are inside stlogin, so there are 2 calls.
        ("datamgmt", "stlogin"): 2,
        ("stlogin", "datamgmt"): 2,
        # a pusher CLIENT span with only http.url: the uninstrumented host is the peer
        ("pusher", "archiver.st.internal"): 1,
    }
    assert counts == expected
    assert ("auth", "auth") not in counts  # remoteEndpoint.serviceName=auth is the keyspace
    assert connections(result) == {("auth", "cassandra", (), "auth"): 48}
    assert services(result) == {
        "auth",
        "datamgmt",
        "stlogin",
        "pusher",
        "account",
        "bouncer",
        "paperboy",
        "dove",
    }
