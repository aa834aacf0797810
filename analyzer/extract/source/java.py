"""Java (Spring) services.

Read from the syntax tree: ``static final`` string constants and ``@Value("${key:default}")``
fields (origin ``config``), ``System.getenv``; ``RestTemplate`` calls (``getForObject``,
``postForObject``, ``exchange(url, HttpMethod.X, ...)``, ``put``, ``delete``), ``WebClient``
chains (``.post().uri(url)``), ``@FeignClient(name|url)``; ``KafkaTemplate.send`` and
``RabbitTemplate.convertAndSend``, ``@KafkaListener(topics)`` / ``@RabbitListener(queues)``;
JPA ``@Entity`` / ``@Table(name)`` (the table is read and written), ``@Document(collection)``,
Spring Data repositories (``save`` / ``delete*`` on a repository field counts as a write of the
service's own data), ``JdbcTemplate`` and ``@Query(nativeQuery = true)`` SQL,
``DriverManager.getConnection``; ``@GetMapping`` & co under ``@RequestMapping`` prefixes and
message listeners as operations; markers for sagas (Eventuate Tram ``SagaDefinition`` /
``withCompensation``, Axon ``@Saga``, Temporal, Camunda / Zeebe), compensation handlers,
outboxes (an ``Outbox`` entity or table, Debezium outbox) and telemetry (OpenTelemetry,
Micrometer).

Followed across files: a handler's calls on fields of the service's own types (``orderService.place()``)
— every method is summarised as an internal operation under its class and interface names, and the
resolver folds the summaries into the handler's write set. Not followed: constants of other
classes (they stay unresolved and say which name), inherited mappings, calls on local variables or
through factories, lambdas passed elsewhere.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from analyzer.extract.facts import (
    Call,
    ExtractResult,
    FileContext,
    Marker,
    Message,
    Setting,
    TableAccess,
    Value,
)
from analyzer.extract.source import credentials
from analyzer.extract.source.base import (
    UNKNOWN,
    VALUE_BUILDERS,
    FileScan,
    begin,
    carries_address,
    combine,
    nodes_of,
    text_of,
)
from analyzer.extract.source.flow import JAVA, Flow
from analyzer.extract.source.operations import Scope, class_summaries, collect_operations
from analyzer.extract.values import config, env, formatted, unknown, url_join

NAME = "java"
_PLACEHOLDER = re.compile(r"^\$\{([^}:]+)(?::(.*))?\}$", re.S)
_PLACEHOLDERS = re.compile(r"\$\{([^}:]+)(?::([^}]*))?\}")
_MAPPINGS = {
    "GetMapping": "GET",
    "PostMapping": "POST",
    "PutMapping": "PUT",
    "DeleteMapping": "DELETE",
    "PatchMapping": "PATCH",
}
_REST = {
    "getForObject": "GET", "getForEntity": "GET", "postForObject": "POST", "postForEntity": "POST",
    "postForLocation": "POST", "put": "PUT", "patchForObject": "PATCH", "delete": "DELETE",
}  # fmt: skip
_FRAMEWORK_TYPES = {
    "RestTemplate", "WebClient", "RestClient", "KafkaTemplate", "RabbitTemplate", "AmqpTemplate",
    "JdbcTemplate", "NamedParameterJdbcTemplate", "String", "Logger", "ObjectMapper", "EntityManager",
    "ApplicationEventPublisher",
}  # fmt: skip
_NOT_ACCESSORS = frozenset({"build", "toString", "hashCode", "clone", "values", "keySet", "entrySet", "size"})
_CONFIG_CLASS_SUFFIXES = ("Properties", "Config", "Configuration", "Settings", "Options")
_REPO_WRITES = re.compile(r"^(save|saveAll|saveAndFlush|delete|deleteAll|deleteById|insert|update)")
_MARKER_IMPORTS = {
    "io.opentelemetry": ("telemetry", "opentelemetry"),
    "io.micrometer": ("telemetry", "micrometer"),
    "io.eventuate.tram.sagas": ("saga", "eventuate-tram"),
    "org.axonframework.modelling.saga": ("saga", "axon"),
    "io.temporal": ("saga", "temporal"),
    "com.uber.cadence": ("saga", "cadence"),
    "io.camunda": ("saga", "camunda"),
    "org.camunda": ("saga", "camunda"),
    "io.debezium.outbox": ("outbox", "debezium"),
}


def wants(path: str) -> bool:
    return path.endswith(".java")


def _annotations(node: Node) -> list[Node]:
    modifiers = next((c for c in node.named_children if c.type == "modifiers"), None)
    if modifiers is None:
        return []
    return [c for c in modifiers.named_children if c.type in ("annotation", "marker_annotation")]


def _annotation_name(node: Node) -> str:
    return text_of(node.child_by_field_name("name")).rsplit(".", 1)[-1]


def _annotation_args(node: Node) -> dict[str, Node]:
    """``value`` for a single unnamed argument, else the named element values."""
    arguments = node.child_by_field_name("arguments")
    out: dict[str, Node] = {}
    if arguments is None:
        return out
    for child in arguments.named_children:
        if child.type == "element_value_pair":
            key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
            if key is not None and value is not None:
                out[text_of(key)] = value
        elif child.type != "comment":
            out["value"] = child
    return out


class _Walker:
    def __init__(self, scan: FileScan) -> None:
        self.scan = scan
        self.field_types: dict[str, str] = {}
        self.field_inits: dict[str, Node] = {}  # field -> value assigned in a constructor
        self.methods: dict[str, Node] = {}  # own methods, for helpers that return a URL
        self.properties_classes: dict[str, str] = {}  # @ConfigurationProperties class -> prefix
        self.flow = Flow(JAVA, self.value)
        self._returning: set[str] = set()

    def value(self, node: Node | None) -> Value:
        if node is None:
            return UNKNOWN
        kind = node.type
        if kind == "string_literal":
            return Value(
                "".join(
                    text_of(c)
                    for c in node.named_children
                    if c.type in ("string_fragment", "multiline_string_fragment")
                )
            )
        if kind == "identifier":
            return self.name_value(node, text_of(node))
        if kind == "field_access":
            field = text_of(node.child_by_field_name("field"))
            if text_of(node.child_by_field_name("object")) == "this":
                return self.field_value(field)
            return self.scan.consts.get(field, unknown(field))
        if kind == "binary_expression" and text_of(node.child_by_field_name("operator")) == "+":
            return combine(
                [self.value(node.child_by_field_name("left")), self.value(node.child_by_field_name("right"))]
            )
        if kind in ("parenthesized_expression", "cast_expression") and node.named_children:
            return self.value(node.named_children[-1])
        if kind == "ternary_expression":
            # `useSsl ? "https://" + host : "http://" + host`: the branch the deployment is likelier to
            # configure is unknowable; the alternative (usually the plain default) is taken.
            return self.value(node.child_by_field_name("alternative"))
        if kind == "object_creation_expression":
            type_name = text_of(node.child_by_field_name("type")).rsplit(".", 1)[-1]
            args = self._args(node)
            if type_name in ("URL", "URI", "StringBuilder", "String") and args:
                if type_name == "URL" and len(args) == 2:
                    return url_join(self.value(args[0]), self.value(args[1]))
                return self.value(args[0])
            return UNKNOWN
        if kind == "method_invocation":
            return self.invocation_value(node)
        if kind == "element_value_array_initializer" and node.named_children:
            return self.value(node.named_children[0])
        return UNKNOWN

    def name_value(self, use: Node, name: str) -> Value:
        """A local (assigned before ``use`` in the method), an injected parameter, a field or a constant."""
        local = self.flow.lookup(use, name)
        if local is not None:
            return local
        injected = self._injected_parameter(use, name)
        if injected is not None:
            return injected
        if name in self.field_types or name in self.field_inits:
            return self.field_value(name)
        return self.scan.consts.get(name, self.flow.unbound(use, name))

    def field_value(self, name: str) -> Value:
        if name in self.scan.consts:
            return self.scan.consts[name]
        init = self.field_inits.get(name)
        if init is not None:
            return self.value(init)
        owner = self.properties_owner
        if owner:
            return config(f"@{owner}.{name}")
        return unknown(name)

    properties_owner = ""  # the file's @ConfigurationProperties class, whose fields are config keys

    def _injected_parameter(self, use: Node, name: str) -> Value | None:
        scope = self.flow.scope_of(use)
        while scope is not None:
            parameters = scope.child_by_field_name("parameters")
            for parameter in parameters.named_children if parameters is not None else []:
                if (
                    parameter.type != "formal_parameter"
                    or text_of(parameter.child_by_field_name("name")) != name
                ):
                    continue
                for annotation in _annotations(parameter):
                    if _annotation_name(annotation) == "Value":
                        raw = self.value(_annotation_args(annotation).get("value"))
                        return self.config_value(raw.text)
                type_name = text_of(parameter.child_by_field_name("type")).split("<")[0]
                if type_name in self.properties_classes:
                    return None
                return unknown(name)
            scope = self.flow.scope_of(scope)
        return None

    def invocation_value(self, node: Node) -> Value:
        name = text_of(node.child_by_field_name("name"))
        obj_node = node.child_by_field_name("object")
        obj = text_of(obj_node)
        args = self._args(node)
        if obj == "System" and name in ("getenv", "getProperty") and args:
            variable = self.value(args[0]).text
            default = self.value(args[1]).text if len(args) > 1 else ""
            return env(variable, default) if name == "getenv" else config(variable, default)
        if name == "getProperty" and args and obj.rsplit(".", 1)[-1].lower() in ("env", "environment"):
            key = self.value(args[0]).text
            default = self.value(args[1]).text if len(args) > 1 else ""
            return config(key, default) if key else UNKNOWN
        if name in ("format", "formatted") and (obj == "String" or name == "formatted"):
            if name == "formatted":
                return formatted(self.value(obj_node), [self.value(a) for a in args])
            if args:
                return formatted(self.value(args[0]), [self.value(a) for a in args[1:]])
        if name in (
            "valueOf", "toString", "toUriString", "build", "encode", "trim", "toUri", "expand",
            "buildAndExpand", "queryParam", "queryParams", "queryParamIfPresent", "fragment",
        ):  # fmt: skip
            if name == "valueOf" and args:
                return self.value(args[0])
            if obj_node is not None:
                return self.value(obj_node)
        if name in ("concat", "append") and obj_node is not None and args:
            return combine([self.value(obj_node), self.value(args[0])])
        if (
            name in ("fromHttpUrl", "fromUriString", "create")
            and args
            and obj in ("UriComponentsBuilder", "URI", "UriBuilder", "HttpUrl")
        ):
            return self.value(args[0])
        if name in ("path", "pathSegment") and obj_node is not None and args:
            return url_join(self.value(obj_node), self.value(args[0]))
        if name in ("resolve",) and obj_node is not None and args:
            return url_join(self.value(obj_node), self.value(args[0]))
        if obj in ("", "this") and name in self.methods:
            return self.returned(name)
        owner_type = self._owner_type(obj)
        if (
            owner_type[:1].isupper()
            and owner_type not in _FRAMEWORK_TYPES
            and (owner_type in self.properties_classes or owner_type.endswith(_CONFIG_CLASS_SUFFIXES))
            and (name.startswith(("get", "is")) or name not in _NOT_ACCESSORS)
            and not args
        ):
            # a getter of a @ConfigurationProperties class (declared in any file of the service):
            # the resolver binds @Class.field to the class's prefix
            # getBaseUrl() of a class, promotion() of a record: the component is the key
            field = name.removeprefix("get").removeprefix("is") if re.match(r"^(get|is)[A-Z]", name) else name
            return config(f"@{owner_type}.{field[:1].lower()}{field[1:]}")
        if owner_type == "" and obj and obj[:1].isupper() and name.startswith("get"):
            return UNKNOWN
        return unknown(f"{obj}.{name}()" if obj else f"{name}()")

    def returned(self, method: str) -> Value:
        """What a helper method of the class returns (its last return statement)."""
        if method in self._returning:
            return unknown(f"{method}()")
        self._returning.add(method)
        try:
            body = self.methods[method].child_by_field_name("body")
            returns = nodes_of("java", body, ("return_statement",)) if body is not None else []
            returns = [
                r for r in returns if self.flow.scope_of(r) == self.methods[method] and r.named_children
            ]
            if not returns:
                return unknown(f"{method}()")
            return self.value(returns[-1].named_children[0])
        finally:
            self._returning.discard(method)

    @staticmethod
    def _args(call: Node) -> list[Node]:
        arguments = call.child_by_field_name("arguments")
        return [c for c in arguments.named_children if c.type != "comment"] if arguments is not None else []

    def config_value(self, text: str) -> Value:
        """``${key:default}`` is a config slot; text around placeholders stays literal
        (``http://${host}:${port}/x``)."""
        if "${" not in text:
            return Value(text)
        parts: list[Value] = []
        position = 0
        for match in _PLACEHOLDERS.finditer(text):
            if match.start() > position:
                parts.append(Value(text[position : match.start()]))
            parts.append(config(match.group(1), match.group(2) or ""))
            position = match.end()
        if position < len(text):
            parts.append(Value(text[position:]))
        return combine(parts)

    def fields(self, root: Node) -> None:
        for declaration in nodes_of("java", root, ("class_declaration", "record_declaration")):
            annotations = {_annotation_name(a): a for a in _annotations(declaration)}
            if "ConfigurationProperties" in annotations:
                args = _annotation_args(annotations["ConfigurationProperties"])
                prefix = self.value(_first(args, "prefix", "value")).text
                class_name = text_of(declaration.child_by_field_name("name"))
                self.properties_classes[class_name] = prefix
                self.properties_owner = self.properties_owner or class_name
                self.scan.facts.append(
                    Setting(
                        self.scan.service,
                        f"@{class_name}",
                        prefix,
                        self.scan.evidence(annotations["ConfigurationProperties"], "ConfigurationProperties"),
                    )
                )
        for method in nodes_of("java", root, ("method_declaration", "constructor_declaration")):
            if method.type == "method_declaration":
                self.methods.setdefault(text_of(method.child_by_field_name("name")), method)
                continue
            for binder in nodes_of("java", method, ("assignment_expression",)):
                left = binder.child_by_field_name("left")
                right = binder.child_by_field_name("right")
                if (
                    left is not None
                    and right is not None
                    and text_of(binder.child_by_field_name("operator")) == "="
                ):
                    target = text_of(left).removeprefix("this.")
                    if target.isidentifier():
                        self.field_inits.setdefault(target, right)
        for node in nodes_of("java", root, ("field_declaration", "constant_declaration")):
            if node.type not in ("field_declaration", "constant_declaration"):
                continue
            type_node = node.child_by_field_name("type")
            declarator = node.child_by_field_name("declarator")
            if declarator is None:
                continue
            name = text_of(declarator.child_by_field_name("name"))
            self.field_types[name] = text_of(type_node).split("<")[0]
            for annotation in _annotations(node):
                if _annotation_name(annotation) == "Value":
                    raw = self.value(_annotation_args(annotation).get("value"))
                    self.scan.consts[name] = self.config_value(raw.text)
            value_node = declarator.child_by_field_name("value")
            if value_node is not None and name not in self.scan.consts:
                value = self.value(value_node)
                if value.known or value.origin in ("env", "config"):
                    self.scan.consts[name] = value

    def _owner_type(self, obj: str) -> str:
        short = obj.removeprefix("this.")
        return self.field_types.get(short, "")

    def invocation(self, node: Node, extra_writes: dict[int, list[str]]) -> None:
        scan = self.scan
        name = text_of(node.child_by_field_name("name"))
        obj_node = node.child_by_field_name("object")
        obj = text_of(obj_node)
        owner_type = self._owner_type(obj)
        args = self._args(node)
        lowered = (obj + " " + owner_type).lower()
        if name in ("forTarget", "forAddress") and "ChannelBuilder" in obj and args:
            target = self.value(args[0])
            if name == "forAddress" and len(args) > 1 and target.known:
                target = Value(f"{target.text}:{text_of(args[1])}", target.origin, target.variable)
            scan.grpc_channel(node, target)
            return
        if (
            name in ("topicArn", "queueUrl")
            and args
            and re.search(r"(Publish|SendMessage|ReceiveMessage)Request", obj)
        ):
            # AWS SDK v2: PublishRequest.builder().topicArn(...), SendMessageRequest.builder().queueUrl(...)
            target = self.value(args[0])
            if target.known:
                system = "sns" if name == "topicArn" else "sqs"
                direction = "consumes" if "ReceiveMessage" in obj else "publishes"
                destination = target.text.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
                scan.facts.append(
                    Message(
                        scan.service, direction, system, destination, scan.evidence(node, f"AWS {system}")
                    )
                )
            return
        if name == "baseUrl" and "Retrofit" in obj and args:
            scan.facts.append(
                Call(scan.service, self.value(args[0]), scan.evidence(node, "Retrofit"), "http")
            )
            return
        if name in ("newBlockingStub", "newStub", "newFutureStub") and obj.endswith("Grpc"):
            scan.grpc_stub(node, obj.rsplit(".", 1)[-1].removesuffix("Grpc"))
            return
        if (
            (
                owner_type == "RestTemplate"
                or "resttemplate" in lowered
                or obj in ("http", "rest", "restClient")
            )
            and (name in _REST or name == "exchange")
            and args
        ):  # RestClient's put() with no args is fluent
            verb = _REST.get(name, "")
            if name == "exchange" and len(args) > 1:
                verb = text_of(args[1]).rsplit(".", 1)[-1].upper()
            target = self.value(args[0]) if args else UNKNOWN
            scan.facts.append(
                Call(scan.service, target, scan.evidence(node, f"RestTemplate.{name}"), "http", verb)
            )
            return
        if name == "uri" and obj_node is not None and obj_node.type == "method_invocation":
            verb = text_of(obj_node.child_by_field_name("name")).upper()
            if verb in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                target = self.value(args[0]) if args else UNKNOWN
                scan.facts.append(Call(scan.service, target, scan.evidence(node, "WebClient"), "http", verb))
            return
        if name == "send" and (owner_type == "KafkaTemplate" or "kafka" in lowered) and args:
            topic = self.value(args[0])
            if topic.known or topic.origin == "config":
                scan.facts.append(
                    Message(
                        scan.service,
                        "publishes",
                        "kafka",
                        topic.text or topic.variable,
                        scan.evidence(node, "KafkaTemplate.send"),
                    )
                )
            return
        if (
            name in ("convertAndSend", "send")
            and (owner_type in ("RabbitTemplate", "AmqpTemplate") or "rabbit" in lowered)
            and args
        ):
            topic = self.value(args[0])
            if topic.known:
                scan.facts.append(
                    Message(
                        scan.service,
                        "publishes",
                        "rabbitmq",
                        topic.text,
                        scan.evidence(node, f"RabbitTemplate.{name}"),
                    )
                )
            return
        if owner_type.endswith("Repository") and _REPO_WRITES.match(name):
            extra_writes.setdefault(node.start_byte, []).append(f"{owner_type} {name}")
            return
        if (owner_type in ("JdbcTemplate", "NamedParameterJdbcTemplate") or "jdbc" in lowered) and args:
            self.sql(args[0])
            return
        self.carried_values(node, f"{obj.rsplit('.', 1)[-1]}.{name}" if obj else name, args)

    def creation(self, node: Node) -> None:
        """``new MongoClient(uri)``, ``new Jedis(host, port)``, ``new URL(...)`` handed on: the
        arguments are recognised by what they carry."""
        type_name = text_of(node.child_by_field_name("type")).split("<")[0].rsplit(".", 1)[-1]
        if type_name in ("URL", "URI", "String", "StringBuilder"):
            return
        self.carried_values(node, f"new {type_name}", self._args(node))

    def carried_values(self, node: Node, api: str, args: list[Node]) -> None:
        """Any argument whose value is an address (a URL, a DSN, a JDBC URL) or a configured
        value named like one reaches this call: the resolver decides what it is. A known client
        API adds the technology (``new Jedis(host, port)`` is Redis)."""
        hint = _client_technology(api)
        if (not hint and api.rsplit(".", 1)[-1] in VALUE_BUILDERS) or re.match(
            r"^(log|logger|LOG|LOGGER)\.", api
        ):
            return
        values = [self.value(a) for a in args]
        for index, value in enumerate(values):
            if not carries_address(value, bool(hint)):
                continue
            if hint and value.known and index + 1 < len(values) and values[index + 1].text.isdigit():
                value = combine([value, Value(":" + values[index + 1].text)])
            self.scan.facts.append(Call(self.scan.service, value, self.scan.evidence(node, api), hint))
            return

    def sql(self, node: Node) -> None:
        self.scan.sql(self.value(node), node)

    def type_declaration(self, node: Node, routes: list[tuple[str, Node]]) -> None:
        scan = self.scan
        class_name = text_of(node.child_by_field_name("name"))
        annotations = {_annotation_name(a): a for a in _annotations(node)}
        prefix = ""
        if "RequestMapping" in annotations:
            prefix = self.value(_first(_annotation_args(annotations["RequestMapping"]), "value", "path")).text
        if "Entity" in annotations or "Document" in annotations:
            table = class_name
            if "Table" in annotations:
                table = (
                    self.value(_first(_annotation_args(annotations["Table"]), "name", "value")).text
                    or class_name
                )
            if "Document" in annotations:
                table = (
                    self.value(_first(_annotation_args(annotations["Document"]), "collection", "value")).text
                    or class_name[:1].lower() + class_name[1:]
                )
            where = annotations.get("Table") or annotations.get("Document") or annotations.get("Entity")
            assert where is not None
            for action in ("reads", "writes"):
                scan.facts.append(
                    TableAccess(
                        scan.service,
                        table,
                        action,
                        scan.evidence(where, "JPA entity" if "Entity" in annotations else "document"),
                    )
                )
            if "outbox" in table.lower() or "outbox" in class_name.lower():
                scan.facts.append(
                    Marker(scan.service, "outbox", table, scan.evidence(where, f"outbox entity {class_name}"))
                )
        for client in ("FeignClient", "Client"):
            # Spring Cloud @FeignClient(name|url) and Micronaut @Client(id|value): declarative clients
            if client not in annotations or (
                client == "Client"
                and "interface" not in text_of(node)[:400]
                and "abstract" not in text_of(node)[:400]
            ):
                continue
            args = _annotation_args(annotations[client])
            url = self.value(args.get("url") if client == "FeignClient" else args.get("value"))
            url = self.config_value(url.text) if url.known else url
            if url.known and url.origin != "config" and not re.match(r"^[a-z]+://", url.text):
                url = Value("", "unresolved")  # @Client("/path") is a path on the discovery id
            if url.known or url.origin == "config":
                target = url
            else:
                # A client by name is resolved through service discovery at run time: a logical
                # name, not an address written into the code.
                name = self.value(
                    _first(args, "name", "value") if client == "FeignClient" else args.get("id")
                )
                clean = name.text.strip("/")
                target = Value(clean, "discovery", clean) if clean else name
            if target.known and not re.match(r"^[a-z]+://", target.text):
                target = Value("http://" + target.text, target.origin, target.variable, "")
            scan.facts.append(Call(scan.service, target, scan.evidence(annotations[client], client), "http"))
        if "Saga" in annotations:
            scan.facts.append(
                Marker(scan.service, "saga", "axon", scan.evidence(annotations["Saga"], "@Saga"))
            )
        body = node.child_by_field_name("body")
        if body is None:
            return
        # Micronaut RabbitMQ: the method annotation each class annotation gives a destination in
        annotations_pairs = {
            (method_kind, class_kind)
            for class_kind, method_kind in (("RabbitClient", "Binding"), ("RabbitListener", "Queue"))
            if class_kind in annotations
        }
        for method in body.named_children:
            if method.type != "method_declaration":
                continue
            method_name = text_of(method.child_by_field_name("name"))
            for annotation in _annotations(method):
                kind = _annotation_name(annotation)
                args = _annotation_args(annotation)
                if kind in _MAPPINGS or kind == "RequestMapping":
                    verb = _MAPPINGS.get(kind, "")
                    if kind == "RequestMapping":
                        verb = text_of(args.get("method")).rsplit(".", 1)[-1].upper() or "GET"
                    path = self.value(_first(args, "value", "path")).text
                    routes.append((f"{verb} {prefix}{path}", method))
                elif kind in ("KafkaListener", "RabbitListener"):
                    topics_node = _first(args, "topics", "queues", "value")
                    items = (
                        topics_node.named_children
                        if topics_node is not None and topics_node.type == "element_value_array_initializer"
                        else [topics_node]
                    )
                    system = "kafka" if kind == "KafkaListener" else "rabbitmq"
                    for item in items:
                        topic = self.value(item)
                        topic = self.config_value(topic.text) if topic.known else topic
                        if topic.known or topic.variable:
                            scan.facts.append(
                                Message(
                                    scan.service,
                                    "consumes",
                                    system,
                                    topic.text or topic.variable,
                                    scan.evidence(annotation, kind),
                                )
                            )
                            routes.append((f"consume {topic.text or topic.variable}", method))
                    if re.match(
                        r"^(compensate|cancel|undo|rollback|revert|on.*(Failed|Cancelled|Rejected))",
                        method_name,
                        re.I,
                    ):
                        scan.facts.append(
                            Marker(
                                scan.service, "compensation", method_name, scan.evidence(method, method_name)
                            )
                        )
                elif (
                    kind == "Topic" and ("KafkaClient" in annotations or "KafkaListener" in annotations)
                ) or (
                    (kind, "RabbitClient") in annotations_pairs
                    or (kind, "RabbitListener") in annotations_pairs
                ):
                    # Micronaut: @Topic / @Binding / @Queue on a method of a @KafkaClient /
                    # @RabbitClient interface publish; of a @KafkaListener / @RabbitListener class consume.
                    listener = "KafkaListener" in annotations or "RabbitListener" in annotations
                    system = "kafka" if kind == "Topic" else "rabbitmq"
                    node_of = args.get("value")
                    items = (
                        node_of.named_children
                        if node_of is not None and node_of.type == "element_value_array_initializer"
                        else [node_of]
                    )
                    for item in items:
                        topic = self.value(item)
                        topic = self.config_value(topic.text) if topic.known else topic
                        if not (topic.known or topic.variable):
                            continue
                        scan.facts.append(
                            Message(
                                scan.service,
                                "consumes" if listener else "publishes",
                                system,
                                topic.text or topic.variable,
                                scan.evidence(annotation, f"@{kind}"),
                            )
                        )
                        if listener:
                            routes.append((f"consume {topic.text or topic.variable}", method))
                elif kind == "Query" and text_of(args.get("nativeQuery")) == "true":
                    self.sql(_first(args, "value") or annotation)
            if re.match(r"^(compensate|undo|rollback)", method_name, re.I):
                scan.facts.append(
                    Marker(scan.service, "compensation", method_name, scan.evidence(method, method_name))
                )


_CLIENTS = {
    "Jedis": "redis", "JedisPool": "redis", "RedisClient": "redis", "RedisURI": "redis",
    "MongoClient": "mongodb", "MongoClients": "mongodb", "ConnectionString": "",
    "DriverManager": "", "ConnectionFactory": "rabbitmq", "CachingConnectionFactory": "rabbitmq",
}  # fmt: skip


def _client_technology(api: str) -> str:
    owner = api.removeprefix("new ").split(".")[0]
    return _CLIENTS.get(owner, "")


def _first(args: dict[str, Node], *keys: str) -> Node | None:
    return next((args[k] for k in keys if k in args), None)


def extract(ctx: FileContext, text: str) -> ExtractResult:
    if not ctx.service:
        return ExtractResult()
    scan, root = begin(ctx, text, "java")
    walker = _Walker(scan)
    walker.fields(root)
    routes: list[tuple[str, Node]] = []
    extra: dict[int, list[str]] = {}
    functions: dict[str, Node] = {}
    for node in nodes_of(
        "java",
        root,
        (
            "import_declaration",
            "class_declaration",
            "interface_declaration",
            "record_declaration",
            "method_invocation",
            "object_creation_expression",
            "method_declaration",
            "type_identifier",
        ),
    ):
        kind = node.type
        if kind == "import_declaration":
            imported = text_of(node).removeprefix("import").removeprefix(" static").strip(" ;")
            for prefix, (key, value) in _MARKER_IMPORTS.items():
                if imported.startswith(prefix):
                    scan.facts.append(Marker(scan.service, key, value, scan.evidence(node, imported)))
                    break
        elif kind in ("class_declaration", "interface_declaration", "record_declaration"):
            walker.type_declaration(node, routes)
        elif kind == "object_creation_expression":
            walker.creation(node)
        elif kind == "method_invocation":
            walker.invocation(node, extra)
            if text_of(node.child_by_field_name("name")) == "withCompensation":
                scan.facts.append(
                    Marker(
                        scan.service,
                        "compensation",
                        "withCompensation",
                        scan.evidence(node, "withCompensation"),
                    )
                )
        elif kind == "method_declaration":
            functions.setdefault(text_of(node.child_by_field_name("name")), node)
        elif kind == "type_identifier" and text_of(node) == "SagaDefinition":
            scan.facts.append(
                Marker(scan.service, "saga", "eventuate-tram", scan.evidence(node, "SagaDefinition"))
            )

    def writes_in(node: Node) -> list[str]:
        return [
            w for start, items in extra.items() if node.start_byte <= start < node.end_byte for w in items
        ]

    scope = Scope(
        functions,
        lambda n: [
            text_of(c.child_by_field_name("name")) for c in nodes_of("java", n, ("method_invocation",))
        ],
    )

    def delegates(node: Node) -> list[str]:
        """``orderService.place(...)`` on a field of one of the service's own types."""
        out = []
        for call in nodes_of("java", node, ("method_invocation",)):
            obj = text_of(call.child_by_field_name("object")).removeprefix("this.")
            owner = walker.field_types.get(obj, "")
            if (
                owner
                and owner[:1].isupper()
                and owner not in _FRAMEWORK_TYPES
                and not owner.endswith("Repository")
            ):
                out.append(f"{owner}.{text_of(call.child_by_field_name('name'))}")
        return out

    scan.facts.extend(collect_operations(scan, routes, scope, writes_in, delegates))
    # Methods of the service's own classes, summarised for handlers in other files that call them.
    owners = []
    for declaration in nodes_of("java", root, ("class_declaration",)):
        body = declaration.child_by_field_name("body")
        interfaces = declaration.child_by_field_name("interfaces")
        names = [text_of(declaration.child_by_field_name("name"))]
        names += (
            [text_of(t).split("<")[0] for t in nodes_of("java", interfaces, ("type_identifier",))]
            if interfaces
            else []
        )
        methods = [
            (text_of(m.child_by_field_name("name")), m)
            for m in (body.named_children if body is not None else [])
            if m.type == "method_declaration" and "private" not in text_of(m)[:60]
        ]
        owners.append((names, methods))
    scan.facts.extend(class_summaries(scan, owners, routes, scope, writes_in, delegates))
    scan.facts.extend(credentials.java_credentials(scan.service, scan.path, root))
    return scan.result()
