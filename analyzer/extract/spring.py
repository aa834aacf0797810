"""Spring Boot configuration: ``application*.yml|yaml|properties`` and ``bootstrap*.yml``.

Profiles come from the file name (``application-prod.yml``), from ``spring.config.activate.on-profile``
or the older ``spring.profiles`` in a ``---`` document; every fact carries its profile in
``Evidence.profile`` ("" for the default), and the resolver reports all profiles unless the config
names the deployed ones. Placeholders ``${KEY:default}`` resolve against the same file's keys,
else to their default (origin ``config``); ``${ENV_VAR}`` with no default stays a reference.

Read: ``spring.datasource`` / ``spring.r2dbc`` URLs (JDBC and R2DBC) with username and password,
``spring.data.mongodb`` (uri or host/port/database), Redis (``spring.data.redis`` and the older
``spring.redis``), Kafka brokers (``spring.kafka[.consumer|.producer|...].bootstrap-servers``, the
Cloud Stream binder's ``brokers``, Micronaut's ``kafka.bootstrap.servers``), ``spring.rabbitmq``,
``spring.elasticsearch.uris``,
``spring.jpa.hibernate.ddl-auto`` (marker), Flyway and Liquibase settings (migration tool marker),
``spring.application.name`` (another name of the service), actuator / OpenTelemetry settings
(telemetry marker), and any other value that is an ``http(s)://`` URL (a configured call target).

A config-server layout (a shared folder of ``<application>.yml``) is read the same way: a file
outside any service is attributed to its ``spring.application.name`` or its file-name stem.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from analyzer.extract.connstr import parse_connection_string, parse_host_list, password_kind
from analyzer.extract.facts import (
    Call,
    Connection,
    ConnectionInfo,
    Credential,
    ExtractResult,
    FileContext,
    Marker,
    Message,
    PlatformLink,
    ServiceDecl,
    Setting,
    Value,
)
from analyzer.extract.platform.spring_config import HANDLED_PREFIXES, platform_facts
from analyzer.extract.yamlsrc import LineDict, LineList, YamlError, load_all
from analyzer.model import Diagnostic, DiagnosticLevel, Evidence, Location, SourceKind

NAME = "spring"

# Where a Spring (or Micronaut) service names its Kafka brokers: the common setting, the client-specific
# ones that override it (a service that sets only ``spring.kafka.consumer.bootstrap-servers`` still
# connects), the Spring Cloud Stream binder, and Micronaut's ``kafka.bootstrap.servers``.
_KAFKA_SERVER_KEYS = (
    "spring.kafka.bootstrap-servers",
    "spring.kafka.consumer.bootstrap-servers",
    "spring.kafka.producer.bootstrap-servers",
    "spring.kafka.streams.bootstrap-servers",
    "spring.kafka.admin.bootstrap-servers",
    "spring.cloud.stream.kafka.binder.brokers",
    "kafka.bootstrap.servers",
)
_FILE = re.compile(r"^(application|bootstrap)(-(?P<profile>[\w.-]+))?\.(ya?ml|properties)$", re.I)
# NOTE: neither part runs past the start of another "${": on "${${${..." or "${a:${a:..." without a
# closing brace every start would otherwise scan to the end of the value (quadratic).
_PLACEHOLDER = re.compile(r"\$\{([^{}:]+)(?::((?:[^}$]|\$(?!\{))*))?\}")


def wants(path: str) -> bool:
    name = posixpath.basename(path)
    if _FILE.match(name):
        return True
    # Config-server layouts: config/<app>.yml or config-repo/<app>-<profile>.properties.
    return _client_file(path) is not None


# Folders of config-server layouts: a native backend's search location (``classpath:/shared``,
# ``offline-repository``) or a git-backed repository checked in beside the services.
_LAYOUT = re.compile(
    r"(^|/)(config|config-repo|configuration|config-server|config-data|configs|shared|offline-repository)(/|$)"
)
_STRONG_LAYOUT = re.compile(r"(^|/)(config-repo|config-data|shared|offline-repository)(/|$)")
_PROFILES = frozenset(
    {
        "docker",
        "dev",
        "development",
        "prod",
        "production",
        "local",
        "test",
        "qa",
        "staging",
        "native",
        "default",
        "kubernetes",
        "k8s",
        "cloud",
        "aws",
        "azure",
        "gcp",
        "compose",
        "integration",
    }
)


def _client_file(path: str) -> tuple[str, str] | None:
    """``(application, profile)`` of a config-server file ``<application>[-<profile>].yml`` in a
    config-server layout folder; ``None`` for anything else (``application.yml`` there is shared by
    all clients: ``("", profile)``)."""
    name = posixpath.basename(path)
    if not name.endswith((".properties", ".yml", ".yaml")) or name.startswith(
        (".", "docker-compose", "compose", "kustomization")
    ):
        return None
    folder = posixpath.dirname(path).lower()
    if not _LAYOUT.search(folder):
        return None
    stem = posixpath.splitext(name)[0]
    match = _FILE.match(name)
    if match:
        if match.group(1).lower() == "bootstrap" or not _STRONG_LAYOUT.search(folder):
            return None
        return "", match.group("profile") or ""
    head, _, tail = stem.rpartition("-")
    if head and tail.lower() in _PROFILES:
        return head, tail.lower()
    return stem, ""


Entry = tuple[str, str, int]  # (dotted key, value, line)


def _flatten(node: Any, prefix: str, line: int) -> Iterator[Entry]:
    if isinstance(node, LineDict):
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            yield from _flatten(value, name, node.line_of(key)[1])
    elif isinstance(node, LineList):
        for index, value in enumerate(node):
            yield from _flatten(value, f"{prefix}[{index}]", node.line_of(index)[1])
    elif node is not None:
        text = ("true" if node else "false") if isinstance(node, bool) else str(node)
        yield prefix, text, line


def _properties(text: str) -> list[Entry]:
    entries: list[Entry] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip() if not pending else raw.lstrip()
        if not pending and (not line or line[0] in "#!"):
            continue
        if not pending:
            start = number
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending += line[:-1]
            continue
        line = pending + line
        pending = ""
        entries.append((*_key_value(line), start))
    return entries


def _key_value(line: str) -> tuple[str, str]:
    """Split one logical ``.properties`` line: the key ends at the first unescaped ``=``, ``:`` or
    whitespace; one separator (with whitespace around it) follows. A scan, not a regex: a line of
    backslashes made the old pattern backtrack exponentially (44 bytes took minutes)."""
    index, size = 0, len(line)
    while index < size and not (line[index] in "=:" or line[index].isspace()):
        index += 2 if line[index] == "\\" else 1
    if index == 0 or index >= size:
        return line, ""
    rest = line[index:].lstrip()
    if rest[:1] in ("=", ":"):
        rest = rest[1:]
    return line[:index].replace("\\", ""), rest.strip()


def _documents(ctx: FileContext, text: str, result: ExtractResult) -> list[tuple[str, list[Entry]]]:
    """(profile, entries) per document of the file."""
    name = posixpath.basename(ctx.path)
    match = _FILE.match(name)
    file_profile = (match.group("profile") or "") if match else ""
    client = _client_file(ctx.path)
    if client is not None:
        file_profile = client[1]
    if name.endswith(".properties"):
        docs = [_properties(text)]
        if "#---" in text:
            docs = _split_properties(text)
    else:
        try:
            loaded = load_all(text, ctx.path)
        except YamlError as exc:
            result.diagnostics.append(Diagnostic(ctx.path, exc.line, DiagnosticLevel.ERROR, str(exc)))
            return []
        docs = [list(_flatten(doc, "", 1)) for doc in loaded]
    out = []
    for entries in docs:
        profile = file_profile
        for key, value, _ in entries:
            if key in ("spring.config.activate.on-profile", "spring.profiles") and value:
                profile = value.strip()
        out.append((profile, entries))
    return out


def _split_properties(text: str) -> list[list[Entry]]:
    docs: list[list[Entry]] = [[]]
    offset = 0
    for part in re.split(r"(?m)^#---\s*$", text):
        entries = [(k, v, line + offset) for k, v, line in _properties(part)]
        docs.append(entries)
        offset += part.count("\n")
    return [d for d in docs if d]


def _committed_default(raw: str) -> bool:
    """True for a whole-value placeholder whose default is a literal (``${PW:s3cret}``)."""
    match = re.fullmatch(r"\$\{[^:{}]+:([^{}]*)\}", raw.strip())
    return match is not None and password_kind(match.group(1).strip()) == "literal"


def _resolve(value: str, keys: dict[str, str], depth: int = 0) -> tuple[str, str]:
    """(value, origin): placeholders resolved against the file's keys or their defaults."""
    origin = "literal"
    if "${" not in value or depth > 5:
        return value, origin

    def replace(match: re.Match[str]) -> str:
        nonlocal origin
        name, default = match.group(1), match.group(2)
        if name in keys:
            origin = "config"
            return _resolve(keys[name], keys, depth + 1)[0]
        if default is not None:
            origin = "config"
            return default
        origin = "reference"
        return match.group(0)

    resolved = _PLACEHOLDER.sub(replace, value)
    if resolved != value and "${" in resolved:  # a nested default: ${A:${B:x}} → ${A:x} → x
        resolved = _resolve(resolved, keys, depth + 1)[0]
    return resolved, origin


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    documents = _documents(ctx, text, result)
    all_keys = {k: v for _, entries in documents for k, v, _ in entries}
    app_name = next((v for k, v in all_keys.items() if k == "spring.application.name" and v), "")
    client = _client_file(ctx.path)
    service = ctx.service
    if client is not None and (not ctx.service or _STRONG_LAYOUT.search(posixpath.dirname(ctx.path).lower())):
        # NOTE: a config server's per-application file configures the client it names, never the
        # config server that serves it; a shared application.yml there configures every client.
        # A plain `config/` folder inside a service is its own configuration (Spring reads it).
        service = (app_name if app_name and "${" not in app_name else "") or client[0]
    named_by_file = client is not None
    spring_keys = ("spring.", "server.", "management.", "eureka.", "zuul.", "hystrix.", "ribbon.", "turbine.")
    if named_by_file and not any(k.startswith(spring_keys) for k in all_keys):
        return result  # a YAML file in a config folder that is not Spring configuration
    if not service and client is not None and client[0] == "" and ctx.service:
        # A shared application.yml of the config server: its platform settings (the registry, the
        # tracing backend) hold for every client the server configures.
        _shared(ctx, documents, result)
        return result
    if not service:
        return result
    for profile, entries in documents:
        keys = {k: v for k, v, _ in entries}
        lines = {k: line for k, _, line in entries}
        context = {**all_keys, **keys}

        def ev(key: str, detail: str = "", profile: str = profile, lines: dict[str, int] = lines) -> Evidence:
            return Evidence(
                SourceKind.CONFIG, Location(ctx.path, lines.get(key, 1)), detail or key, 1, profile
            )

        def value(
            key: str, keys: dict[str, str] = keys, context: dict[str, str] = context
        ) -> tuple[str, str]:
            return _resolve(keys.get(key, ""), context)

        facts = result.facts
        if keys.get("spring.application.name"):
            name, _ = value("spring.application.name")
            # a config server's file for a client names that client, not the config server
            if name and "${" not in name and ctx.service and name != ctx.service and service == ctx.service:
                facts.append(ServiceDecl(ctx.service, ev("spring.application.name"), aliases=(name,)))
        for prefix in ("spring.datasource", "spring.r2dbc", "spring.datasource.hikari"):
            url_key = f"{prefix}.url" if f"{prefix}.url" in keys else f"{prefix}.jdbc-url"
            if url_key not in keys:
                continue
            url, _ = value(url_key)
            info = parse_connection_string(url.replace("r2dbc:", "", 1) if url.startswith("r2dbc:") else url)
            if info is None or not info.hosts:
                continue
            password_raw = keys.get(f"{prefix}.password", "")
            password = password_kind(password_raw) if password_raw else info.password
            user = value(f"{prefix}.username")[0] or info.user
            info = ConnectionInfo(
                info.technology,
                info.hosts,
                info.port,
                info.database,
                user,
                password,
                info.tls,
                info.raw_scheme,
            )
            facts.append(Connection(service, info, ev(url_key, _detail(url_key, keys)), "config"))
            if password_raw and password == "literal":
                facts.append(Credential(service, f"{prefix}.password", ev(f"{prefix}.password")))
            elif _committed_default(password_raw):
                # `${DB_PASSWORD:s3cret}`: the env var is a reference, but its fallback is a
                # plaintext password written in the repository and used whenever the var is unset
                facts.append(
                    Credential(
                        service,
                        f"{prefix}.password",
                        ev(f"{prefix}.password", f"{prefix}.password default"),
                    )
                )
        _nosql(service, keys, value, ev, facts)
        _stream_bindings(service, keys, all_keys, ev, facts)
        ddl = keys.get("spring.jpa.hibernate.ddl-auto") or keys.get(
            "spring.jpa.properties.hibernate.hbm2ddl.auto"
        )
        if ddl:
            key = (
                "spring.jpa.hibernate.ddl-auto"
                if "spring.jpa.hibernate.ddl-auto" in keys
                else "spring.jpa.properties.hibernate.hbm2ddl.auto"
            )
            resolved, _ = value(key)
            facts.append(Marker(service, "ddl_auto", resolved.strip().lower(), ev(key)))
        if keys.get("spring.flyway.enabled", "true") != "false" and any(
            k.startswith("spring.flyway.") for k in keys
        ):
            first = next(k for k in keys if k.startswith("spring.flyway."))
            facts.append(Marker(service, "migration_tool", "flyway", ev(first)))
        if (
            any(k.startswith("spring.liquibase.change-log") for k in keys)
            and keys.get("spring.liquibase.enabled") != "false"
        ):
            facts.append(Marker(service, "migration_tool", "liquibase", ev("spring.liquibase.change-log")))
        for key in keys:
            if key.startswith(
                ("management.tracing", "management.otlp", "otel.", "management.metrics.export")
            ):
                facts.append(
                    Marker(service, "telemetry", key.split(".")[0] + "." + key.split(".")[1], ev(key))
                )
                break
        handled = {
            k
            for k in keys
            if k.startswith(
                (
                    "spring.datasource",
                    "spring.r2dbc",
                    "spring.data.",
                    "spring.redis",
                    "spring.kafka",
                    "spring.rabbitmq",
                    "spring.elasticsearch",
                    "eureka.",
                    "spring.cloud.config",
                    *HANDLED_PREFIXES,
                )
            )
        }
        facts.extend(platform_facts(service, keys, value, ev))
        for key in keys:
            if key in handled:
                continue
            resolved, _ = value(key)
            if re.match(r"^https?://[A-Za-z0-9_.-]+", resolved):
                facts.append(Call(service, Value(resolved, "config", key), ev(key, _detail(key, keys))))
        # Every key, for the code that reads it (@Value, @ConfigurationProperties): resolve/configjoin.
        facts.extend(Setting(service, key, value(key)[0], ev(key)) for key in keys)
    return result


_BINDING = re.compile(r"^spring\.cloud\.stream\.bindings\.(?P<name>[^.]+)\.destination$")


def _stream_bindings(
    service: str, keys: dict[str, str], all_keys: dict[str, str], ev: Any, facts: list[Any]
) -> None:
    """Spring Cloud Stream: ``bindings.<name>.destination`` is a topic; ``*-out-N`` / ``output``
    bindings publish, ``*-in-N`` / ``input`` consume. The broker is the binder's type, else the
    one whose Spring settings are present (Kafka first)."""
    binder = next(
        (v for k, v in all_keys.items() if re.match(r"spring\.cloud\.stream\.binders\.[^.]+\.type$", k)), ""
    )
    if not binder:
        if any(k.startswith(("spring.kafka", "spring.cloud.stream.kafka")) for k in all_keys):
            binder = "kafka"
        elif any(k.startswith(("spring.rabbitmq", "spring.cloud.stream.rabbit")) for k in all_keys):
            binder = "rabbit"
    system = {"kafka": "kafka", "rabbit": "rabbitmq", "kinesis": "kinesis", "pubsub": "pubsub"}.get(
        binder, binder or "kafka"
    )
    for key, topic in keys.items():
        match = _BINDING.match(key)
        if not match or not topic or "${" in topic:
            continue
        name = match.group("name").lower()
        if re.search(r"(-out-\d+|output)$", name):
            direction = "publishes"
        elif re.search(r"(-in-\d+|input)$", name):
            direction = "consumes"
        else:
            continue
        for destination in topic.split(","):
            facts.append(Message(service, direction, system, destination.strip(), ev(key, key)))


def _shared(ctx: FileContext, documents: list[tuple[str, list[Entry]]], result: ExtractResult) -> None:
    for profile, entries in documents:
        keys = {k: v for k, v, _ in entries}
        lines = {k: line for k, _, line in entries}

        def value(key: str, keys: dict[str, str] = keys) -> tuple[str, str]:
            return _resolve(keys.get(key, ""), keys)

        for fact in platform_facts("", keys, value, _evidence(ctx.path, lines, profile)):
            if isinstance(fact, PlatformLink):
                result.facts.append(dataclasses.replace(fact, clients_of=ctx.service))


def _evidence(path: str, lines: dict[str, int], profile: str) -> Any:
    def ev(key: str, detail: str = "") -> Evidence:
        return Evidence(SourceKind.CONFIG, Location(path, lines.get(key, 1)), detail or key, 1, profile)

    return ev


def _detail(key: str, keys: dict[str, str]) -> str:
    """Evidence detail: the key, plus the environment variable its placeholder names, so the
    resolver can tell a dev default from what the deployment sets."""
    raw = keys.get(key, "")
    variables = [m.group(1) for m in _PLACEHOLDER.finditer(raw) if m.group(1) not in keys]
    return f"{key} ${{{variables[0]}}}" if variables else key


def _nosql(service: str, keys: dict[str, str], value: Any, ev: Any, facts: list[Any]) -> None:
    mongo_uri = next((k for k in ("spring.data.mongodb.uri", "spring.mongodb.uri") if k in keys), None)
    if mongo_uri:
        info = parse_connection_string(value(mongo_uri)[0])
        if info is not None and info.hosts:
            facts.append(Connection(service, info, ev(mongo_uri, _detail(mongo_uri, keys)), "config"))
    elif "spring.data.mongodb.host" in keys:
        host = value("spring.data.mongodb.host")[0]
        port = value("spring.data.mongodb.port")[0]
        facts.append(
            Connection(
                service,
                ConnectionInfo(
                    "mongodb",
                    (host.lower(),),
                    int(port) if port.isdigit() else None,
                    value("spring.data.mongodb.database")[0],
                    raw_scheme="spring",
                ),
                ev("spring.data.mongodb.host", _detail("spring.data.mongodb.host", keys)),
                "config",
            )
        )
    for prefix in ("spring.data.redis", "spring.redis"):
        if f"{prefix}.url" in keys:
            info = parse_connection_string(value(f"{prefix}.url")[0])
            if info is not None and info.hosts:
                facts.append(
                    Connection(service, info, ev(f"{prefix}.url", _detail(f"{prefix}.url", keys)), "config")
                )
        elif f"{prefix}.host" in keys:
            host = value(f"{prefix}.host")[0]
            port = value(f"{prefix}.port")[0]
            database = value(f"{prefix}.database")[0]
            tls = True if value(f"{prefix}.ssl.enabled")[0] == "true" else None
            info = ConnectionInfo(
                "redis",
                (host.lower(),),
                int(port) if port.isdigit() else None,
                database,
                tls=tls,
                raw_scheme="spring",
            )
            facts.append(
                Connection(service, info, ev(f"{prefix}.host", _detail(f"{prefix}.host", keys)), "config")
            )
    seen_kafka: set[tuple[str, ...]] = set()
    for kafka_key in _KAFKA_SERVER_KEYS:
        if kafka_key not in keys:
            continue
        listed = parse_host_list(value(kafka_key)[0], "kafka")
        if listed is not None and listed.hosts not in seen_kafka:
            seen_kafka.add(listed.hosts)
            facts.append(Connection(service, listed, ev(kafka_key, _detail(kafka_key, keys)), "config"))
    if "spring.rabbitmq.addresses" in keys:
        listed = parse_host_list(value("spring.rabbitmq.addresses")[0].replace("amqp://", ""), "rabbitmq")
        if listed is not None:
            facts.append(Connection(service, listed, ev("spring.rabbitmq.addresses"), "config"))
    elif "spring.rabbitmq.host" in keys:
        host = value("spring.rabbitmq.host")[0]
        password_raw = keys.get("spring.rabbitmq.password", "")
        info = ConnectionInfo(
            "rabbitmq",
            (host.lower(),),
            None,
            "",
            value("spring.rabbitmq.username")[0],
            password_kind(password_raw),
            raw_scheme="spring",
        )
        facts.append(
            Connection(
                service, info, ev("spring.rabbitmq.host", _detail("spring.rabbitmq.host", keys)), "config"
            )
        )
    if "spring.elasticsearch.uris" in keys:
        uri = value("spring.elasticsearch.uris")[0].split(",")[0]
        match = re.match(r"^https?://([^:/]+)(?::(\d+))?", uri)
        if match:
            info = ConnectionInfo(
                "elasticsearch",
                (match.group(1).lower(),),
                int(match.group(2)) if match.group(2) else None,
                raw_scheme="spring",
            )
            facts.append(Connection(service, info, ev("spring.elasticsearch.uris"), "config"))
