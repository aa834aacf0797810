"""Read one trace export, whatever its format, into aggregated facts.

Detection is by content, never by extension: gzip magic first, then the first non-blank byte —
``{`` / ``[`` JSON (JSON Lines when the first line is a complete JSON value on its own), text with
``resource_spans`` protoc text format, other text Prometheus (servicegraph metrics), anything else
binary OTLP protobuf. JSON Lines are decoded line by line, so memory does not grow with the file.

A gzipped export may inflate to at most ``trace_max_ratio`` times its compressed size (with a
floor of :data:`_INFLATE_FLOOR`, so small, very regular exports still read) and never beyond
``trace_max_bytes`` (:mod:`analyzer.model.limits`): a gzip bomb is a diagnostic, not gigabytes.
"""

from __future__ import annotations

import gc
import gzip
import io
import json
import zlib
from pathlib import Path
from typing import IO, Any

from analyzer.extract.facts import Call, Connection, ConnectionInfo, ExtractResult, Fact, Value
from analyzer.extract.traces.aggregate import TraceAggregator
from analyzer.extract.traces.jaeger import dependency_links, spans_from_jaeger_trace
from analyzer.extract.traces.otlp_json import records_from_otlp
from analyzer.extract.traces.problems import Problems
from analyzer.extract.traces.servicegraph import read_servicegraph
from analyzer.extract.traces.zipkin import spans_from_zipkin
from analyzer.model import DiagnosticLevel, Evidence, Location, SourceKind
from analyzer.model.limits import LimitExceeded, current_limits

try:
    import orjson

    _loads: Any = orjson.loads
except ImportError:  # pragma: no cover - orjson is a dependency; json is the slow fallback
    _loads = json.loads

_PEEK = 65536
_READ_BUFFER = 1 << 20  # JSON Lines records are often hundreds of KB: fewer refills per line
_INFLATE_FLOOR = 64 << 20  # decompressed bytes always allowed, whatever the ratio


class _Inflated(io.RawIOBase):
    """A decompressing stream that raises :class:`LimitExceeded` once it has produced more than
    ``allowed`` bytes, before the caller can buffer them."""

    def __init__(self, raw: gzip.GzipFile, allowed: int, why: str) -> None:
        self.raw = raw
        self.allowed = allowed
        self.why = why
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer)
        self.produced += count
        if self.produced > self.allowed:
            raise LimitExceeded(
                f"gzip data inflates past {self.allowed} bytes ({self.why}); not read further"
            )
        return count

    def close(self) -> None:
        self.raw.close()
        super().close()


def _open_gzip(path: Path) -> io.BufferedReader:
    limits = current_limits()
    by_ratio = max(path.stat().st_size * limits.trace_max_ratio, _INFLATE_FLOOR)
    allowed = min(by_ratio, limits.trace_max_bytes)
    why = "limit trace_max_ratio" if by_ratio <= limits.trace_max_bytes else "limit trace_max_bytes"
    return io.BufferedReader(_Inflated(gzip.GzipFile(path, "rb"), allowed, why), _PEEK)


class _Reader:
    """State of one file read: the span aggregator, aggregate edges, diagnostics."""

    def __init__(self, display_path: str) -> None:
        self.path = display_path
        self.problems = Problems(display_path)
        self.spans = TraceAggregator(display_path)
        # (client, server) → [count, errors, first line, p50, p95]; from dependency / servicegraph data
        self.links: dict[tuple[str, str], list[Any]] = {}
        self.db_links: dict[tuple[str, str], list[int]] = {}
        self._timestamps_reported = False

    # -- JSON --------------------------------------------------------------------------------
    def feed(self, doc: Any, line: int) -> None:
        """One decoded JSON value (a JSON line, or the whole document with ``line`` 1)."""
        problems = self.problems
        if isinstance(doc, dict):
            if "resourceSpans" in doc:
                self.spans.add(records_from_otlp(doc, line, problems, self.spans.cache), line)
            elif "result" in doc:  # Jaeger v3 API wrapper
                self.feed(doc["result"], line)
            elif "data" in doc and isinstance(doc["data"], list | dict):
                self.feed(doc["data"], line)
            elif "spans" in doc and ("traceID" in doc or "processes" in doc):
                self.spans.add_spans(spans_from_jaeger_trace(doc, line, problems), line)
            elif "parent" in doc and "child" in doc:
                self.feed([doc], line)
            else:
                keys = ", ".join(sorted(str(k) for k in doc)[:5])
                problems.add(line, f"unrecognised trace JSON object (keys: {keys})")
        elif isinstance(doc, list):
            first = next((item for item in doc if item is not None), None)
            if first is None:
                return
            if isinstance(first, dict) and "parent" in first and "child" in first:
                for parent, child, count in dependency_links(doc, line, problems):
                    self.link(parent, child, count, 0, line, None, None)
            elif isinstance(first, dict) and "spans" in first and "traceID" in first:
                for trace in doc:
                    if isinstance(trace, dict):
                        self.spans.add_spans(spans_from_jaeger_trace(trace, line, problems), line)
            elif isinstance(first, list) or (
                isinstance(first, dict) and ("traceId" in first or "localEndpoint" in first)
            ):
                self.spans.add_spans(spans_from_zipkin(doc, line, problems), line)
            else:
                problems.add(line, "unrecognised trace JSON array (expected Zipkin spans or dependencies)")
        else:
            problems.add(line, f"unexpected JSON {type(doc).__name__} where a trace record was expected")

    def link(
        self,
        client: str,
        server: str,
        count: int,
        errors: int,
        line: int,
        p50: float | None,
        p95: float | None,
    ) -> None:
        if not client or not server or client == server:
            return
        entry = self.links.get((client, server))
        if entry is None:
            self.links[(client, server)] = [count, errors, line, p50, p95]
        else:
            entry[0] += count
            entry[1] += errors

    def read_json(self, stream: IO[bytes]) -> None:
        first = stream.readline()
        try:
            doc = _loads(first)
        except ValueError:
            self._read_json_document(first + stream.read())
            return
        self.feed(doc, 1)
        for number, raw in enumerate(stream, 2):
            if raw[:1] in b" \t\r\n" and not raw.strip():  # blank line (no copy of every line)
                continue
            try:
                doc = _loads(raw)
            except ValueError as exc:
                self.problems.add(
                    number, f"invalid JSON line (truncated?): {_json_message(exc, in_line=True)}"
                )
                continue
            self.feed(doc, number)

    def _read_json_document(self, data: bytes) -> None:
        try:
            doc = _loads(data)
        except ValueError as exc:
            if not self._salvage_lines(data):
                line = getattr(exc, "lineno", 0) or 0
                self.problems.add(line, f"invalid JSON (truncated or malformed): {_json_message(exc)}")
            return
        self.problems.document = data
        self.feed(doc, 1)
        self.spans.flush()  # diagnostics raised while closing traces can still find their line
        self._report_bad_timestamps()
        self.problems.document = b""

    def _salvage_lines(self, data: bytes) -> bool:
        """A JSON Lines file whose *first* line is broken: read the others; False if none parse."""
        decoded: list[tuple[int, Any]] = []
        bad: list[int] = []
        for number, raw in enumerate(data.splitlines(), 1):
            if not raw.strip():
                continue
            try:
                value = _loads(raw)
            except ValueError:
                bad.append(number)
                continue
            if not isinstance(value, dict | list):
                return False
            decoded.append((number, value))
        if not decoded or len(decoded) < len(bad):
            return False
        for number in bad:
            self.problems.add(number, "invalid JSON line")
        for number, value in decoded:
            self.feed(value, number)
        return True

    # -- other formats -----------------------------------------------------------------------
    def read_text(self, stream: IO[bytes], head: bytes) -> None:
        if b"resource_spans" in head or b"proto-message" in head:
            # NOTE: imported here, not at the top: protobuf costs every scan's start-up ~17 ms
            # and only protobuf exports need it.
            from analyzer.extract.traces.otlp_proto import decode_text, records_from_request

            request = decode_text(stream.read().decode("utf-8", "replace"), self.problems)
            if request is not None:
                self.spans.add(records_from_request(request, 1, self.problems, self.spans.cache), 1)
            return
        lines = io.TextIOWrapper(stream, encoding="utf-8", errors="replace")
        for edge in read_servicegraph(lines, self.problems):
            if edge.connection_type == "database":
                entry = self.db_links.setdefault((edge.client, edge.server), [0, edge.line])
                entry[0] += edge.count
            else:
                p50, p95 = edge.quantile_ms(0.5), edge.quantile_ms(0.95)
                self.link(edge.client, edge.server, edge.count, edge.errors, edge.line, p50, p95)

    def read_protobuf(self, stream: IO[bytes]) -> None:
        from analyzer.extract.traces.otlp_proto import decode_requests, records_from_request

        for record, request in decode_requests(stream.read(), self.problems):
            self.spans.add(records_from_request(request, 1, self.problems, self.spans.cache), record)

    # -- result ------------------------------------------------------------------------------
    def _report_bad_timestamps(self) -> None:
        spans = self.spans
        if spans.bad_timestamps and not self._timestamps_reported:
            self._timestamps_reported = True
            self.problems.add(
                spans.bad_timestamp_line,
                f"{spans.bad_timestamps} call span(s) without integer start/end times "
                f"(first: span {spans.bad_timestamp_span}); latency left out",
                anchor=spans.bad_timestamp_span,
            )

    def facts(self) -> list[Fact]:
        out = self.spans.facts()
        self._report_bad_timestamps()
        for (client, server), (count, errors, line, p50, p95) in sorted(self.links.items()):
            evidence = Evidence(SourceKind.TRACE, Location(self.path, max(line, 1)), "aggregate edge", count)
            out.append(
                Call(
                    client,
                    Value(server, "literal"),
                    evidence,
                    protocol="",
                    count=count,
                    errors=errors,
                    latency_p50_ms=p50,
                    latency_p95_ms=p95,
                )
            )
        for (client, server), (count, line) in sorted(self.db_links.items()):
            evidence = Evidence(SourceKind.TRACE, Location(self.path, line), "aggregate database edge", count)
            out.append(Connection(client, ConnectionInfo(hosts=(server,)), evidence))
        return out


def _json_message(exc: ValueError, in_line: bool = False) -> str:
    line, column = getattr(exc, "lineno", 0), getattr(exc, "colno", 0)
    text = str(getattr(exc, "msg", exc))
    if in_line and column:
        return f"{text} (column {column})"
    return f"{text} (line {line}, column {column})" if line else text


def _safe_display(display_path: str) -> str:
    cleaned = display_path.replace("\\", "/").lstrip("/")
    return cleaned or "trace"


def read_trace_file(path: Path, display_path: str) -> ExtractResult:
    """Facts from one trace export at ``path``; evidence paths are ``display_path`` (repo-relative).

    Never raises for bad input: unreadable or malformed content becomes diagnostics, and whatever
    could be read before or around the problem is still returned.

    >>> read_trace_file(Path("traces/hotrod.json"), "traces/hotrod.json")  # doctest: +SKIP
    """
    reader = _Reader(_safe_display(display_path))
    result = ExtractResult()
    # NOTE: the read allocates millions of short-lived containers and creates no reference
    # cycles; pausing the cyclic GC avoids repeated full scans of the buffered traces (~18%).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with open(path, "rb") as probe:
            compressed = probe.read(2) == b"\x1f\x8b"
        limit = current_limits().trace_max_bytes
        if not compressed and path.stat().st_size > limit:
            raise LimitExceeded(f"is over {limit} bytes (limit trace_max_bytes); not read")
        raw: Any = _open_gzip(path) if compressed else open(path, "rb", buffering=_READ_BUFFER)  # noqa: SIM115
        with raw:
            stream: Any = raw
            head: bytes = stream.peek(_PEEK)[:_PEEK]
            start = head.lstrip()[:1]
            if not head.strip():
                reader.problems.add(0, "empty trace file", DiagnosticLevel.INFO)
            elif start in (b"{", b"["):
                reader.read_json(stream)
            elif _is_text(head):
                reader.read_text(stream, head)
            else:
                reader.read_protobuf(stream)
    except (OSError, EOFError, zlib.error) as exc:
        reader.problems.add(0, f"cannot read trace file: {exc}", DiagnosticLevel.ERROR)
    except LimitExceeded as exc:
        reader.problems.add(0, f"trace file {exc}", DiagnosticLevel.ERROR)
    finally:
        if gc_was_enabled:
            gc.enable()
    result.facts = reader.facts()
    result.diagnostics = reader.problems.diagnostics()
    return result


def _is_text(head: bytes) -> bool:
    sample = head[:4096]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text[:2000])
