"""Platform wiring that compose files declare beside the services themselves.

* Log shipping by the container runtime: a service whose ``logging.driver`` is ``syslog``, ``fluentd``,
  ``gelf`` or ``splunk`` with an address option (``syslog-address: tcp://127.0.0.1:25826``) reports to
  the logging server at that address (a host-published address goes to the system's only logging
  server).
* Traefik routing labels: a service labelled ``traefik.http.routers.<r>.rule`` (or the v1
  ``traefik.frontend.rule``) is routed to by the file's Traefik container.
* Image defaults that make a dependency without any setting: Kibana reads the Elasticsearch at
  ``http://elasticsearch:9200`` unless its environment names another.

Compose interpolation and overrides are the compose extractor's business; this reads each file alone.
"""

from __future__ import annotations

from typing import Any

from analyzer.discovery import is_compose_file
from analyzer.extract.facts import (
    Connection,
    ConnectionInfo,
    ExtractResult,
    FileContext,
    PlatformDecl,
    PlatformLink,
    Value,
)
from analyzer.extract.images import repository
from analyzer.extract.yamlsrc import LineDict, LineList, YamlError, load_all
from analyzer.model import Evidence, Location, SourceKind

NAME = "platform-compose"
LOG_DRIVERS = ("syslog", "fluentd", "gelf", "splunk")


def wants(path: str) -> bool:
    return is_compose_file(path)


def _environment(spec: LineDict) -> set[str]:
    env = spec.get("environment")
    if isinstance(env, LineDict):
        return {str(k) for k in env}
    if isinstance(env, LineList):
        return {str(item).split("=", 1)[0] for item in env}
    return set()


def _labels(spec: LineDict) -> list[tuple[str, int]]:
    labels = spec.get("labels")
    if isinstance(labels, LineDict):
        return [(f"{k}={labels[k]}", labels.line_of(k)[1]) for k in labels]
    if isinstance(labels, LineList):
        return [(str(item), labels.line_of(i)[1]) for i, item in enumerate(labels)]
    return []


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if "logging" not in text and "traefik" not in text and "kibana" not in text:
        return result
    try:
        docs = load_all(text, ctx.path)
    except YamlError:
        return result  # the compose extractor reports it
    for doc in docs:
        services = doc.get("services") if isinstance(doc, LineDict) else None
        if isinstance(services, LineDict):
            _services(ctx, services, result)
    return result


def _services(ctx: FileContext, services: LineDict, result: ExtractResult) -> None:
    traefik = [
        str(name)
        for name, spec in services.items()
        if isinstance(spec, LineDict) and repository(str(spec.get("image") or "")).endswith("traefik")
    ]
    for name, spec in services.items():
        if not isinstance(spec, LineDict):
            continue
        line = services.line_of(name)[1]
        _logging(ctx, str(name), spec, line, result)
        image = repository(str(spec.get("image") or ""))
        if image.endswith("kibana") and not _environment(spec) & {"ELASTICSEARCH_HOSTS", "ELASTICSEARCH_URL"}:
            evidence = Evidence(SourceKind.COMPOSE, Location(ctx.path, line), "kibana default elasticsearch")
            info = ConnectionInfo("elasticsearch", ("elasticsearch",), 9200, raw_scheme="http")
            result.facts.append(Connection(str(name), info, evidence, "literal"))
        if len(traefik) == 1 and str(name) != traefik[0]:
            for label, label_line in _labels(spec):
                key = label.split("=", 1)[0]
                if (
                    key.startswith("traefik.http.routers.") and key.endswith(".rule")
                ) or key == "traefik.frontend.rule":
                    evidence = Evidence(SourceKind.COMPOSE, Location(ctx.path, label_line), "traefik route")
                    result.facts.append(PlatformDecl(traefik[0], "web_server", evidence, "traefik"))
                    result.facts.append(PlatformLink(traefik[0], "routes_to", Value(str(name)), evidence))
                    break


def _logging(ctx: FileContext, name: str, spec: LineDict, line: int, result: ExtractResult) -> None:
    logging: Any = spec.get("logging")
    if not isinstance(logging, LineDict) or str(logging.get("driver") or "") not in LOG_DRIVERS:
        return
    driver = str(logging["driver"])
    options = logging.get("options")
    if not isinstance(options, LineDict):
        return
    key = f"{driver}-address" if driver != "splunk" else "splunk-url"
    address = options.get(key)
    if not isinstance(address, str) or not address:
        return
    evidence = Evidence(SourceKind.COMPOSE, Location(ctx.path, options.line_of(key)[1]), f"logging {driver}")
    target = address.split("://", 1)[-1]
    result.facts.append(PlatformLink(name, "reports_to", Value(target), evidence, "logging_server"))
