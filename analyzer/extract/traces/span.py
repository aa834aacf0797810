"""The one span shape every trace format is read into, and the small helpers the readers share.

Conventions:

* ``trace_id`` is lowercase hex left-padded to 32 characters, ``span_id`` / ``parent_id`` lowercase
  hex left-padded to 16 (Jaeger and Zipkin drop leading zeros; OTLP allows any hex case);
  ``parent_id`` is ``""`` for a root;
* ``kind`` is the OTLP number: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer;
* ``attrs`` holds only the attribute keys in :data:`WANTED` (everything else is dropped while
  reading, which keeps memory per buffered span small), values as the source typed them;
* ``start`` / ``end`` are nanoseconds as the source wrote them (OTLP JSON quotes int64); they are
  converted only for spans that become call edges, because most spans never need a duration;
* ``line`` is the 1-based line of the record in the file (JSON Lines) or 1 for a whole document;
* ``alt_parent`` is set only for a Zipkin ``shared`` server span: the id of the client span it
  shares (its own ``span_id`` then carries the suffix :data:`SHARED_SUFFIX`).
"""

from __future__ import annotations

from typing import NamedTuple

UNSPECIFIED, INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER = 0, 1, 2, 3, 4, 5
SHARED_SUFFIX = "~s"

KIND_NAMES: dict[str, int] = {
    "SPAN_KIND_UNSPECIFIED": UNSPECIFIED,
    "SPAN_KIND_INTERNAL": INTERNAL,
    "SPAN_KIND_SERVER": SERVER,
    "SPAN_KIND_CLIENT": CLIENT,
    "SPAN_KIND_PRODUCER": PRODUCER,
    "SPAN_KIND_CONSUMER": CONSUMER,
    "UNSPECIFIED": UNSPECIFIED,
    "INTERNAL": INTERNAL,
    "SERVER": SERVER,
    "CLIENT": CLIENT,
    "PRODUCER": PRODUCER,
    "CONSUMER": CONSUMER,
}

# Attribute keys (OTel semconv old and new, Jaeger/Zipkin tags) the aggregator reads.
WANTED: frozenset[str] = frozenset(
    {
        # HTTP, old and new
        "http.request.method",
        "http.method",
        "http.route",
        "http.target",
        "http.url",
        "http.path",
        "http.uri",
        "url.full",
        "url.path",
        "http.response.status_code",
        "http.status_code",
        # RPC
        "rpc.system",
        "rpc.system.name",
        "rpc.service",
        "rpc.method",
        # peers
        "peer.service",
        "service.peer.name",
        "server.address",
        "net.peer.name",
        # databases
        "db.system",
        "db.system.name",
        "db.namespace",
        "db.name",
        "db.statement",
        "db.query.text",
        "db.operation",
        "db.operation.name",
        "db.redis.database_index",
        "db.mongodb.collection",
        "db.collection.name",
        "db.sql.table",
        "db.cassandra.keyspace",
        # messaging, old and new
        "messaging.system",
        "messaging.destination.name",
        "messaging.destination",
        "messaging.operation",
        "messaging.operation.type",
        # Jaeger / Zipkin / custom tags
        "span.kind",
        "error",
        "otel.status_code",
        "sql",
        "sql.query",
        "query",
        "database",
        "cassandra.keyspace",
        "cassandra.query",
        "kafka.topic",
        "component",
    }
)

# Pseudo-attribute for the Zipkin ``remoteEndpoint.serviceName`` (kept apart from ``peer.service``
# because Zipkin instrumentations put keyspaces and brokers there too).
REMOTE_SERVICE = "zipkin.remote.service"


class Span(NamedTuple):
    """One span, normalised. See the module docstring for the conventions."""

    trace_id: str
    span_id: str
    parent_id: str
    service: str
    kind: int
    name: str
    start: object  # raw start time in ns (int or decimal string); 0 when only a duration is known
    end: object  # raw end time in ns; converted only for spans that become call edges
    error: bool
    line: int
    attrs: dict[str, object]
    alt_parent: str = ""


def norm_trace_id(raw: object) -> str:
    """Lowercase hex, left-padded to 32 (``"ABC"`` → ``"000…abc"``)."""
    text = str(raw).lower() if raw is not None else ""
    return text if len(text) == 32 else text.zfill(32)


def norm_span_id(raw: object) -> str:
    """Lowercase hex, left-padded to 16; ``""`` stays ``""`` (no parent)."""
    if not raw:
        return ""
    text = str(raw).lower()
    return text if len(text) == 16 else text.zfill(16)


def kind_from(raw: object) -> int | None:
    """OTLP kind from an integer, a numeric string or an enum name; ``None`` when unknown."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 <= raw <= 5 else None
    if isinstance(raw, str):
        if raw.isdigit():
            number = int(raw)
            return number if number <= 5 else None
        return KIND_NAMES.get(raw.upper())
    if raw is None:
        return UNSPECIFIED
    return None


def as_text(value: object) -> str:
    """Attribute value as text (``True`` → ``"true"``); ``None`` → ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
