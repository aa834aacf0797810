"""Messaging client libraries a JVM service builds in (``pom.xml``, ``build.gradle[.kts]``).

A Spring service that depends on a messaging starter connects to a broker at start-up even when it
writes no broker setting of its own: Spring Cloud Bus (``spring-cloud-starter-bus-amqp``), Hystrix or
Turbine streams over AMQP, Spring AMQP and Spring Kafka, the Cloud Stream binders. Each such
dependency becomes a ``messaging_client`` marker with the broker technology; the resolver connects the
service to the system's one broker of that technology when nothing else names one
(:func:`analyzer.resolve.build.build_graph`). Test-scoped dependencies are not built into the service.
"""

from __future__ import annotations

import posixpath
import re

from analyzer.extract.facts import ExtractResult, FileContext, Marker
from analyzer.model import Evidence, Location, SourceKind

NAME = "buildlibs"

# artifact id -> the broker technology its client connects to
LIBRARIES = {
    "spring-cloud-starter-bus-amqp": "rabbitmq",
    "spring-cloud-starter-stream-rabbit": "rabbitmq",
    "spring-cloud-stream-binder-rabbit": "rabbitmq",
    "spring-boot-starter-amqp": "rabbitmq",
    "spring-rabbit": "rabbitmq",
    "spring-cloud-netflix-hystrix-amqp": "rabbitmq",
    "spring-cloud-netflix-turbine-amqp": "rabbitmq",
    "spring-cloud-starter-bus-kafka": "kafka",
    "spring-cloud-starter-stream-kafka": "kafka",
    "spring-cloud-stream-binder-kafka": "kafka",
    "spring-kafka": "kafka",
    "kafka-clients": "kafka",
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
    seen: set[str] = set()
    for match in _ARTIFACT.finditer(text):
        artifact = match.group("pom") or match.group("gradle") or ""
        technology = LIBRARIES.get(artifact)
        if technology is None or technology in seen or _test_scoped(text, match.start(), match.end(), pom):
            continue
        line_start = text.rfind("\n", 0, match.start()) + 1
        if text[line_start : match.start()].lstrip().startswith(("//", "<!--")):
            continue
        seen.add(technology)
        evidence = Evidence(
            SourceKind.CONFIG, Location(ctx.path, text.count("\n", 0, match.start()) + 1), artifact
        )
        result.facts.append(Marker(ctx.service, "messaging_client", technology, evidence))
    return result
