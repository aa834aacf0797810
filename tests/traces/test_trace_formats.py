"""Format detection and the shapes real exporters write: gzip, protobuf (single, delimited stream),
``{"result": ...}``, enum names, int64 as numbers, JSON Lines windows, odd inputs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span as PbSpan

from analyzer.extract.facts import Call, Connection, ExtractResult, ServiceDecl
from analyzer.extract.traces import read_trace_file
from analyzer.extract.traces.aggregate import TraceAggregator
from analyzer.extract.traces.latency import LatencyHistogram
from analyzer.extract.traces.semconv import normalise_path
from analyzer.extract.traces.span import Span
from analyzer.model import DiagnosticLevel

TRACE = "0123456789abcdef0123456789abcdef"


def attr(key: str, value: object) -> dict[str, Any]:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": value}}
    return {"key": key, "value": {"stringValue": value}}


def otlp(trace: str, client_kind: object = 3, server_kind: object = 2, **extra: Any) -> dict[str, Any]:
    """A web → api call, ids as given, times as JSON numbers."""
    client = {
        "traceId": trace,
        "spanId": "AAAAAAAAAAAAAAA1",
        "name": "GET",
        "kind": client_kind,
        "startTimeUnixNano": 1_000_000_000,
        "endTimeUnixNano": 1_012_000_000,
        "attributes": [attr("http.request.method", "GET"), attr("server.address", "api")],
        **extra,
    }
    server = {
        "traceId": trace,
        "spanId": "bbbbbbbbbbbbbbb2",
        "parentSpanId": "aaaaaaaaaaaaaaa1",
        "name": "GET /items/{id}",
        "kind": server_kind,
        "startTimeUnixNano": "1001000000",
        "endTimeUnixNano": "1010000000",
        "attributes": [attr("http.route", "/items/{id}"), attr("http.response.status_code", 200)],
    }
    return {
        "resourceSpans": [
            {"resource": {"attributes": [attr("service.name", "web")]}, "scopeSpans": [{"spans": [client]}]},
            {"resource": {"attributes": [attr("service.name", "api")]}, "scopeSpans": [{"spans": [server]}]},
        ]
    }


def calls(result: ExtractResult) -> set[tuple[str, str, str, str, int]]:
    return {
        (c.service, c.target.text, c.method, c.path, c.count) for c in result.facts if isinstance(c, Call)
    }


WEB_API = {("web", "api", "GET", "/items/{id}", 1)}


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_mixed_case_ids_numbers_and_strings_enum_names(tmp_path: Path) -> None:
    doc = otlp(TRACE.upper(), client_kind="SPAN_KIND_CLIENT", server_kind="SPAN_KIND_SERVER")
    result = read_trace_file(write(tmp_path, "t.json", json.dumps(doc, indent=2)), "t.json")
    assert calls(result) == WEB_API and result.diagnostics == []
    call = next(c for c in result.facts if isinstance(c, Call))
    assert call.latency_p50_ms is not None and 11.5 < call.latency_p50_ms < 12.5  # client side: 12 ms


def test_jaeger_v3_result_wrapper_and_extension_blind_detection(tmp_path: Path) -> None:
    path = write(tmp_path, "export.txt", json.dumps({"result": otlp(TRACE)}))
    assert calls(read_trace_file(path, "export.txt")) == WEB_API


def test_gzip_json_lines(tmp_path: Path) -> None:
    lines = "\n".join(json.dumps(otlp(f"{n:032x}")) for n in range(1, 4)) + "\n"
    path = write(tmp_path, "spans.jsonl.gz", gzip.compress(lines.encode()))
    result = read_trace_file(path, "spans.jsonl.gz")
    assert calls(result) == {("web", "api", "GET", "/items/{id}", 3)}
    assert next(c for c in result.facts if isinstance(c, Call)).evidence.count == 3


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    lines = "\n".join(json.dumps(otlp(f"{n:032x}")) for n in range(1, 200)) + "\n"
    packed = gzip.compress(lines.encode())
    result = read_trace_file(write(tmp_path, "cut.gz", packed[: len(packed) // 2]), "cut.gz")
    assert [d.level for d in result.diagnostics] == [DiagnosticLevel.ERROR]
    assert "cannot read trace file" in result.diagnostics[0].message
    count = next(c.count for c in result.facts if isinstance(c, Call))
    assert 0 < count < 199


def request() -> ExportTraceServiceRequest:
    req = ExportTraceServiceRequest()
    for service, span_id, parent, kind, name in (
        ("web", b"\x01" * 8, b"", PbSpan.SPAN_KIND_CLIENT, "Reserve"),
        ("stock", b"\x02" * 8, b"\x01" * 8, PbSpan.SPAN_KIND_SERVER, "Reserve"),
    ):
        rs = req.resource_spans.add()
        kv = rs.resource.attributes.add()
        kv.key, kv.value.string_value = "service.name", service
        span = rs.scope_spans.add().spans.add()
        span.trace_id, span.span_id, span.parent_span_id = b"\xab" * 16, span_id, parent
        span.kind, span.name = kind, name
        span.start_time_unix_nano, span.end_time_unix_nano = 1_000, 2_001_000
        for key, value in (("rpc.system", "grpc"), ("rpc.service", "shop.Stock"), ("rpc.method", "Reserve")):
            a = span.attributes.add()
            a.key, a.value.string_value = key, value
    return req


def delimited(message: bytes) -> bytes:
    size, prefix = len(message), bytearray()
    while True:
        byte = size & 0x7F
        size >>= 7
        prefix.append(byte | (0x80 if size else 0))
        if not size:
            return bytes(prefix) + message


GRPC = {("web", "stock", "Reserve", "shop.Stock/Reserve", 1)}


def test_protobuf_single_gzipped_and_delimited_stream(tmp_path: Path) -> None:
    data = request().SerializeToString()
    assert calls(read_trace_file(write(tmp_path, "a.pb", data), "a.pb")) == GRPC
    assert calls(read_trace_file(write(tmp_path, "a.pb.gz", gzip.compress(data)), "a.pb.gz")) == GRPC
    stream = write(tmp_path, "s.bin", delimited(data) * 3)
    result = read_trace_file(stream, "s.bin")
    assert (
        calls(result) == {("web", "stock", "Reserve", "shop.Stock/Reserve", 3)} and result.diagnostics == []
    )


def test_garbage_binary_is_a_diagnostic(tmp_path: Path) -> None:
    result = read_trace_file(write(tmp_path, "junk.bin", b"\xff\xfe\x00\x9c" * 20), "junk.bin")
    assert result.facts == []
    assert len(result.diagnostics) == 1 and "not an OTLP protobuf request" in result.diagnostics[0].message


def test_empty_missing_and_unrecognised(tmp_path: Path) -> None:
    empty = read_trace_file(write(tmp_path, "e.json", "  \n"), "e.json")
    assert empty.facts == [] and [d.message for d in empty.diagnostics] == ["empty trace file"]
    missing = read_trace_file(tmp_path / "nope.json", "nope.json")
    assert missing.facts == [] and missing.diagnostics[0].level == DiagnosticLevel.ERROR
    odd = read_trace_file(write(tmp_path, "o.json", '{"hello": "world"}\n'), "o.json")
    assert [(d.line, d.message) for d in odd.diagnostics] == [
        (1, "unrecognised trace JSON object (keys: hello)")
    ]


def test_display_path_is_never_absolute(tmp_path: Path) -> None:
    result = read_trace_file(write(tmp_path, "t.json", json.dumps(otlp(TRACE))), "/abs/t.json")
    assert {f.evidence.location.path for f in result.facts} == {"abs/t.json"}


def test_zipkin_list_of_traces_and_jaeger_data_wrapper(tmp_path: Path) -> None:
    client = {
        "traceId": "1",
        "id": "a",
        "kind": "CLIENT",
        "name": "get",
        "localEndpoint": {"serviceName": "web"},
    }
    server = {
        "traceId": "1",
        "id": "a",
        "kind": "SERVER",
        "shared": True,
        "localEndpoint": {"serviceName": "api"},
    }
    zipkin = write(tmp_path, "z.json", json.dumps([[client, server]]))
    assert {
        (c.service, c.target.text) for c in read_trace_file(zipkin, "z.json").facts if isinstance(c, Call)
    } == {("web", "api")}
    client_tags = [{"key": "span.kind", "value": "client"}]
    server_tags = [{"key": "span.kind", "value": "server"}]
    child_of = [{"refType": "CHILD_OF", "traceID": "01", "spanID": "01"}]  # ids with dropped zeros
    spans = [
        {"traceID": "1", "spanID": "1", "operationName": "GET", "processID": "p1", "tags": client_tags},
        {"traceID": "1", "spanID": "2", "processID": "p2", "references": child_of, "tags": server_tags},
    ]
    trace = {
        "traceID": "1",
        "spans": spans,
        "processes": {"p1": {"serviceName": "web"}, "p2": {"serviceName": "api"}},
    }
    jaeger = write(tmp_path, "j.json", json.dumps({"data": [trace]}))
    assert {
        (c.service, c.target.text) for c in read_trace_file(jaeger, "j.json").facts if isinstance(c, Call)
    } == {("web", "api")}


def span(trace: str, span_id: str, parent: str, service: str, kind: int, line: int) -> Span:
    return Span(trace, span_id, parent, service, kind, "op", 0, 1_000_000, False, line, {})


def test_trace_window_joins_spans_across_records_and_bounds_the_buffer() -> None:
    agg = TraceAggregator("t.jsonl", window=2, max_buffered=10)
    agg.add_spans([span("t1", "c1", "", "web", 3, 1)], 1)
    agg.add_spans([span("t1", "s1", "c1", "api", 2, 2)], 2)  # within the window: joined
    agg.add_spans([span("t2", "c2", "", "web", 3, 3)], 3)
    for record in range(4, 8):  # t2 falls out of the window before its server span arrives
        agg.add_spans([span(f"x{record}", "z", "", "noise", 1, record)], record)
    agg.add_spans([span("t2", "s2", "c2", "api", 2, 8)], 8)
    assert agg._buffered <= 10
    facts = agg.facts()
    assert [(c.service, c.target.text, c.count) for c in facts if isinstance(c, Call)] == [("web", "api", 1)]
    assert agg.spans_seen == 8


def test_memory_stays_bounded_by_max_buffered() -> None:
    agg = TraceAggregator("t.jsonl", window=10_000, max_buffered=50)
    for record in range(1, 1001):
        agg.add_spans([span(f"t{record}", "a", "", "web", 3, record)], record)
        assert agg._buffered <= 51
    assert agg.spans_seen + agg._buffered == 1000


def test_latency_histogram_quantiles_are_close() -> None:
    hist = LatencyHistogram()
    for ms in range(1, 1001):
        hist.add(float(ms))
    p50, p95 = hist.quantile(0.5), hist.quantile(0.95)
    assert p50 is not None and p95 is not None
    assert abs(p50 - 500) / 500 < 0.05 and abs(p95 - 950) / 950 < 0.05
    assert LatencyHistogram().quantile(0.5) is None
    assert len(hist.buckets) < 100


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://shop:8080/api/products/9SIQT8TOJO?x=1", "/api/products/{id}"),
        ("/orders/123/items", "/orders/{id}/items"),
        ("/payments/7f3e2a10-5b9c-4e61-9d2a-0c8f1e2b3a4d/capture", "/payments/{id}/capture"),
        ("/health", "/health"),
        ("", ""),
    ],
)
def test_paths_lose_ids_so_edges_stay_few(raw: str, expected: str) -> None:
    assert normalise_path(raw) == expected


def test_db_only_resource_that_also_serves_stays_a_service(tmp_path: Path) -> None:
    """Only a resource whose spans are *all* DB client calls made for another service is a datastore."""
    doc = otlp(TRACE)
    db = {
        "traceId": TRACE,
        "spanId": "ccccccccccccccc3",
        "parentSpanId": "bbbbbbbbbbbbbbb2",
        "name": "SELECT",
        "kind": 3,
        "attributes": [attr("db.system", "mysql"), attr("db.statement", "SELECT 1")],
    }
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"].append(db)  # a DB span in "web", parent in "api"
    result = read_trace_file(write(tmp_path, "t.json", json.dumps(doc)), "t.json")
    assert {s.name for s in result.facts if isinstance(s, ServiceDecl)} == {"web", "api"}
    conns = {(c.service, c.info.technology) for c in result.facts if isinstance(c, Connection)}
    assert conns == {("web", "mysql")}


@pytest.mark.parametrize(
    ("attributes", "target"),
    [
        ([attr("server.address", "Payments.Example.com")], "payments.example.com"),
        ([attr("url.full", "https://user@fx.example.com:8443/rates?x=1")], "fx.example.com"),
        ([attr("server.address", "10.0.0.7")], None),
        ([attr("server.address", "localhost")], None),
        ([attr("peer.service", "ledger"), attr("server.address", "10.0.0.7")], "ledger"),
    ],
)
def test_uninstrumented_peer_from_host(
    tmp_path: Path, attributes: list[dict[str, Any]], target: str | None
) -> None:
    client = {
        "traceId": TRACE,
        "spanId": "1111111111111111",
        "name": "POST",
        "kind": 3,
        "attributes": attributes,
    }
    doc = {
        "resourceSpans": [
            {"resource": {"attributes": [attr("service.name", "web")]}, "scopeSpans": [{"spans": [client]}]}
        ]
    }
    result = read_trace_file(write(tmp_path, "p.json", json.dumps(doc)), "p.json")
    assert {(c.service, c.target.text) for c in result.facts if isinstance(c, Call)} == (
        {("web", target)} if target else set()
    )


def test_wrong_types_in_a_resource_or_a_parent_id_cost_only_that_span(tmp_path: Path) -> None:
    # Found by benchmarks/traces/compare_readers.py: both raised TypeError and lost the whole file.
    def span(span_id: str, parent: object = "") -> dict[str, Any]:
        return {
            "traceId": "a" * 32, "spanId": span_id, "parentSpanId": parent, "name": "GET /x", "kind": 3,
            "startTimeUnixNano": "1", "endTimeUnixNano": "2",
            "attributes": [attr("http.url", "http://billing:8080/x")],
        }  # fmt: skip

    def request(resource_attributes: object, spans: list[dict[str, Any]]) -> str:
        resource = {"attributes": resource_attributes}
        return json.dumps({"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": spans}]}]})

    named = [attr("service.name", "orders")]
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join([request(5, [span("b" * 16)]), request(named, [span("c" * 16, {"x": 1}), span("d" * 16)])])
    )
    result = read_trace_file(path, "mixed.jsonl")
    calls = [f for f in result.facts if isinstance(f, Call)]
    # the first request's span is read without a service name, the second's good span is kept
    assert {c.service for c in calls} == {"", "orders"}
    assert any("parentSpanId is not a string" in d.message for d in result.diagnostics)
