"""Services and clients into the graph: the inventory's units first, then the deployments'
declarations, so that every name a unit goes by lands on its one node.

Embedded databases (H2, HSQLDB, Derby, SQLite on a service's runtime classpath) are in-process
datastores of their service, named ``<service>-<engine>`` with ``embedded: true``: they hold the
tables of a service whose data has no other home. A service whose tables have no home at all says
so once, in a diagnostic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from analyzer.extract.facts import ServiceDecl
from analyzer.extract.images import repository
from analyzer.model import EdgeKind, Evidence, Location, NodeKind, SourceKind
from analyzer.resolve.inventory import BuiltStore, Unit
from analyzer.resolve.names import normalise

if TYPE_CHECKING:
    from analyzer.resolve.build import Resolver


def index_stores(
    r: Resolver, stores: Sequence[BuiltStore], aliases: Sequence[tuple[str, tuple[str, ...]]] = ()
) -> None:
    """Datastores built from this repository's Dockerfiles: known before any declaration, so
    that a workload running one is not taken for a service. ``aliases``: other names of one
    datastore container in other descriptors."""
    for name, others in aliases:
        canonical = r.stores.lookup(name) or normalise(name)
        r.stores.add(canonical, *others)
        r.built_stores.add(canonical)
    for store in stores:
        canonical = r.declare_store(store.name, store.technology, store.role)
        r.built_stores.add(canonical)
        r.store_node(
            canonical,
            evidence=[
                Evidence(
                    SourceKind.COMPOSE, Location(store.path, store.line), f"FROM {store.technology} image"
                )
            ],
        )


def index_units(r: Resolver, units: Sequence[Unit]) -> None:
    """Register every unit's name and aliases (before any fact refers to them)."""
    for svc in r.config.services:
        r.services.add(svc.name, *svc.aliases)
    for unit in units:  # primary names first: an alias never takes another unit's name
        r.services.add(r.services.lookup(unit.name) or normalise(unit.name))
    for unit in units:
        canonical = r.services.lookup(unit.name) or normalise(unit.name)
        r.services.add(canonical, *unit.aliases)
        for name in (unit.name, *unit.aliases):
            r.units_by_name.setdefault(name.lower(), canonical)
        if unit.kind == "client":
            r.clients.add(canonical)
        if unit.embedded:
            r.embedded[canonical] = unit.embedded
        for engine, database, path, line in unit.embedded_urls:
            _embedded_database(
                r, canonical, engine, database, Evidence(SourceKind.CONFIG, Location(path, line))
            )
        for port in unit.ports:
            r.ports.setdefault(port, set()).add(canonical)


def index_declarations(r: Resolver, decls: Sequence[ServiceDecl]) -> None:
    for fact in decls:
        store = r.stores.lookup(fact.name)
        # NOTE: a declaration with neither image nor build refines a container declared elsewhere
        # (`orders-db: {ports: []}` in an override): when that is a datastore, it stays one.
        refines = not fact.image and not fact.root and fact.evidence.source != SourceKind.TRACE
        if store is not None and (
            fact.evidence.source == SourceKind.TRACE or store in r.built_stores or refines
        ):
            continue
        canonical = r.services.lookup(fact.name) or _unit_running(r, fact.image) or normalise(fact.name)
        r.services.add(canonical, fact.name, *fact.aliases)


def _unit_running(r: Resolver, image: str) -> str | None:
    """The inventory's unit a deployment the inventory did not read (a rendered Helm chart, an
    AppHost) runs: the one whose name or alias is its image repository's last part
    (``anilallewar/basic-comments-webservice`` → the unit whose jar is that name)."""
    if not image or "{{" in image or "$" in image:
        return None
    last = repository(image).rsplit("/", 1)[-1]
    return r.units_by_name.get(last.lower()) if last else None


def add_unit_nodes(r: Resolver, units: Sequence[Unit]) -> None:
    for unit in units:
        r.graph.add_node(
            NodeKind.CLIENT if unit.kind == "client" else NodeKind.SERVICE,
            r.service_name(unit.name),
            attrs={
                "root": unit.root if unit.root or unit.evidence_path else None,
                "declared": True,
                "aliases": tuple(sorted({normalise(a) for a in unit.aliases})) or None,
            },
        )
    for svc in r.config.services:
        r.graph.add_node(
            NodeKind.SERVICE,
            r.service_name(svc.name),
            attrs={"declared": True, "aliases": tuple(svc.aliases)},
        )


def add_declared_nodes(r: Resolver, decls: Sequence[ServiceDecl]) -> None:
    for fact in decls:
        if r.stores.lookup(fact.name) is not None and r.services.lookup(fact.name) is None:
            continue
        is_trace = fact.evidence.source == SourceKind.TRACE
        nid = r.service_node(fact.name, [fact.evidence])
        r.graph.update_node(
            nid,
            attrs={
                "root": fact.root or None,
                "image": fact.image or None,
                "aliases": tuple(sorted({normalise(a) for a in fact.aliases})) or None,
                "declared": (not is_trace) or None,
                "observed": is_trace or None,
            },
        )


def _embedded_store(r: Resolver, service: str, engine: str) -> str:
    name = f"{service}-{engine}"
    if r.stores.lookup(name) is None:
        r.declare_store(name, engine, "datastore")
        r.graph.add_node(NodeKind.DATASTORE, name, attrs={"technology": engine, "embedded": True})
    return name


def _embedded_database(r: Resolver, service: str, engine: str, database: str, evidence: Evidence) -> None:
    """A service's configuration opens an in-process database (``jdbc:h2:mem:devDb``): its
    embedded datastore, that database, and the service's connection to it."""
    store = _embedded_store(r, service, engine)
    store_id = r.graph.add_node(NodeKind.DATASTORE, store, evidence=[evidence])
    db_id = r.graph.add_node(
        NodeKind.DATABASE,
        store,
        database,
        name=database,
        attrs={"datastore": store, "database": database, "technology": engine},
    )
    r.graph.add_edge(EdgeKind.CONTAINS, store_id, db_id)
    service_id = r.graph.add_node(NodeKind.CLIENT if service in r.clients else NodeKind.SERVICE, service)
    r.graph.add_edge(EdgeKind.CONNECTS, service_id, db_id, attrs={"embedded": True}, evidence=[evidence])
    r.service_dbs[service].add(db_id)


def home_for_tables(r: Resolver, service: str) -> str:
    """The datastore of a service whose tables have no known database: its embedded engine,
    or a per-service placeholder (said once in a diagnostic)."""
    engines = r.embedded.get(service, ())
    if engines:
        return _embedded_store(r, service, engines[0])
    return f"unresolved@{service or 'repo'}"


def service_on_local_port(r: Resolver, address: str, acting: str) -> str | None:
    """The one other in-repository service listening on the port of a ``localhost:PORT``
    address (its ``server.port`` or published port), or None: then it stays a development
    default.

    In a developer's setup every service runs on the same machine, so ``localhost:8081`` in the
    orders service's configuration is the service whose ``server.port`` is 8081.
    """
    candidate = address.strip()
    if "://" not in candidate:
        candidate = "tcp://" + candidate
    try:
        port = urlsplit(candidate).port
    except ValueError:
        return None
    if port is None:
        return None
    listeners = r.ports.get(port, set()) - {r.service_name(acting)}
    return next(iter(listeners)) if len(listeners) == 1 else None
