"""Dapr: components, app ids, and service invocation by app id.

* A ``Component`` resource (``apiVersion: dapr.io/...``) of type ``state.*``, ``pubsub.*``,
  ``bindings.*`` names a datastore or broker technology (``state.redis`` → redis) and its host from the
  metadata (``redisHost``, ``host``, ``connectionString``, ``url``, ``brokers``); every app id in
  ``scopes`` connects to it. A component without scopes is available to every app and is declared
  only (no edges are guessed). Secret stores are not data stores and are skipped.
* App ids: a Kubernetes pod template annotated ``dapr.io/app-id``, and a compose ``daprd`` sidecar
  (``-app-id X`` / ``--app-id X``) whose ``network_mode: service:Y`` (else its name without
  ``-dapr``) names the application; the app id becomes another name of that service. The sidecar's
  ``-config`` Configuration (through its volumes) names the tracing backend the app reports to.
* Invocation by app id in code: ``InvokeMethodAsync(..., "basket-api", ...)``,
  ``CreateInvokeHttpClient("x")``,
  ``invokeMethod("x", ...)`` (Java), ``InvokeMethod(ctx, "x", ...)`` (Go), and
  ``http://localhost:3500/v1.0/invoke/<app-id>/method/...`` URLs: calls to the service with that app id.
* Pub/sub in code: a subscription ``[Topic("pubsub", "name")]`` (C#) /
  ``@Topic(name = ..., pubsubName = ...)`` (Java) consumes; ``PublishEventAsync("pubsub", "name", ...)``
  / ``publishEvent`` / ``PublishEvent`` publishes; literals, ``nameof(X)`` and string constants of the
  file. The message names the pub/sub *component*; the component is another name of the broker its
  metadata names.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from analyzer.extract.connstr import parse_connection_string
from analyzer.extract.facts import (
    Call,
    Connection,
    ConnectionInfo,
    DatastoreDecl,
    ExtractResult,
    FileContext,
    Message,
    PlatformLink,
    ServiceDecl,
    Value,
)
from analyzer.extract.yamlsrc import LineDict, LineList, YamlError, load_all
from analyzer.model import Evidence, Location, SourceKind

NAME = "dapr"

TECHNOLOGIES = {
    "redis": "redis",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mongodb": "mongodb",
    "sqlserver": "sqlserver",
    "cassandra": "cassandra",
    "cockroachdb": "cockroachdb",
    "rabbitmq": "rabbitmq",
    "kafka": "kafka",
    "natsstreaming": "nats",
    "jetstream": "nats",
    "pulsar": "pulsar",
    "mqtt3": "mqtt",
}
HOST_KEYS = ("redisHost", "host", "connectionString", "url", "brokers", "servers", "hosts", "natsURL")
_INVOKE = re.compile(
    r"(?:InvokeMethodAsync|InvokeMethodWithResponseAsync|CreateInvokeMethodRequest|CreateInvokeHttpClient|"
    r"invokeMethod|InvokeMethod|InvokeMethodWithContent)\s*(?:<[^>()]*>)?\s*\((?P<args>[^;]{0,200}?)\"(?P<app>[\w.-]+)\"",
    re.S,
)
_SUBSCRIBE_CS = re.compile(
    r"\[Topic\(\s*(?P<pubsub>[^,()]+?)\s*,\s*(?P<topic>nameof\([\w.]+\)|[^,()\]]+?)\s*[,)]"
)
_SUBSCRIBE_JAVA = re.compile(r"@Topic\((?P<args>[^)]*)\)")
_PUBLISH = re.compile(
    r"(?:PublishEventAsync|publishEvent|PublishEvent)\s*(?:<[^>()]*>)?\s*\(\s*(?:ctx\s*,\s*|context\s*,\s*)?"
    r"(?P<pubsub>[^,()]+?)\s*,\s*(?P<topic>nameof\([\w.]+\)|[^,()]+?)\s*[,)]"
)
_CONST = re.compile(
    r"\b(?:const\s+string|static\s+final\s+String|const)\s+(?P<name>\w+)\s*=\s*\"(?P<value>[^\"]*)\""
)
_URL = re.compile(r"localhost:3500/v1\.0/invoke/(?P<app>[\w.-]+)/method(?P<path>/[^\s\"'`]*)?")


def wants(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return name.endswith((".yaml", ".yml", ".cs", ".java", ".go", ".py", ".js", ".ts", ".kt"))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def extract(ctx: FileContext, text: str) -> ExtractResult:
    if ctx.path.endswith((".yaml", ".yml")):
        if "dapr" not in text or "{{" in text:
            return ExtractResult()  # Helm templates reach the Kubernetes reader rendered
        return _manifests(ctx, text)
    return _code(ctx, text)


def _code(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if not ctx.service:
        return result
    if "Topic" in text or "ublishEvent" in text:
        _pubsub(ctx, text, result)
    if "Invoke" not in text and "invoke" not in text:
        return result
    for match in _INVOKE.finditer(text):
        before = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
        if before.lstrip().startswith(("//", "#", "*")):
            continue
        evidence = Evidence(SourceKind.CODE, Location(ctx.path, _line(text, match.start())), "dapr invoke")
        result.facts.append(
            Call(ctx.service, Value(match.group("app"), "discovery"), evidence, protocol="dapr")
        )
    for match in _URL.finditer(text):
        evidence = Evidence(SourceKind.CODE, Location(ctx.path, _line(text, match.start())), "dapr invoke")
        call = Call(
            ctx.service,
            Value(match.group("app"), "discovery"),
            evidence,
            "dapr",
            path=match.group("path") or "",
        )
        result.facts.append(call)
    return result


def _pubsub(ctx: FileContext, text: str, result: ExtractResult) -> None:
    """Dapr subscriptions and publications whose component and topic the file writes down."""
    consts = {m.group("name"): m.group("value") for m in _CONST.finditer(text)}

    def literal(expression: str) -> str:
        expression = expression.strip()
        nameof = re.fullmatch(r"nameof\(([\w.]+)\)", expression)
        if nameof:
            return nameof.group(1).rsplit(".", 1)[-1]
        if re.fullmatch(r'"[^"]*"', expression):
            return expression[1:-1]
        return consts.get(expression.rsplit(".", 1)[-1], "")

    def add(direction: str, pubsub: str, topic: str, offset: int, detail: str) -> None:
        line_start = text.rfind("\n", 0, offset) + 1
        if text[line_start:offset].lstrip().startswith(("//", "#", "*")) or not pubsub or not topic:
            return
        evidence = Evidence(SourceKind.CODE, Location(ctx.path, _line(text, offset)), detail)
        result.facts.append(Message(ctx.service, direction, pubsub, topic, evidence))

    if ctx.path.endswith(".cs"):
        for match in _SUBSCRIBE_CS.finditer(text):
            pubsub, topic = literal(match.group("pubsub")), literal(match.group("topic"))
            add("consumes", pubsub, topic, match.start(), "dapr subscription")
    elif ctx.path.endswith((".java", ".kt")):
        for match in _SUBSCRIBE_JAVA.finditer(text):
            args = dict(re.findall(r"(\w+)\s*=\s*([^,]+)", match.group("args")))
            add("consumes", literal(args.get("pubsubName", "")), literal(args.get("name", "")), match.start(),
                "dapr subscription")  # fmt: skip
    for match in _PUBLISH.finditer(text):
        pubsub, topic = literal(match.group("pubsub")), literal(match.group("topic"))
        add("publishes", pubsub, topic, match.start(), "dapr publish")


def _manifests(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    try:
        docs = load_all(text, ctx.path)
    except YamlError:
        return result  # the compose / Kubernetes readers report broken YAML
    for doc in docs:
        if not isinstance(doc, LineDict):
            continue
        if doc.get("kind") == "Component" and str(doc.get("apiVersion", "")).startswith("dapr.io/"):
            _component(ctx, doc, result)
        elif isinstance(doc.get("services"), LineDict):
            _sidecars(ctx, doc["services"], result)
        elif isinstance(doc.get("spec"), LineDict) and isinstance(doc.get("metadata"), LineDict):
            _annotated(ctx, doc, result)
    return result


def _component(ctx: FileContext, doc: LineDict, result: ExtractResult) -> None:
    metadata = doc.get("metadata") or {}
    spec = doc.get("spec") or {}
    if not isinstance(spec, LineDict) or not isinstance(metadata, LineDict):
        return
    kind, _, product = str(spec.get("type", "")).partition(".")
    technology = TECHNOLOGIES.get(product.split(".")[-1].lower(), "")
    if kind not in ("state", "pubsub", "bindings") or not technology:
        return
    name = str(metadata.get("name") or "")
    items = spec.get("metadata")
    host = ""
    if isinstance(items, LineList):
        for item in items:
            if (
                isinstance(item, LineDict)
                and item.get("name") in HOST_KEYS
                and isinstance(item.get("value"), str)
            ):
                host = str(item["value"])
                break
    info = parse_connection_string(host) if "://" in host or ";" in host else None
    if info is None or not info.hosts:
        bare = host.split(",")[0].split(":")[0].strip()
        info = ConnectionInfo(technology, (bare,) if bare else (), raw_scheme="dapr")
    info = ConnectionInfo(
        technology, info.hosts, info.port, info.database, info.user, info.password, info.tls, "dapr"
    )
    line = doc.line_of("spec")[1] if "spec" in doc else 1
    evidence = Evidence(SourceKind.K8S, Location(ctx.path, line), f"dapr component {name}")
    role = (
        "broker"
        if kind == "pubsub" or technology in ("kafka", "rabbitmq", "nats", "pulsar", "mqtt")
        else "datastore"
    )
    if not info.hosts:
        return
    store = info.hosts[0]
    # the component's name is how code names the broker (a subscription's pubsub name)
    result.facts.append(
        DatastoreDecl(
            store, technology, evidence, role=role, aliases=(name,) if name and name != store else ()
        )
    )
    scopes = doc.get("scopes")
    if isinstance(scopes, LineList):
        for index, app in enumerate(scopes):
            scoped = Evidence(
                SourceKind.K8S, Location(ctx.path, scopes.line_of(index)[1]), f"dapr component {name}"
            )
            result.facts.append(Connection(str(app), info, scoped, "literal"))


def _sidecars(ctx: FileContext, services: LineDict, result: ExtractResult) -> None:
    for name, spec in services.items():
        if not isinstance(spec, LineDict):
            continue
        command = spec.get("command")
        words = [str(w) for w in command] if isinstance(command, LineList) else str(command or "").split()
        if not any("daprd" in w for w in words):
            continue
        app_id = next((words[i + 1] for i, w in enumerate(words[:-1]) if w in ("-app-id", "--app-id")), "")
        network = str(spec.get("network_mode") or "")
        app = network.split(":", 1)[1] if network.startswith("service:") else str(name).removesuffix("-dapr")
        if app_id and app and app != name:
            evidence = Evidence(
                SourceKind.COMPOSE, Location(ctx.path, services.line_of(name)[1]), "dapr app-id"
            )
            # the sidecar runs beside the app, in its network: one deployable unit, one node
            result.facts.append(ServiceDecl(app, evidence, aliases=(app_id, str(name))))
        placement = next(
            (words[i + 1] for i, w in enumerate(words[:-1]) if w.lstrip("-") == "placement-host-address"), ""
        )
        if placement and app:
            # actors register with the placement service, which places them across the app's replicas
            evidence = Evidence(
                SourceKind.COMPOSE, Location(ctx.path, services.line_of(name)[1]), "dapr placement"
            )
            result.facts.append(
                PlatformLink(app, "registers_with", Value(placement), evidence, "orchestration")
            )
        config = next((words[i + 1] for i, w in enumerate(words[:-1]) if w in ("-config", "--config")), "")
        if config and app:
            _tracing(ctx, app, config, spec, result)


def _tracing(ctx: FileContext, app: str, config: str, spec: LineDict, result: ExtractResult) -> None:
    """The tracing backend of a sidecar's Dapr ``Configuration`` (``-config /configuration/x.yaml``,
    found through the sidecar's volumes): the app's spans are exported there."""
    volumes = spec.get("volumes")
    root = Path(ctx.root).resolve()
    for volume in [str(v) for v in volumes] if isinstance(volumes, LineList) else []:
        host, _, target = volume.partition(":")
        target = target.split(":")[0].rstrip("/")
        if not target or not config.startswith(target + "/") or not host.startswith("."):
            continue
        path = (root / posixpath.dirname(ctx.path) / host / config[len(target) + 1 :]).resolve()
        try:
            rel = path.relative_to(root).as_posix()
            text = path.read_text(encoding="utf-8-sig")
            docs = load_all(text, rel)
        except (ValueError, OSError, UnicodeDecodeError, YamlError):
            continue
        for doc in docs:
            tracing = (doc.get("spec") or {}).get("tracing") if isinstance(doc, LineDict) else None
            if not isinstance(tracing, LineDict):
                continue
            for exporter in ("zipkin", "otel"):
                settings = tracing.get(exporter)
                if isinstance(settings, LineDict) and isinstance(settings.get("endpointAddress"), str):
                    line = settings.line_of("endpointAddress")[1]
                    evidence = Evidence(SourceKind.K8S, Location(rel, line), f"dapr tracing {exporter}")
                    address = Value(str(settings["endpointAddress"]))
                    result.facts.append(PlatformLink(app, "reports_to", address, evidence, "tracing_server"))


def _annotated(ctx: FileContext, doc: LineDict, result: ExtractResult) -> None:
    template = (doc.get("spec") or {}).get("template")
    if not isinstance(template, LineDict):
        return
    meta = template.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, LineDict) else None
    if not isinstance(annotations, LineDict) or "dapr.io/app-id" not in annotations:
        return
    name = str((doc.get("metadata") or {}).get("name") or "")
    app_id = str(annotations["dapr.io/app-id"])
    if name and app_id and name != app_id:
        line = annotations.line_of("dapr.io/app-id")[1]
        evidence = Evidence(SourceKind.K8S, Location(ctx.path, line), "dapr app-id")
        result.facts.append(ServiceDecl(name, evidence, aliases=(app_id,)))
