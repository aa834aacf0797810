"""Buffered spans → aggregated facts: one fact per distinct edge, with counts, errors and latency.

Spans are buffered per trace only while the trace is *open*: a trace closes when no record of the
file touched it for :attr:`TraceAggregator.window` records, or when the buffer exceeds
``max_buffered`` spans (oldest trace first), and at the end. Memory therefore grows with the
number of distinct edges and the window of open traces, not with the number of spans.

Counters are keyed by :class:`Semantics` objects (identity-hashed, one per distinct span shape)
while reading, and turned into named facts once, at the end — the per-span work stays a few dict
operations.

Who acts: a DB client span whose parent is in *another* resource may be a simulated database
client with its own ``service.name`` (HotROD's ``mysql``, ``redis-manual``). If every span of that
resource is such a DB client, it becomes a datastore and its accesses are credited to the parent's
service; otherwise the resource keeps its own accesses.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from analyzer.extract.facts import (
    Call,
    Connection,
    ConnectionInfo,
    DatastoreDecl,
    Fact,
    Message,
    Operation,
    ServiceDecl,
    TableAccess,
    Value,
)
from analyzer.extract.traces.latency import LatencyHistogram
from analyzer.extract.traces.semconv import (
    ALT_PARENT,
    ANONYMOUS_SERVICES,
    END,
    ERROR,
    LINE,
    PARENT_ID,
    ROLE_CLIENT,
    ROLE_DB,
    ROLE_MESSAGE,
    ROLE_SERVER,
    SEM,
    SPAN_ID,
    START,
    CallShape,
    Rec,
    Semantics,
    SemanticsCache,
    call_shape,
    is_mutating,
)
from analyzer.extract.traces.span import CLIENT, INTERNAL, SERVER, SHARED_SUFFIX, UNSPECIFIED, Span
from analyzer.model import Evidence, Location, SourceKind

_SPAN_ID_OF = itemgetter(SPAN_ID)
_MUTATED, _WROTE_DB, _TABLE, _TOPIC = range(4)  # kinds of per-trace effects


class _Edge:
    """Counters for one distinct edge; ``line`` and ``name`` are its first sighting. ``effects`` are
    the (kind, value) effects each occurrence has on its trace's root operation, worked out once."""

    __slots__ = ("count", "effects", "errors", "latency", "line", "name")

    def __init__(self, line: int, name: str, effects: tuple[tuple[int, Any], ...] = ()) -> None:
        self.count = 0
        self.errors = 0
        self.line = line
        self.name = name
        self.latency: LatencyHistogram | None = None
        self.effects = effects


class _Op:
    __slots__ = ("count", "line", "publishes", "tables", "targets", "written", "written_db")

    def __init__(self, line: int) -> None:
        self.count = 0
        self.line = line
        self.written: set[str] = set()
        self.written_db: set[tuple[str, str]] = set()  # (owner resource, parent's service)
        self.tables: set[str] = set()
        self.targets: set[str] = set()
        self.publishes: set[str] = set()


class _CallKey:
    """What a (client sem, server sem) pair means, worked out once per distinct pair."""

    __slots__ = ("edge", "effects", "mutating", "target")

    def __init__(self, edge: _Edge, target: str, mutating: bool) -> None:
        self.edge = edge
        self.target = target
        self.mutating = mutating
        # a mutating call changes the callee's data
        self.effects: tuple[tuple[int, Any], ...] = ((_MUTATED, target),) if mutating else ()


def _db_effects(sem: Semantics, via: str) -> tuple[tuple[int, Any], ...]:
    """What one DB access of this shape changes: the store it writes and the tables it writes."""
    if not sem.db_writes:
        return ()
    return ((_WROTE_DB, (sem.service, via)), *((_TABLE, table) for table in sem.writes))


def _message_effects(sem: Semantics) -> tuple[tuple[int, Any], ...]:
    """What one message span of this shape changes: the topic it publishes to."""
    message = sem.message
    if message is not None and message.direction == "publishes" and message.topic:
        return ((_TOPIC, message.topic),)
    return ()


def _acting(owner: str, via: str, host: str, stores: set[str]) -> tuple[str, str]:
    """(acting service, host) of a DB access: a simulated DB-client resource acts for its parent."""
    if via and owner in stores:
        return via, host or owner
    return owner, host


class TraceAggregator:
    """Feed records with :meth:`add` (or spans with :meth:`add_spans`), then call :meth:`facts` once."""

    def __init__(self, path: str, window: int = 64, max_buffered: int = 200_000) -> None:
        self.path = path
        self.window = window
        self.max_buffered = max_buffered
        self.spans_seen = 0
        self.cache = SemanticsCache()
        self.bad_timestamps = 0  # call spans whose duration could not be read
        self.bad_timestamp_line = 0
        self.bad_timestamp_span = ""
        self._open: OrderedDict[str, list[Any]] = OrderedDict()  # trace id → [last record, recs]
        self._buffered = 0
        self._shared = False  # a Zipkin shared span was seen: use the slower parent lookup
        self._cross_db: set[str] = set()  # resources with a DB span whose parent is elsewhere
        self._calls: dict[tuple[str, str, str, str, str], _Edge] = {}
        self._pairs: dict[tuple[Semantics, Semantics], _CallKey] = {}  # client → server spans
        self._hops: dict[tuple[Semantics, Semantics], _CallKey] = {}  # server → server spans
        self._peer_calls: dict[Semantics, _CallKey] = {}
        self._db: dict[tuple[Semantics, str], _Edge] = {}
        self._messages: dict[Semantics, _Edge] = {}
        self._ops: dict[tuple[str, str], _Op] = {}

    # -- feeding ---------------------------------------------------------------------------
    def add_spans(self, spans: Iterable[Span], record: int) -> None:
        """Classify and buffer spans of one record (readers other than the OTLP JSON hot path)."""
        to_record = self.cache.record
        grouped: dict[str, list[Rec]] = {}
        for span in spans:
            grouped.setdefault(span.trace_id, []).append(to_record(span))
            if span.alt_parent:
                self._shared = True
        self.add(grouped, record)

    def add(self, grouped: dict[str, list[Rec]], record: int) -> None:
        """Buffer one input record's spans (a JSON line, a protobuf message, a document),
        grouped by trace id."""
        open_traces = self._open
        for trace_id, recs in grouped.items():
            entry = open_traces.get(trace_id)
            if entry is None:
                open_traces[trace_id] = [record, recs]
            else:
                if entry[0] != record:
                    entry[0] = record
                    open_traces.move_to_end(trace_id)
                entry[1].extend(recs)
            self._buffered += len(recs)
        horizon = record - self.window
        while open_traces:
            trace_id, entry = next(iter(open_traces.items()))
            if entry[0] > horizon and self._buffered <= self.max_buffered:
                break
            del open_traces[trace_id]
            self._close(entry[1])

    def flush(self) -> None:
        while self._open:
            _, entry = self._open.popitem(last=False)
            self._close(entry[1])

    # -- one trace -------------------------------------------------------------------------
    def _close(self, recs: list[Rec]) -> None:
        # NOTE: the per-span loop of the aggregation, written flat (records unpacked once, dicts
        # bound to locals, the call counter inlined, each edge's effects worked out when the edge
        # is first seen) because it runs once per span of the file.
        self._buffered -= len(recs)
        self.spans_seen += len(recs)
        # First span wins on duplicate ids (reversed: earlier entries overwrite later ones).
        backwards = recs[::-1]
        index = dict(zip(map(_SPAN_ID_OF, backwards), backwards, strict=False))
        find = index.get
        shared = self._shared
        pairs, hops, db_edges, messages = self._pairs, self._hops, self._db, self._messages
        root: Rec | None = None
        matched: set[str] = set()
        peers: list[Rec] = []
        # What this trace changed, for its root operation: (kind, value) pairs, one list per trace
        # (cheaper than five sets on the many traces that write little).
        effects: list[tuple[int, Any]] = []
        for rec in recs:
            _, parent_id, sem, _, _, error, line, alt_parent = rec
            role = sem.role
            if root is None and not parent_id and not alt_parent:
                root = rec
            if not role:
                continue
            if role == ROLE_CLIENT:
                peers.append(rec)
                continue
            parent = self._parent(rec, index) if shared else find(parent_id)
            if role == ROLE_DB:
                service = sem.service
                via = parent[SEM].service if parent is not None and parent[SEM].service != service else ""
                if via and sem.kind == CLIENT:
                    self._cross_db.add(service)
                edge = db_edges.get((sem, via))
                if edge is None:
                    edge = db_edges[(sem, via)] = _Edge(line, sem.name, _db_effects(sem, via))
                edge.count += 1
                if edge.effects:
                    effects += edge.effects
            elif role == ROLE_MESSAGE:
                edge = messages.get(sem)
                if edge is None:
                    edge = messages[sem] = _Edge(line, sem.name, _message_effects(sem))
                edge.count += 1
                if edge.effects:
                    effects += edge.effects
            elif role == ROLE_SERVER and parent is not None:
                psem = parent[SEM]
                if psem.service == sem.service:
                    continue
                if psem.kind == CLIENT or psem.kind == UNSPECIFIED:
                    matched.add(parent[SPAN_ID])
                    call = pairs.get((psem, sem))
                    if call is None:
                        call = pairs[(psem, sem)] = self._call_key(psem, sem, parent)
                    timed = parent
                    failed = error or parent[ERROR] or sem.server_error or psem.server_error
                elif (psem.kind == SERVER or psem.kind == INTERNAL) and sem.kind == SERVER:
                    # a server→server hop with no client span (proxies, some Zipkin data)
                    call = hops.get((psem, sem))
                    if call is None:
                        call = hops[(psem, sem)] = self._call_key(psem, sem, rec, client_side=False)
                    timed = rec
                    failed = error or sem.server_error
                else:
                    continue
                edge = call.edge
                edge.count += 1
                if failed:
                    edge.errors += 1
                try:
                    nanos = int(timed[END]) - int(timed[START])  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    self._bad_timestamp(timed)
                else:
                    if edge.latency is not None:
                        edge.latency.add(nanos / 1e6 if nanos > 0 else 0.0)
                if call.effects:
                    effects += call.effects
        for rec in peers:  # clients whose server is not instrumented: the peer they name
            if rec[SPAN_ID] in matched:
                continue
            sem = rec[SEM]
            call = self._peer_calls.get(sem)
            if call is None:
                shape = call_shape(sem, None)
                edge = self._edge_for(sem.service, sem.peer, shape, rec)
                call = self._peer_calls[sem] = _CallKey(edge, sem.peer, is_mutating(shape))
            self._count_call(call.edge, rec, rec[ERROR] or sem.server_error)
            if call.effects:
                effects += call.effects
        if root is not None and effects:
            self._record_effects(root, effects)

    def _record_effects(self, root: Rec, effects: list[tuple[int, Any]]) -> None:
        """Credit one trace's effects to its root operation."""
        op_key = (root[SEM].service, root[SEM].name)
        op = self._ops.get(op_key)
        if op is None:
            op = self._ops[op_key] = _Op(root[LINE])
        op.count += 1
        for effect, value in effects:
            if effect == _MUTATED:  # a mutating call: the callee's data changed
                op.written.add(value)
                op.targets.add(value)
            elif effect == _WROTE_DB:
                op.written_db.add(value)
            elif effect == _TABLE:
                op.tables.add(value)
            else:
                op.publishes.add(value)

    @staticmethod
    def _parent(rec: Rec, index: dict[str, Rec]) -> Rec | None:
        if rec[ALT_PARENT]:
            shared_client = index.get(rec[ALT_PARENT])
            if shared_client is not None and shared_client[SEM].kind == CLIENT:
                return shared_client
        if not rec[PARENT_ID]:
            return None
        # Zipkin: children of a shared id belong to the server side of the shared span.
        shared_server = index.get(rec[PARENT_ID] + SHARED_SUFFIX)
        return shared_server if shared_server is not None else index.get(rec[PARENT_ID])

    def _call_key(self, psem: Semantics, sem: Semantics, first: Rec, client_side: bool = True) -> _CallKey:
        shape = call_shape(psem if client_side else None, sem)
        return _CallKey(
            self._edge_for(psem.service, sem.service, shape, first), sem.service, is_mutating(shape)
        )

    def _edge_for(self, service: str, target: str, shape: CallShape, first: Rec) -> _Edge:
        key = (service, target, shape.protocol, shape.method, shape.path)
        edge = self._calls.get(key)
        if edge is None:
            edge = self._calls[key] = _Edge(first[LINE], first[SEM].name)
            edge.latency = LatencyHistogram()
        return edge

    def _count_call(self, edge: _Edge, timed: Rec, failed: bool) -> None:
        """Count one call on ``edge``, its latency from ``timed`` (inlined in :meth:`_close`)."""
        edge.count += 1
        if failed:
            edge.errors += 1
        try:
            nanos = int(timed[END]) - int(timed[START])  # type: ignore[call-overload]
        except (TypeError, ValueError):
            self._bad_timestamp(timed)
            return
        if edge.latency is not None:
            edge.latency.add(nanos / 1e6 if nanos > 0 else 0.0)

    def _bad_timestamp(self, timed: Rec) -> None:
        self.bad_timestamps += 1
        if not self.bad_timestamp_span:
            self.bad_timestamp_span, self.bad_timestamp_line = timed[SPAN_ID], timed[LINE]

    # -- output ----------------------------------------------------------------------------
    def _evidence(self, line: int, detail: str, count: int) -> Evidence:
        return Evidence(SourceKind.TRACE, Location(self.path, max(line, 1)), detail, count)

    def datastore_resources(self) -> set[str]:
        """Resources whose spans are all DB client calls made on behalf of another resource."""
        return self._cross_db - self.cache.other_than_db_client

    def facts(self) -> list[Fact]:
        """Close every open trace and return the aggregated facts, sorted by kind then key."""
        self.flush()
        stores = self.datastore_resources()
        ev = self._evidence
        out: list[Fact] = []
        technology: dict[str, str] = {}
        for sem, _ in self._db:
            if sem.db is not None and sem.db.technology:
                technology.setdefault(sem.service, sem.db.technology)
        for name, total in sorted(self.cache.spans_per_service.items()):
            if name in stores:
                line = self.cache.service_lines.get(name, 1)
                out.append(DatastoreDecl(name, technology.get(name, ""), ev(line, "trace resource", total)))
            elif name not in ANONYMOUS_SERVICES and not name.startswith("unknown_service:"):
                out.append(
                    ServiceDecl(name, ev(self.cache.service_lines.get(name, 1), "service.name", total))
                )
        out.extend(self._call_facts(stores))
        out.extend(self._db_facts(stores))
        for sem, e in sorted(self._messages.items(), key=lambda item: item[1].line):
            message = sem.message
            if message is not None:
                evidence = ev(e.line, e.name, e.count)
                out.append(Message(sem.service, message.direction, message.system, message.topic, evidence))
        out = _merge_messages(out)
        for (svc, name), op in sorted(self._ops.items()):
            written = op.written | {_acting(o, v, "", stores)[0] for o, v in op.written_db}
            out.append(
                Operation(
                    svc,
                    name,
                    ev(op.line, "trace root", op.count),
                    writes_tables=tuple(sorted(op.tables)),
                    mutating_calls=tuple(sorted(op.targets)),
                    publishes=tuple(sorted(op.publishes)),
                    written_services=tuple(sorted(written)),
                    count=op.count,
                )
            )
        return out

    def _call_facts(self, stores: set[str]) -> list[Fact]:
        out: list[Fact] = []
        for (svc, target, protocol, method, path), e in sorted(self._calls.items()):
            if target == svc or target in stores or not e.count:
                continue
            latency = e.latency
            out.append(
                Call(
                    svc,
                    Value(target, "literal"),
                    self._evidence(e.line, e.name, e.count),
                    protocol=protocol,
                    method=method,
                    path=path,
                    count=e.count,
                    errors=e.errors,
                    latency_p50_ms=latency.quantile(0.5) if latency else None,
                    latency_p95_ms=latency.quantile(0.95) if latency else None,
                )
            )
        return out

    def _db_facts(self, stores: set[str]) -> list[Fact]:
        conns: dict[tuple[str, str, str, str], list[Any]] = {}
        tables: dict[tuple[str, str, str, str, str, str], list[Any]] = {}
        for (sem, via), e in self._db.items():
            db = sem.db
            if db is None:
                continue
            acting, host = _acting(sem.service, via, db.host, stores)
            _merge(conns, (acting, db.technology, host, db.database), e)
            for action, names in (("reads", sem.reads), ("writes", sem.writes)):
                for table in names:
                    _merge(tables, (acting, table, action, db.database, host, db.technology), e)
        out: list[Fact] = []
        for (svc, tech, host, database), (count, line, detail) in sorted(conns.items()):
            info = ConnectionInfo(technology=tech, hosts=(host,) if host else (), database=database)
            out.append(Connection(svc, info, self._evidence(line, detail, count)))
        for (svc, table, action, database, host, tech), (count, line, detail) in sorted(tables.items()):
            evidence = self._evidence(line, detail, count)
            out.append(TableAccess(svc, table, action, evidence, database, host, tech))
        return out


def _merge(into: dict[Any, list[Any]], key: tuple[str, ...], edge: _Edge) -> None:
    """Sum counts of edges that land on one key; keep the earliest first sighting."""
    entry = into.get(key)
    if entry is None:
        into[key] = [edge.count, edge.line, edge.name]
    else:
        entry[0] += edge.count
        if edge.line < entry[1]:
            entry[1], entry[2] = edge.line, edge.name


def _merge_messages(facts: list[Fact]) -> list[Fact]:
    """Messages of different span shapes but one (service, direction, system, topic) become one."""
    merged: dict[tuple[str, str, str, str], Message] = {}
    rest: list[Fact] = []
    for fact in facts:
        if not isinstance(fact, Message):
            rest.append(fact)
            continue
        key = (fact.service, fact.direction, fact.system, fact.topic)
        seen = merged.get(key)
        if seen is None:
            merged[key] = fact
        else:
            count = seen.evidence.count + fact.evidence.count
            first = min(seen.evidence, fact.evidence, key=lambda e: e.location.line)
            evidence = Evidence(first.source, first.location, first.detail, count)
            merged[key] = Message(
                seen.service, seen.direction, seen.system, seen.topic, evidence, count=count
            )
    for key in sorted(merged):
        fact = merged[key]
        rest.append(
            Message(fact.service, fact.direction, fact.system, fact.topic, fact.evidence, fact.evidence.count)
        )
    return rest
