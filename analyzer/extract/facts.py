"""Facts: what extractors say about one file, before identity resolution.

Extractors are pure functions ``(FileContext, text) -> ExtractResult``. They never see the graph.
They name things the way the source names them (a compose service name, a host in a JDBC URL, a
table as written in SQL); :mod:`analyzer.resolve` later maps every name of one thing to one node.

Conventions:

* every fact carries one :class:`~analyzer.model.Evidence` (repo-relative path, 1-based line);
* ``service`` fields hold the *name the source used* for the acting service (compose service name,
  discovered service of the file, trace ``service.name``); empty when the file belongs to no service;
* values that may be overridden at deploy time are :class:`Value` objects, so the resolver can say
  whether an endpoint came from a literal, an env var, or config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from analyzer.model import Diagnostic, Evidence
from analyzer.model.limits import DEFAULT_LIMITS, Limits


@dataclass(frozen=True, slots=True)
class Value:
    """A string whose origin matters.

    ``origin`` is ``literal`` (written in the file), ``env`` (read from an environment variable
    ``variable``, ``text`` being its default if any), ``config`` (a config key ``variable``),
    ``discovery`` (a logical name resolved by service discovery, e.g. a Feign client name), or
    ``unresolved`` (the extractor could not tell; ``text`` is empty).

    ``template`` is the whole expression with a slot for every part a deployment fills
    (``jdbc:postgresql://⟨env:PG_HOST⟩:5432/billing``); see :mod:`analyzer.extract.values`.
    Empty for values built without one (it is then derived from the other fields).
    """

    text: str
    origin: str = "literal"
    variable: str = ""
    template: str = ""

    @property
    def known(self) -> bool:
        return bool(self.text)


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """A parsed connection string or equivalent settings. All fields optional.

    ``technology`` uses the canonical lowercase names (postgresql, mysql, mongodb, redis, kafka...).
    ``password`` is ``literal`` (a plaintext secret in the file), ``reference`` (``${VAR}``, a
    secret ref, a file), or ``""`` when there is none. ``tls`` is True/False when the string says so.
    """

    technology: str = ""
    hosts: tuple[str, ...] = ()
    port: int | None = None
    database: str = ""
    user: str = ""
    password: str = ""
    tls: bool | None = None
    raw_scheme: str = ""


@dataclass(frozen=True, slots=True)
class ServiceDecl:
    """A deployable application unit (compose service with ``build``, k8s workload, ...).

    ``root`` is the repo-relative source folder when known (compose ``build.context``).
    ``aliases`` are other names it answers to (network aliases, k8s Service names, app names).
    """

    name: str
    evidence: Evidence
    root: str = ""
    image: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DatastoreDecl:
    """A datastore or broker server declared in a manifest (``postgres:16`` container, StatefulSet).

    ``role`` is ``datastore`` or ``broker``. ``persistent`` is True when data lives on a volume,
    ``healthcheck`` when the container declares one. ``databases`` lists databases the container
    itself creates (``POSTGRES_DB``).
    """

    name: str
    technology: str
    evidence: Evidence
    role: str = "datastore"
    image: str = ""
    aliases: tuple[str, ...] = ()
    persistent: bool | None = None
    healthcheck: bool | None = None
    databases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Connection:
    """``service`` connects to a datastore or broker described by ``info`` (service → database)."""

    service: str
    info: ConnectionInfo
    evidence: Evidence
    host_origin: str = "literal"  # literal | env | config: where the host came from


@dataclass(frozen=True, slots=True)
class Credential:
    """A plaintext secret for a datastore or broker written in the repo (``POSTGRES_PASSWORD: pw``).

    ``owner`` is the name of the service or datastore declaring it; ``key`` the variable or setting.
    """

    owner: str
    key: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class TableAccess:
    """``service`` owns (creates), reads or writes ``table`` (schema-qualified when the SQL says so).

    ``action`` is ``owns``, ``reads`` or ``writes``. ``database`` / ``host`` narrow which logical
    database when the source knows it (traces do); otherwise the resolver uses the service's
    connections.
    """

    service: str
    table: str
    action: str
    evidence: Evidence
    database: str = ""
    host: str = ""
    technology: str = ""


@dataclass(frozen=True, slots=True)
class Call:
    """A synchronous call from ``service`` to ``target`` (a host, URL host, or service name).

    ``protocol`` is http, grpc, ...; ``method`` an HTTP verb or RPC method name.
    """

    service: str
    target: Value
    evidence: Evidence
    protocol: str = "http"
    method: str = ""
    path: str = ""
    count: int = 1
    errors: int = 0
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """``service`` publishes to or consumes from ``topic`` on a broker of technology ``system``."""

    service: str
    direction: str  # publishes | consumes
    system: str
    topic: str
    evidence: Evidence
    count: int = 1


@dataclass(frozen=True, slots=True)
class DependsOn:
    """A declared start-up dependency (compose ``depends_on``, ``links``)."""

    service: str
    target: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class EnvVar:
    """An environment variable set for ``service`` at deploy time (compose/k8s/.env).

    Code extractors read env vars as :class:`Value` with origin ``env``; the resolver looks them
    up here. ``secret`` marks values that came from a Secret or secret reference.
    """

    service: str
    name: str
    value: str
    evidence: Evidence
    secret: bool = False


@dataclass(frozen=True, slots=True)
class Setting:
    """A configuration key set for ``service`` in a configuration file (``application.yml``
    ``clients.billing.base-url``, ``appsettings.json`` ``ConnectionStrings__Orders``), with its
    value as written after the file's own placeholders are resolved. Code reads such keys as
    :class:`Value` slots of origin ``config``; the resolver joins them here
    (:mod:`analyzer.resolve.configjoin`). The profile is on the evidence."""

    service: str
    key: str
    value: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Marker:
    """A boolean-ish property of a service or datastore found in the source.

    Examples: ``saga=eventuate``, ``compensation=cancelOrder``, ``outbox=debezium``,
    ``telemetry=opentelemetry``, ``migration_tool=flyway``, ``ddl_auto=update``.
    ``subject_kind`` is ``service`` or ``datastore``.
    """

    subject: str
    key: str
    value: str
    evidence: Evidence
    subject_kind: str = "service"


@dataclass(frozen=True, slots=True)
class Operation:
    """An entry point of ``service`` (HTTP handler, consumer, trace root) and what it writes.

    ``writes_tables`` are tables written directly; ``mutating_calls`` targets called with a
    mutating verb; ``publishes`` topics. ``compensated`` says a compensation or saga is visible.
    ``delegates`` names methods of the service's own classes the handler calls (``OrderService.place``);
    an ``internal`` operation is such a method's summary, not an entry point: the resolver folds it
    into the write sets of the operations that delegate to it, across files.
    """

    service: str
    name: str
    evidence: Evidence
    writes_tables: tuple[str, ...] = ()
    mutating_calls: tuple[str, ...] = ()
    publishes: tuple[str, ...] = ()
    written_services: tuple[str, ...] = ()  # traces: services whose data the operation wrote
    compensated: bool = False
    count: int = 1
    delegates: tuple[str, ...] = ()
    internal: bool = False


@dataclass(frozen=True, slots=True)
class Migration:
    """A schema change in a migration or DDL file that rules about schema evolution read.

    ``change`` is one of: create_table, drop_table, drop_column, rename_table, rename_column,
    narrow_type, add_not_null_without_default, other. ``tool`` is flyway, liquibase,
    golang-migrate, alembic, efcore, plain.
    """

    service: str
    table: str
    change: str
    tool: str
    evidence: Evidence
    column: str = ""
    version: str = ""


PLATFORM_ROLES = frozenset(
    {
        "configuration_server",
        "service_discovery",
        "gateway",
        "web_server",
        "authorization_server",
        "tracing_server",
        "monitoring_server",
        "monitoring_dashboard",
        "metrics_server",
        "logging_server",
        "administration_server",
        "search_engine",
        "cdc_relay",
        "backup",
        "mail_server",
        "dns_server",
        "report_server",
        "orchestration",
    }
)
PLATFORM_LINKS = frozenset({"configured_by", "registers_with", "routes_to", "reports_to"})


@dataclass(frozen=True, slots=True)
class PlatformDecl:
    """``name`` (a service as the source names it) is a platform component playing ``role``.

    ``role`` is one of :data:`PLATFORM_ROLES` (the role words of microSecEnD and Code2DFD, plus
    ``cdc_relay`` and ``backup`` for what reads a service's data without owning it, ``mail_server``
    for development mail catchers, ``dns_server``, ``report_server`` (jsreport) and ``orchestration`` for
    a control plane such as Dapr placement);
    ``product`` says what it is when known (``eureka``, ``zuul``, ``keycloak``, ``apache``).
    """

    name: str
    role: str
    evidence: Evidence
    product: str = ""


@dataclass(frozen=True, slots=True)
class PlatformLink:
    """``service`` has a platform relation ``kind`` to ``target`` (a URL, host, or logical name).

    ``kind`` is one of :data:`PLATFORM_LINKS`: ``configured_by`` (client → config server),
    ``registers_with`` (client → registry), ``routes_to`` (gateway or proxy → routed service; also a
    call), ``reports_to`` (service → telemetry backend, or a scraped target → its scraper).
    ``role`` is the role the target plays when the link says so (a Eureka ``defaultZone`` names a
    ``service_discovery``); with an unresolvable target (``localhost``, unset) the link goes to the
    only platform component of that role, if there is exactly one. ``path`` is a routed path.
    ``clients_of`` names a configuration server when the link comes from its shared
    ``application.yml`` and holds for every client it configures (``service`` is then empty).
    """

    service: str
    kind: str
    target: Value
    evidence: Evidence
    role: str = ""
    path: str = ""
    clients_of: str = ""


Fact = Union[
    ServiceDecl,
    DatastoreDecl,
    Connection,
    Credential,
    TableAccess,
    Call,
    Message,
    DependsOn,
    EnvVar,
    Setting,
    Marker,
    Operation,
    Migration,
    PlatformDecl,
    PlatformLink,
]


@dataclass(frozen=True, slots=True)
class FileContext:
    """What an extractor may know about the file it reads, besides its text.

    ``path`` is repo-relative POSIX. ``service`` is the service the file belongs to by path ('' if
    none). ``technology`` is the service's main datastore technology if known (SQL dialect hint).
    ``root`` is the absolute repo root, for extractors that must read sibling files of a set
    (compose overrides, ``env_file``); they read only inside it.
    """

    path: str
    root: str
    service: str = ""
    technology: str = ""
    profile: str = ""
    limits: Limits = DEFAULT_LIMITS  # resource limits for this file (set in force by the pipeline)


@dataclass(slots=True)
class ExtractResult:
    """Facts and diagnostics from one extractor run. Order does not matter; the pipeline sorts."""

    facts: list[Fact] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def extend(self, other: ExtractResult) -> None:
        self.facts.extend(other.facts)
        self.diagnostics.extend(other.diagnostics)
