"""Container image references → datastore or broker technology.

``docker.io/library/postgres:16-alpine``, ``bitnami/postgresql@sha256:…``,
``mcr.microsoft.com/mssql/server:2022-latest`` and ``confluentinc/cp-kafka`` all name a
technology. Matching is on the repository's last path component (and a few ``org/name``
pairs), exactly, never by prefix: ``mongo-express``, ``redis-commander``, ``postgres-exporter``
and ``pgadmin`` are tools next to a datastore, not datastores.
"""

from __future__ import annotations

import re

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


def technology_for_image(image: str) -> tuple[str, str] | None:
    """``(technology, role)`` with role ``datastore`` or ``broker``; ``None`` for anything else."""
    if not image or ("$" in image and not re.search(r"[a-z]", image.split("$")[0] + "x")):
        return None
    repo = repository(image)
    if not repo:
        return None
    last = repo.rsplit("/", 1)[-1]
    pair = "/".join(repo.split("/")[-2:])
    for key in (pair, last):
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
