"""What a span means: database access, messaging, call shape — old and new semconv side by side.

Every function here reads :attr:`Span.attrs` only (already filtered to the keys the aggregator
needs). Technologies use the canonical lowercase names of :class:`~analyzer.extract.facts.ConnectionInfo`
(``postgresql``, ``mysql``, ``redis``, ``mongodb``, ``cassandra``, ``memcached`` ...).
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from itertools import chain
from typing import Final, NamedTuple

from analyzer.extract.traces.span import (
    CLIENT,
    CONSUMER,
    INTERNAL,
    PRODUCER,
    REMOTE_SERVICE,
    SERVER,
    UNSPECIFIED,
    Span,
    as_text,
)
from analyzer.extract.traces.sql import tables_of

TECH_ALIASES: dict[str, str] = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "pg": "postgresql",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "redis": "redis",
    "valkey": "redis",
    "mongodb": "mongodb",
    "mongo": "mongodb",
    "mssql": "sqlserver",
    "sqlserver": "sqlserver",
    "microsoft.sql_server": "sqlserver",
    "oracle": "oracle",
    "sqlite": "sqlite",
    "cassandra": "cassandra",
    "scylla": "cassandra",
    "elasticsearch": "elasticsearch",
    "opensearch": "opensearch",
    "memcached": "memcached",
    "memcache": "memcached",
    "dynamodb": "dynamodb",
    "aws.dynamodb": "dynamodb",
    "neo4j": "neo4j",
    "couchbase": "couchbase",
    "couchdb": "couchdb",
    "cockroachdb": "cockroachdb",
    "clickhouse": "clickhouse",
    "hsqldb": "hsqldb",
    "h2": "h2",
    "db2": "db2",
    "derby": "derby",
}

# Technologies whose statements are SQL (parsed with sqlglot); others are read by operation name.
SQL_TECHNOLOGIES = frozenset(
    {"postgresql", "mysql", "mariadb", "sqlserver", "oracle", "sqlite", "cockroachdb", "clickhouse"}
    | {"hsqldb", "h2", "db2", "derby", "other_sql", ""}
)

# Lowercased operation names that change data (Redis commands, Mongo/Dynamo/Cassandra verbs).
WRITE_OPERATIONS = frozenset(
    {
        "set", "setex", "setnx", "psetex", "mset", "msetnx", "getset", "getdel", "append", "incr",
        "incrby", "incrbyfloat", "decr", "decrby", "del", "unlink", "expire", "pexpire", "expireat",
        "persist", "rename", "hset", "hmset", "hsetnx", "hdel", "hincrby", "lpush", "rpush", "lpop",
        "rpop", "lset", "lrem", "ltrim", "sadd", "srem", "spop", "smove", "zadd", "zrem", "zincrby",
        "xadd", "xdel", "xtrim", "flushdb", "flushall",
        "insert", "insertone", "insertmany", "update", "updateone", "updatemany", "replaceone",
        "delete", "deleteone", "deletemany", "remove", "findoneandupdate", "findoneandreplace",
        "findoneanddelete", "findandmodify", "bulkwrite", "save", "upsert", "merge", "truncate",
        "putitem", "updateitem", "deleteitem", "batchwriteitem", "transactwriteitems",
        "create", "drop", "alter",
    }
)  # fmt: skip

MUTATING_HTTP = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HTTP_VERBS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
# OTel's placeholder names for a process that set no service.name.
ANONYMOUS_SERVICES = frozenset({"", "unknown", "unknown_service"})

_JDBC = re.compile(
    r"^jdbc:(?P<tech>[a-z0-9]+):(?://(?P<host>[^/:;?]+)(?::\d+)?/?(?P<db>[^;?]*)|(?P<rest>.*))$"
)
_ID_SEGMENT = re.compile(r"^(?:\d+|[0-9a-fA-F-]{32,36}|(?=.*\d)[A-Za-z0-9_.~-]{8,})$")


class DbAccess(NamedTuple):
    """A span that talks to a datastore: technology, where, what it ran."""

    technology: str
    host: str
    database: str
    statement: str
    operation: str
    collection: str


class MessagingAccess(NamedTuple):
    direction: str  # publishes | consumes
    system: str
    topic: str


class CallShape(NamedTuple):
    protocol: str
    method: str
    path: str


def canonical_technology(raw: str) -> str:
    """``postgres`` → ``postgresql``; unknown names are kept, lowercased."""
    low = raw.strip().lower()
    return TECH_ALIASES.get(low, low)


def datastore_technology_of_name(name: str) -> str:
    """Technology when a peer name says it (``mysql``, ``memcache``, ``orders-redis``), else ``""``."""
    low = name.lower()
    if low in TECH_ALIASES:
        return TECH_ALIASES[low]
    for token in re.split(r"[-_.]", low):
        if token in TECH_ALIASES:
            return TECH_ALIASES[token]
    return ""


def _first(attrs: dict[str, object], *keys: str) -> str:
    for key in keys:
        value = attrs.get(key)
        if value is not None and value != "":
            return as_text(value)
    return ""


def db_access(span: Span) -> DbAccess | None:
    """The datastore this span calls, or ``None``. Server, producer and consumer spans never are."""
    if span.kind not in (CLIENT, UNSPECIFIED, INTERNAL):
        return None
    attrs = span.attrs
    technology = canonical_technology(_first(attrs, "db.system.name", "db.system"))
    statement = _first(attrs, "db.query.text", "db.statement", "sql", "sql.query", "cassandra.query", "query")
    remote = as_text(attrs.get(REMOTE_SERVICE))
    host = _first(attrs, "server.address", "net.peer.name", "peer.service", "service.peer.name")
    database = _first(attrs, "db.namespace", "db.name", "db.cassandra.keyspace", "cassandra.keyspace")
    jdbc = _JDBC.match(_first(attrs, "database"))
    if jdbc:
        technology = technology or canonical_technology(jdbc["tech"])
        host = host or (jdbc["host"] or "")
        database = database or (jdbc["db"] or (jdbc["rest"] or "").split(":")[-1])
    if not technology and any(key.startswith("cassandra.") for key in attrs):
        technology = "cassandra"
    if not technology and remote:
        technology = datastore_technology_of_name(remote)
    if not technology and not statement:
        return None
    if span.kind == INTERNAL and not technology:
        return None
    # NOTE: Zipkin Cassandra clients put the keyspace in remoteEndpoint.serviceName; a remote name
    # equal to the keyspace or to the caller itself is not a host.
    if not host and remote and remote != database and remote != span.service:
        host = remote
    if "db.redis.database_index" in attrs and not database:
        database = as_text(attrs["db.redis.database_index"])
    operation = _first(attrs, "db.operation.name", "db.operation")
    if not operation and statement and technology not in SQL_TECHNOLOGIES:
        operation = statement.split(None, 1)[0] if statement.strip() else ""
    collection = _first(attrs, "db.collection.name", "db.mongodb.collection", "db.sql.table")
    return DbAccess(technology, host, database, statement, operation, collection)


def messaging_access(span: Span) -> MessagingAccess | None:
    """Publish/consume seen on this span (OTel ``messaging.*`` old and new, Zipkin ``kafka.topic``)."""
    attrs = span.attrs
    system = as_text(attrs.get("messaging.system")).lower()
    topic = _first(attrs, "messaging.destination.name", "messaging.destination", "kafka.topic")
    if not system and "kafka.topic" in attrs:
        system = "kafka"
    if not system and not topic:
        return None
    if not system:
        system = datastore_technology_of_name(as_text(attrs.get(REMOTE_SERVICE))) or as_text(
            attrs.get(REMOTE_SERVICE)
        )
    if span.kind == PRODUCER:
        return MessagingAccess("publishes", system, topic)
    if span.kind == CONSUMER:
        return MessagingAccess("consumes", system, topic)
    operation = _first(attrs, "messaging.operation.type", "messaging.operation").lower()
    if operation in ("publish", "send", "create"):
        return MessagingAccess("publishes", system, topic)
    if operation in ("receive", "process", "deliver", "settle"):
        return MessagingAccess("consumes", system, topic)
    return None


def normalise_path(raw: str) -> str:
    """URL or path → path without query, id-like segments as ``{id}`` (bounds the edge count)."""
    if not raw:
        return ""
    if "://" in raw:
        raw = raw.split("://", 1)[1]
        raw = "/" + raw.split("/", 1)[1] if "/" in raw else "/"
    raw = raw.split("?", 1)[0].split("#", 1)[0]
    parts = raw.split("/")
    return "/".join("{id}" if part and _ID_SEGMENT.match(part) else part for part in parts)


def _rpc(attrs: dict[str, object]) -> tuple[str, str, str]:
    system = _first(attrs, "rpc.system.name", "rpc.system").lower()
    method = _first(attrs, "rpc.method").lstrip("/")
    service = _first(attrs, "rpc.service")
    if "/" in method:
        service, method = method.rsplit("/", 1)
    return system, method, f"{service}/{method}" if service else method


def _http_method(span: Span) -> str:
    method = _first(span.attrs, "http.request.method", "http.method").upper()
    if method:
        return method
    first_word = span.name.split(" ", 1)[0].upper()
    return first_word if first_word in HTTP_VERBS else ""


def _route(span: Span) -> str:
    route = _first(span.attrs, "http.route")
    if route:
        return route
    raw = _first(span.attrs, "url.path", "http.target", "http.path", "http.uri", "url.full", "http.url")
    return normalise_path(raw)


def _server_error(attrs: dict[str, object]) -> bool:
    """HTTP status ≥ 500, or an ``error=true`` tag (OpenTracing style, also seen in OTLP)."""
    if attrs.get("error") in (True, "true"):
        return True
    status = _first(attrs, "http.response.status_code", "http.status_code")
    return status.isdigit() and int(status) >= 500


ROLE_NONE, ROLE_DB, ROLE_MESSAGE, ROLE_SERVER, ROLE_CLIENT = 0, 1, 2, 3, 4


class Semantics:
    """Everything the aggregator needs from one span's service, kind, name and attributes.

    Computed once per distinct (service, kind, name, attributes) and cached, so classification
    cost follows distinct span shapes, not span volume. Hashes by identity (cheap dict keys);
    treat instances as immutable. ``role`` says which branch of the aggregator the span takes:
    DB access, messaging, possible callee (server or unspecified kind), client naming a peer, none.
    ``reads`` / ``writes`` are the tables (or collections) the DB access touches, ``db_writes``
    whether it changes data at all (a Redis ``HSET`` writes without naming a table).
    """

    __slots__ = (
        "db",
        "db_writes",
        "http_method",
        "kind",
        "message",
        "name",
        "peer",
        "reads",
        "role",
        "route",
        "rpc",
        "server_error",
        "service",
        "writes",
    )

    def __init__(self, span: Span) -> None:
        self.service = span.service
        self.kind = span.kind
        self.name = span.name
        self.db = db = db_access(span)
        self.message = None if db is not None else messaging_access(span)
        self.peer = peer_of(span)
        self.rpc = _rpc(span.attrs)  # (system, method, "service/method")
        self.http_method = _http_method(span)
        self.route = _route(span)
        self.server_error = _server_error(span.attrs)
        self.reads: tuple[str, ...] = ()
        self.writes: tuple[str, ...] = ()
        self.db_writes = False
        if db is not None:
            self.role = ROLE_DB
            if db.statement and db.technology in SQL_TECHNOLOGIES | {"cassandra"}:
                self.reads, self.writes = tables_of(db.statement, db.technology)
                self.db_writes = bool(self.writes)
            elif db.operation:
                self.db_writes = is_write_operation(db.operation)
                if db.collection:
                    if self.db_writes:
                        self.writes = (db.collection,)
                    else:
                        self.reads = (db.collection,)
        elif self.message is not None:
            self.role = ROLE_MESSAGE
        elif span.kind in (SERVER, UNSPECIFIED):
            self.role = ROLE_SERVER
        elif span.kind == CLIENT and self.peer and self.peer != span.service:
            self.role = ROLE_CLIENT
        else:
            self.role = ROLE_NONE


def call_shape(client: Semantics | None, server: Semantics | None) -> CallShape:
    """Protocol, method and route of one call, from the client side first, then the server side."""
    sides = [s for s in (client, server) if s is not None]
    for side in sides:
        system, method, path = side.rpc
        if system or method:
            return CallShape(system or "grpc", method, path)
    method = next((side.http_method for side in sides if side.http_method), "")
    route = next((side.route for side in reversed(sides) if side.route), "")  # server knows its template
    return CallShape("http", method, route)


_NOT_A_NAME = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){3}|\[?[0-9a-fA-F:]+\]?|localhost|0\.0\.0\.0)$")


def peer_of(span: Span) -> str:
    """The peer a client span names, for calls whose server side is not in the trace.

    ``peer.service`` / ``service.peer.name`` / Zipkin ``remoteEndpoint.serviceName`` first; else the
    host (``server.address``, ``net.peer.name``, the URL's host) unless it is an IP or localhost,
    which names no service.
    """
    named = _first(span.attrs, "peer.service", "service.peer.name", REMOTE_SERVICE)
    if named:
        return named
    host = _first(span.attrs, "server.address", "net.peer.name")
    if not host:
        url = _first(span.attrs, "url.full", "http.url")
        if "://" in url:
            host = url.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
            host = host.split(":", 1)[0] if host.count(":") == 1 else host
    return "" if not host or _NOT_A_NAME.match(host) else host.lower()


def is_mutating(shape: CallShape) -> bool:
    """Mutating verbs, and every RPC (an RPC method does not say whether it writes)."""
    return shape.protocol != "http" or shape.method in MUTATING_HTTP


def is_write_operation(operation: str) -> bool:
    return operation.lower() in WRITE_OPERATIONS


# A buffered span is a plain tuple (building a NamedTuple costs a Python-level call per span):
# (span_id, parent_id, semantics, start ns, end ns, error, line, alt_parent), read by these indexes.
# Ids follow the conventions of analyzer.extract.traces.span.Span; start/end are raw ns values.
SPAN_ID: Final = 0
PARENT_ID: Final = 1
SEM: Final = 2
START: Final = 3
END: Final = 4
ERROR: Final = 5
LINE: Final = 6
ALT_PARENT: Final = 7
Rec = tuple[str, str, "Semantics", object, object, bool, int, str]


_CACHE_LIMIT = 50_000
SHAPES_LIMIT = 256  # span names remembered per service by the OTLP JSON reader


class SemanticsCache:
    """Semantics per (service, kind, name, *attribute keys and values); cleared at ``limit`` entries.

    ``misses`` counts classifications, for the benchmark and tests. A service's first sighting is
    always a miss, so ``service_lines`` (first line per service) costs nothing on the hot path.
    """

    __slots__ = (
        "entries",
        "limit",
        "misses",
        "other_than_db_client",
        "service_lines",
        "shapes",
        "spans_per_service",
    )

    def __init__(self, limit: int = _CACHE_LIMIT) -> None:
        self.entries: dict[object, Semantics] = {}
        self.limit = limit
        self.misses = 0
        # Per service: span name → (raw kind, raw attributes, semantics) of a span whose key is in
        # ``entries`` (see the OTLP JSON reader); cleared with ``entries``.
        self.shapes: dict[str, dict[object, tuple[object, object, Semantics]]] = {}
        self.service_lines: dict[str, int] = {}  # service → first line it was seen on
        # Services with at least one span shape that is not a DB client call (a resource outside
        # this set is datastore-like); kept here because every new shape passes through classify.
        self.other_than_db_client: set[str] = set()
        self.spans_per_service: Counter[str] = Counter()  # filled by the readers

    def classify(self, key: object, span: Span) -> Semantics:
        """Cache miss path: ``key`` is the caller's (service, kind, name, attribute items)."""
        self.misses += 1
        sem = Semantics(span)
        if sem.role != ROLE_DB or sem.kind != CLIENT:
            self.other_than_db_client.add(span.service)
        if span.line < self.service_lines.get(span.service, span.line + 1):
            self.service_lines[span.service] = span.line
        if len(self.entries) >= self.limit:
            self.entries.clear()
            for shapes in self.shapes.values():  # readers hold these dicts: empty them, keep them
                shapes.clear()
        with contextlib.suppress(TypeError):  # an unhashable attribute value (array, map): not cached
            self.entries[key] = sem
        return sem

    def shapes_of(self, service: str) -> dict[object, tuple[object, object, Semantics]]:
        """The span-shape memo of one service (see ``shapes``); it never outgrows :data:`SHAPES_LIMIT`
        names because the reader empties it when it is full."""
        shapes = self.shapes.get(service)
        if shapes is None:
            shapes = self.shapes[service] = {}
        return shapes

    def of(self, span: Span) -> Semantics:
        key = (span.service, span.kind, span.name, *chain.from_iterable(span.attrs.items()))
        try:
            sem = self.entries.get(key)
        except TypeError:
            return self.classify(key, span)
        return sem if sem is not None else self.classify(key, span)

    def record(self, span: Span) -> Rec:
        """The buffered form of a span read by a non-hot-path reader (Jaeger, Zipkin, protobuf)."""
        self.spans_per_service[span.service] += 1
        sem = self.of(span)
        return (
            span.span_id,
            span.parent_id,
            sem,
            span.start,
            span.end,
            span.error,
            span.line,
            span.alt_parent,
        )
