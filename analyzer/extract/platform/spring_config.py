"""Spring Cloud settings in Spring configuration: who is the platform, and who uses it.

Keys are compared in Spring's relaxed form (lower case, ``-`` and ``_`` dropped), so
``eureka.client.serviceUrl.defaultZone`` and ``eureka.client.service-url.default-zone`` are one key.

* ``spring.cloud.config.uri``, ``spring.config.import: [optional:]configserver:URL``,
  ``spring.cloud.config.discovery.service-id`` → ``configured_by``; ``spring.cloud.config.server.*``
  declares a configuration server.
* Eureka ``defaultZone``, Consul ``spring.cloud.consul.host`` → ``registers_with``; a Eureka that
  neither registers nor fetches (``register-with-eureka: false`` and ``fetch-registry: false``) or sets
  ``eureka.server.*`` is the registry itself.
* Zuul ``zuul.routes.<r>.url|service-id|path`` (a route without url or service id routes to the service
  named ``<r>``) and Spring Cloud Gateway ``routes[i].uri`` with its ``Path=`` predicate → ``routes_to``
  and a gateway declaration.
* Zipkin (``spring.zipkin.base-url``, ``management.zipkin.tracing.endpoint``), OTLP exporter endpoints,
  Jaeger sender settings, Spring Boot Admin client URLs → ``reports_to``.
* Micronaut's ``consul.client.default-zone`` / ``eureka.client.default-zone`` and ``tracing.zipkin.http.url``
  / Jaeger sender settings read the same way (Micronaut services keep them in ``application.yml`` too).
* Turbine ``turbine.app-config: a,b`` declares a monitoring server that the listed applications'
  Hystrix streams report to.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from analyzer.extract.facts import Fact, PlatformDecl, PlatformLink, Value
from analyzer.model import Evidence

# Setting prefixes this module reads: the generic "an http URL is a call" reading skips them.
HANDLED_PREFIXES = (
    "zuul.",
    "spring.cloud.gateway",
    "spring.zipkin",
    "management.zipkin",
    "spring.sleuth",
    "spring.boot.admin",
    "management.otlp",
    "otel.exporter",
    "turbine.",
    "opentracing.jaeger",
    "spring.cloud.consul",
    "spring.config.import",
    "tracing.",
    "consul.",
)
REPORTS: dict[str, tuple[str, str]] = {
    "spring.zipkin.baseurl": ("tracing_server", "zipkin"),
    "spring.sleuth.zipkin.baseurl": ("tracing_server", "zipkin"),
    "management.zipkin.tracing.endpoint": ("tracing_server", "zipkin"),
    "management.otlp.tracing.endpoint": ("tracing_server", ""),
    "otel.exporter.otlp.endpoint": ("tracing_server", ""),
    "otel.exporter.otlp.traces.endpoint": ("tracing_server", ""),
    "opentracing.jaeger.httpsender.url": ("tracing_server", "jaeger"),
    "opentracing.jaeger.udpsender.host": ("tracing_server", "jaeger"),
    "spring.boot.admin.client.url": ("administration_server", "spring-boot-admin"),
    "spring.boot.admin.url": ("administration_server", "spring-boot-admin"),
    # Micronaut
    "tracing.zipkin.http.url": ("tracing_server", "zipkin"),
    "tracing.jaeger.sender.endpoint": ("tracing_server", "jaeger"),
    "tracing.jaeger.sender.agenthost": ("tracing_server", "jaeger"),
}
# Registry clients by key (Micronaut's consul and eureka clients; Spring's are read below).
REGISTRIES = ("consul.client.defaultzone", "eureka.client.defaultzone")
_GATEWAY_URI = re.compile(r"^spring\.cloud\.gateway(?:\.server\.web(?:flux|mvc))?\.routes\[(\d+)\]\.uri$")
_ZUUL = re.compile(r"^zuul\.routes\.(?P<route>[^.]+)(?:\.(?P<field>path|url|serviceid|location))?$")

Ev = Callable[..., Evidence]


def relaxed(key: str) -> str:
    """Spring's relaxed form of a key: ``eureka.client.serviceUrl.defaultZone`` →
    ``eureka.client.serviceurl.defaultzone``."""
    return key.lower().replace("-", "").replace("_", "")


def _target(text: str, raw: str, key: str) -> Value:
    """The setting as a link target: the env variable its placeholder names (or the key itself,
    for relaxed binding of ``EUREKA_CLIENT_SERVICEURL_DEFAULTZONE``) can override it at deploy time."""
    match = re.search(r"\$\{([^}:]+)", raw)
    return Value(text, "config", match.group(1) if match else key)


def platform_facts(
    service: str, keys: dict[str, str], value: Callable[[str], tuple[str, str]], ev: Ev
) -> list[Fact]:
    """Platform declarations and links of one Spring configuration document."""
    facts: list[Fact] = []
    by_relaxed = {relaxed(k): k for k in keys}

    def link(key: str, kind: str, role: str, text: str | None = None, path: str = "") -> None:
        resolved = value(key)[0] if text is None else text
        facts.append(PlatformLink(service, kind, _target(resolved, keys[key], key), ev(key), role, path))

    def declare(key: str, role: str, product: str) -> None:
        facts.append(PlatformDecl(service, role, ev(key), product))

    if "spring.cloud.config.uri" in by_relaxed:
        link(by_relaxed["spring.cloud.config.uri"], "configured_by", "configuration_server")
    for rkey, key in by_relaxed.items():
        if rkey.startswith("spring.config.import"):
            for part in value(key)[0].split(","):
                part = part.strip().removeprefix("optional:")
                if part.startswith("configserver:"):
                    link(key, "configured_by", "configuration_server", part.removeprefix("configserver:"))
    if "spring.cloud.config.discovery.serviceid" in by_relaxed:
        key = by_relaxed["spring.cloud.config.discovery.serviceid"]
        link(key, "configured_by", "configuration_server")
    server_key = next((k for r, k in by_relaxed.items() if r.startswith("spring.cloud.config.server.")), "")
    if server_key:
        declare(server_key, "configuration_server", "spring-cloud-config")

    _eureka(keys, by_relaxed, value, link, declare)
    if "spring.cloud.consul.host" in by_relaxed:
        key = by_relaxed["spring.cloud.consul.host"]
        port = _setting(by_relaxed, value, "spring.cloud.consul.port")
        host = value(key)[0]
        link(key, "registers_with", "service_discovery", f"{host}:{port}" if port.isdigit() else host)
    for rkey in REGISTRIES:
        if rkey in by_relaxed:
            link(by_relaxed[rkey], "registers_with", "service_discovery")
    for rkey, (role, _product) in REPORTS.items():
        if rkey in by_relaxed:
            link(by_relaxed[rkey], "reports_to", role)
    _routes(keys, by_relaxed, value, link, declare)
    locator = "spring.cloud.gateway.discovery.locator.enabled"
    if _setting(by_relaxed, value, locator).lower() == "true":
        declare(by_relaxed[locator], "gateway", "discovery-locator")
    if "turbine.appconfig" in by_relaxed:
        key = by_relaxed["turbine.appconfig"]
        declare(key, "monitoring_server", "turbine")
        for app in value(key)[0].split(","):
            if app.strip() and "${" not in app:
                facts.append(
                    PlatformLink(app.strip(), "reports_to", Value(service), ev(key), "monitoring_server")
                )
    return facts


def _setting(by_relaxed: dict[str, str], value: Callable[[str], tuple[str, str]], rkey: str) -> str:
    return value(by_relaxed[rkey])[0] if rkey in by_relaxed else ""


def _eureka(
    keys: dict[str, str],
    by_relaxed: dict[str, str],
    value: Callable[[str], tuple[str, str]],
    link: Callable[..., None],
    declare: Callable[[str, str, str], None],
) -> None:
    zone = by_relaxed.get("eureka.client.serviceurl.defaultzone")
    register = _setting(by_relaxed, value, "eureka.client.registerwitheureka")
    fetch = _setting(by_relaxed, value, "eureka.client.fetchregistry")
    server = next((k for r, k in by_relaxed.items() if r.startswith("eureka.server.")), "")
    if server:
        declare(server, "service_discovery", "eureka")
    if register.lower() == "false" and fetch.lower() == "false":
        declare(by_relaxed["eureka.client.registerwitheureka"], "service_discovery", "eureka")
    elif zone:
        link(zone, "registers_with", "service_discovery")


def _routes(
    keys: dict[str, str],
    by_relaxed: dict[str, str],
    value: Callable[[str], tuple[str, str]],
    link: Callable[..., None],
    declare: Callable[[str, str, str], None],
) -> None:
    zuul: dict[str, dict[str, str]] = {}
    for rkey, key in by_relaxed.items():
        match = _ZUUL.match(rkey)
        if match and not rkey.endswith((".stripprefix", ".sensitiveheaders")):
            zuul.setdefault(match.group("route"), {})[match.group("field") or "path"] = key
    for route, fields in sorted(zuul.items()):
        first = min(fields.values(), key=lambda k: list(keys).index(k))
        declare(first, "gateway", "zuul")
        path = value(fields["path"])[0] if "path" in fields else ""
        url_key = fields.get("url") or fields.get("location")
        if url_key and value(url_key)[0].startswith(("http://", "https://")):
            link(url_key, "routes_to", "", path=path)
        elif url_key and value(url_key)[0].startswith("forward:"):
            continue
        elif "serviceid" in fields:
            link(fields["serviceid"], "routes_to", "", path=path)
        else:
            # NOTE: a Zuul route with neither url nor service id is served by the service registered
            # under the route's name.
            link(first, "routes_to", "", text=_route_name(keys, fields, route), path=path)
    for rkey, key in by_relaxed.items():
        match = _GATEWAY_URI.match(rkey)
        if not match:
            continue
        declare(key, "gateway", "spring-cloud-gateway")
        prefix = key[: -len(".uri")]
        path = ""
        for other, raw in keys.items():
            if other.startswith(prefix + ".predicates") and "Path=" in raw:
                path = raw.split("Path=", 1)[1].split(",")[0].strip()
                break
        if value(key)[0].startswith(("lb://", "http://", "https://")):
            link(key, "routes_to", "", path=path)


def _route_name(keys: dict[str, str], fields: dict[str, str], route: str) -> str:
    """The route's name as written (the relaxed key lost its case)."""
    written = fields.get("path") or next(iter(fields.values()))
    parts = written.split(".")
    return parts[2] if len(parts) > 2 else route
