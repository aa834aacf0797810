"""JavaScript and TypeScript services (``.js``, ``.mjs``, ``.cjs``, ``.ts``, ``.tsx``).

Read from the syntax tree: top-level ``const`` / ``let`` constants, ``process.env.X`` with
``||`` / ``??`` defaults, template literals; HTTP calls through ``axios`` (``axios.get(url)``,
``axios({url, method})``, instances from ``axios.create({baseURL})``), ``fetch(url, {method})`` and
``got``; database clients (``new Pool/Client({connectionString})`` of pg, ``mysql2``
``createConnection`` / ``createPool``, ``mongoose.connect``, ``new MongoClient(url)``,
``new Redis(url)`` of ioredis, ``createClient({url})`` of redis); SQL literals passed to
``query`` / ``execute``; mongoose models (``model("Order", schema, "orders")`` → the collection is
read and written); kafkajs ``producer.send({topic})`` / ``consumer.subscribe({topic})`` and amqplib
``publish`` / ``sendToQueue`` / ``consume``; Express / router handlers (``app.post("/x", ...)``),
NestJS ``@Post`` / ``@EventPattern`` methods under ``@Controller`` and kafkajs ``consumer.run``
handlers as operations; OpenTelemetry / prom-client imports as telemetry.

Functions imported from relative modules (``require("./orders")``, ``import { a } from "./x"``) are
followed into those files. Not followed: handlers defined in other modules, calls through objects,
dynamic routes, package (non-relative) imports.
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
    HTTP_VERBS,
    UNKNOWN,
    VALUE_BUILDERS,
    FileScan,
    begin,
    carries_address,
    combine,
    nodes_of,
    text_of,
    walk,
)
from analyzer.extract.source.flow import Flow, javascript
from analyzer.extract.source.operations import Scope, collect_operations, module_name, module_summaries
from analyzer.extract.values import as_placeholders, config, env, fallback, settings_url, unknown, url_join

NAME = "javascript"
ROUTE_OWNERS = re.compile(r"(^|_)(app|api|router|server|routes?)$", re.I)


def wants(path: str) -> bool:
    if not path.endswith((".js", ".mjs", ".cjs", ".ts", ".tsx")) or path.endswith(".d.ts") or ".min." in path:
        return False
    return not any(part in ("dist", "out", "bundle", "coverage") for part in path.split("/")[:-1])


_CLIENT_CALLS = {
    "mongoose.connect": "mongodb", "mongoose.createConnection": "mongodb", "MongoClient.connect": "mongodb",
    "mongodb.MongoClient.connect": "mongodb", "mysql.createConnection": "mysql", "mysql.createPool": "mysql",
    "mysql2.createConnection": "mysql", "mysql2.createPool": "mysql", "createPool": "mysql",
    "createConnection": "mysql", "createClient": "redis", "redis.createClient": "redis",
    "knex": "postgresql", "Knex": "postgresql", "amqp.connect": "rabbitmq", "amqplib.connect": "rabbitmq",
    "nats.connect": "nats", "connect": "", "*.createClient": "redis", "*.connect": "mongodb",
}  # fmt: skip
_CLIENT_OWNERS = {"createClient": ("redis",), "connect": ("mongoclient", "mongodb", "client")}
_CLIENT_CONSTRUCTORS = {
    "Pool": "postgresql", "Client": "postgresql", "MongoClient": "mongodb", "Redis": "redis",
    "IORedis": "redis", "Sequelize": "postgresql", "DataSource": "postgresql", "Kafka": "kafka",
}  # fmt: skip


def _decorator(node: Node) -> tuple[str, list[Node]]:
    call = next((c for c in node.named_children if c.type == "call_expression"), None)
    if call is None:
        return text_of(node).lstrip("@"), []
    return text_of(call.child_by_field_name("function")), _args(call)


def _args(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    return [c for c in arguments.named_children if c.type != "comment"] if arguments is not None else []


def _props(obj: Node | None) -> dict[str, Node]:
    out: dict[str, Node] = {}
    if obj is None or obj.type != "object":
        return out
    for pair in obj.named_children:
        if pair.type == "pair":
            key = text_of(pair.child_by_field_name("key")).strip("'\"")
            value = pair.child_by_field_name("value")
            if value is not None:
                out[key] = value
        elif pair.type == "shorthand_property_identifier":
            out[text_of(pair)] = pair
    return out


class _Walker:
    def __init__(self, scan: FileScan, grammar: str = "javascript") -> None:
        self.scan = scan
        self.grammar = grammar
        self.consumers: list[Node] = []  # kafkajs eachMessage handlers
        self.http_clients: dict[str, Value] = {"axios": Value(""), "got": Value(""), "ky": Value("")}
        self.models: dict[str, str] = {}
        self.flow = Flow(javascript(grammar), self.value)
        self.functions: dict[str, Node] = {}  # function declarations of the file
        self.local_modules: dict[str, str] = {}  # name bound to require("./x") -> x

    def exported_settings(self, root: Node, path: str) -> None:
        """``module.exports = { mongoUrl: process.env.MONGO_URL || "..." }`` (or ``export default``):
        each configurable entry becomes a setting ``js:<module>.<key>`` its importers read."""
        stem = path.rsplit("/", 1)[-1].split(".")[0]
        for node in nodes_of(self.grammar, root, ("assignment_expression", "export_statement")):
            if node.type == "assignment_expression":
                if text_of(node.child_by_field_name("left")) != "module.exports":
                    continue
                exported = node.child_by_field_name("right")
            else:
                exported = node.child_by_field_name("value")
            if exported is None or exported.type != "object":
                continue
            self._export_object(stem, exported, "")

    def _export_object(self, stem: str, obj: Node, prefix: str) -> None:
        for key, value_node in _props(obj).items():
            if value_node.type == "object":
                self._export_object(stem, value_node, f"{prefix}{key}.")
                continue
            value = self.value(value_node)
            if value.known or value.origin in ("env", "config"):
                self.scan.facts.append(
                    Setting(
                        self.scan.service,
                        f"js:{stem}.{prefix}{key}",
                        as_placeholders(value),
                        self.scan.evidence(value_node, f"{stem}.{prefix}{key}"),
                    )
                )

    def value(self, node: Node | None) -> Value:
        if node is None:
            return UNKNOWN
        kind = node.type
        if kind == "string":
            return Value("".join(text_of(c) for c in node.named_children))
        if kind == "number":
            return Value(text_of(node))
        if kind == "template_string":
            parts = []
            for child in node.named_children:
                if child.type == "string_fragment":
                    parts.append(Value(text_of(child)))
                elif child.type == "template_substitution" and child.named_children:
                    parts.append(self.value(child.named_children[0]))
                elif child.type == "escape_sequence":
                    parts.append(Value(text_of(child)[1:]))
            return combine(parts) if parts else Value("")
        if kind in ("identifier", "shorthand_property_identifier"):
            name = text_of(node)
            local = self.flow.lookup(node, name)
            if local is not None:
                return local
            return self.scan.consts.get(name, self.flow.unbound(node, name))
        if kind == "member_expression":
            obj = text_of(node.child_by_field_name("object"))
            prop = text_of(node.child_by_field_name("property"))
            if obj == "process.env":
                return env(prop)
            if obj in ("this", "self") and prop in self.scan.consts:
                return self.scan.consts[prop]
            if obj.split(".")[0] in self.local_modules:
                path = [*obj.split(".")[1:], prop]
                return config(f"js:{self.local_modules[obj.split('.')[0]]}." + ".".join(path))
            if obj.split(".")[0] in self.config_modules:
                # require('config') / a config module: config.db.url is the key db.url
                return config(".".join([*obj.split(".")[1:], prop]))
            return unknown(text_of(node))
        if kind == "subscript_expression" and text_of(node.child_by_field_name("object")) == "process.env":
            return env(self.value(node.child_by_field_name("index")).text)
        if kind == "binary_expression":
            operator = text_of(node.child_by_field_name("operator"))
            left = self.value(node.child_by_field_name("left"))
            right = self.value(node.child_by_field_name("right"))
            if operator == "+":
                return combine([left, right])
            if operator in ("||", "??"):
                return fallback(left, right)
        if kind == "ternary_expression":
            return self.value(node.child_by_field_name("alternative"))
        if kind == "call_expression":
            return self.call_value(node)
        if kind == "new_expression" and text_of(node.child_by_field_name("constructor")) == "URL":
            args = _args(node)
            if len(args) == 2:
                return url_join(self.value(args[1]), self.value(args[0]))
            return self.value(args[0]) if args else UNKNOWN
        if (
            kind in ("parenthesized_expression", "await_expression", "as_expression", "non_null_expression")
            and node.named_children
        ):
            return self.value(node.named_children[0])
        return UNKNOWN

    config_modules: frozenset[str] = frozenset()  # names bound to require("config") / nconf / convict

    def call_value(self, node: Node) -> Value:
        callee = text_of(node.child_by_field_name("function"))
        args = _args(node)
        owner, _, method = callee.rpartition(".")
        if method == "get" and owner in self.config_modules and args:
            key = self.value(args[0])
            return config(key.text) if key.known else UNKNOWN
        if callee in ("url.resolve", "urlJoin", "urljoin", "path.join", "path.posix.join") and len(args) >= 2:
            return url_join(self.value(args[0]), self.value(args[1]))
        if callee in self.functions:
            return self.flow.returned(self.functions[callee])
        if callee in ("String", "encodeURI") and args:
            return self.value(args[0])
        if method in ("toString", "trim", "concat") and owner:
            base = self.value(node.child_by_field_name("function").child_by_field_name("object"))  # type: ignore[union-attr]
            return combine([base, *(self.value(a) for a in args)]) if method == "concat" else base
        return unknown(f"{callee}()")

    def constants(self, root: Node) -> None:
        for statement in walk(root):
            if statement.type != "variable_declarator":
                continue
            name = statement.child_by_field_name("name")
            value_node = statement.child_by_field_name("value")
            if name is None or name.type != "identifier" or value_node is None:
                continue
            if value_node.type == "call_expression":
                callee = text_of(value_node.child_by_field_name("function"))
                args = _args(value_node)
                if (
                    callee == "require"
                    and args
                    and self.value(args[0]).text in ("config", "nconf", "convict")
                ):
                    self.config_modules = self.config_modules | {text_of(name)}
                    continue
                if callee == "require" and args and self.value(args[0]).text.startswith("."):
                    # a module of the service (./config): its exported settings are joined by key
                    stem = self.value(args[0]).text.rstrip("/").rsplit("/", 1)[-1].split(".")[0]
                    self.local_modules[text_of(name)] = stem
                    continue
                if callee in ("axios.create", "got.extend", "ky.create"):
                    base = _props(args[0] if args else None)
                    self.http_clients[text_of(name)] = self.value(
                        base.get("baseURL") or base.get("prefixUrl")
                    )
                elif callee.endswith("model") and len(args) >= 1:
                    model = self.value(args[0]).text
                    collection = (
                        self.value(args[2]).text if len(args) >= 3 else (model.lower() + "s" if model else "")
                    )
                    if collection:
                        self.models[text_of(name)] = collection
                continue
            value = self.value(value_node)
            if value.known or value.origin in ("env", "config"):
                self.scan.consts.setdefault(text_of(name), value)

    def call(self, node: Node) -> None:
        scan = self.scan
        function = node.child_by_field_name("function")
        callee = text_of(function)
        args = _args(node)
        owner, _, method = callee.rpartition(".")
        owner_short = owner.rsplit(".", 1)[-1]
        if (
            callee == "fetch"
            or (owner_short in self.http_clients and method in (*HTTP_VERBS, "request"))
            or (re.fullmatch(r"(http|httpService|httpClient)", owner_short) and method in HTTP_VERBS)
            or callee in self.http_clients
        ):
            self._http(node, callee, owner_short if owner else callee, method if owner else "", args)
            return
        if method in ("query", "execute", "$queryRawUnsafe", "$executeRawUnsafe", "raw") and args:
            scan.sql(self.value(args[0]), args[0])
            return
        if owner_short in self.models:
            collection = self.models[owner_short]
            action = (
                "writes"
                if re.match(r"(create|insert|update|delete|remove|save|replace|findOneAnd|bulkWrite)", method)
                else "reads"
            )
            scan.facts.append(
                TableAccess(scan.service, collection, action, scan.evidence(node, f"mongoose {method}"))
            )
            return
        technology = _CLIENT_CALLS.get(callee) or (
            _CLIENT_CALLS.get(f"*.{method}") if owner_short.lower() in _CLIENT_OWNERS.get(method, ()) else ""
        )
        if technology:
            scan.connection(node, callee, self.client_target(technology, args), technology)
            return
        if self._carried(node, callee, method, args):
            return
        if method in ("send",) and "producer" in owner_short.lower() and args:
            topic = self.value(_props(args[0]).get("topic"))
            if topic.known:
                scan.facts.append(
                    Message(scan.service, "publishes", "kafka", topic.text, scan.evidence(node, callee))
                )
            return
        if method == "run" and "consumer" in owner_short.lower() and args:
            handler = _props(args[0]).get("eachMessage") or _props(args[0]).get("eachBatch")
            if handler is not None:
                self.consumers.append(handler)
            return
        if method == "subscribe" and "consumer" in owner_short.lower() and args:
            props = _props(args[0])
            topics = (
                [props["topic"]]
                if "topic" in props
                else (props["topics"].named_children if "topics" in props else [])
            )
            for item in topics:
                topic = self.value(item)
                if topic.known:
                    scan.facts.append(
                        Message(scan.service, "consumes", "kafka", topic.text, scan.evidence(item, callee))
                    )
            return
        if method in ("publish", "sendToQueue") and "channel" in owner_short.lower() and args:
            topic = self.value(args[0])
            if topic.known:
                scan.facts.append(
                    Message(
                        scan.service,
                        "publishes",
                        "rabbitmq",
                        topic.text or self.value(args[1]).text,
                        scan.evidence(node, callee),
                    )
                )
        elif method == "consume" and "channel" in owner_short.lower() and args:
            topic = self.value(args[0])
            if topic.known:
                scan.facts.append(
                    Message(scan.service, "consumes", "rabbitmq", topic.text, scan.evidence(node, callee))
                )

    def new(self, node: Node) -> None:
        constructor = text_of(node.child_by_field_name("constructor"))
        args = _args(node)
        aws = {
            "PublishCommand": ("TopicArn", "sns", "publishes"),
            "SendMessageCommand": ("QueueUrl", "sqs", "publishes"),
            "ReceiveMessageCommand": ("QueueUrl", "sqs", "consumes"),
        }
        if constructor in aws and args:
            key, system, direction = aws[constructor]
            target = self.value(_props(args[0]).get(key))
            if target.known:
                topic = target.text.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
                self.scan.facts.append(
                    Message(
                        self.scan.service, direction, system, topic, self.scan.evidence(node, constructor)
                    )
                )
            return
        if len(args) >= 2 and "credentials" in text_of(args[1]) and "." in constructor:
            # @grpc/grpc-js: new pkg.InventoryService("inventory:50051", grpc.credentials.createInsecure())
            self.scan.grpc_stub(node, constructor.rsplit(".", 1)[-1], self.value(args[0]))
            return
        technology = _CLIENT_CONSTRUCTORS.get(constructor.rsplit(".", 1)[-1], "")
        if constructor.rsplit(".", 1)[-1] in _CLIENT_CONSTRUCTORS:
            if constructor.endswith("Sequelize") and len(args) >= 3:
                # new Sequelize(database, user, password, {host, dialect})
                props = _props(args[3] if len(args) > 3 else None)
                dialect = self.value(props.get("dialect")).text or "postgresql"
                technology = "postgresql" if dialect.startswith("postgres") else dialect
                target = settings_url(
                    technology,
                    self.value(props.get("host")),
                    self.value(props.get("port")),
                    self.value(args[0]),
                )
            else:
                target = self.client_target(technology, args)
            self.scan.connection(node, f"new {constructor}", target, technology)
            return
        if constructor not in ("URL", "URLSearchParams", "Error", "Date", "RegExp"):
            self._carried(node, f"new {constructor}", constructor, args)

    def client_target(self, technology: str, args: list[Node]) -> Value:
        """What a client constructor or connect call was given: a URL, or settings by parts
        (``{host, port, database}``, redis v4 ``{socket: {host, port}}``, Knex ``{connection}``,
        TypeORM ``{type, host, database}``, old redis ``createClient(port, host)``)."""
        if not args:
            return UNKNOWN
        first = args[0]
        if first.type != "object":
            if technology == "redis" and len(args) >= 2 and first.type == "number":
                return settings_url("redis", self.value(args[1]), self.value(first))
            value = self.value(first)
            if technology == "mongodb" and len(args) >= 2 and args[1].type == "number":
                return settings_url("mongodb", value, self.value(args[1]))
            return value
        props = _props(first)
        for key in ("connectionString", "url", "uri", "connectionUri", "dsn"):
            if key in props:
                return self.value(props[key])
        brokers = props.get("brokers") or props.get("servers")
        if brokers is not None:
            first_broker = (
                brokers.named_children[0] if brokers.type == "array" and brokers.named_children else brokers
            )
            return self.value(first_broker)
        if "connection" in props:
            if props["connection"].type != "object":
                return self.value(props["connection"])
            props = {**props, **_props(props["connection"])}
        if "socket" in props and props["socket"].type == "object":
            props = {**props, **_props(props["socket"])}
        declared = self.value(props.get("type") or props.get("client") or props.get("dialect")).text
        if declared:
            technology = "postgresql" if declared in ("pg", "postgres", "postgresql") else declared
            technology = "mysql" if technology in ("mysql2", "mariadb") else technology
        host = props.get("host") or props.get("hostname") or props.get("server")
        if host is None:
            return UNKNOWN
        database = props.get("database") or props.get("db") or props.get("dbName")
        return settings_url(
            technology,
            self.value(host),
            self.value(props.get("port")) if "port" in props else None,
            self.value(database) if database is not None else None,
        )

    def _carried(self, node: Node, callee: str, method: str, args: list[Node]) -> bool:
        """Any other call handed an address (a DSN, a URL) or a configured value named like one."""
        if method in VALUE_BUILDERS or callee.split(".")[0] in ("console", "logger", "log", "path", "JSON"):
            return False
        candidates = [*args]
        for arg in args:
            if arg.type == "object":
                candidates.extend(_props(arg).values())
        for candidate in candidates:
            value = self.value(candidate)
            if carries_address(value):
                self.scan.facts.append(Call(self.scan.service, value, self.scan.evidence(node, callee), ""))
                return True
        return False

    def _http(self, node: Node, callee: str, client: str, method: str, args: list[Node]) -> None:
        verb = method.upper() if method in HTTP_VERBS else ""
        target = self.value(args[0]) if args and args[0].type != "object" else UNKNOWN
        options = next((a for a in args if a.type == "object"), None)
        props = _props(options)
        if "url" in props and not target.known:
            target = self.value(props["url"])
        if "method" in props:
            verb = self.value(props["method"]).text.upper() or verb
        verb = verb or "GET"
        base = self.http_clients.get(client, Value(""))
        if base.known and target.known and not re.match(r"^[a-z]+://", target.text):
            target = combine([base, target])
        elif base.known and not target.known:
            target = base
        if target.known and not re.match(r"^(https?|grpc)://", target.text, re.I):
            return  # relative URL: a browser or same-origin call
        self.scan.facts.append(
            Call(self.scan.service, target, self.scan.evidence(node, callee), "http", verb)
        )

    def nest_routes(self, root: Node) -> list[tuple[str, Node]]:
        """NestJS: ``@Post("x")`` methods under ``@Controller("prefix")``; ``@EventPattern`` /
        ``@MessagePattern("topic")`` handlers consume and are operations too."""
        found: list[tuple[str, Node]] = []
        for body in nodes_of("typescript" if self.grammar != "tsx" else "tsx", root, ("class_body",)):
            declaration = body.parent
            decorators = [
                c for c in (declaration.children if declaration is not None else []) if c.type == "decorator"
            ]
            if (
                declaration is not None
                and declaration.parent is not None
                and declaration.parent.type == "export_statement"
            ):
                decorators += [c for c in declaration.parent.children if c.type == "decorator"]
            prefix = ""
            for decorator in decorators:
                name, args = _decorator(decorator)
                if name == "Controller":
                    prefix = self.value(args[0]).text if args else ""
            pending: list[Node] = []
            for child in body.named_children:
                if child.type == "decorator":
                    pending.append(child)
                    continue
                if child.type == "method_definition":
                    for decorator in pending:
                        name, args = _decorator(decorator)
                        path = self.value(args[0]).text if args else ""
                        if name.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE") and name[:1].isupper():
                            full = "/" + "/".join(p.strip("/") for p in (prefix, path) if p.strip("/"))
                            found.append((f"{name.upper()} {full}", child))
                        elif name in ("EventPattern", "MessagePattern") and path:
                            self.scan.facts.append(
                                Message(
                                    self.scan.service,
                                    "consumes",
                                    "nest",
                                    path,
                                    self.scan.evidence(decorator, name),
                                )
                            )
                            found.append((f"consume {path}", child))
                pending = []
        return found

    def route(self, node: Node) -> tuple[str, Node] | None:
        callee = text_of(node.child_by_field_name("function"))
        owner, _, method = callee.rpartition(".")
        if not owner or method not in HTTP_VERBS or not ROUTE_OWNERS.search(owner.rsplit(".", 1)[-1]):
            return None
        args = _args(node)
        if len(args) < 2 or args[0].type not in ("string", "template_string"):
            return None
        handler = args[-1]
        return f"{method.upper()} {self.value(args[0]).text}", handler


def extract(ctx: FileContext, text: str) -> ExtractResult:
    if not ctx.service:
        return ExtractResult()
    grammar = (
        "tsx" if ctx.path.endswith(".tsx") else "typescript" if ctx.path.endswith(".ts") else "javascript"
    )
    scan, root = begin(ctx, text, grammar)
    walker = _Walker(scan, grammar)
    walker.functions = {
        text_of(n.child_by_field_name("name")): n for n in nodes_of(grammar, root, ("function_declaration",))
    }
    walker.constants(root)
    walker.exported_settings(root, ctx.path)
    functions: dict[str, Node] = {}
    routes: list[tuple[str, Node]] = []
    for node in nodes_of(
        grammar, root, ("call_expression", "new_expression", "function_declaration", "method_definition")
    ):
        kind = node.type
        if kind == "call_expression":
            found = walker.route(node)
            if found is not None:
                routes.append(found)
            walker.call(node)
        elif kind == "new_expression":
            walker.new(node)
        elif kind in ("function_declaration", "method_definition"):
            name = text_of(node.child_by_field_name("name"))
            functions.setdefault(name, node)
            if re.match(r"^(compensate|cancel|undo|rollback|revert)", name, re.I):
                scan.facts.append(Marker(scan.service, "compensation", name, scan.evidence(node, name)))
    if grammar != "javascript":
        routes.extend(walker.nest_routes(root))
    topics = sorted({f.topic for f in scan.facts if isinstance(f, Message) and f.direction == "consumes"})
    routes.extend((f"consume {', '.join(topics) or 'messages'}", handler) for handler in walker.consumers)
    imported: dict[str, str] = {}  # local name -> "module.name" or "module", for relative imports
    for node in nodes_of(grammar, root, ("import_statement", "call_expression")):
        source = ""
        if node.type == "import_statement":
            source = text_of(node.child_by_field_name("source")).strip("'\"")
            if source.startswith("."):
                _relative_imports(text_of(node), module_name(source + ".js"), imported)
        elif node.type == "call_expression" and text_of(node.child_by_field_name("function")) == "require":
            args = _args(node)
            source = walker.value(args[0]).text if args else ""
            declarator = node.parent
            if source.startswith(".") and declarator is not None and declarator.type == "variable_declarator":
                _relative_imports(
                    text_of(declarator.child_by_field_name("name")), module_name(source + ".js"), imported
                )
        if source.startswith("@opentelemetry") or source == "prom-client":
            scan.facts.append(Marker(scan.service, "telemetry", source, scan.evidence(node, source)))
        elif source.startswith("@temporalio"):
            scan.facts.append(Marker(scan.service, "saga", "temporal", scan.evidence(node, source)))
    scope = Scope(
        functions,
        lambda n: [
            text_of(c.child_by_field_name("function")) for c in nodes_of(grammar, n, ("call_expression",))
        ],
    )

    def delegates(node: Node) -> list[str]:
        out = []
        for call in nodes_of(grammar, node, ("call_expression",)):
            callee = text_of(call.child_by_field_name("function"))
            head, _, tail = callee.partition(".")
            if not tail and "." in imported.get(callee, ""):
                out.append(imported[callee])
            elif tail and "." not in tail and head in imported and "." not in imported[head]:
                out.append(f"{imported[head]}.{tail}")
        return out

    scan.facts.extend(collect_operations(scan, routes, scope, None, delegates))
    exported = {n: f for n, f in functions.items() if f.type == "function_declaration"}
    for declarator in nodes_of(grammar, root, ("variable_declarator",)):
        value = declarator.child_by_field_name("value")
        if value is not None and value.type in ("arrow_function", "function_expression", "function"):
            exported.setdefault(text_of(declarator.child_by_field_name("name")), value)
    scan.facts.extend(module_summaries(scan, module_name(ctx.path), exported, routes, scope, delegates))
    scan.facts.extend(credentials.javascript_credentials(scan.service, scan.path, root))
    return scan.result()


def _relative_imports(binding: str, module: str, into: dict[str, str]) -> None:
    """``{ a, b as c }`` → a/c name functions of ``module``; ``* as m`` or a plain name → the module."""
    names = re.search(r"\{([^{}]*)\}", binding)
    if names:
        for item in names.group(1).split(","):
            parts = [p.strip() for p in re.split(r"\s+as\s+|:", item) if p.strip()]
            if parts:
                into[parts[-1]] = f"{module}.{parts[0]}"
        return
    alias = re.search(r"(?:\*\s+as\s+|import\s+)?(?<![\w$])([A-Za-z_$][\w$]*)\s*(?:from|$)", binding.strip())
    if alias:
        into[alias.group(1)] = module
