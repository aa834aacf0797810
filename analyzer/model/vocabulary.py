"""The attribute vocabulary of the architecture graph: what resolution and enrichment write,
and what rules may read. Rules written by users rely on these names; change them only with care.

Node attributes (all optional unless said):

``service``
    ``root`` source folder; ``image``; ``aliases`` (tuple); ``context`` bounded context name;
    ``team``; ``declared`` (True when a manifest, config or code declares it); ``observed``
    (True when traces show it); ``plaintext_credentials`` (tuple of keys; each has evidence whose
    ``detail`` starts with ``plaintext credential``); markers from code/config as tuples:
    ``saga``, ``compensation``, ``outbox``, ``telemetry``, ``migration_tool``, ``health``;
    ``ddl_auto`` (tuple of values).
``datastore``
    ``technology`` canonical name; ``image``; ``persistent`` / ``healthcheck`` (bool);
    ``managed`` (cloud endpoint); ``relational`` (bool); ``plaintext_credentials``;
    ``platform_only`` (True when every user is a platform component, from enrichment);
    ``embedded`` (True for an in-process H2/HSQLDB/Derby/SQLite of one service, named
    ``<service>-<engine>``).
``client``
    A load generator or test runner that drives the system (``root``, ``aliases``); no rule
    counts it.
``broker``
    ``technology``.
``database``
    ``datastore`` (datastore name), ``database`` (database name or redis db index),
    ``technology``; ``owners`` (tuple of service names, from enrichment: services owning tables
    in it, or the only service connecting to it).
``table``
    ``database`` (database node id), ``schema``, ``table``; ``owners`` (tuple, enrichment).
``topic``
    ``system`` (kafka, rabbitmq, ...), ``topic``.
``operation``
    ``service``; ``operation`` (e.g. ``POST /checkout``); ``written_services`` (tuple of service
    names whose data it writes: its own DB writes plus the targets of mutating calls);
    ``publishes`` (tuple of topics); ``compensated`` (bool); ``saga`` (bool, the service
    declares a saga framework); ``outbox`` (bool); ``source`` (``code`` or ``trace``).
``external``
    ``host``.
``context``
    ``team``.
``platform``
    a configuration server, registry, gateway, reverse proxy, identity provider or telemetry / log
    backend: ``role`` (``configuration_server``, ``service_discovery``, ``gateway``, ``web_server``,
    ``authorization_server``, ``tracing_server``, ``monitoring_server``, ``monitoring_dashboard``,
    ``metrics_server``, ``logging_server``, ``administration_server``, ``search_engine``,
    ``cdc_relay``, ``backup``, ``mail_server``, ``dns_server``, ``report_server``, ``orchestration``;
    admin consoles such as pgadmin or kafka-ui are ``administration_server``, ZooKeeper and etcd
    ``configuration_server``),
    ``roles`` (tuple, when it plays several), ``product`` (``eureka``, ``zuul``, ``keycloak`` ...),
    plus the service attributes when it is built from the repository (``root``, ``image``,
    ``aliases``). Rules matching ``service`` never see platform components.
``credential`` (one per place a plaintext secret is written; id ``credential:<path>/<key>``)
    ``key`` (variable or setting; ``password of user NAME`` in SQL, ``KEY of Secret NAME``,
    ``KEY of connector NAME``), ``path``, ``consumers`` (tuple of
    the names of the services, datastores or brokers that read it), ``consumer_ids`` (their node
    ids). Evidence: the place (detail
    ``plaintext credential KEY``) and each consumer's declaration (detail ``used by NAME``).

Edge attributes:

``connects`` (service → database | broker | datastore)
    ``tls`` (bool when known), ``password`` (``literal`` | ``reference`` | ``""``), ``user``,
    ``host_origin`` (literal | env | config), ``profiles`` (tuple).
``calls`` (service → service | external)
    ``protocol``, ``methods`` (tuple), ``paths`` (tuple), ``endpoint_origin`` (tuple of literal /
    env / config), ``static`` (bool), ``runtime`` (bool), ``count``, ``error_count``,
    ``latency_p50_ms``, ``latency_p95_ms``.
``reads`` / ``writes`` / ``owns`` (service → table)
    ``runtime`` / ``static`` as for calls.
``publishes`` / ``consumes`` (service → topic), ``contains`` (datastore → database → table,
broker → topic), ``depends_on`` (service → service | datastore | broker), ``part_of``
(service → context, operation → service).

``configured_by`` (client → configuration_server), ``registers_with`` (client → service_discovery),
``routes_to`` (gateway / reverse proxy → routed service; a ``calls`` edge is drawn beside it),
``reports_to`` (service → tracing / logging / monitoring / admin backend; a Prometheus → each
target it scrapes)
    ``paths`` (tuple, routes), ``via`` (tuple: ``lb`` for a registry-resolved route).

Evidence ``detail`` prefixes that rules anchor on (one finding per such evidence is natural):

``plaintext credential KEY``
    on the ``credential`` node of the place, and on the service or datastore node whose config
    holds the literal secret.
``destructive migration CHANGE``
    on ``owns`` edges (service → table), e.g. ``destructive migration drop_column status``;
    the edge attribute ``destructive_changes`` lists them.
``ddl-auto VALUE``
    on service nodes (Hibernate ``spring.jpa.hibernate.ddl-auto``), with the profile on the evidence.
``hardcoded endpoint``
    on ``calls`` edges whose target came from a literal with no env/config override.
"""

from __future__ import annotations

RELATIONAL_TECHNOLOGIES = frozenset(
    {"postgresql", "mysql", "mariadb", "sqlserver", "oracle", "cockroachdb", "sqlite", "db2"}
)

DATASTORE_TECHNOLOGIES = frozenset(
    {
        "postgresql",
        "mysql",
        "mariadb",
        "sqlserver",
        "oracle",
        "mongodb",
        "redis",
        "valkey",
        "memcached",
        "cassandra",
        "neo4j",
        "elasticsearch",
        "opensearch",
        "couchdb",
        "dynamodb",
        "cockroachdb",
    }
)

BROKER_TECHNOLOGIES = frozenset({"kafka", "rabbitmq", "activemq", "nats", "pulsar"})
