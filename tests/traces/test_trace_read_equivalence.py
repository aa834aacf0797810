"""The fast paths of the trace readers produce what the plain paths produce.

* Every real trace export reads into exactly the facts and diagnostics recorded in ``golden/`` (written
  by the readers before the span-shape memo, the flat aggregation loop and the lazy protobuf import).
* The OTLP JSON span-shape memo (span name → raw kind, attribute list, semantics) gives the same facts
  as reading with the memo switched off, including when the semantics cache clears itself and for
  spans the memo must not serve (unhashable names and values, odd kinds, equal-but-different values).

To regenerate the golden files after an intended change of output, write the ``repr`` lines of
``read_trace_file(path, f"traces/{path.name}")`` (facts, then ``! `` + diagnostics).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from analyzer.extract.traces import read_trace_file, semconv
from analyzer.extract.traces.semconv import SemanticsCache

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real-data" / "traces"
GOLDEN = Path(__file__).resolve().parent / "golden"
BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "traces"


def dump(path: Path, display: str) -> str:
    result = read_trace_file(path, display)
    lines = [repr(f) for f in result.facts] + [f"! {d!r}" for d in result.diagnostics]
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(not REAL.is_dir(), reason="shared real-data folder not present")
@pytest.mark.parametrize("name", sorted(p.name[: -len(".txt")] for p in GOLDEN.glob("*.txt")))
def test_real_trace_reads_as_recorded(name: str) -> None:
    path = next(REAL.rglob(name))
    assert dump(path, f"traces/{name}") == (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")


class _Forgetful(dict):  # type: ignore[type-arg]
    """A shape memo that never remembers: the reader takes the plain path for every span."""

    def get(self, key: object, default: object = None) -> None:  # type: ignore[override]
        return None


def _without_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SemanticsCache, "shapes_of", lambda self, service: _Forgetful())


def _attr(key: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "value": value}


def _odd_spans() -> list[dict[str, Any]]:
    """Spans sharing names, so the memo is consulted, with the shapes it must not mix up."""
    trace = "0123456789abcdef0123456789abcdef"
    base = {"traceId": trace, "startTimeUnixNano": "1000", "endTimeUnixNano": "3000000"}
    http_client = [
        _attr("http.request.method", {"stringValue": "POST"}),
        _attr("server.address", {"stringValue": "api"}),
    ]
    spans: list[dict[str, Any]] = []
    for number, (name, kind, attributes) in enumerate(
        [
            ("call", 3, http_client),
            ("call", 3, http_client),  # memo hit
            ("call", 2, http_client),  # same name and attributes, other kind
            ("call", "SPAN_KIND_CLIENT", http_client),  # odd kind: a diagnostic-free name, not a hit
            ("call", 3, [*http_client, _attr("thread.id", {"intValue": "7"})]),  # unwanted attribute differs
            ("call", 3, [_attr("http.request.method", {"stringValue": "GET"}), http_client[1]]),
            ("call", 3, [_attr("http.request.method", {"arrayValue": {"values": []}})]),  # unhashable value
            ("call", 3, [_attr("http.request.method", {"arrayValue": {"values": []}})]),
            (["not", "hashable"], 3, http_client),  # unhashable name
            (
                "db",
                3,
                [
                    _attr("db.system", {"stringValue": "redis"}),
                    _attr("db.statement", {"stringValue": "SET a 1"}),
                ],
            ),
            (
                "db",
                3,
                [
                    _attr("db.system", {"stringValue": "redis"}),
                    _attr("db.statement", {"stringValue": "SET a 1"}),
                ],
            ),
            ("db", 3, [_attr("db.system", {"stringValue": "redis"}), _attr("db.statement", {"intValue": 1})]),
            (
                "db",
                3,
                [_attr("db.system", {"stringValue": "redis"}), _attr("db.statement", {"boolValue": True})],
            ),
            ("db", 3, [_attr("db.system", {"stringValue": "redis"}), _attr("db.statement", {})]),  # no value
            ("db", 3, [_attr("db.system", {"stringValue": "redis"})]),
            ("db", 7, [_attr("db.system", {"stringValue": "redis"})]),  # unknown kind, else equal
            ("db", 7, [_attr("db.system", {"stringValue": "redis"})]),
        ]
    ):
        spans.append(
            {
                **base,
                "spanId": f"{number + 1:016x}",
                "parentSpanId": "",
                "name": name,
                "kind": kind,
                "attributes": attributes,
            }
        )
    return spans


def _write_odd(folder: Path) -> Path:
    server = {
        "traceId": "0123456789abcdef0123456789abcdef",
        "spanId": "00000000000000ff",
        "parentSpanId": "0000000000000001",
        "name": "POST /x",
        "kind": 2,
        "startTimeUnixNano": "2000",
        "endTimeUnixNano": "2000000",
    }
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", {"stringValue": "web"})]},
                "scopeSpans": [{"spans": _odd_spans()}],
            },
            {
                "resource": {"attributes": [_attr("service.name", {"stringValue": "api"})]},
                "scopeSpans": [{"spans": [server]}],
            },
        ]
    }
    path = folder / "odd.jsonl"
    path.write_text("\n".join(json.dumps(doc) for _ in range(3)) + "\n", encoding="utf-8")
    return path


def _synthetic(folder: Path) -> Path:
    sys.path.insert(0, str(BENCH))
    try:
        from generate_traces import generate
    finally:
        sys.path.remove(str(BENCH))
    path = folder / "synthetic.jsonl"
    generate(path, 3_000)
    return path


@pytest.mark.parametrize("make", [_write_odd, _synthetic])
def test_shape_memo_changes_nothing(make: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make(tmp_path)
    with_memo = dump(path, "t.jsonl")
    _without_memo(monkeypatch)
    assert dump(path, "t.jsonl") == with_memo


def test_shape_memo_is_emptied_with_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache that clears itself every few shapes: the memo never serves semantics it no longer holds."""
    path = _synthetic(tmp_path)
    reference = dump(path, "t.jsonl")
    original = SemanticsCache.__init__
    monkeypatch.setattr(SemanticsCache, "__init__", lambda self, limit=3: original(self, limit))
    assert dump(path, "t.jsonl") == reference
    cache = SemanticsCache(limit=1)
    shapes = cache.shapes_of("web")
    shapes["name"] = (3, [], object())  # type: ignore[assignment]
    cache.classify(("web", 3, "a"), _span("a"))
    cache.classify(("web", 3, "b"), _span("b"))  # full: clears entries and every service's memo
    assert shapes == {} and cache.shapes_of("web") is shapes


def test_shape_memo_stays_bounded(tmp_path: Path) -> None:
    trace = "0123456789abcdef0123456789abcdef"
    spans = [
        {
            "traceId": trace,
            "spanId": f"{n + 1:016x}",
            "name": f"op-{n}",
            "kind": 1,
            "startTimeUnixNano": "1",
            "endTimeUnixNano": "2",
        }
        for n in range(semconv.SHAPES_LIMIT * 3)
    ]
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", {"stringValue": "s"})]},
                "scopeSpans": [{"spans": spans}],
            }
        ]
    }
    from analyzer.extract.traces.otlp_json import records_from_otlp
    from analyzer.extract.traces.problems import Problems

    cache = SemanticsCache()
    records_from_otlp(doc, 1, Problems("t"), cache)
    assert 0 < len(cache.shapes_of("s")) <= semconv.SHAPES_LIMIT


def _span(name: str) -> Any:
    from analyzer.extract.traces.span import Span

    return Span("t", "s", "", "web", 3, name, 0, 0, False, 1, {})


def test_protobuf_records_match_the_span_path(tmp_path: Path) -> None:
    """``records_from_request`` (the reader's path) gives the records ``spans_from_request`` + the
    cache give, including ids that need padding, an unknown kind and a service without spans."""
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    from analyzer.extract.traces.otlp_proto import records_from_request, spans_from_request
    from analyzer.extract.traces.problems import Problems

    doc = json.loads(_synthetic(tmp_path).read_text().splitlines()[1])
    doc["resourceSpans"].append(
        {
            "resource": {"attributes": [_attr("service.name", {"stringValue": "idle"})]},
            "scopeSpans": [{"spans": []}],
        }
    )
    request = json_format.ParseDict(doc, ExportTraceServiceRequest())
    spans = request.resource_spans[0].scope_spans[0].spans
    spans[0].span_id = b"\x01\x02"  # short ids: left-padded
    spans[1].parent_span_id = b"\x01\x02"
    spans[1].kind = 9  # type: ignore[assignment]  # unknown: read as unspecified, one diagnostic
    old_cache, new_cache = SemanticsCache(), SemanticsCache()
    old_problems, new_problems = Problems("t"), Problems("t")
    grouped: dict[str, list[Any]] = {}
    for span in spans_from_request(request, 1, old_problems):
        grouped.setdefault(span.trace_id, []).append(old_cache.record(span))
    new = records_from_request(request, 1, new_problems, new_cache)

    def plain(records: dict[str, list[Any]]) -> list[Any]:
        return [(t, [(*r[:2], vars_of(r[2]), *r[3:]) for r in recs]) for t, recs in records.items()]

    def vars_of(sem: Any) -> tuple[Any, ...]:
        return tuple(getattr(sem, name) for name in type(sem).__slots__)

    assert plain(new) == plain(grouped)
    assert new_cache.spans_per_service == old_cache.spans_per_service
    assert new_problems.diagnostics() == old_problems.diagnostics() != []
