"""OTLP JSON (``ExportTraceServiceRequest`` / ``TracesData``) → :class:`Span`.

Accepts what real exporters write, not only what the spec allows: ``scopeSpans`` or the legacy
``instrumentationLibrarySpans``; hex ids in any case; int64 as strings or numbers; ``kind`` as an
integer, a numeric string or an enum name (``SPAN_KIND_SERVER``, which Go pdata accepts);
``status.code`` as integer or name. A span with wrong types is skipped with a diagnostic; the rest of
the record is still read.

NOTE: this is the hot loop of a multi-gigabyte JSON Lines read, so it is written flat: no helper
call per attribute, spans buffered as plain tuples (see :data:`~analyzer.extract.traces.semconv.Rec`).
"""

from __future__ import annotations

from typing import Any

from analyzer.extract.traces.problems import Problems
from analyzer.extract.traces.semconv import SHAPES_LIMIT, Rec, SemanticsCache
from analyzer.extract.traces.span import WANTED, Span, kind_from, norm_span_id, norm_trace_id

_ERROR_CODES = (2, "2", "STATUS_CODE_ERROR", "ERROR")
_GOOD_KINDS = (0, 1, 2, 3, 4, 5)
_CANONICAL_KEYS: dict[str, str] = {key: key for key in WANTED}


def _service_name(resource: Any) -> str:
    if not isinstance(resource, dict):
        return ""
    attributes = resource.get("attributes")
    if not isinstance(attributes, list):  # a number or a string here is no attribute list
        return ""
    for item in attributes:
        if isinstance(item, dict) and item.get("key") == "service.name":
            value = item.get("value")
            if isinstance(value, dict):
                for typed in value.values():
                    return str(typed)
    return ""


def records_from_otlp(
    doc: dict[str, Any], line: int, problems: Problems, cache: SemanticsCache
) -> dict[str, list[Rec]]:
    """All spans of one OTLP JSON request, classified and grouped by trace id (first-seen order);
    ``line`` is the record's line for evidence."""
    out: dict[str, list[Rec]] = {}
    resource_spans = doc.get("resourceSpans")
    if not isinstance(resource_spans, list):
        problems.add(line, "resourceSpans is not a list")
        return out
    for rs in resource_spans:
        if not isinstance(rs, dict):
            problems.add(line, "resourceSpans entry is not an object")
            continue
        service = _service_name(rs.get("resource"))
        scopes = rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans") or ()
        if not isinstance(scopes, list):
            problems.add(line, "scopeSpans is not a list")
            continue
        for scope in scopes:
            spans = scope.get("spans") if isinstance(scope, dict) else None
            if not isinstance(spans, list):
                if spans is not None or not isinstance(scope, dict):
                    problems.add(line, "scopeSpans entry has no list of spans")
                continue
            cache.spans_per_service[service] += len(spans)
            _read_spans(spans, service, line, out, cache, problems)
    return out


def _read_spans(
    spans: list[Any],
    service: str,
    line: int,
    out: dict[str, list[Rec]],
    cache: SemanticsCache,
    problems: Problems,
) -> None:
    wanted = _CANONICAL_KEYS.get
    bucket_of = out.get
    error_codes = _ERROR_CODES
    good_kinds = _GOOD_KINDS
    lookup = cache.entries.get
    # Span name → (raw kind, attribute list, semantics) of the last span of that name in this
    # resource whose shape was found in the cache: a span with the same kind and an equal attribute
    # list has the same cache key, so the comparison (one C-level ==) replaces the attribute loop,
    # the key and its hash. The cache clears these when it clears itself.
    shapes = cache.shapes_of(service)
    recall = shapes.get
    # Ids are lowercased only when the scope's first span has an id that is not lowercase hex:
    # one exporter writes one case, and .lower() on every id is a measurable share of the loop.
    first = spans[0] if spans and isinstance(spans[0], dict) else {}
    sample = (first.get("traceId") or "", first.get("spanId") or "", first.get("parentSpanId") or "")
    fold = (
        not all(isinstance(i, str) for i in sample)
        or len(sample[0]) != 32
        or "".join(sample).lower() != "".join(sample)
    )
    for raw in spans:
        try:  # free unless raised (3.11 zero-cost exceptions): one bad span costs only itself
            attributes = raw.get("attributes")
            try:  # subscripts are cheaper than .get(); fields the spec lets writers omit fall back
                trace_id, span_id, name = raw["traceId"], raw["spanId"], raw["name"]
                start, end, raw_kind = raw["startTimeUnixNano"], raw["endTimeUnixNano"], raw["kind"]
            except KeyError:
                trace_id, span_id, name = (
                    raw.get("traceId") or "",
                    raw.get("spanId") or "",
                    raw.get("name") or "",
                )
                start, end, raw_kind = (
                    raw.get("startTimeUnixNano"),
                    raw.get("endTimeUnixNano"),
                    raw.get("kind", 0),
                )
            try:
                shape = recall(name)
                sem = (
                    shape[2]
                    if shape is not None and shape[0] == raw_kind and shape[1] == attributes
                    else None
                )
            except (TypeError, RecursionError):  # an unhashable name; attributes nested too deep
                sem = None
            if sem is None:
                flat: list[object] = []
                if attributes:
                    for item in attributes:
                        # The canonical key object has its hash cached, which makes the cache key cheaper.
                        attr = wanted(item["key"])
                        if attr is not None:
                            flat.append(attr)
                            flat += item["value"].values()  # AnyValue: one of stringValue, intValue, ...
            parent_id = raw.get("parentSpanId") or ""
            if parent_id.__class__ is not str:  # an object here would reach the aggregation's keys
                raise TypeError("parentSpanId is not a string")
            if fold or len(span_id) != 16:
                trace_id, span_id = norm_trace_id(trace_id), norm_span_id(span_id)
                parent_id = norm_span_id(parent_id)
            kind = raw_kind if raw_kind in good_kinds else _odd_kind(raw_kind, line, problems, span_id)
            status = raw.get("status")
            error = status.get("code") in error_codes if status else False
            if sem is None:
                key: object = (service, kind, name, *flat)
                try:
                    sem = lookup(key)
                except TypeError:  # unhashable attribute value or name: classified every time
                    attrs: dict[str, object] = dict(zip(map(str, flat[::2]), flat[1::2], strict=True))
                    text = name if isinstance(name, str) else str(name or "")
                    span = Span(
                        trace_id, span_id, parent_id, service, kind, text, start, end, error, line, attrs
                    )
                    sem = cache.classify(key, span)
                else:
                    if sem is None:
                        attrs = dict(zip(map(str, flat[::2]), flat[1::2], strict=True))
                        text = name if isinstance(name, str) else str(name or "")
                        span = Span(
                            trace_id, span_id, parent_id, service, kind, text, start, end, error, line, attrs
                        )
                        sem = cache.classify(key, span)
                    if len(shapes) >= SHAPES_LIMIT:
                        shapes.clear()
                    shapes[name] = (raw_kind, attributes, sem)
            rec = (span_id, parent_id, sem, start, end, error, line, "")
            bucket = bucket_of(trace_id)
            if bucket is None:
                out[trace_id] = [rec]
            else:
                bucket.append(rec)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            span_id = raw.get("spanId") if isinstance(raw, dict) else None
            where = f"span {span_id}" if span_id else "span"
            problems.add(line, f"{where} skipped: wrong types ({type(exc).__name__}: {exc})", anchor=span_id)


def _odd_kind(raw: object, line: int, problems: Problems, span_id: object) -> int:
    """A kind given as a name or numeric string; unknown kinds are read as unspecified."""
    kind = kind_from(raw)
    if kind is None:
        problems.unknown_kind(line, raw, anchor=span_id)
        return 0
    return kind
