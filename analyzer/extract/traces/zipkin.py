"""Zipkin v2 JSON (a list of spans, as ``POST /api/v2/spans`` takes) → :class:`Span`.

``localEndpoint.serviceName`` is the span's service; ``remoteEndpoint.serviceName`` is kept as the
pseudo-attribute :data:`REMOTE_SERVICE` (a peer, a broker or — for Cassandra drivers — a keyspace;
the semantics layer decides). A ``shared: true`` SERVER span has the *same* id as its CLIENT span:
it gets the id suffix :data:`SHARED_SUFFIX` and ``alt_parent`` = the client id. Times are µs.
"""

from __future__ import annotations

from typing import Any

from analyzer.extract.traces.problems import Problems
from analyzer.extract.traces.span import (
    REMOTE_SERVICE,
    SERVER,
    SHARED_SUFFIX,
    WANTED,
    Span,
    kind_from,
    norm_span_id,
    norm_trace_id,
)


def spans_from_zipkin(items: list[Any], line: int, problems: Problems) -> list[Span]:
    """Spans of a Zipkin v2 list (a nested list of traces is flattened)."""
    out: list[Span] = []
    for raw in items:
        if isinstance(raw, list):
            out.extend(spans_from_zipkin(raw, line, problems))
            continue
        try:
            out.append(_span(raw, line, problems))
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            span_id = raw.get("id") if isinstance(raw, dict) else None
            message = f"Zipkin span {span_id or ''} skipped: wrong types ({type(exc).__name__}: {exc})"
            problems.add(line, message, anchor=span_id)
    return out


def _span(raw: dict[str, Any], line: int, problems: Problems) -> Span:
    tags = raw.get("tags") or {}
    attrs: dict[str, object] = {key: value for key, value in tags.items() if key in WANTED}
    remote = raw.get("remoteEndpoint") or {}
    if remote.get("serviceName"):
        attrs[REMOTE_SERVICE] = str(remote["serviceName"])
    local = raw.get("localEndpoint") or {}
    raw_kind = raw.get("kind")
    kind = kind_from(raw_kind) if raw_kind is not None else 0
    if kind is None:
        problems.unknown_kind(line, raw_kind, anchor=raw.get("id"))
        kind = 0
    span_id = norm_span_id(raw.get("id"))
    alt_parent = ""
    if raw.get("shared") and kind == SERVER:
        alt_parent, span_id = span_id, span_id + SHARED_SUFFIX
    return Span(
        norm_trace_id(raw.get("traceId")),
        span_id,
        norm_span_id(raw.get("parentId")),
        str(local.get("serviceName") or ""),
        kind,
        str(raw.get("name") or ""),
        0,
        int(float(raw.get("duration") or 0) * 1000),  # Zipkin gives microseconds
        "error" in tags,
        line,
        attrs,
        alt_parent,
    )
