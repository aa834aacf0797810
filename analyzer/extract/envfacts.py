"""What an environment variable of a deployed service says about its dependencies.

Shared by compose, Kubernetes, ``.env`` and JSON configuration: a value that is a connection
string → :class:`Connection`; a Kafka bootstrap list → Kafka connection; an ``http(s)://`` /
``grpc://`` URL → :class:`Call`; a ``*_HOST`` (``*_ADDR``, ``*_SERVER``, ``*_ENDPOINT``) whose
prefix names a datastore (``DB_HOST``, ``REDIS_HOST``, ``SPRING_RABBITMQ_HOST``) → a connection
(with ``*_PORT`` and ``*_DB`` / ``*_NAME`` of the same prefix); a ``host:port`` under such a key
likewise; a plain host under a non-datastore key that names another service → :class:`Call`; a
literal password → :class:`Credential`. ``.NET``-style nested keys (``urls__basket``,
``ConnectionStrings__Orders``) read the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from analyzer.extract.connstr import parse_connection_string, parse_host_list
from analyzer.extract.facts import Call, Connection, ConnectionInfo, Credential, Fact, Value
from analyzer.extract.secrets import is_plaintext_secret
from analyzer.model import Evidence

PASSWORD_KEY = re.compile(r"(PASSWORD|PASSWD|_PWD|_PASS|^PASS|_AUTH)$", re.I)
HOST_SUFFIX = re.compile(
    r"^(?P<prefix>.*?)_?(HOST|HOSTNAME|SERVER|SERVERS|ADDR|ADDRESS|ENDPOINT|ADDRESSES)$", re.I
)
_WORDS = {
    "postgres": "postgresql", "postgresql": "postgresql", "pg": "postgresql", "mysql": "mysql",
    "mariadb": "mariadb", "mongo": "mongodb", "mongodb": "mongodb", "redis": "redis", "valkey": "valkey",
    "rabbitmq": "rabbitmq", "rabbit": "rabbitmq", "amqp": "rabbitmq", "kafka": "kafka",
    "elasticsearch": "elasticsearch", "elastic": "elasticsearch", "es": "elasticsearch",
    "opensearch": "opensearch", "cassandra": "cassandra", "neo4j": "neo4j", "memcached": "memcached",
    "memc": "memcached", "memcache": "memcached", "nats": "nats", "dynamodb": "dynamodb", "db": "",
    "database": "", "sql": "",
    "mssql": "sqlserver", "sqlserver": "sqlserver", "cache": "", "eventbus": "", "broker": "",
}  # fmt: skip
_DB_SUFFIXES = ("_DB", "_NAME", "_DATABASE", "_DB_NAME", "_SCHEMA", "_DBNAME")


def _grouped(upper: str, siblings: dict[str, str]) -> tuple[str, int | None]:
    """Database and port set beside a ``<PREFIX>_HOST`` key (``DB_NAME``, ``REDIS_DATABASE=1``)."""
    match = HOST_SUFFIX.match(upper)
    if not match:
        return "", None
    prefix = match.group("prefix")
    database = next((siblings[prefix + s] for s in _DB_SUFFIXES if siblings.get(prefix + s)), "")
    port_text = siblings.get(prefix + "_PORT", "")
    return ("" if "${" in database else database), (int(port_text) if port_text.isdigit() else None)


def host_technology(prefix: str) -> str | None:
    """The technology a key prefix names ("" for a generic DB word), or None for none."""
    words = [w for w in re.split(r"[_.\-]+|(?<=[a-z])(?=[A-Z])", prefix) if w]
    for word in reversed(words):
        found = _WORDS.get(word.lower())
        if found is not None:
            return found
    return None


def classify(
    service: str,
    key: str,
    value: str,
    evidence: Evidence,
    siblings: dict[str, str],
    service_names: set[str],
    literal: bool = True,
    secret_evidence: Callable[[], Evidence] | None = None,
    stores: dict[str, str] | None = None,
) -> list[Fact]:
    """Facts for ``key=value`` in ``service``'s environment.

    ``siblings`` are the service's other variables (upper-cased keys) for HOST/PORT/DB groups;
    ``literal`` says whether the value is written in the repository (not a reference);
    ``secret_evidence`` gives the evidence for a credential when it is not ``evidence``;
    ``stores`` maps the datastore / broker names declared beside the service to their technology,
    so a bare host under any key (``EventBusConnection=rabbitmq``) is recognised.
    """
    if not value:
        return []
    cased = re.sub(r"[^A-Za-z0-9]+", "_", key)
    upper = cased.upper()
    info = parse_connection_string(value)
    if info is not None and info.hosts and not any("${" in h for h in info.hosts):
        # A keyword string keeps its connection when only a secret is interpolated
        # (Host=ledger-db;Database=ledger;Password=${LEDGER_DB_PASSWORD}).
        return [Connection(service, info, evidence, "env")]
    if "${" in value and not re.search(r"://", value):
        return []
    if re.search(r"BOOTSTRAP_?(SERVERS?|HOSTS?|BROKERS?|ADDRESS(ES)?)?$", upper) or upper.endswith(
        ("KAFKA_BROKERS", "KAFKA_SERVERS", "KAFKA_HOSTS", "KAFKA_URL")
    ):  # the list itself, not a setting of a bootstrap step (KC_BOOTSTRAP_ADMIN_USERNAME)
        hosts = parse_host_list(value, "kafka")
        return [Connection(service, hosts, evidence, "env")] if hosts is not None else []
    bare = value.lower().split(":")[0]
    if stores and bare in stores and re.fullmatch(r"[A-Za-z0-9._-]+(:\d+)?", value):
        hosts = parse_host_list(value, stores[bare])
        if hosts is not None:
            database, port = _grouped(upper, siblings)
            if database or port:
                hosts = ConnectionInfo(
                    hosts.technology, hosts.hosts, hosts.port or port, hosts.database or database,
                    hosts.user, hosts.password, hosts.tls, hosts.raw_scheme,
                )  # fmt: skip
            return [Connection(service, hosts, evidence, "env")]
    if re.match(r"^(https?|grpcs?|ws)://", value, re.I):
        if re.match(r"^[a-z]+://(\+|\*|0\.0\.0\.0|\[::\])([:/]|$)", value, re.I) or re.search(
            r"health", key, re.I
        ):
            return []  # a listen address, or a monitoring probe: not a business dependency
        host_match = HOST_SUFFIX.match(cased)
        technology = host_technology(host_match.group("prefix")) if host_match else None
        if technology:  # CARTS_DYNAMODB_ENDPOINT=http://carts-db:8000 is a datastore
            found = re.match(r"^[a-z]+://([^/:]+)(?::(\d+))?", value, re.I)
            if found:
                port = int(found.group(2)) if found.group(2) else None
                return [
                    Connection(
                        service,
                        ConnectionInfo(technology, (found.group(1).lower(),), port, raw_scheme="env"),
                        evidence,
                        "env",
                    )
                ]
        # eShop's `urls__grpcBasket=http://basket-api:81`: the key says the protocol
        protocol = "grpc" if value.lower().startswith("grpc") or "grpc" in key.lower() else "http"
        return [Call(service, Value(value, "env", key), evidence, protocol=protocol)]
    if PASSWORD_KEY.search(upper) and not upper.endswith("_FILE"):
        if (
            literal
            and is_plaintext_secret(value)
            and value.lower() not in ("yes", "no", "true", "false", "none")
        ):
            return [Credential(service, key, secret_evidence() if secret_evidence else evidence)]
        return []
    # NOTE: matched on the key as written, so camel case still separates words
    # (RabbitMQHandler__Host names rabbit, RABBITMQHANDLER_HOST would not)
    host_match = HOST_SUFFIX.match(cased)
    if host_match and re.fullmatch(r"[A-Za-z0-9._:,-]+", value):
        prefix = host_match.group("prefix")
        technology = host_technology(prefix)
        if technology is not None:
            hosts = parse_host_list(value, technology)
            if hosts is None:
                return []
            clean_db, sibling_port = _grouped(upper, siblings)
            port = hosts.port or sibling_port
            return [
                Connection(
                    service,
                    ConnectionInfo(technology, hosts.hosts, port, clean_db, raw_scheme="env"),
                    evidence,
                    "env",
                )
            ]
        if value.lower().split(":")[0] in service_names:
            return [Call(service, Value(value, "env", key), evidence)]
    return []
