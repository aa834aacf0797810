"""Infrastructure declared without a container image: Helm chart dependencies and the custom
resources of Kubernetes operators.

``Chart.yaml`` ``dependencies`` (``postgresql`` from Bitnami, ``redis``, ``kafka``...) declare the
datastore or broker the chart deploys beside its application; the Service the subchart creates
is named after the dependency's ``alias`` or name (``<release>-postgresql``: the release is not
known, so the bare name is its name here). Operator resources are read by their API group and
kind: CloudNativePG ``Cluster`` (Services ``<name>-rw``/``-ro``/``-r``), Strimzi ``Kafka``
(``<name>-kafka-bootstrap``), Zalando ``postgresql``, MongoDB ``MongoDBCommunity``
(``<name>-svc``), RabbitMQ ``RabbitmqCluster``, Percona and Oracle MySQL clusters, ECK
``Elasticsearch`` (``<name>-es-http``), Redis operators, each a datastore or broker whose
evidence is the ``kind:`` line.
"""

from __future__ import annotations

import posixpath

from analyzer.extract.facts import DatastoreDecl, ExtractResult, FileContext
from analyzer.extract.images import technology_for_image
from analyzer.extract.yamlsrc import LineDict, LineList, YamlError, load_all
from analyzer.model import Diagnostic, DiagnosticLevel, Evidence, Location, SourceKind

NAME = "operators"

# (API group, kind) -> (technology, role, Service name suffixes)
OPERATOR_KINDS: dict[tuple[str, str], tuple[str, str, tuple[str, ...]]] = {
    ("postgresql.cnpg.io", "Cluster"): ("postgresql", "datastore", ("-rw", "-ro", "-r")),
    ("acid.zalan.do", "postgresql"): ("postgresql", "datastore", ("-repl",)),
    ("postgres-operator.crunchydata.com", "PostgresCluster"): ("postgresql", "datastore", ("-primary",)),
    ("kafka.strimzi.io", "Kafka"): ("kafka", "broker", ("-kafka-bootstrap", "-kafka-brokers")),
    ("mongodbcommunity.mongodb.com", "MongoDBCommunity"): ("mongodb", "datastore", ("-svc",)),
    ("psmdb.percona.com", "PerconaServerMongoDB"): ("mongodb", "datastore", ("-rs0", "-mongos")),
    ("rabbitmq.com", "RabbitmqCluster"): ("rabbitmq", "broker", ()),
    ("pxc.percona.com", "PerconaXtraDBCluster"): ("mysql", "datastore", ("-haproxy", "-proxysql")),
    ("ps.percona.com", "PerconaServerMySQL"): ("mysql", "datastore", ("-haproxy", "-router")),
    ("mysql.oracle.com", "InnoDBCluster"): ("mysql", "datastore", ()),
    ("k8s.mariadb.com", "MariaDB"): ("mariadb", "datastore", ("-primary",)),
    ("mariadb.mmontes.io", "MariaDB"): ("mariadb", "datastore", ("-primary",)),
    ("elasticsearch.k8s.elastic.co", "Elasticsearch"): ("elasticsearch", "datastore", ("-es-http",)),
    ("redis.redis.opstreelabs.in", "Redis"): ("redis", "datastore", ()),
    ("redis.redis.opstreelabs.in", "RedisCluster"): ("redis", "datastore", ("-leader",)),
    ("databases.spotahome.com", "RedisFailover"): ("redis", "datastore", ("rfs-",)),
    ("scylla.scylladb.com", "ScyllaCluster"): ("cassandra", "datastore", ("-client",)),
    ("cassandra.datastax.com", "CassandraDatacenter"): ("cassandra", "datastore", ("-service",)),
    ("nats.io", "NatsCluster"): ("nats", "broker", ()),
}

CHART_SERVICE_SUFFIXES = ("-master", "-primary", "-headless")


def wants(path: str) -> bool:
    name = posixpath.basename(path)
    if name == "Chart.yaml":
        return True
    lowered = name.lower()
    return lowered.endswith((".yaml", ".yml")) and not lowered.startswith(
        ("docker-compose", "compose", "application", "bootstrap", "values", "kustomization")
    )


def _evidence(ctx: FileContext, line: int, detail: str) -> Evidence:
    return Evidence(SourceKind.K8S, Location(ctx.path, line), detail)


def _chart(ctx: FileContext, doc: LineDict, result: ExtractResult) -> None:
    deps = doc.get("dependencies")
    if not isinstance(deps, LineList):
        return
    for index, dep in enumerate(deps):
        if not isinstance(dep, LineDict) or not isinstance(dep.get("name"), str):
            continue
        found = technology_for_image(str(dep["name"]))
        if found is None:
            continue
        alias = dep.get("alias")
        name = str(alias) if isinstance(alias, str) and alias else str(dep["name"])
        technology, role = found
        result.facts.append(
            DatastoreDecl(
                name=name,
                technology=technology,
                evidence=_evidence(ctx, deps.line_of(index)[1], f"chart dependency {dep['name']}"),
                role=role,
                # the Services Bitnami-style subcharts create beside the one named after it
                aliases=tuple(name + suffix for suffix in CHART_SERVICE_SUFFIXES),
            )
        )


def _resource(ctx: FileContext, doc: LineDict, result: ExtractResult) -> None:
    api, kind = doc.get("apiVersion"), doc.get("kind")
    if not isinstance(api, str) or not isinstance(kind, str):
        return
    known = OPERATOR_KINDS.get((api.split("/", 1)[0], kind))
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, LineDict) else None
    if known is None or not isinstance(name, str) or "{{" in name:
        return
    technology, role, suffixes = known
    aliases = tuple(s + name if s.endswith("-") else name + s for s in suffixes)
    result.facts.append(
        DatastoreDecl(
            name=name,
            technology=technology,
            evidence=_evidence(ctx, doc.line_of("kind")[1], f"{kind} ({api.split('/', 1)[0]})"),
            role=role,
            aliases=aliases,
            persistent=True if role == "datastore" else None,
        )
    )


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    is_chart = posixpath.basename(ctx.path) == "Chart.yaml"
    if not is_chart and ("apiVersion" not in text or "{{" in text):
        return result  # templates are the Helm renderer's; the k8s extractor reports bad YAML
    try:
        docs = load_all(text, ctx.path)
    except YamlError as exc:
        if is_chart:
            result.diagnostics.append(Diagnostic(ctx.path, exc.line, DiagnosticLevel.ERROR, str(exc)))
        return result
    for doc in docs:
        if not isinstance(doc, LineDict):
            continue
        if is_chart:
            _chart(ctx, doc, result)
        else:
            _resource(ctx, doc, result)
    return result
