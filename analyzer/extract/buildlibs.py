"""Messaging clients and database drivers a JVM service builds in (``pom.xml``, ``build.gradle[.kts]``).

A Spring service that depends on a messaging starter connects to a broker at start-up even when it
writes no broker setting of its own: Spring AMQP and Spring Kafka, the Cloud Stream binders, Hystrix
metrics streamed over AMQP and the Turbine that consumes them. Spring Cloud Bus
(``spring-cloud-starter-bus-*``) is not among them: it broadcasts the config server's refresh events, a
channel of the configuration platform (``configured_by``) rather than messages of the service. Each such
dependency becomes a ``messaging_client`` marker with the broker technology; the resolver connects the
service to the system's one broker of that technology when nothing else names one
(:func:`analyzer.resolve.build.build_graph`). A database driver (``mysql-connector-java``, the
PostgreSQL JDBC driver, the MongoDB driver or Spring Data starter) is a ``database_client`` marker read
the same way: a service whose datasource settings live outside the repository (a remote config
repository) still reaches the system's one MySQL. Embedded engines (H2, HSQLDB, Derby) are not
drivers of a server and are left to the inventory. Test-scoped dependencies are not built in.
"""

from __future__ import annotations

import posixpath
import re

from analyzer.extract.facts import ExtractResult, FileContext, Marker
from analyzer.model import Evidence, Location, SourceKind

NAME = "buildlibs"

# artifact id -> the broker technology its client connects to
LIBRARIES = {
    "spring-cloud-starter-stream-rabbit": "rabbitmq",
    "spring-cloud-stream-binder-rabbit": "rabbitmq",
    "spring-boot-starter-amqp": "rabbitmq",
    "spring-rabbit": "rabbitmq",
    "spring-cloud-netflix-hystrix-amqp": "rabbitmq",
    "spring-cloud-netflix-turbine-amqp": "rabbitmq",
    "spring-cloud-starter-turbine-amqp": "rabbitmq",
    "spring-cloud-starter-stream-kafka": "kafka",
    "spring-cloud-stream-binder-kafka": "kafka",
    "spring-kafka": "kafka",
    "kafka-clients": "kafka",
    "micronaut-kafka": "kafka",
    "micronaut-rabbitmq": "rabbitmq",
}
DRIVERS = {
    "mysql-connector-java": "mysql",
    "mysql-connector-j": "mysql",
    "mariadb-java-client": "mariadb",
    "postgresql": "postgresql",
    "r2dbc-postgresql": "postgresql",
    "mssql-jdbc": "sqlserver",
    "ojdbc8": "oracle",
    "ojdbc11": "oracle",
    "mongodb-driver-sync": "mongodb",
    "mongodb-driver": "mongodb",
    "mongo-java-driver": "mongodb",
    "spring-boot-starter-data-mongodb": "mongodb",
    "spring-boot-starter-data-mongodb-reactive": "mongodb",
    "spring-boot-starter-data-redis": "redis",
    "spring-boot-starter-data-redis-reactive": "redis",
    "spring-boot-starter-data-cassandra": "cassandra",
    "spring-boot-starter-data-elasticsearch": "elasticsearch",
    "spring-boot-starter-data-neo4j": "neo4j",
    "micronaut-mongo-reactive": "mongodb",
    "micronaut-mongo-sync": "mongodb",
    "elasticsearch-rest-high-level-client": "elasticsearch",
    "elasticsearch-rest-client": "elasticsearch",
    "elasticsearch-java": "elasticsearch",
    "jedis": "redis",
    "lettuce-core": "redis",
    "micronaut-redis-lettuce": "redis",
}
_ARTIFACT = re.compile(
    r"<artifactId>\s*(?P<pom>[\w.-]+)\s*</artifactId>|[\"'][\w.-]+:(?P<gradle>[\w.-]+)(?::[^\"']*)?[\"']"
)


def wants(path: str) -> bool:
    return posixpath.basename(path) in ("pom.xml", "build.gradle", "build.gradle.kts")


def _test_scoped(text: str, start: int, end: int, pom: bool) -> bool:
    if pom:
        close = text.find("</dependency>", end)
        return close != -1 and "<scope>test</scope>" in re.sub(r"\s", "", text[end:close])
    line_start = text.rfind("\n", 0, start) + 1
    return bool(re.match(r"\s*(test\w*|androidTest\w*)\b", text[line_start:start]))


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if not ctx.service:
        return result
    pom = ctx.path.endswith("pom.xml")
    # commented-out dependencies are not built in (blanked, keeping the lines)
    comment = re.compile(r"<!--.*?-->", re.S) if pom else re.compile(r"/\*.*?\*/", re.S)
    text = comment.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    seen: set[str] = set()
    for match in _ARTIFACT.finditer(text):
        artifact = match.group("pom") or match.group("gradle") or ""
        key = "messaging_client" if artifact in LIBRARIES else "database_client"
        technology = LIBRARIES.get(artifact) or DRIVERS.get(artifact)
        if technology is None or technology in seen or _test_scoped(text, match.start(), match.end(), pom):
            continue
        line_start = text.rfind("\n", 0, match.start()) + 1
        if text[line_start : match.start()].lstrip().startswith("//"):
            continue
        seen.add(technology)
        evidence = Evidence(
            SourceKind.CONFIG, Location(ctx.path, text.count("\n", 0, match.start()) + 1), artifact
        )
        result.facts.append(Marker(ctx.service, key, technology, evidence))
    return result
