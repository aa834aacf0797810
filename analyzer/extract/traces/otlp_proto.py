"""OTLP protobuf → :class:`Span`: one ``ExportTraceServiceRequest`` (same layout as ``TracesData``),
a stream of length-delimited requests (varint size prefix, as ``writeDelimitedTo`` writes), or the
protoc text format. Ids are bytes and become lowercase hex.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from google.protobuf import text_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from analyzer.extract.traces.problems import Problems
from analyzer.extract.traces.semconv import Rec, SemanticsCache
from analyzer.extract.traces.span import WANTED, Span, norm_span_id, norm_trace_id

_ERROR = 2


def _value(any_value: Any) -> object:
    which = any_value.WhichOneof("value")
    return getattr(any_value, which) if which else None


def spans_from_request(request: ExportTraceServiceRequest, record: int, problems: Problems) -> list[Span]:
    """All spans of one decoded request; ``record`` is the evidence line (1 for a single message)."""
    out: list[Span] = []
    for rs in request.resource_spans:
        service = _service_of(rs)
        for scope in rs.scope_spans:
            for sp in scope.spans:
                attrs = {kv.key: _value(kv.value) for kv in sp.attributes if kv.key in WANTED}
                kind = int(sp.kind)
                if not 0 <= kind <= 5:
                    problems.unknown_kind(record, kind)
                    kind = 0
                out.append(
                    Span(
                        norm_trace_id(sp.trace_id.hex()),
                        norm_span_id(sp.span_id.hex()),
                        norm_span_id(sp.parent_span_id.hex()),
                        service,
                        kind,
                        sp.name,
                        sp.start_time_unix_nano,
                        sp.end_time_unix_nano,
                        sp.status.code == _ERROR,
                        record,
                        attrs,
                    )
                )
    return out


def _service_of(rs: Any) -> str:
    service = ""
    for kv in rs.resource.attributes:
        if kv.key == "service.name":
            service = str(_value(kv.value) or "")
    return service


def records_from_request(
    request: ExportTraceServiceRequest, record: int, problems: Problems, cache: SemanticsCache
) -> dict[str, list[Rec]]:
    """What :func:`spans_from_request` + :meth:`SemanticsCache.record` give, grouped by trace id,
    without a :class:`Span` per span: ids hex-encoded once (``bytes.hex`` is lowercase already),
    the cache key built from the filtered attributes and a ``Span`` made only on a cache miss."""
    out: dict[str, list[Rec]] = {}
    lookup = cache.entries.get
    wanted = WANTED
    for rs in request.resource_spans:
        service = _service_of(rs)
        for scope in rs.scope_spans:
            spans = scope.spans
            if spans:  # (a service with no span is not counted, as in SemanticsCache.record)
                cache.spans_per_service[service] += len(spans)
            for sp in spans:
                attrs: dict[str, object] = {}
                for kv in sp.attributes:
                    key = kv.key
                    if key in wanted:
                        value = kv.value
                        which = value.WhichOneof("value")
                        attrs[key] = getattr(value, which) if which else None
                kind = int(sp.kind)
                if not 0 <= kind <= 5:
                    problems.unknown_kind(record, kind)
                    kind = 0
                trace_id, span_id, parent_id = sp.trace_id.hex(), sp.span_id.hex(), sp.parent_span_id.hex()
                if len(trace_id) != 32:
                    trace_id = norm_trace_id(trace_id)
                if len(span_id) != 16:
                    span_id = norm_span_id(span_id)
                if parent_id and len(parent_id) != 16:
                    parent_id = norm_span_id(parent_id)
                name = sp.name
                start, end, error = sp.start_time_unix_nano, sp.end_time_unix_nano, sp.status.code == _ERROR
                key = (service, kind, name, *chain.from_iterable(attrs.items()))
                try:
                    sem = lookup(key)
                except TypeError:  # an unhashable value (array, map): classified every time
                    sem = None
                if sem is None:
                    span = Span(
                        trace_id, span_id, parent_id, service, kind, name, start, end, error, record, attrs
                    )
                    sem = cache.classify(key, span)
                rec = (span_id, parent_id, sem, start, end, error, record, "")
                bucket = out.get(trace_id)
                if bucket is None:
                    out[trace_id] = [rec]
                else:
                    bucket.append(rec)
    return out


def _varint(data: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise DecodeError("truncated length prefix")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def decode_requests(data: bytes, problems: Problems) -> Iterator[tuple[int, ExportTraceServiceRequest]]:
    """``(record number, request)``: the whole buffer as one message, else as a delimited stream."""
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(data)
        if request.resource_spans or not data:
            yield 1, request
            return
    except DecodeError:
        pass
    view = memoryview(data)
    pos = record = 0
    while pos < len(view):
        record += 1
        try:
            size, start = _varint(view, pos)
            if start + size > len(view):
                raise DecodeError(f"record needs {size} bytes, {len(view) - start} left")
            message = ExportTraceServiceRequest()
            message.ParseFromString(bytes(view[start : start + size]))
        except DecodeError as exc:
            problems.add(record, f"not an OTLP protobuf request (record {record}, byte {pos}): {exc}")
            return
        pos = start + size
        yield record, message


def decode_text(text: str, problems: Problems) -> ExportTraceServiceRequest | None:
    """The protoc text format of an ``ExportTraceServiceRequest``; ``None`` (and a diagnostic) if bad."""
    request = ExportTraceServiceRequest()
    try:
        text_format.Parse(text, request)
    except text_format.ParseError as exc:
        problems.add(exc.GetLine() or 0, f"bad OTLP protobuf text: {exc}")
        return None
    return request
