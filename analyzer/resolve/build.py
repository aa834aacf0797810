"""Build the architecture graph from facts: the one place identities are resolved.

Order matters: declarations first (services, datastores, brokers, aliases), then everything
that refers to them (connections, calls, tables, messages, markers, operations).
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from analyzer.config import Config
from analyzer.extract.facts import (
    Call,
    Connection,
    ConnectionInfo,
    Credential,
    DatastoreDecl,
    DependsOn,
    EnvVar,
    Fact,
    Marker,
    Message,
    Migration,
    Operation,
    PlatformDecl,
    PlatformLink,
    ServiceDecl,
    Setting,
    TableAccess,
    Value,
)
from analyzer.extract.testsource import is_test_source
from analyzer.extract.values import slots, template_of
from analyzer.model import (
    ArchGraph,
    Diagnostic,
    DiagnosticLevel,
    EdgeKind,
    Evidence,
    NodeKind,
    SourceKind,
    node_id,
)
from analyzer.model.graph import AttrValue
from analyzer.model.vocabulary import BROKER_TECHNOLOGIES, RELATIONAL_TECHNOLOGIES
from analyzer.resolve.carried import Resolved, carried, resolve
from analyzer.resolve.configjoin import ConfigJoin
from analyzer.resolve.connections import prefer_named_databases
from analyzer.resolve.credentials import CredentialUse, add_credential_nodes
from analyzer.resolve.declare import (
    add_declared_nodes,
    add_unit_nodes,
    home_for_tables,
    index_declarations,
    index_stores,
    index_units,
    service_on_local_port,
)
from analyzer.resolve.inventory import BuiltStore, Unit
from analyzer.resolve.names import LOCAL_HOSTS, NameIndex, host_key, managed_technology, normalise
from analyzer.resolve.platform import apply_platform

DEFAULT_DATABASE = "(default)"
DEFAULT_SCHEMA = {"postgresql": "public", "cockroachdb": "public", "sqlserver": "dbo"}
DESTRUCTIVE_CHANGES = frozenset(
    {
        "drop_table",
        "drop_column",
        "rename_table",
        "rename_column",
        "narrow_type",
        "add_not_null_without_default",
    }
)
PORT_TECHNOLOGY = {
    5432: "postgresql",
    3306: "mysql",
    1433: "sqlserver",
    1521: "oracle",
    27017: "mongodb",
    6379: "redis",
    11211: "memcached",
    9042: "cassandra",
    7687: "neo4j",
    9200: "elasticsearch",
    5984: "couchdb",
    26257: "cockroachdb",
    9092: "kafka",
    5672: "rabbitmq",
    4222: "nats",
    6650: "pulsar",
    61616: "activemq",
}


@dataclass(slots=True)
class Resolver:
    """Holds the name indexes while one graph is built."""

    config: Config
    graph: ArchGraph = field(default_factory=ArchGraph)
    services: NameIndex = field(default_factory=NameIndex)
    stores: NameIndex = field(default_factory=NameIndex)
    store_tech: dict[str, str] = field(default_factory=dict)
    store_role: dict[str, str] = field(default_factory=dict)
    store_dbs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    env: dict[str, dict[str, EnvVar]] = field(default_factory=lambda: defaultdict(dict))
    service_dbs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    owned_tables: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # bare name -> ids
    grpc_services: dict[str, str] = field(default_factory=dict)  # proto service short name -> service
    clients: set[str] = field(default_factory=set)  # load generators and test runners
    embedded: dict[str, tuple[str, ...]] = field(default_factory=dict)  # service -> in-process engines
    ports: dict[int, set[str]] = field(default_factory=dict)  # listening port -> services
    unresolved_said: set[str] = field(default_factory=set)
    built_stores: set[str] = field(default_factory=set)  # datastores the inventory identified
    units_by_name: dict[str, str] = field(default_factory=dict)  # any unit name -> canonical
    diagnostics: list[Diagnostic] = field(default_factory=list)
    credentials: list[CredentialUse] = field(default_factory=list)
    # literal passwords in connections that are not deployed (a development default on localhost,
    # a file value the environment replaces): (service, evidence)
    local_credentials: list[tuple[str, Evidence]] = field(default_factory=list)
    join: ConfigJoin | None = None  # configuration joins (resolve/configjoin), after declarations
    test_calls: list[Call] = field(default_factory=list)  # calls in tests, attached to existing calls
    aliases: dict[str, str] = field(init=False)  # the config's aliases, other name -> canonical
    # service_name's answers for the services index at one version (asked several times per fact)
    _names: dict[str, str] = field(default_factory=dict)
    _names_version: int = -1

    def __post_init__(self) -> None:
        self.aliases = dict(self.config.aliases)

    # -- identities ---------------------------------------------------------------------
    def service_name(self, name: str) -> str:
        if self._names_version != self.services.version:
            self._names.clear()
            self._names_version = self.services.version
        found = self._names.get(name)
        if found is None:
            found = self._names[name] = self._service_name(name)
        return found

    def _service_name(self, name: str) -> str:
        aliased = self.aliases.get(name) or self.aliases.get(normalise(name))
        if aliased:
            name = aliased
        found = self.services.lookup(name)
        return found if found is not None else normalise(name)

    def service_node(self, name: str, evidence: Iterable[Evidence] = ()) -> str:
        canonical = self.service_name(name)
        if self.stores.lookup(canonical) is not None and self.services.lookup(canonical) is None:
            return self.store_node(self.stores.lookup(canonical) or canonical, evidence=evidence)
        kind = NodeKind.CLIENT if canonical in self.clients else NodeKind.SERVICE
        return self.graph.add_node(kind, canonical, evidence=evidence)

    def store_node(self, name: str, evidence: Iterable[Evidence] = ()) -> str:
        role = self.store_role.get(name, "datastore")
        kind = NodeKind.BROKER if role == "broker" else NodeKind.DATASTORE
        attrs: dict[str, AttrValue] = {"technology": self.store_tech.get(name) or None}
        if kind == NodeKind.DATASTORE and attrs["technology"]:
            attrs["relational"] = attrs["technology"] in RELATIONAL_TECHNOLOGIES
        return self.graph.add_node(kind, name, attrs=attrs, evidence=evidence)

    def declare_store(self, name: str, technology: str, role: str, aliases: Sequence[str] = ()) -> str:
        canonical = self.stores.lookup(name) or normalise(name)
        self.stores.add(canonical, name, *aliases)
        if technology and not self.store_tech.get(canonical):
            self.store_tech[canonical] = technology
        if role == "broker" or technology in BROKER_TECHNOLOGIES:
            self.store_role[canonical] = "broker"
        return canonical

    def resolve_host(self, host: str, acting_service: str, technology: str = "") -> tuple[str, str]:
        """('service'|'store'|'external', canonical name) for a host seen from ``acting_service``."""
        key = host_key(host)
        if key in LOCAL_HOSTS or host.lower() in LOCAL_HOSTS:
            # NOTE: localhost means "my own machine": two services' localhost databases are not shared.
            return "store", f"localhost@{acting_service or 'repo'}"
        if key not in self.stores.canonical and key in self.services.canonical:
            # A name written exactly wins over one matched only after stripping a suffix
            # (``basket-api`` is the service, not the ``basketdata`` store).
            return "service", self.services.canonical[key]
        store = self.stores.lookup(host)
        if store is not None:
            return "store", store
        service = self.services.lookup(host)
        if service is not None:
            return "service", service
        managed = managed_technology(host)
        if managed is not None:
            return "store", key
        if technology:
            return "store", key
        return "external", key

    # -- values -------------------------------------------------------------------------
    def resolve_value(self, service: str, value: Value) -> tuple[str, str]:
        """(text, origin) of a value for the service, its slots filled (see :meth:`resolve_template`)."""
        resolved = self.resolve_template(service, value)
        return resolved.text, resolved.origin

    def resolve_template(self, service: str, value: Value) -> Resolved:
        """A value's slots filled with what the repository sets for the service: deployed values
        over development defaults, every place kept, and why a slot stays empty
        (:mod:`analyzer.resolve.configjoin`)."""
        if self.join is None:
            self.join = ConfigJoin(self.service_name)
        return resolve(self.join, service, value)


def _url_host(text: str) -> tuple[str, str, str]:
    """(host, path, scheme) of a URL or bare host[:port][/path]."""
    candidate = text.strip()
    if "://" not in candidate:
        candidate = "http://" + candidate
    try:
        parts = urlsplit(candidate)
        host = parts.hostname or ""
    except ValueError:
        return "", "", ""
    return host, parts.path or "", parts.scheme


def _table_parts(table: str, technology: str) -> tuple[str, str]:
    """(schema, table) with the technology's default schema filled in for unqualified names."""
    cleaned = table.strip().strip('"`[]').lower()
    pieces = [p.strip('"`[]') for p in cleaned.split(".") if p]
    if len(pieces) >= 2:
        return pieces[-2], pieces[-1]
    return DEFAULT_SCHEMA.get(technology, ""), pieces[0] if pieces else cleaned


def build_graph(
    facts: Sequence[Fact],
    config: Config,
    units: Sequence[Unit] | dict[str, str] = (),
    stores: Sequence[BuiltStore] = (),
    store_aliases: Sequence[tuple[str, tuple[str, ...]]] = (),
) -> tuple[ArchGraph, list[Diagnostic]]:
    """Resolve facts into one graph. ``units`` is the inventory (or a folder → name mapping),
    ``stores`` the datastores it found built from this repository's Dockerfiles."""
    if isinstance(units, dict):
        units = [Unit(name, folder) for folder, name in sorted(units.items())]
    r = Resolver(config)
    ordered = sorted(facts, key=lambda f: (type(f).__name__, f.evidence.rank))
    by_type: dict[type, list[Fact]] = defaultdict(list)
    for fact in ordered:
        by_type[type(fact)].append(fact)

    # 1. declarations
    declarations = [f for f in by_type[ServiceDecl] if isinstance(f, ServiceDecl)]
    index_units(r, units)
    index_stores(r, stores, store_aliases)
    for fact in by_type[DatastoreDecl]:
        assert isinstance(fact, DatastoreDecl)
        canonical = r.declare_store(fact.name, fact.technology, fact.role, fact.aliases)
        if fact.databases:
            r.store_dbs[canonical] = tuple(sorted(set(r.store_dbs.get(canonical, ())) | set(fact.databases)))
    index_declarations(r, declarations)
    for other, canonical in config.aliases:
        if r.stores.lookup(canonical) is not None:
            r.stores.add(r.stores.lookup(canonical) or canonical, other)
        else:
            r.services.add(r.services.lookup(canonical) or canonical, other)

    g = r.graph
    add_unit_nodes(r, units)
    for fact in by_type[DatastoreDecl]:
        assert isinstance(fact, DatastoreDecl)
        name = r.stores.lookup(fact.name) or normalise(fact.name)
        nid = r.store_node(name, evidence=[fact.evidence])
        attrs: dict[str, object] = {
            "image": fact.image or None,
            "persistent": fact.persistent,
            "healthcheck": fact.healthcheck,
            "declared": fact.evidence.source != SourceKind.TRACE or None,
            "observed": fact.evidence.source == SourceKind.TRACE or None,
        }
        for key, value in attrs.items():
            if value is not None and g.node_attrs(nid).get(key) in (None, False):
                g.set_attr(nid, key, value)  # type: ignore[arg-type]
        for database in fact.databases:
            _database_node(r, name, database, [fact.evidence])
    add_declared_nodes(r, declarations)

    # 2. environment and configuration, for resolving values read in code
    for fact in by_type[EnvVar]:
        assert isinstance(fact, EnvVar)
        r.env[r.service_name(fact.service)].setdefault(fact.name, fact)
    r.join = ConfigJoin(r.service_name, lambda service: active_profiles(r, service))
    for fact in by_type[EnvVar]:
        assert isinstance(fact, EnvVar)
        r.join.add_env(fact)
    for fact in by_type[Setting]:
        assert isinstance(fact, Setting)
        r.join.add_setting(fact)

    # gRPC services the system declares (.proto files), for stubs whose target is not written down
    for fact in by_type[Marker]:
        assert isinstance(fact, Marker)
        if fact.key == "grpc_service" and fact.subject:
            r.grpc_services.setdefault(fact.value.rsplit(".", 1)[-1], r.service_name(fact.subject))

    # 3. connections and calls (configuration of inactive profiles is not deployed)
    for fact in by_type[Connection]:
        assert isinstance(fact, Connection)
        if not profile_active(r, fact.service, fact.evidence.profile):
            continue
        if not overridden_by_env(r, fact.service, fact.evidence):
            _connect(r, fact)
        elif fact.info.password == "literal" and fact.evidence.source != SourceKind.CODE:
            # replaced at deploy time, yet the password written in the file is committed all the same
            r.local_credentials.append((fact.service, fact.evidence))
    for fact in by_type[Call]:
        assert isinstance(fact, Call)
        if fact.evidence.source == SourceKind.CODE:
            for read in slots(template_of(fact.target)):
                if read.origin in ("env", "config"):
                    r.join.note_read(fact.service, read)
    r.join.note_settings_read()
    for fact in by_type[Call]:
        assert isinstance(fact, Call)
        if profile_active(r, fact.service, fact.evidence.profile) and not overridden_by_env(
            r, fact.service, fact.evidence
        ):
            _call(r, fact)
    for fact in r.test_calls:
        _call(r, fact, attach_only=True)
    for service_id, database_id in prefer_named_databases(r.graph):
        r.service_dbs[service_id.split(":", 1)[1]].discard(database_id)
    for fact in by_type[DependsOn]:
        assert isinstance(fact, DependsOn)
        src = r.service_node(fact.service)
        kind, name = r.resolve_host(fact.target, fact.service)
        target = r.store_node(name) if kind == "store" else r.service_node(name)
        if target != src:
            g.add_edge(EdgeKind.DEPENDS_ON, src, target, evidence=[fact.evidence])

    # 4. tables: ownership first so reads can find the owner's table
    tables = [f for f in by_type[TableAccess] if isinstance(f, TableAccess)]
    for fact in sorted(tables, key=lambda f: (f.action != "owns", f.evidence.rank)):
        _table(r, fact)
    for fact in by_type[Migration]:
        assert isinstance(fact, Migration)
        _migration(r, fact)

    # 5. messaging, credentials, markers, operations
    for fact in by_type[Marker]:
        assert isinstance(fact, Marker)
        if fact.key in ("messaging_client", "database_client"):
            _client_library(r, fact)
    for fact in by_type[Message]:
        assert isinstance(fact, Message)
        _message(r, fact)
    for fact in by_type[Credential]:
        assert isinstance(fact, Credential)
        _credential(r, fact.owner, fact.key, fact.evidence)
    written = {(u.owner, u.evidence.location.path) for u in r.credentials}
    for service, evidence in r.local_credentials:
        if (_owner_node(r, service), evidence.location.path) not in written:
            _credential(r, service, "connection string password", evidence)
    add_credential_nodes(r.graph, r.credentials)
    for fact in by_type[Marker]:
        assert isinstance(fact, Marker)
        _marker(r, fact)
    operations = [f for f in by_type[Operation] if isinstance(f, Operation)]
    summaries = {(r.service_name(f.service), f.name): f for f in operations if f.internal}
    for fact in operations:
        if not fact.internal:
            _operation(r, _with_delegates(r, fact, summaries))
    decls = [f for f in by_type[PlatformDecl] if isinstance(f, PlatformDecl)]
    links = [f for f in by_type[PlatformLink] if isinstance(f, PlatformLink)]
    links = [f for f in links if profile_active(r, f.service, f.evidence.profile)]
    return apply_platform(r, decls, links), r.diagnostics


PROFILE_VARIABLES = ("SPRING_PROFILES_ACTIVE", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT")


def active_profiles(r: Resolver, service: str) -> tuple[str, ...] | None:
    """The deployed profiles of a service: from the config's ``profiles``, else from the
    service's deployment env (``SPRING_PROFILES_ACTIVE``...); ``None`` when nobody says."""
    if r.config.profiles:
        return r.config.profiles
    env = r.env.get(r.service_name(service), {})
    for variable in PROFILE_VARIABLES:
        fact = env.get(variable)
        if fact is not None and fact.value and "${" not in fact.value:
            return tuple(p.strip().lower() for p in re.split(r"[,\s]+", fact.value) if p.strip())
    return None


def overridden_by_env(r: Resolver, service: str, evidence: Evidence) -> bool:
    """Whether a setting from a config file is replaced at deploy time by the service's
    environment: Spring's relaxed binding (``spring.datasource.url`` <- ``SPRING_DATASOURCE_URL``)
    or the variable its placeholder names (detail ``key ${VAR}``). The deployment's own
    connection fact then speaks for it; the file's value is a development default."""
    if evidence.source not in (SourceKind.CONFIG, SourceKind.CODE) or not evidence.detail:
        return False
    env = r.env.get(r.service_name(service), {})
    if not env:
        return False
    key, _, placeholder = evidence.detail.partition(" ")
    names: set[str] = set()
    if evidence.source == SourceKind.CONFIG:
        names = {
            key,
            re.sub(r"[.\[\]]", "_", key).replace("-", "").upper(),
            re.sub(r"[.\-\[\]]", "_", key).upper(),
        }
    if placeholder.startswith("${"):
        names.add(placeholder[2:-1])
    present = {n.upper(): fact for n, fact in env.items() if fact.value}
    return any(name.upper() in present for name in names)


def profile_active(r: Resolver, service: str, profile: str) -> bool:
    """Whether configuration written for ``profile`` applies to ``service``. Compose file sets
    (``docker-compose-x.yaml``) are not Spring profiles and always apply; so does everything when
    no active profile is known (all profiles are reported, each marked on its evidence)."""
    if not profile or profile.endswith((".yml", ".yaml")):
        return True
    active = active_profiles(r, service)
    if active is None:
        return True
    for expression in profile.split(","):
        expression = expression.strip().lower()
        negated = expression.startswith("!")
        name = expression.lstrip("!")
        if (name in active) != negated:
            return True
    return False


def _database_node(r: Resolver, store: str, database: str, evidence: Sequence[Evidence]) -> str:
    store_id = r.store_node(store, evidence=())
    tech = r.store_tech.get(store, "")
    db_id = r.graph.add_node(
        NodeKind.DATABASE,
        store,
        database,
        name=database,
        attrs={"datastore": store, "database": database, "technology": tech or None},
        evidence=evidence,
    )
    r.graph.add_edge(EdgeKind.CONTAINS, store_id, db_id)
    return db_id


def _connect(
    r: Resolver,
    fact: Connection,
    recognised_by: str = "",
    joined: tuple[Evidence, ...] = (),
    extra: dict[str, AttrValue] | None = None,
) -> None:
    """A connection to the store its host names. ``recognised_by`` says how (a connection string
    in code, a client API's settings, configuration); ``joined`` are the places that set the
    configuration the value was built from."""
    if is_test_source(fact.evidence.location.path) and not r.config.include_tests:
        return  # a test resource's datasource is a test container, not the deployed database
    if not recognised_by:
        recognised_by = "client api" if fact.evidence.source == SourceKind.CODE else str(fact.evidence.source)
    info = fact.info
    service_id = r.service_node(fact.service)
    technology = info.technology
    hosts = info.hosts or ("",)
    for host in hosts:
        if not host:
            continue
        local = host in LOCAL_HOSTS and fact.evidence.source in (SourceKind.CONFIG, SourceKind.CODE)
        if (
            local
            and info.port
            and (listener := service_on_local_port(r, f"{host}:{info.port}", fact.service))
        ):
            host = listener  # the one in-repository service listening on that port
        elif local:
            # A localhost address in code or a config file is a developer default: inside a
            # deployed container it reaches nothing. Manifests (sidecars) still count.
            r.diagnostics.append(
                Diagnostic(
                    fact.evidence.location.path,
                    fact.evidence.location.line,
                    DiagnosticLevel.INFO,
                    f"connection to {host} ignored: a development default, not a deployed dependency",
                )
            )
            # ... but a password written into it is committed all the same (unless the file names
            # it under a key of its own, reported there: spring.datasource.password)
            if info.password == "literal" and fact.evidence.source != SourceKind.CODE:
                r.local_credentials.append((fact.service, fact.evidence))
            return
        kind, name = r.resolve_host(host, r.service_name(fact.service), technology or "db")
        if kind == "service":
            # A "connection" to a host that is an application service is really a call.
            target = r.service_node(name)
            if target != service_id:
                r.graph.add_edge(
                    EdgeKind.CALLS,
                    service_id,
                    target,
                    attrs={
                        "protocol": info.raw_scheme or "tcp",
                        "recognised_by": (recognised_by,),
                        **(extra or {}),
                    },
                    evidence=[fact.evidence, *joined],
                )
            continue
        if not r.store_tech.get(name):
            guessed = technology or managed_technology(host) or PORT_TECHNOLOGY.get(info.port or 0, "")
            r.declare_store(name, guessed, "broker" if guessed in BROKER_TECHNOLOGIES else "datastore")
            if managed_technology(host) is not None:
                r.graph.add_node(NodeKind.DATASTORE, name, attrs={"managed": True})
        _link_store(
            r,
            fact.service,
            service_id,
            name,
            info,
            fact.evidence,
            fact.host_origin,
            recognised_by,
            joined,
            extra,
        )
        break  # host lists (replica sets, bootstrap lists) name one logical store


def _link_store(
    r: Resolver,
    service: str,
    service_id: str,
    store: str,
    info: ConnectionInfo,
    evidence: Evidence,
    origin: str,
    recognised_by: str = "",
    joined: tuple[Evidence, ...] = (),
    extra: dict[str, AttrValue] | None = None,
) -> None:
    role = r.store_role.get(store, "datastore")
    attrs: dict[str, AttrValue] = {
        **(extra or {}),
        "recognised_by": (recognised_by,) if recognised_by else None,
        "tls": info.tls,
        "password": info.password or None,
        "user": info.user or None,
        "host_origin": (origin,),
        "profiles": (evidence.profile,) if evidence.profile else None,
    }
    if role == "broker":
        target = r.store_node(store)
    else:
        technology = r.store_tech.get(store, "") or info.technology
        database = info.database
        if not database:
            known = r.store_dbs.get(store, ())
            database = (
                known[0]
                if len(known) == 1
                else ("0" if technology in ("redis", "valkey") else DEFAULT_DATABASE)
            )
        target = _database_node(r, store, database, ())
        r.service_dbs[r.service_name(service)].add(target)
    r.graph.add_edge(EdgeKind.CONNECTS, service_id, target, attrs=attrs, evidence=[evidence, *joined])
    # NOTE: a literal in code is reported where it is written by the code credentials pass
    # (extract/source/credentials.py); the call that receives it is not a second place.
    if info.password == "literal" and evidence.source != "code":
        _credential(r, service, "connection string password", evidence)


def _unresolved(r: Resolver, fact: Call, reason: str) -> None:
    template = template_of(fact.target)
    dsn = re.match(r"^(jdbc:|[a-z][a-z0-9+.-]*://)", template) and not re.match(
        r"^(https?|grpcs?|wss?)://", template
    )
    what = "connection" if fact.protocol not in ("http", "grpc", "") or dsn else "call"
    r.diagnostics.append(
        Diagnostic(
            fact.evidence.location.path,
            fact.evidence.location.line,
            DiagnosticLevel.INFO,
            f"{what} target not resolved: {reason}; no edge drawn",
        )
    )


def _call(r: Resolver, fact: Call, attach_only: bool = False) -> None:
    """A value reaching a call in the service's code (or a configured endpoint): what the
    resolved value carries decides the edge (:mod:`analyzer.resolve.carried`). ``protocol`` is
    http/grpc for call clients, a technology (``redis``) for a client API of that technology, or
    empty when only the value says what it is. ``attach_only`` (calls in tests) adds evidence to
    a call between services the deployed code already makes and draws nothing new."""
    if not attach_only and is_test_source(fact.evidence.location.path) and not r.config.include_tests:
        # NOTE: a test's client (or test resource) reaches a stub or a test container, not the
        # deployed service: it is attached afterwards to calls that exist, never drawn on its own
        # (`include_tests: true` draws it like the rest).
        r.test_calls.append(fact)
        return
    resolved = r.resolve_template(fact.service, fact.target)
    text, origin = resolved.text, resolved.origin
    if attach_only and not text:
        return
    if not text and fact.protocol == "grpc" and fact.path in r.grpc_services:
        target = r.service_node(r.grpc_services[fact.path])
        if target != r.service_node(fact.service):
            r.graph.add_edge(
                EdgeKind.CALLS,
                r.service_node(fact.service),
                target,
                attrs={"protocol": "grpc", "paths": (fact.path,), "endpoint_origin": ("discovery",)},
                evidence=[fact.evidence],
            )
        return
    if not text:
        if fact.protocol or fact.target.origin in ("env", "config"):
            _unresolved(r, fact, resolved.reason)
        return
    hint = "" if fact.protocol in ("http", "grpc") else fact.protocol
    what = carried(text, hint)
    if what is None:
        if resolved.reason and not resolved.complete and not attach_only:
            _unresolved(r, fact, resolved.reason)  # "jdbc:postgresql://" + env(DB_HOST) with DB_HOST unset
        return
    first, joined = fact.evidence, tuple(resolved.evidence)
    read_in: dict[str, AttrValue] = {}
    if resolved.passthrough and fact.evidence.source == SourceKind.CODE:
        # The code hands on what one configured place sets: that place is the evidence (it is
        # where the value is written and changed); the code that reads it is named beside it.
        first, joined = joined[0], joined[1:]
        read_in = {"read_in": (f"{fact.evidence.location.path}:{fact.evidence.location.line}",)}
    info = what.info
    if what.kind == "connection" and info is not None:
        if attach_only:
            return
        if fact.protocol in ("http", "grpc") and info.technology in ("", "kafka"):
            what = carried(text, "")  # a bare host:port handed to an HTTP client is a host
        else:
            connection = Connection(fact.service, info, first, origin)
            _connect(r, connection, what.recognised_by, joined, read_in)
            return
    if what is None:
        return
    host, path, scheme = _url_host(text)
    if not host:
        return
    listener = ""
    if host.lower() in LOCAL_HOSTS:
        # The developer's machine: a service of the repository that listens on that port
        # (``server.port``, a published port) is the one meant; otherwise the service's own or a
        # public URL behind a port mapping, not a dependency between services.
        port = urlsplit(text if "://" in text else "http://" + text).port
        assert r.join is not None
        listener = r.join.listening_on(port, r.service_name(fact.service)) if port else ""
        listener = listener or service_on_local_port(r, text, fact.service) or ""
        if not listener:
            return
        host = listener
    service_id = r.service_node(fact.service)
    kind, name = r.resolve_host(host, r.service_name(fact.service))
    if attach_only and (
        kind != "service"
        or not any(e.target == r.service_node(name) for e in r.graph.out_edges(service_id, EdgeKind.CALLS))
    ):
        return
    if kind == "store":
        tech = r.store_tech.get(name, "")
        _link_store(
            r,
            fact.service,
            service_id,
            name,
            ConnectionInfo(technology=tech, hosts=(host,)),
            first,
            origin,
            f"{what.recognised_by} of a known {r.store_role.get(name, 'datastore')}",
            joined,
            read_in,
        )
        return
    if not fact.protocol and what.kind == "host":
        return  # a bare word reaching some call is not an address unless the system knows it
    if (
        kind == "service"
        and fact.evidence.source in (SourceKind.COMPOSE, SourceKind.K8S)
        and fact.target.origin == "env"
        and r.join is not None
        and r.join.unread(fact.service, fact.target.variable, fact.evidence)
    ):
        # A shared ConfigMap or env file hands every service every address; the service's code,
        # which reads its configuration elsewhere, never reads this one.
        r.diagnostics.append(
            Diagnostic(
                fact.evidence.location.path,
                fact.evidence.location.line,
                DiagnosticLevel.INFO,
                f"{fact.target.variable} is set for {r.service_name(fact.service)} "
                "but its code never reads it: no call drawn",
            )
        )
        return
    if kind == "service":
        target = r.service_node(name)
    else:
        target = r.graph.add_node(NodeKind.EXTERNAL, name, attrs={"host": host})
    if target == service_id:
        return
    if origin == "literal" and first.source == SourceKind.CODE and kind == "service":
        first = Evidence(first.source, first.location, "hardcoded endpoint", first.count, first.profile)
    attrs: dict[str, object] = {
        "protocol": fact.protocol or scheme or None,
        "methods": (fact.method.upper(),) if fact.method else None,
        "paths": (fact.path or path,) if (fact.path or path) else None,
        "endpoint_origin": (origin,),
        "recognised_by": (
            "localhost port of a service"
            if listener
            else what.recognised_by
            if fact.protocol in ("http", "grpc", "")
            else "client api",
        ),
        "target_value": (resolved.symbolic,) if fact.evidence.source == SourceKind.CODE else None,
        **read_in,
    }
    if first.source == SourceKind.TRACE:
        attrs.update(
            {
                "count": fact.count,
                "error_count": fact.errors,
                "latency_p50_ms": fact.latency_p50_ms,
                "latency_p95_ms": fact.latency_p95_ms,
            }
        )
    r.graph.add_edge(EdgeKind.CALLS, service_id, target, attrs=attrs, evidence=[first, *joined])  # type: ignore[arg-type]


CACHE_TECHNOLOGIES = frozenset({"redis", "valkey", "memcached"})


def _main_database(r: Resolver, service: str) -> str | None:
    """The database a service's unqualified SQL runs against.

    Preference: deployed connections (compose, k8s) over config defaults, real hosts over
    localhost fallbacks, relational over caches; ties broken by id for determinism.
    """
    service_id = node_id(NodeKind.SERVICE, service)
    candidates = []
    sources: dict[str, set[SourceKind]] | None = None  # database -> sources of the connections to it
    for db_id in r.service_dbs.get(service, ()):
        attrs = r.graph.node_attrs(db_id)
        if (attrs.get("technology") or "") in CACHE_TECHNOLOGIES:
            continue
        if sources is None:
            sources = defaultdict(set)
            for edge in r.graph.out_edges(service_id, EdgeKind.CONNECTS):
                sources[edge.target].update(e.source for e in edge.evidence)
        deployed = bool(sources.get(db_id, set()) & {SourceKind.COMPOSE, SourceKind.K8S})
        local = str(attrs.get("datastore", "")).startswith("localhost@")
        candidates.append((not deployed, local, db_id))
    return min(candidates)[2] if candidates else None


def _table(r: Resolver, fact: TableAccess) -> None:
    service = r.service_name(fact.service) if fact.service else ""
    service_id = r.service_node(fact.service) if fact.service else None
    db_id = None
    technology = fact.technology
    if fact.host or fact.database:
        if fact.host:
            kind, store = r.resolve_host(fact.host, service, technology or "db")
        else:
            dbs = sorted(r.service_dbs.get(service, ()))
            store = r.graph.node_attrs(dbs[0]).get("datastore", "") if dbs else ""  # type: ignore[assignment]
            kind = "store"
        if kind == "store" and store:
            if not r.store_tech.get(store):
                r.declare_store(store, technology, "datastore")
            db_id = _database_node(r, str(store), fact.database or DEFAULT_DATABASE, ())
    if db_id is None:
        db_id = _main_database(r, service)
    if db_id is not None:
        technology = technology or str(r.graph.node_attrs(db_id).get("technology") or "")
    schema, table = _table_parts(fact.table, technology)
    owners = r.owned_tables.get(table, ())
    explicit = bool(fact.host or fact.database)
    # A table nobody owns in the service's own database but exactly one service owns elsewhere is
    # that service's table: the SQL (a view, a foreign key, an entity) reaches into its data.
    # (Only a sole owner is looked at: a table name many services own costs nothing per access.)
    if fact.action != "owns" and not explicit and len(owners) == 1:
        owner = next(iter(owners))
        owned_here = db_id is not None and owner.rsplit("/", 1)[0] == db_id.replace("database:", "table:", 1)
        if not owned_here:
            db_id = owner.rsplit("/", 1)[0].replace("table:", "database:", 1)
            schema = r.graph.node_attrs(owner).get("schema", "") or ""  # type: ignore[assignment]
    if db_id is None:
        # NOTE: no known database: the service's embedded engine, else a per-service placeholder
        # so two services with unconnected schemas are never merged by accident.
        store = home_for_tables(r, service)
        if store.startswith("unresolved@") and store not in r.unresolved_said:
            r.unresolved_said.add(store)
            r.diagnostics.append(
                Diagnostic(
                    fact.evidence.location.path,
                    fact.evidence.location.line,
                    DiagnosticLevel.INFO,
                    f"datastore of service '{service or 'repo'}' not resolved: its tables are kept apart",
                )
            )
        db_id = _database_node(r, store, DEFAULT_DATABASE, ())
    db_attrs = r.graph.node_attrs(db_id)
    qualified = f"{schema}.{table}" if schema else table
    table_id = r.graph.add_node(
        NodeKind.TABLE,
        str(db_attrs.get("datastore")),
        str(db_attrs.get("database")),
        qualified,
        name=qualified,
        attrs={"database": db_id, "schema": schema or None, "table": table},
        evidence=[fact.evidence],
    )
    r.graph.add_edge(EdgeKind.CONTAINS, db_id, table_id)
    if fact.action == "owns":
        r.owned_tables[table].add(table_id)
    if service_id is not None:
        edge_kind = {"owns": EdgeKind.OWNS, "reads": EdgeKind.READS, "writes": EdgeKind.WRITES}.get(
            fact.action
        )
        if edge_kind is not None:
            r.graph.add_edge(edge_kind, service_id, table_id, evidence=[fact.evidence])


def _migration(r: Resolver, fact: Migration) -> None:
    if fact.change not in DESTRUCTIVE_CHANGES:
        return
    change = f"{fact.change} {fact.table}" + (f".{fact.column}" if fact.column else "")
    _table(r, TableAccess(fact.service, fact.table, "owns", fact.evidence))
    service_id = r.service_node(fact.service)
    for edge in r.graph.out_edges(service_id, EdgeKind.OWNS):
        if r.graph.node_attrs(edge.target).get("table") == _table_parts(fact.table, "")[1]:
            evidence = Evidence(
                fact.evidence.source, fact.evidence.location, f"destructive migration {change}"
            )
            r.graph.add_edge(
                EdgeKind.OWNS,
                service_id,
                edge.target,
                attrs={"destructive_changes": (change,)},
                evidence=[evidence],
            )
            return


def _of_technology(r: Resolver, kind: NodeKind, technology: str) -> list[str]:
    """Ids of the nodes of one kind whose technology is ``technology``, in id order (read without
    node snapshots: asked once per client library and message)."""
    graph = r.graph
    found = [nid for nid in graph.node_ids(kind) if graph.node_attrs(nid).get("technology") == technology]
    return sorted(found)


def _client_library(r: Resolver, fact: Marker) -> None:
    """A messaging client or database driver the service builds in connects at start-up: to the
    system's one broker or datastore of that technology, when the service names none of its own."""
    service_id = r.service_node(fact.subject)
    if not service_id.startswith("service:"):
        return
    technology = fact.value
    kind = NodeKind.BROKER if fact.key == "messaging_client" else NodeKind.DATASTORE
    for e in r.graph.out_edges(service_id, EdgeKind.CONNECTS):
        target = r.graph.node_attrs(e.target)
        store = str(target.get("datastore") or e.target.split(":", 1)[1])
        if (r.store_tech.get(store) or target.get("technology")) == technology:
            return
    stores = _of_technology(r, kind, technology)
    if len(stores) != 1:
        return
    store = stores[0].split(":", 1)[1]
    info = ConnectionInfo(technology, (), None, raw_scheme="library")
    _link_store(r, fact.subject, service_id, store, info, fact.evidence, "library", "client library")


def _message(r: Resolver, fact: Message) -> None:
    service_id = r.service_node(fact.service)
    system = normalise(fact.system) or "unknown"
    named = r.stores.lookup(fact.system) if fact.system else None
    if named is not None and r.store_role.get(named) == "broker" and r.store_tech.get(named):
        # The message names a broker by another of its names (a Dapr pub/sub component): the topic
        # is of that broker's technology, and lives on it.
        system = r.store_tech[named]
    topic_id = r.graph.add_node(
        NodeKind.TOPIC, system, fact.topic, name=fact.topic, attrs={"system": system, "topic": fact.topic}
    )
    kind = EdgeKind.PUBLISHES if fact.direction == "publishes" else EdgeKind.CONSUMES
    r.graph.add_edge(
        kind,
        service_id,
        topic_id,
        attrs={"count": fact.count} if fact.evidence.source == SourceKind.TRACE else None,
        evidence=[fact.evidence],
    )
    brokers = [
        e.target
        for e in r.graph.out_edges(service_id, EdgeKind.CONNECTS)
        if e.target.startswith("broker:") and r.graph.node_attrs(e.target).get("technology") == system
    ]
    if named is not None and r.store_role.get(named) == "broker":
        brokers = [r.store_node(named)]
    if not brokers:
        # The service names no broker of its own (a client library's default, a setting read at run
        # time): a system that runs exactly one broker of that technology holds the topic there.
        brokers = _of_technology(r, NodeKind.BROKER, system)
    if len(brokers) == 1:
        r.graph.add_edge(EdgeKind.CONTAINS, brokers[0], topic_id)


def _owner_node(r: Resolver, owner: str) -> str:
    store = r.stores.lookup(owner)
    if store is not None and r.services.lookup(owner) is None:
        return r.store_node(store)
    return r.service_node(owner or "repo")


def _credential(r: Resolver, owner: str, key: str, evidence: Evidence) -> None:
    if is_test_source(evidence.location.path) and not r.config.include_tests:
        return  # a test's login (a test container, a mocked server) is no credential of the system
    if not owner:  # a SQL file or code of no service: the place alone is the finding
        r.credentials.append(CredentialUse("", key, evidence))
        return
    nid = _owner_node(r, owner)
    proof = Evidence(
        evidence.source, evidence.location, f"plaintext credential {key}", evidence.count, evidence.profile
    )
    r.graph.update_node(nid, attrs={"plaintext_credentials": (key,)}, evidence=[proof])
    r.credentials.append(CredentialUse(nid, key, evidence))


def _marker(r: Resolver, fact: Marker) -> None:
    if fact.subject_kind == "service" and not fact.subject:
        return  # found outside every service (a shared folder of .proto files): nobody to mark
    nid = _owner_node(r, fact.subject) if fact.subject_kind != "service" else r.service_node(fact.subject)
    detail = f"ddl-auto {fact.value}" if fact.key == "ddl_auto" else f"{fact.key} {fact.value}"
    if fact.evidence.profile:
        detail += f" (profile {fact.evidence.profile})"
    evidence = Evidence(
        fact.evidence.source, fact.evidence.location, detail, fact.evidence.count, fact.evidence.profile
    )
    r.graph.update_node(nid, attrs={fact.key: (fact.value,)}, evidence=[evidence])


def _with_delegates(
    r: Resolver, fact: Operation, summaries: dict[tuple[str, str], Operation], limit: int = 50
) -> Operation:
    """Fold in what the service's own methods the handler calls do, transitively (across files)."""
    service = r.service_name(fact.service)
    writes, calls, publishes = set(fact.writes_tables), set(fact.mutating_calls), set(fact.publishes)
    seen: set[str] = set()
    todo = list(fact.delegates)
    while todo and len(seen) < limit:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        summary = summaries.get((service, name))
        if summary is None:
            continue
        writes.update(summary.writes_tables)
        calls.update(summary.mutating_calls)
        publishes.update(summary.publishes)
        todo.extend(summary.delegates)
    if not seen:
        return fact
    return dataclasses.replace(
        fact,
        writes_tables=tuple(sorted(writes)),
        mutating_calls=tuple(sorted(calls)),
        publishes=tuple(sorted(publishes)),
    )


def _operation(r: Resolver, fact: Operation) -> None:
    service = r.service_name(fact.service)
    service_id = r.service_node(fact.service)
    written: set[str] = {r.service_name(s) for s in fact.written_services}
    if fact.writes_tables:
        written.add(service)
    for target in fact.mutating_calls:
        host, _, _ = _url_host(target)
        kind, name = r.resolve_host(host or target, service)
        if kind == "service":
            written.add(name)
    op_id = r.graph.add_node(
        NodeKind.OPERATION,
        service,
        fact.name,
        name=fact.name,
        attrs={
            "service": service,
            "operation": fact.name,
            "written_services": tuple(sorted(written)),
            "publishes": tuple(sorted(fact.publishes)) or None,
            "writes_tables": tuple(sorted(fact.writes_tables)) or None,
            "compensated": fact.compensated or None,
            "source": str(fact.evidence.source) if fact.evidence.source == SourceKind.TRACE else "code",
            "count": fact.count if fact.evidence.source == SourceKind.TRACE else None,
        },
        evidence=[fact.evidence],
    )
    r.graph.add_edge(EdgeKind.PART_OF, op_id, service_id)
