"""The architecture graph: typed nodes and edges with evidence, over a networkx MultiDiGraph.

Node ids are canonical strings built by :func:`node_id`::

    service:orders
    datastore:orders-db
    database:orders-db/orders
    table:orders-db/orders/public.orders
    topic:kafka/order-events

Every node and edge keeps the evidence that proves it. Adding the same node or edge twice merges
evidence (a set, never duplicated) and attributes (later sources fill gaps, they don't overwrite).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Union

from analyzer.model.location import Evidence

AttrValue = Union[str, int, float, bool, None, tuple[str, ...]]
Attrs = Mapping[str, AttrValue]


class NodeKind(StrEnum):
    SERVICE = "service"
    DATASTORE = "datastore"
    DATABASE = "database"
    TABLE = "table"
    BROKER = "broker"
    TOPIC = "topic"
    ENDPOINT = "endpoint"
    OPERATION = "operation"
    EXTERNAL = "external"
    CONTEXT = "context"
    PLATFORM = "platform"
    CREDENTIAL = "credential"
    CLIENT = "client"  # a load generator or test runner: drives the system, no rule counts it


class EdgeKind(StrEnum):
    CALLS = "calls"
    PUBLISHES = "publishes"
    CONSUMES = "consumes"
    CONNECTS = "connects"
    READS = "reads"
    WRITES = "writes"
    OWNS = "owns"
    CONTAINS = "contains"
    DEPENDS_ON = "depends_on"
    COMPENSATES = "compensates"
    PART_OF = "part_of"
    CONFIGURED_BY = "configured_by"
    REGISTERS_WITH = "registers_with"
    ROUTES_TO = "routes_to"
    REPORTS_TO = "reports_to"


def node_id(kind: NodeKind, *parts: str) -> str:
    """Canonical node id: ``kind:part1/part2/...``.

    >>> node_id(NodeKind.TABLE, "orders-db", "orders", "public.orders")
    'table:orders-db/orders/public.orders'
    """
    return f"{kind.value}:" + "/".join(parts)


def kind_of(nid: str) -> NodeKind:
    """The node kind encoded in a canonical id."""
    return NodeKind(nid.split(":", 1)[0])


@dataclass(frozen=True, slots=True)
class Node:
    """A node as seen from outside the graph (a snapshot; the graph owns the live data)."""

    id: str
    kind: NodeKind
    name: str
    attrs: Attrs
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class Edge:
    """A directed, typed edge snapshot. ``key`` tells parallel edges of one kind apart."""

    source: str
    target: str
    kind: EdgeKind
    attrs: Attrs
    evidence: tuple[Evidence, ...]
    key: str = ""


def _merge_attrs(into: dict[str, AttrValue], new: Attrs) -> None:
    for name, value in new.items():
        if value is None:
            continue
        old = into.get(name)
        if old is None:
            into[name] = value
        elif isinstance(old, tuple) and isinstance(value, tuple):
            into[name] = tuple(sorted(set(old) | set(value)))
        elif isinstance(old, int) and isinstance(value, int) and name.endswith("count"):
            into[name] = old + value


def _adjacent(
    index: dict[str, dict[EdgeKind, dict[tuple[str, str], dict[str, Any]]]], nid: str, kind: EdgeKind | None
) -> Iterable[tuple[tuple[str, str], dict[str, Any]]]:
    """((other end, key), data) of a node's edges of one kind (every kind for None)."""
    by_kind = index.get(nid)
    if not by_kind:
        return ()
    if kind is None:
        return [item for edges in by_kind.values() for item in edges.items()]
    return by_kind.get(kind, {}).items()


class ArchGraph:
    """Typed nodes and edges with evidence, indexed by kind and by endpoint for fast joins.

    >>> g = ArchGraph()
    >>> s = g.add_node(NodeKind.SERVICE, "orders")
    >>> g.node(s).name
    'orders'
    """

    def __init__(self) -> None:
        self._by_kind: dict[NodeKind, set[str]] = defaultdict(set)
        # kind -> (source, target, key) -> the edge's data dict
        self._edges_by_kind: dict[EdgeKind, dict[tuple[str, str, str], dict[str, Any]]] = defaultdict(dict)
        # the same data dicts by node: id -> node data, source -> kind -> (target, key) -> edge data,
        # target -> kind -> (source, key) -> edge data. (networkx is not needed to hold the graph: it
        # was a second copy of these dicts, and importing it was most of an empty scan's start-up.)
        self._nodes: dict[str, dict[str, Any]] = {}
        self._out: dict[str, dict[EdgeKind, dict[tuple[str, str], dict[str, Any]]]] = {}
        self._in: dict[str, dict[EdgeKind, dict[tuple[str, str], dict[str, Any]]]] = {}

    # -- building -------------------------------------------------------------------------
    def add_node(
        self,
        kind: NodeKind,
        *parts: str,
        name: str | None = None,
        attrs: Attrs | None = None,
        evidence: Iterable[Evidence] = (),
    ) -> str:
        """Add or merge a node; returns its canonical id. ``parts`` default to ``(name,)``."""
        if not parts:
            if name is None:
                raise ValueError("add_node needs id parts or a name")
            parts = (name,)
        nid = node_id(kind, *parts)
        data = self._nodes.get(nid)
        if data is None:
            data = self._nodes[nid] = {
                "kind": kind,
                "name": name or parts[-1],
                "attrs": {},
                "evidence": set(),
            }
            self._by_kind[kind].add(nid)
        if attrs:
            _merge_attrs(data["attrs"], attrs)
        data["evidence"].update(evidence)
        return nid

    def add_edge(
        self,
        kind: EdgeKind,
        source: str,
        target: str,
        *,
        key: str = "",
        attrs: Attrs | None = None,
        evidence: Iterable[Evidence] = (),
    ) -> None:
        """Add or merge an edge between two existing nodes."""
        for nid in (source, target):
            if nid not in self._nodes:
                raise KeyError(f"edge endpoint {nid!r} is not a node")
        ekey = f"{kind.value}|{key}"
        out = self._out.setdefault(source, {}).setdefault(kind, {})
        data = out.get((target, ekey))
        if data is None:
            data = {"kind": kind, "attrs": {}, "evidence": set(), "key_": key}
            self._edges_by_kind[kind][(source, target, ekey)] = data
            out[(target, ekey)] = data
            self._in.setdefault(target, {}).setdefault(kind, {})[(source, ekey)] = data
        if attrs:
            _merge_attrs(data["attrs"], attrs)
        data["evidence"].update(evidence)

    def update_node(self, nid: str, *, attrs: Attrs | None = None, evidence: Iterable[Evidence] = ()) -> None:
        """Merge attributes and evidence into an existing node (same merge rules as add_node)."""
        data = self._nodes[nid]
        if attrs:
            _merge_attrs(data["attrs"], attrs)
        data["evidence"].update(evidence)

    def remove_edge(self, edge: Edge) -> None:
        """Drop an edge (a placeholder superseded by a more precise one)."""
        ekey = f"{edge.kind.value}|{edge.key}"
        if self._out.get(edge.source, {}).get(edge.kind, {}).pop((edge.target, ekey), None) is not None:
            self._edges_by_kind[edge.kind].pop((edge.source, edge.target, ekey), None)
            self._in[edge.target][edge.kind].pop((edge.source, ekey), None)

    def remove_node(self, nid: str) -> None:
        """Drop a node and its edges (a placeholder nothing refers to any more)."""
        if nid not in self._nodes:
            return
        for edge in self.out_edges(nid) + self.in_edges(nid):
            self.remove_edge(edge)
        self._by_kind[self._nodes.pop(nid)["kind"]].discard(nid)
        self._out.pop(nid, None)
        self._in.pop(nid, None)

    def set_attr(self, nid: str, name: str, value: AttrValue) -> None:
        """Set (overwrite) one node attribute; used by enrichment passes."""
        self._nodes[nid]["attrs"][name] = value

    def set_edge_attr(self, edge: Edge, name: str, value: AttrValue) -> None:
        ekey = f"{edge.kind.value}|{edge.key}"
        self._out[edge.source][edge.kind][(edge.target, ekey)]["attrs"][name] = value

    # -- reading --------------------------------------------------------------------------
    def __contains__(self, nid: object) -> bool:
        try:
            return nid in self._nodes
        except TypeError:  # unhashable: no node id
            return False

    def __len__(self) -> int:
        return len(self._nodes)

    def node_kind(self, nid: str) -> NodeKind:
        """A node's kind, without the snapshot :meth:`node` makes (its evidence sorted)."""
        kind: NodeKind = self._nodes[nid]["kind"]
        return kind

    def node_name(self, nid: str) -> str:
        """A node's name, without the snapshot :meth:`node` makes."""
        name: str = self._nodes[nid]["name"]
        return name

    def node_attrs(self, nid: str) -> Attrs:
        """A node's attributes (read-only), without the snapshot :meth:`node` makes."""
        return MappingProxyType(self._nodes[nid]["attrs"])

    def node(self, nid: str) -> Node:
        data = self._nodes[nid]
        return Node(
            nid,
            data["kind"],
            data["name"],
            MappingProxyType(data["attrs"]),
            tuple(sorted(data["evidence"], key=lambda e: e.rank)),
        )

    def nodes(self, kind: NodeKind | None = None) -> Iterator[Node]:
        """Nodes in id order, optionally of one kind."""
        ids = self._by_kind.get(kind, set()) if kind is not None else self._nodes
        for nid in sorted(ids):
            yield self.node(nid)

    def node_ids(self, kind: NodeKind) -> frozenset[str]:
        return frozenset(self._by_kind.get(kind, ()))

    @staticmethod
    def _snapshot(source: str, target: str, data: dict[str, Any]) -> Edge:
        return Edge(
            source,
            target,
            data["kind"],
            MappingProxyType(data["attrs"]),
            tuple(sorted(data["evidence"], key=lambda e: e.rank)),
            data["key_"],
        )

    def edges(self, kind: EdgeKind | None = None) -> Iterator[Edge]:
        """Edges in (source, target, key) order, optionally of one kind."""
        kinds: dict[tuple[str, str, str], EdgeKind] = {
            triple: of_kind
            for of_kind, by_key in self._edges_by_kind.items()
            if kind is None or of_kind == kind
            for triple in by_key
        }
        for triple in sorted(kinds):
            yield self._snapshot(triple[0], triple[1], self._edges_by_kind[kinds[triple]][triple])

    def raw_nodes(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(id, data)`` of every node in id order, without snapshots: for indexes that copy
        everything once (the rule engine). ``data`` must not be modified."""
        for nid in sorted(self._nodes):
            yield nid, self._nodes[nid]

    def raw_edges(self, kind: EdgeKind) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """``(source, target, data)`` of one kind in sorted order, without snapshots: for indexes
        that copy everything once (the rule engine). ``data`` must not be modified."""
        by_key = self._edges_by_kind.get(kind, {})
        for triple in sorted(by_key):
            yield triple[0], triple[1], by_key[triple]

    def out_edges(self, nid: str, kind: EdgeKind | None = None) -> list[Edge]:
        result = [self._snapshot(nid, v, d) for (v, _), d in _adjacent(self._out, nid, kind)]
        return sorted(result, key=lambda e: (e.target, e.kind, e.key))

    def in_edges(self, nid: str, kind: EdgeKind | None = None) -> list[Edge]:
        result = [self._snapshot(u, nid, d) for (u, _), d in _adjacent(self._in, nid, kind)]
        return sorted(result, key=lambda e: (e.source, e.kind, e.key))

    def successors(self, nid: str, kind: EdgeKind) -> list[str]:
        return sorted({e.target for e in self.out_edges(nid, kind)})

    def predecessors(self, nid: str, kind: EdgeKind) -> list[str]:
        return sorted({e.source for e in self.in_edges(nid, kind)})

    def edge_pairs(self, kind: EdgeKind) -> frozenset[tuple[str, str]]:
        """The (source, target) pairs of one edge kind: the index rules join over."""
        return frozenset((u, v) for u, v, _ in self._edges_by_kind.get(kind, ()))

    def parent(self, nid: str) -> str | None:
        """The container of a node along ``contains`` edges (datastore of a database, ...)."""
        parents = self.predecessors(nid, EdgeKind.CONTAINS)
        return parents[0] if parents else None
