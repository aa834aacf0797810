"""Plain configuration files of a service: ``config.json``, ``config.yaml``, ``settings.json``...

Keys are flattened (``db.host``, ``Database__Host``) and classified like deployment environment
(connection strings, ``*Address`` / ``*Host`` / ``*Url`` settings, literal passwords). A config file
outside any service folder that the compose file beside it mounts (``configs:`` or a volume) is a
*shared* file, DeathStarBench style: a key whose first word is the start of one service's name
(``GeoMongoAddress`` → geo, ``ReserveMemcAddress`` → reservation) belongs to that service, and a
key naming another system with no owner prefix (``consulAddress``) applies to every application
service of the compose file.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import yaml

from analyzer.extract.envfacts import classify
from analyzer.extract.facts import ExtractResult, FileContext
from analyzer.extract.images import repository, technology_for_image
from analyzer.extract.yamlsrc import LineDict, YamlError, flatten, load
from analyzer.model import Diagnostic, DiagnosticLevel, Evidence, Location, SourceKind
from analyzer.model.limits import LimitExceeded, safe_load_bounded

NAME = "jsonconfig"
FILES = {"config.json", "config.yaml", "config.yml", "settings.json", "appconfig.json", "service-config.json"}


def wants(path: str) -> bool:
    return posixpath.basename(path).lower() in FILES


# Platform components next to the services (discovery, tracing, proxies): they are called, they
# are not the owners of a shared file's settings.
_INFRASTRUCTURE = re.compile(
    r"(^|/)(consul|jaeger|all-in-one|zipkin|prometheus|grafana|otel-collector|opentelemetry-collector[\w-]*|"
    r"traefik|nginx|envoy|vault|etcd)$"
)


def _mounting_compose(ctx: FileContext) -> tuple[set[str], set[str]] | None:
    """(application services, datastores) of a compose file in the same folder that mounts this file."""
    folder = posixpath.dirname(ctx.path)
    base = Path(ctx.root) / folder if folder else Path(ctx.root)
    name = posixpath.basename(ctx.path)
    for candidate in ("docker-compose.yml", "docker-compose.yaml", "compose.yaml", "compose.yml"):
        path = base / candidate
        try:
            text = path.read_text(encoding="utf-8-sig", errors="replace") if path.is_file() else ""
            data = safe_load_bounded(text) if text and name in text else None
        except (OSError, yaml.YAMLError, LimitExceeded):
            continue
        services = data.get("services") if isinstance(data, dict) else None
        if not isinstance(services, dict):
            continue
        apps: set[str] = set()
        stores: set[str] = set()
        for svc, spec in services.items():
            image = str(spec.get("image") or "") if isinstance(spec, dict) else ""
            if technology_for_image(image):
                stores.add(str(svc).lower())
            elif not _INFRASTRUCTURE.search(repository(image)):
                apps.add(str(svc).lower())
        return apps, stores
    return None


def _abbreviates(word: str, name: str) -> bool:
    """``Reserve`` → reservation, ``Recommend`` → recommendation, ``Geo`` → geo."""
    common = len(posixpath.commonprefix([word, name]))
    return len(word) >= 3 and common >= max(3, len(word) - 1)


def _all_services(ctx: FileContext) -> set[str] | None:
    """Every service name of the compose file beside ``ctx.path`` (apps, platform, stores)."""
    folder = posixpath.dirname(ctx.path)
    base = Path(ctx.root) / folder if folder else Path(ctx.root)
    for candidate in ("docker-compose.yml", "docker-compose.yaml", "compose.yaml", "compose.yml"):
        try:
            data = safe_load_bounded((base / candidate).read_text(encoding="utf-8-sig", errors="replace"))
        except (OSError, yaml.YAMLError, LimitExceeded):
            continue
        services = data.get("services") if isinstance(data, dict) else None
        if isinstance(services, dict):
            return {str(s).lower() for s in services}
    return None


def _camel_words(key: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", key.rsplit(".", 1)[-1])]


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    try:
        data = load(text, ctx.path)
    except YamlError as exc:
        result.diagnostics.append(
            Diagnostic(ctx.path, exc.line, DiagnosticLevel.ERROR, f"invalid configuration: {exc}")
        )
        return result
    if not isinstance(data, LineDict):
        return result
    entries = list(flatten(data, "."))
    siblings = {re.sub(r"[^A-Za-z0-9]+", "_", k).upper(): v for k, v, _ in entries}
    if ctx.service:
        owners_of = {key: [ctx.service] for key, _, _ in entries}
        names: set[str] = set()
    else:
        mounted = _mounting_compose(ctx)
        if mounted is None:
            return result
        apps, stores = mounted
        everyone = (_all_services(ctx) or set()) - stores
        names = everyone | stores
        owners_of = {}
        for key, value, _ in entries:
            words = _camel_words(key)
            target = value.lower().split(":")[0]
            owner = [a for a in sorted(apps) if words and _abbreviates(words[0], a) and a != target]
            if len(owner) == 1:
                owners_of[key] = owner
            elif words and words[0] == target.split("-")[0] and target in everyone:
                owners_of[key] = sorted(a for a in apps if a != target)  # a system everyone talks to
    for key, value, line in entries:
        evidence = Evidence(SourceKind.CONFIG, Location(ctx.path, line), key)
        for owning in owners_of.get(key, []):
            result.facts.extend(classify(owning, key, value, evidence, siblings, names, literal=True))
    return result
