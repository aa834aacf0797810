"""Spring Cloud platform components and clients, from code annotations and build dependencies.

A Java or Kotlin file annotated ``@EnableConfigServer``, ``@EnableEurekaServer``, ``@EnableZuulProxy``,
``@EnableTurbine``, ``@EnableHystrixDashboard``, ``@EnableAdminServer``, ``@EnableZipkinServer`` or
``@EnableAuthorizationServer`` makes its service a platform component of that role; a module whose
``pom.xml`` / ``build.gradle`` depends on the server artifact (``spring-cloud-config-server``,
``spring-cloud-starter-gateway``, ``spring-boot-admin-starter-server`` ...) likewise. Client
annotations and starters (``@EnableDiscoveryClient``, ``spring-cloud-starter-config``,
``spring-boot-admin-starter-client``, Zipkin starters) are links whose target the configuration names;
without one the link goes to the system's only component of that role (the starter's default is
``localhost``). Annotations are read only where they annotate (a line starting with ``@``), never in
comments or ``{@link}`` references. A build file at the repository root belongs to no service.
"""

from __future__ import annotations

import posixpath
import re

from analyzer.extract.facts import ExtractResult, FileContext, PlatformDecl, PlatformLink, Value
from analyzer.model import Evidence, Location, SourceKind

NAME = "spring-cloud"

# annotation -> (role, product)
SERVER_ANNOTATIONS: dict[str, tuple[str, str]] = {
    "EnableConfigServer": ("configuration_server", "spring-cloud-config"),
    "EnableEurekaServer": ("service_discovery", "eureka"),
    "EnableZuulProxy": ("gateway", "zuul"),
    "EnableZuulServer": ("gateway", "zuul"),
    "EnableTurbine": ("monitoring_server", "turbine"),
    "EnableTurbineStream": ("monitoring_server", "turbine"),
    "EnableTurbineAmqp": ("monitoring_server", "turbine"),
    "EnableHystrixDashboard": ("monitoring_dashboard", "hystrix"),
    "EnableAdminServer": ("administration_server", "spring-boot-admin"),
    "EnableZipkinServer": ("tracing_server", "zipkin"),
    "EnableZipkinStreamServer": ("tracing_server", "zipkin"),
    "EnableAuthorizationServer": ("authorization_server", "spring-security-oauth2"),
}
# annotation -> (link kind, target role)
CLIENT_ANNOTATIONS: dict[str, tuple[str, str]] = {
    "EnableDiscoveryClient": ("registers_with", "service_discovery"),
    "EnableEurekaClient": ("registers_with", "service_discovery"),
}
SERVER_ARTIFACTS: dict[str, tuple[str, str]] = {
    "spring-cloud-config-server": ("configuration_server", "spring-cloud-config"),
    "spring-cloud-starter-config-server": ("configuration_server", "spring-cloud-config"),
    "spring-cloud-starter-netflix-eureka-server": ("service_discovery", "eureka"),
    "spring-cloud-starter-eureka-server": ("service_discovery", "eureka"),
    "spring-cloud-starter-gateway": ("gateway", "spring-cloud-gateway"),
    "spring-cloud-starter-gateway-mvc": ("gateway", "spring-cloud-gateway"),
    "spring-cloud-starter-gateway-server-webflux": ("gateway", "spring-cloud-gateway"),
    "spring-cloud-starter-gateway-server-webmvc": ("gateway", "spring-cloud-gateway"),
    "spring-cloud-starter-netflix-zuul": ("gateway", "zuul"),
    "spring-cloud-starter-zuul": ("gateway", "zuul"),
    "spring-boot-admin-starter-server": ("administration_server", "spring-boot-admin"),
    "spring-boot-admin-server": ("administration_server", "spring-boot-admin"),
    "spring-cloud-starter-netflix-turbine": ("monitoring_server", "turbine"),
    "spring-cloud-starter-turbine": ("monitoring_server", "turbine"),
    "spring-cloud-starter-netflix-turbine-stream": ("monitoring_server", "turbine"),
    "spring-cloud-starter-turbine-stream": ("monitoring_server", "turbine"),
    "spring-cloud-netflix-turbine": ("monitoring_server", "turbine"),
    "spring-cloud-netflix-turbine-amqp": ("monitoring_server", "turbine"),
    "spring-cloud-starter-turbine-amqp": ("monitoring_server", "turbine"),
    "spring-cloud-starter-netflix-hystrix-dashboard": ("monitoring_dashboard", "hystrix"),
    "spring-cloud-starter-hystrix-dashboard": ("monitoring_dashboard", "hystrix"),
    "zipkin-server": ("tracing_server", "zipkin"),
    "zipkin-autoconfigure-ui": ("tracing_server", "zipkin"),
    "spring-security-oauth2-authorization-server": ("authorization_server", "spring-authorization-server"),
    "spring-boot-starter-oauth2-authorization-server": (
        "authorization_server",
        "spring-authorization-server",
    ),
}
CLIENT_ARTIFACTS: dict[str, tuple[str, str]] = {
    "spring-cloud-starter-config": ("configured_by", "configuration_server"),
    "spring-cloud-config-client": ("configured_by", "configuration_server"),
    "spring-cloud-starter-netflix-eureka-client": ("registers_with", "service_discovery"),
    "spring-cloud-starter-eureka": ("registers_with", "service_discovery"),
    "spring-cloud-starter-consul-discovery": ("registers_with", "service_discovery"),
    "spring-boot-admin-starter-client": ("reports_to", "administration_server"),
    "spring-cloud-starter-zipkin": ("reports_to", "tracing_server"),
    "spring-cloud-sleuth-zipkin": ("reports_to", "tracing_server"),
    "zipkin-reporter-brave": ("reports_to", "tracing_server"),
}

_ANNOTATION = re.compile(r"^[ \t]*@(?P<name>Enable\w+)\b", re.M)
_ARTIFACT = re.compile(
    r"<artifactId>\s*(?P<maven>[\w.-]+)\s*</artifactId>"
    r"|['\"](?:[\w.-]+):(?P<gradle>[\w.-]+)(?::[^'\"]*)?['\"]"
)


def wants(path: str) -> bool:
    name = posixpath.basename(path)
    return name.endswith((".java", ".kt")) or name in ("pom.xml", "build.gradle", "build.gradle.kts")


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if not ctx.service or "/src/test/" in f"/{ctx.path}":
        return result
    name = posixpath.basename(ctx.path)
    found: list[tuple[str, int]] = []
    if name.endswith((".java", ".kt")):
        if "@Enable" not in text:
            return result
        found = [(m.group("name"), _line(text, m.start())) for m in _ANNOTATION.finditer(text)]
        servers, clients = SERVER_ANNOTATIONS, CLIENT_ANNOTATIONS
        source = SourceKind.CODE
    else:
        if name == "pom.xml":
            text = _without_management(text)
        found = [
            (m.group("maven") or m.group("gradle"), _line(text, m.start())) for m in _ARTIFACT.finditer(text)
        ]
        servers, clients = SERVER_ARTIFACTS, CLIENT_ARTIFACTS
        source = SourceKind.CONFIG
    for key, line in found:
        evidence = Evidence(source, Location(ctx.path, line), key)
        if key in servers:
            role, product = servers[key]
            result.facts.append(PlatformDecl(ctx.service, role, evidence, product))
        elif key in clients:
            kind, role = clients[key]
            result.facts.append(PlatformLink(ctx.service, kind, Value("", "unresolved"), evidence, role))
    return result


def _without_management(text: str) -> str:
    """The POM with ``<dependencyManagement>`` and ``<plugins>`` blanked (same line count): a managed
    version is not a dependency."""

    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    return re.sub(r"<(dependencyManagement|plugins)>.*?</\1>", blank, text, flags=re.S)
