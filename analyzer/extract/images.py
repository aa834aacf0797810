"""Container image references → datastore or broker technology.

``docker.io/library/postgres:16-alpine``, ``bitnami/postgresql@sha256:…``,
``mcr.microsoft.com/mssql/server:2022-latest`` and ``confluentinc/cp-kafka`` all name a
technology, whatever the registry, namespace or tag. Matching is on the repository's last path
component (and a few ``org/name`` pairs), or on its last word when a vendor builds its own image
(``acme/acme-vanilla-mysql8``, ``teastore-kieker-rabbitmq``), never on a first word:
``mongo-express``, ``redis-commander``, ``postgres-exporter`` and ``pgadmin`` are tools next to a
datastore, not datastores.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# repository last component (or org/name) -> (technology, role)
_STORES: dict[str, str] = {
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "postgis": "postgresql",
    "timescaledb": "postgresql",
    "timescaledb-ha": "postgresql",
    "pgvector": "postgresql",
    "supabase/postgres": "postgresql",
    "postgresql-repmgr": "postgresql",
    "mysql": "mysql",
    "mysql-server": "mysql",
    "percona-server": "mysql",
    "mariadb": "mariadb",
    "mssql/server": "sqlserver",
    "mssql-server-linux": "sqlserver",
    "azure-sql-edge": "sqlserver",
    "oracle-xe": "oracle",
    "oracle-free": "oracle",
    "oracle/database": "oracle",
    "database/enterprise": "oracle",
    "database/free": "oracle",
    "mongo": "mongodb",
    "mongodb": "mongodb",
    "mongodb-community-server": "mongodb",
    "mongodb-enterprise-server": "mongodb",
    "redis": "redis",
    "redis-stack": "redis",
    "redis-stack-server": "redis",
    "valkey": "valkey",
    "memcached": "memcached",
    "cassandra": "cassandra",
    "scylla": "cassandra",
    "neo4j": "neo4j",
    "elasticsearch": "elasticsearch",
    "opensearch": "opensearch",
    "couchdb": "couchdb",
    "dynamodb-local": "dynamodb",
    "cockroach": "cockroachdb",
    "cockroachdb": "cockroachdb",
}
_BROKERS: dict[str, str] = {
    "kafka": "kafka",
    "cp-kafka": "kafka",
    "cp-server": "kafka",
    "redpanda": "kafka",
    "rabbitmq": "rabbitmq",
    "activemq": "activemq",
    "activemq-artemis": "activemq",
    "activemq-classic": "activemq",
    "artemis": "activemq",
    "nats": "nats",
    "nats-streaming": "nats",
    "pulsar": "pulsar",
    "pulsar-all": "pulsar",
}


def repository(image: str) -> str:
    """The repository path without registry, tag or digest: ``bitnami/postgresql``."""
    ref = image.strip().split("@", 1)[0]
    parts = ref.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if parts and ":" in parts[-1]:
        parts[-1] = parts[-1].split(":", 1)[0]
    path = "/".join(parts).lower()
    return path.removeprefix("library/")


def technology_for_image(image: str, vendor_builds: bool = True) -> tuple[str, str] | None:
    """``(technology, role)`` with role ``datastore`` or ``broker``; ``None`` for anything else.

    ``vendor_builds=False`` matches the repository name exactly: for the tag a local build gives
    its output (``etl-kafka`` built from ``./etl`` is an application, whatever its name says)."""
    if not image or ("$" in image and not re.search(r"[a-z]", image.split("$")[0] + "x")):
        return None
    repo = repository(image)
    if not repo:
        return None
    last = repo.rsplit("/", 1)[-1]
    pair = "/".join(repo.split("/")[-2:])
    # NOTE: a vendor's own build of a datastore names it last: `<vendor>-vanilla-mysql8`,
    # `teastore-kieker-rabbitmq`; tools next to a datastore name it first (`mongo-express`).
    words = [w for w in re.split(r"[-_.]", last) if w and not re.fullmatch(r"v?\d+", w)]
    tail = re.sub(r"\d+$", "", words[-1]) if words and vendor_builds else ""
    for key in (pair, last, tail):
        if key in _STORES:
            return _STORES[key], "datastore"
        if key in _BROKERS:
            return _BROKERS[key], "broker"
    return None


# NOTE: [ \t], not \s: with re.M, \s* would run across every following newline from each line start.
_FROM = re.compile(r"^[ \t]*FROM[ \t]+(?:--platform=\S+[ \t]+)?(\S+)", re.I | re.M)


def technology_for_dockerfile(text: str) -> tuple[str, str] | None:
    """The technology of a custom image whose Dockerfile builds on a datastore image
    (``FROM mongo:3`` plus seed data is still MongoDB). The last stage decides."""
    stages = _FROM.findall(text)
    return technology_for_image(stages[-1]) if stages else None


# Variables only a datastore or broker image reads (its initialisation interface): a container of
# an unknown image configured through them runs that image's entry point (a vendor's seeded
# MongoDB, `acmeshop-user-db`). Variables applications also read to connect (POSTGRES_USER,
# POSTGRES_PASSWORD) are left out.
_INIT_VARIABLES: dict[str, tuple[str, str]] = {
    "MONGO_INITDB_ROOT_USERNAME": ("mongodb", "datastore"),
    "MONGO_INITDB_ROOT_PASSWORD": ("mongodb", "datastore"),
    "MYSQL_ROOT_PASSWORD": ("mysql", "datastore"),
    "MYSQL_RANDOM_ROOT_PASSWORD": ("mysql", "datastore"),
    "MYSQL_ALLOW_EMPTY_PASSWORD": ("mysql", "datastore"),
    "MARIADB_ROOT_PASSWORD": ("mariadb", "datastore"),
    "POSTGRES_INITDB_ARGS": ("postgresql", "datastore"),
    "MSSQL_SA_PASSWORD": ("sqlserver", "datastore"),
    "MSSQL_PID": ("sqlserver", "datastore"),
    "NEO4J_AUTH": ("neo4j", "datastore"),
    "RABBITMQ_DEFAULT_USER": ("rabbitmq", "broker"),
    "KAFKA_ADVERTISED_LISTENERS": ("kafka", "broker"),
    "KAFKA_BROKER_ID": ("kafka", "broker"),
}


def technology_for_environment(names: Iterable[str]) -> tuple[str, str] | None:
    """The datastore or broker whose initialisation variables a container sets, if exactly one.

    >>> technology_for_environment(["MONGO_INITDB_ROOT_USERNAME", "TZ"])
    ('mongodb', 'datastore')
    """
    found = {_INIT_VARIABLES[n.upper()] for n in names if n.upper() in _INIT_VARIABLES}
    return next(iter(found)) if len(found) == 1 else None
