"""Platform wiring that compose files declare beside the services themselves.

* Log shipping by the container runtime: a service whose ``logging.driver`` is ``syslog``, ``fluentd``,
  ``gelf`` or ``splunk`` with an address option (``syslog-address: tcp://127.0.0.1:25826``) reports to
  the logging server at that address (a host-published address goes to the system's only logging
  server).
* Traefik routing labels: a service labelled ``traefik.http.routers.<r>.rule`` (or the v1
  ``traefik.frontend.rule``) is routed to by the file's Traefik container.
* Configuration a container mounts from the repository (an ``envoy.yaml``, nginx or Apache ``.conf``,
  ``prometheus.yml``, a logstash pipeline, an OpenTelemetry Collector's exporters, Grafana datasources) is
  read as that container's configuration.
* A Dockerfile whose last stage builds on a platform image makes its service that component; so does
  configuration mounted where a product reads it (``/usr/share/kibana/config``, ``/etc/envoy``).
* Image defaults that make a dependency without any setting: Kibana reads the Elasticsearch at
  ``http://elasticsearch:9200`` unless its environment names another.

Compose interpolation and overrides are the compose extractor's business; this reads each file alone.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from analyzer.discovery import is_compose_file
from analyzer.extract.facts import (
    Call,
    Connection,
    ConnectionInfo,
    ExtractResult,
    FileContext,
    PlatformDecl,
    PlatformLink,
    Value,
)
from analyzer.extract.images import repository, technology_for_image
from analyzer.extract.platform import proxies
from analyzer.extract.platform.images import platform_for_image
from analyzer.extract.yamlsrc import LineDict, LineList, YamlError, load_all
from analyzer.model import Evidence, Location, SourceKind

NAME = "platform-compose"
LOG_DRIVERS = ("syslog", "fluentd", "gelf", "splunk")


def wants(path: str) -> bool:
    name = posixpath.basename(path)
    return is_compose_file(path) or name == "Dockerfile" or name.endswith(".Dockerfile")


_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)", re.I | re.M)


def _dockerfile(ctx: FileContext, text: str) -> ExtractResult:
    """A service built from a platform image (``FROM docker.elastic.co/kibana/kibana``) is that
    platform component; the last stage decides."""
    result = ExtractResult()
    stages = list(_FROM.finditer(text))
    if not ctx.service or not stages:
        return result
    match = platform_for_image(stages[-1].group(1))
    if match is not None:
        line = text.count("\n", 0, stages[-1].start()) + 1
        evidence = Evidence(SourceKind.CONFIG, Location(ctx.path, line), f"FROM {stages[-1].group(1)}")
        result.facts.append(PlatformDecl(ctx.service, match[0], evidence, match[1]))
    return result


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
    if not is_compose_file(ctx.path):
        return _dockerfile(ctx, text)
    result = ExtractResult()
    if not any(word in text for word in ("logging", "traefik", "kibana", "volumes")):
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
        _mounted_configs(ctx, str(name), spec, result)
        _config_home(ctx, str(name), spec, result)
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


# Where a product reads its configuration inside its image: a container that mounts configuration
# there runs that product, whatever its build says.
CONFIG_HOMES: tuple[tuple[str, str, str], ...] = (
    ("/usr/share/kibana/config", "monitoring_dashboard", "kibana"),
    # NOTE: a known Elasticsearch datastore (by image) keeps its kind: a declaration naming a datastore
    # is ignored by the resolver; this only names a locally built, otherwise unknown container.
    ("/usr/share/elasticsearch/config", "search_engine", "elasticsearch"),
    ("/usr/share/logstash/", "logging_server", "logstash"),
    ("/etc/prometheus/", "metrics_server", "prometheus"),
    ("/etc/grafana/", "monitoring_dashboard", "grafana"),
    ("/etc/envoy/", "gateway", "envoy"),
    ("/etc/traefik/", "web_server", "traefik"),
    ("/etc/otelcol", "tracing_server", "otel-collector"),
)


def _config_home(ctx: FileContext, name: str, spec: LineDict, result: ExtractResult) -> None:
    volumes = spec.get("volumes")
    if not isinstance(volumes, LineList) or technology_for_image(str(spec.get("image") or "")):
        return  # a datastore or broker image says what it runs
    for index, volume in enumerate(volumes):
        parts = str(volume).split(":") if isinstance(volume, str) else []
        target = parts[1] if len(parts) > 1 else ""
        for home, role, product in CONFIG_HOMES:
            if (target.rstrip("/") + "/").startswith(home):
                evidence = Evidence(
                    SourceKind.COMPOSE, Location(ctx.path, volumes.line_of(index)[1]), f"mounts {target}"
                )
                result.facts.append(PlatformDecl(name, role, evidence, product))
                return


def _mounted_configs(ctx: FileContext, name: str, spec: LineDict, result: ExtractResult) -> None:
    """Proxy, scraper and log-pipeline configuration a container mounts from the repository
    (``./ApiGateways/Envoy/config/webshopping:/etc/envoy``) is that container's configuration."""
    root = Path(ctx.root).resolve()
    base = posixpath.dirname(ctx.path)
    volumes = spec.get("volumes")
    for volume in [v for v in volumes if isinstance(v, str)] if isinstance(volumes, LineList) else []:
        host = volume.split(":", 1)[0].replace("${PWD}", ".").replace("$PWD", ".")
        if not host.startswith("."):
            continue  # a named volume, or an absolute host path outside the repository
        folder = (root / base / host).resolve()
        try:
            folder.relative_to(root)
        except ValueError:
            continue
        if folder == root or (root / base).resolve() == folder:
            continue  # the whole project mounted as a source tree, not a configuration folder
        # NOTE: two levels at most (provisioning/datasources/x.yml), never a walk of a big tree
        try:
            candidates = [folder] if folder.is_file() else _shallow(folder) if folder.is_dir() else []
        except OSError:  # a mount source longer than the OS allows (a mutated file): nothing there
            continue
        for candidate in candidates:
            rel = candidate.relative_to(root).as_posix()
            if not candidate.is_file() or candidate.is_symlink():
                continue
            telemetry = rel.endswith((".yml", ".yaml"))
            if not proxies.wants(rel) and not telemetry:
                continue
            try:
                text = candidate.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                continue
            if proxies.wants(rel):
                result.extend(proxies.extract(FileContext(rel, ctx.root, name), text))
            else:
                _telemetry_config(rel, name, text, result)


def _shallow(folder: Path, limit: int = 200) -> list[Path]:
    found = sorted(folder.glob("*"))
    found += sorted(p for sub in found if sub.is_dir() and not sub.is_symlink() for p in sub.glob("*"))
    return found[:limit]


def _telemetry_config(path: str, owner: str, text: str, result: ExtractResult) -> None:
    """A mounted OpenTelemetry Collector configuration (its ``exporters`` endpoints are where the
    collector reports) or Grafana datasource provisioning (each datasource ``url`` is queried)."""
    if "exporters" not in text and "datasources" not in text:
        return
    try:
        docs = load_all(text, path)
    except YamlError:
        return
    for doc in docs:
        if not isinstance(doc, LineDict):
            continue
        exporters = doc.get("exporters")
        if isinstance(exporters, LineDict) and isinstance(doc.get("receivers"), LineDict):
            for exporter in exporters:
                settings = exporters[exporter]
                if isinstance(settings, LineDict) and isinstance(settings.get("endpoint"), str):
                    line = settings.line_of("endpoint")[1]
                    evidence = Evidence(
                        SourceKind.CONFIG, Location(path, line), f"collector exporter {exporter}"
                    )
                    result.facts.append(
                        PlatformLink(owner, "reports_to", Value(settings["endpoint"]), evidence)
                    )
        sources = doc.get("datasources")
        if isinstance(sources, LineList):
            for index, source in enumerate(sources):
                if isinstance(source, LineDict) and isinstance(source.get("url"), str):
                    evidence = Evidence(
                        SourceKind.CONFIG, Location(path, sources.line_of(index)[1]), "datasource"
                    )
                    result.facts.append(Call(owner, Value(str(source["url"]), "config", "url"), evidence))


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
