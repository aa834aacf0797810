"""Jaeger query-API JSON (``{"data": [trace…]}`` or one bare trace) and the dependencies API.

A Jaeger trace names processes once (``processes: {p1: {serviceName}}``) and spans point at them by
``processID``. The kind comes from the ``span.kind`` tag (absent in many fixtures: then
unspecified). The parent is the first ``CHILD_OF`` reference *within the same trace*, else the first
``FOLLOWS_FROM``; references to other traces are links, not parents. Times are microseconds.
"""

from __future__ import annotations

from typing import Any

from analyzer.extract.traces.problems import Problems
from analyzer.extract.traces.span import (
    WANTED,
    Span,
    kind_from,
    norm_span_id,
    norm_trace_id,
)


def _tags(raw: Any) -> dict[str, object]:
    attrs: dict[str, object] = {}
    for tag in raw or ():
        key = tag.get("key") if isinstance(tag, dict) else None
        if key in WANTED:
            attrs[key] = tag.get("value")
    return attrs


def _parent(span: dict[str, Any], trace_id: str) -> str:
    refs = span.get("references") or ()
    for wanted in ("CHILD_OF", "FOLLOWS_FROM"):
        for ref in refs:
            if (
                isinstance(ref, dict)
                and ref.get("refType") == wanted
                and norm_trace_id(ref.get("traceID") or trace_id) == trace_id
            ):
                return norm_span_id(ref.get("spanID"))
    return norm_span_id(span.get("parentSpanID"))


def spans_from_jaeger_trace(trace: dict[str, Any], line: int, problems: Problems) -> list[Span]:
    """Spans of one Jaeger trace object."""
    processes = trace.get("processes")
    if not isinstance(processes, dict):
        processes = {}
    services: dict[str, str] = {}
    for pid, process in processes.items():
        services[pid] = str(process.get("serviceName", "")) if isinstance(process, dict) else ""
    trace_id = norm_trace_id(trace.get("traceID"))
    out: list[Span] = []
    spans = trace.get("spans")
    if not isinstance(spans, list):
        problems.add(line, "Jaeger trace has no list of spans")
        return out
    for raw in spans:
        try:
            out.append(_span(raw, trace_id, services, line, problems))
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            span_id = raw.get("spanID") if isinstance(raw, dict) else None
            message = f"Jaeger span {span_id or ''} skipped: wrong types ({type(exc).__name__}: {exc})"
            problems.add(line, message, anchor=span_id)
    return out


def _span(
    raw: dict[str, Any], trace_id: str, services: dict[str, str], line: int, problems: Problems
) -> Span:
    attrs = _tags(raw.get("tags"))
    span_trace = norm_trace_id(raw.get("traceID")) if raw.get("traceID") else trace_id
    kind_tag = attrs.get("span.kind")
    kind = kind_from(str(kind_tag).upper()) if kind_tag else 0
    if kind is None:
        problems.unknown_kind(line, kind_tag, anchor=raw.get("spanID"))
        kind = 0
    process = raw.get("process")
    if isinstance(process, dict):
        service = str(process.get("serviceName", ""))
    else:
        service = services.get(str(raw.get("processID", "")), "")
    error = attrs.get("error") in (True, "true")
    duration_ns = int(float(raw.get("duration") or 0) * 1000)  # Jaeger gives microseconds
    return Span(
        span_trace,
        norm_span_id(raw.get("spanID")),
        _parent(raw, span_trace),
        service,
        kind,
        str(raw.get("operationName", "")),
        0,
        duration_ns,
        error,
        line,
        attrs,
    )


def dependency_links(items: list[Any], line: int, problems: Problems) -> list[tuple[str, str, int]]:
    """``(parent, child, callCount)`` from the dependencies API; bad entries become diagnostics."""
    out: list[tuple[str, str, int]] = []
    for item in items:
        try:
            parent, child = str(item["parent"]), str(item["child"])
            out.append((parent, child, int(item.get("callCount", 1))))
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            problems.add(line, f"dependency entry skipped: {type(exc).__name__}: {exc}")
    return out
