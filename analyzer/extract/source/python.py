"""Python services: HTTP calls, database clients, embedded SQL, messaging, handlers, markers.

Read from the syntax tree (tree-sitter), in one walk: module-level constants (``X = "..."``,
``os.getenv("X", "default")``), ``requests`` / ``httpx`` / ``aiohttp`` calls (object ``requests``,
``httpx`` or a name ending in ``session`` / ``client``), database clients (psycopg, psycopg2,
asyncpg, SQLAlchemy ``create_engine``, pymongo / motor, redis-py, pika, kafka clients), SQL string
literals passed to ``execute`` / ``executemany`` / ``query`` / ``fetch*`` / SQLAlchemy ``text``,
Kafka / RabbitMQ / SNS / SQS / NATS publishing and subscribing, Flask / FastAPI route handlers
(``@app.post("/x")``, ``@bp.route("/x", methods=[...])``) as operations, and markers
(OpenTelemetry / Prometheus imports → telemetry, Temporal → saga, ``compensate*`` / ``cancel*`` /
``undo*`` / ``rollback*`` functions → compensation, writes to an ``outbox`` table → outbox).

An operation's write set is what its handler does plus what the functions of the same file it
calls do (transitively), and the top-level functions of other modules of the service it imports
(``from app.services import place_order``; each file summarises its functions as ``module.name``).
Django views are operations named after the view (their URL lives in urls.py). Not followed: methods
resolved through objects, dynamic dispatch, star imports.
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
    Value,
)
from analyzer.extract.source import credentials
from analyzer.extract.source.base import (
    HTTP_VERBS,
    MUTATING_VERBS,
    UNKNOWN,
    VALUE_BUILDERS,
    FileScan,
    begin,
    carries_address,
    combine,
    nodes_of,
    text_of,
)
from analyzer.extract.source.flow import PYTHON, Flow
from analyzer.extract.source.operations import Scope, collect_operations, module_name, module_summaries
from analyzer.extract.values import config, env, fallback, formatted, settings_url, unknown, url_join

NAME = "python"
SQL_METHODS = {
    "execute",
    "executemany",
    "query",
    "fetch",
    "fetchrow",
    "fetchval",
    "fetchall",
    "raw",
    "exec_driver_sql",
}
ROUTE_OWNERS = re.compile(r"(^|_)(app|api|router|bp|blueprint|routes?)$", re.I)


_CONNECT = {
    "psycopg": "postgresql", "psycopg2": "postgresql", "asyncpg": "postgresql", "aiopg": "postgresql",
    "pymysql": "mysql", "MySQLdb": "mysql", "aiomysql": "mysql", "mysql.connector": "mysql",
    "pymssql": "sqlserver", "pyodbc": "sqlserver",
}  # fmt: skip
_CLIENT_CALLS = {
    "create_engine": "", "create_async_engine": "", "create_pool": "postgresql", "MongoClient": "mongodb",
    "AsyncIOMotorClient": "mongodb", "from_url": "redis", "Redis": "redis", "StrictRedis": "redis",
    "ConnectionPool": "redis", "URLParameters": "rabbitmq", "ConnectionParameters": "rabbitmq",
    "BlockingConnection": None, "KafkaProducer": "kafka", "KafkaConsumer": "kafka",
    "AIOKafkaProducer": "kafka", "AIOKafkaConsumer": "kafka", "Producer": "kafka", "Consumer": "kafka",
    "connect_robust": "rabbitmq",
}  # fmt: skip


def _client_technology(callee: str, method: str) -> str | None:
    """The technology of a client API call, "" when only the value says, None for no client."""
    if method == "connect":
        return _CONNECT.get(callee.rsplit(".", 1)[0]) if "." in callee else None
    if method in ("Producer", "Consumer") and "kafka" not in callee.lower() and callee != method:
        return None
    return _CLIENT_CALLS.get(method)


CONFIG_MAPPINGS = frozenset({"app.config", "current_app.config", "config", "settings", "self.config"})


def wants(path: str) -> bool:
    return path.endswith(".py") and "/migrations/" not in path and "/versions/" not in path


def _string(node: Node, evaluate: object) -> Value:
    parts: list[Value] = []
    prefix = ""
    for child in node.children:
        kind = child.type
        if kind == "string_start":
            prefix = text_of(child).rstrip("'\"").lower()
        elif kind == "string_content":
            raw = text_of(child)
            parts.append(Value(raw if "r" in prefix else _unescape(raw)))
        elif kind == "escape_sequence":
            parts.append(Value(_unescape(text_of(child))))
        elif kind == "interpolation":
            inner = next(
                (c for c in child.named_children if c.type not in ("format_specifier", "type_conversion")),
                None,
            )
            parts.append(evaluate(inner) if callable(evaluate) else UNKNOWN)
    return combine(parts) if parts else Value("")


def _unescape(text: str) -> str:
    return (
        text.replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace('\\"', '"')
        .replace("\\'", "'")
        .replace("\\\\", "\\")
    )


class _Walker:
    def __init__(self, scan: FileScan, data: bytes) -> None:
        self.scan = scan
        self.data = data
        self.system = ""  # broker technology suggested by imports
        self.imported: dict[str, str] = {}  # local name -> "module.name" or "module"
        self.consumers: list[tuple[str, str]] = []  # (queue, callback function name)
        self.flow = Flow(PYTHON, self.value)
        self.functions: dict[str, Node] = {}  # functions of the file, for helpers that return a URL
        self.settings_classes: dict[str, str] = {}  # pydantic BaseSettings class -> env prefix
        self.settings_objects: set[str] = set()  # names bound to an instance of one

    # -- values ----------------------------------------------------------------------------
    def value(self, node: Node | None) -> Value:
        if node is None:
            return UNKNOWN
        kind = node.type
        if kind == "string":
            return _string(node, self.value)
        if kind == "integer":
            return Value(text_of(node))
        if kind == "concatenated_string":
            return combine([self.value(c) for c in node.named_children])
        if kind == "identifier":
            name = text_of(node)
            local = self.flow.lookup(node, name)
            if local is not None:
                return local
            return self.scan.consts.get(name, self.flow.unbound(node, name))
        if kind == "attribute":
            obj = text_of(node.child_by_field_name("object"))
            attribute = text_of(node.child_by_field_name("attribute"))
            if obj in self.settings_objects or (
                self.settings_classes and obj.split(".")[-1] in ("settings", "config", "cfg")
            ):
                # pydantic settings: a field is read from the environment variable of its name
                prefix = next(iter(self.settings_classes.values()), "")
                return self.scan.consts.get(f"{obj}.{attribute}", env((prefix + attribute).upper()))
            if obj == "self" and attribute in self.scan.consts:
                return self.scan.consts[attribute]
            return unknown(text_of(node))
        if kind == "binary_operator" and text_of(node.child_by_field_name("operator")) == "+":
            return combine(
                [self.value(node.child_by_field_name("left")), self.value(node.child_by_field_name("right"))]
            )
        if kind == "boolean_operator" and text_of(node.child_by_field_name("operator")) == "or":
            return fallback(
                self.value(node.child_by_field_name("left")), self.value(node.child_by_field_name("right"))
            )
        if kind == "binary_operator" and text_of(node.child_by_field_name("operator")) == "%":
            right = node.child_by_field_name("right")
            items = right.named_children if right is not None and right.type == "tuple" else [right]
            return formatted(self.value(node.child_by_field_name("left")), [self.value(i) for i in items])
        if kind == "conditional_expression" and len(node.named_children) == 3:
            return self.value(node.named_children[2])
        if kind == "parenthesized_expression" and node.named_children:
            return self.value(node.named_children[0])
        if kind == "call":
            return self._env_read(node)
        if kind == "subscript":
            target = text_of(node.child_by_field_name("value"))
            if target in ("os.environ", "environ"):
                key = self.value(node.child_by_field_name("subscript"))
                return env(key.text)
            if target in CONFIG_MAPPINGS:
                key = self.value(node.child_by_field_name("subscript"))
                if not key.known:
                    return UNKNOWN
                return self.scan.consts.get(f"config[{key.text}]", config(key.text))
        return UNKNOWN

    def _env_read(self, call: Node) -> Value:
        callee = text_of(call.child_by_field_name("function"))
        args = _args(call)
        kwargs = _kwargs(call)
        if callee.endswith(".format") and callee.count(".") >= 1:
            function = call.child_by_field_name("function")
            pattern = self.value(function.child_by_field_name("object") if function is not None else None)
            values = [self.value(a) for a in args]
            if kwargs and pattern.known:
                text = re.sub(
                    r"\{(\w+)\}", lambda m: "{}" if m.group(1) in kwargs else m.group(0), pattern.text
                )
                names = re.findall(r"\{(\w+)\}", pattern.text)
                values = [self.value(kwargs[n]) if n in kwargs else unknown(n) for n in names] or values
                return formatted(Value(text), values, r"\{[^}]*\}")
            return formatted(pattern, values, r"\{[^}]*\}")
        if (
            callee in ("urljoin", "urllib.parse.urljoin", "parse.urljoin", "posixpath.join")
            and len(args) >= 2
        ):
            return url_join(self.value(args[0]), self.value(args[1]))
        if callee in ("str", "quote") and args:
            return self.value(args[0])
        if (
            callee.endswith((".get", ".get_string", ".getenv"))
            and callee.split(".")[-2] in ("config", "settings", "app.config", "current_app.config")
            and args
        ):
            key = self.value(args[0])
            default = self.value(args[1]) if len(args) > 1 else Value("")
            return config(key.text, default.text) if key.known else UNKNOWN
        if callee in self.functions:
            return self.flow.returned(self.functions[callee])
        if callee not in ("os.getenv", "getenv", "os.environ.get", "environ.get", "env", "env.str", "config"):
            return unknown(f"{callee}()")
        if not args:
            return UNKNOWN
        name = self.value(args[0]).text
        default = self.value(args[1] if len(args) > 1 else kwargs.get("default"))
        return env(name, default.text if default.known else "")

    # -- facts -----------------------------------------------------------------------------
    def settings(self, root: Node) -> None:
        """pydantic ``BaseSettings`` classes: each field is read from the environment variable of its
        name (with the class's ``env_prefix``), its default written beside it."""
        for declaration in nodes_of("python", root, ("class_definition",)):
            bases = text_of(declaration.child_by_field_name("superclasses"))
            if "BaseSettings" not in bases and "Settings" not in bases:
                continue
            name = text_of(declaration.child_by_field_name("name"))
            body = declaration.child_by_field_name("body")
            prefix_match = re.search(r"env_prefix\s*=\s*['\"]([^'\"]*)", text_of(body))
            self.settings_classes[name] = prefix_match.group(1) if prefix_match else ""
            for statement in body.named_children if body is not None else []:
                assignment = statement.named_children[0] if statement.named_children else None
                if assignment is None or assignment.type != "assignment":
                    continue
                field = text_of(assignment.child_by_field_name("left"))
                right = assignment.child_by_field_name("right")
                default = self.value(right) if right is not None else Value("")
                if (
                    right is not None
                    and right.type == "call"
                    and "Field" in text_of(right.child_by_field_name("function"))
                ):
                    inner = _args(right)
                    default = self.value(inner[0]) if inner else Value("")
                self.scan.consts[f"{name}.{field}"] = env(
                    (self.settings_classes[name] + field).upper(), default.text
                )
        for node in nodes_of("python", root, ("assignment",)):
            right = node.child_by_field_name("right")
            if right is not None and right.type == "call":
                callee = text_of(right.child_by_field_name("function"))
                if callee in self.settings_classes or callee.endswith(("get_settings", "Settings")):
                    bound = text_of(node.child_by_field_name("left"))
                    self.settings_objects.add(bound)
                    owner = (
                        callee if callee in self.settings_classes else next(iter(self.settings_classes), "")
                    )
                    for key, value in list(self.scan.consts.items()):
                        if key.startswith(f"{owner}."):
                            self.scan.consts[f"{bound}.{key.split('.', 1)[1]}"] = value

    def config_assignments(self, root: Node) -> None:
        """``app.config["BALANCES_URI"] = "http://{}/balances".format(os.environ.get(...))``
        anywhere in the file sets that key for every reader of the file."""
        for node in nodes_of("python", root, ("assignment",)):
            left = node.child_by_field_name("left")
            if (
                left is None
                or left.type != "subscript"
                or text_of(left.child_by_field_name("value")) not in CONFIG_MAPPINGS
            ):
                continue
            key = self.value(left.child_by_field_name("subscript"))
            value = self.value(node.child_by_field_name("right"))
            if key.known and (value.known or value.origin in ("env", "config")):
                self.scan.consts.setdefault(f"config[{key.text}]", value)

    def module_constants(self, root: Node) -> None:
        for statement in root.named_children:
            node = (
                statement.named_children[0]
                if statement.type == "expression_statement" and statement.named_children
                else None
            )
            if node is not None and node.type == "assignment":
                left = node.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    value = self.value(node.child_by_field_name("right"))
                    if value.known or value.origin in ("env", "config"):
                        self.scan.consts[text_of(left)] = value

    def imports(self, root: Node) -> None:
        for node in root.named_children:
            if node.type not in ("import_statement", "import_from_statement"):
                continue
            text = text_of(node)
            found = re.match(r"^from\s+([\w.]+)\s+import\s+\(?([^)]*)\)?", text, re.S)
            if found:
                source = found.group(1).rsplit(".", 1)[-1] or found.group(1).strip(".")
                for item in found.group(2).split(","):
                    parts = item.split()
                    if parts and parts[0] != "*":
                        self.imported[parts[-1]] = f"{source}.{parts[0]}"
            else:
                for item in re.sub(r"^import\s+", "", text).split(","):
                    parts = item.split()
                    if parts:
                        self.imported[parts[-1]] = parts[0].rsplit(".", 1)[-1]
            module = re.sub(r"^(from|import)\s+", "", text).split()[0].split(".")[0]
            if module in ("kafka", "confluent_kafka", "aiokafka"):
                self.system = "kafka"
            elif module in ("pika", "aio_pika", "kombu"):
                self.system = self.system or "rabbitmq"
            elif module == "nats":
                self.system = self.system or "nats"
            marker = {
                "opentelemetry": ("telemetry", "opentelemetry"),
                "prometheus_client": ("telemetry", "prometheus"),
                "temporalio": ("saga", "temporal"),
                "conductor": ("saga", "conductor"),
            }.get(module)
            if marker:
                self.scan.facts.append(
                    Marker(self.scan.service, marker[0], marker[1], self.scan.evidence(node, text))
                )

    def call(self, node: Node) -> None:
        function = node.child_by_field_name("function")
        callee = text_of(function)
        method = callee.rsplit(".", 1)[-1]
        owner = callee.rsplit(".", 1)[0].rsplit(".", 1)[-1].lower() if "." in callee else ""
        args = _args(node)
        kwargs = _kwargs(node)
        scan = self.scan
        if (
            callee
            in (
                "grpc.insecure_channel",
                "grpc.secure_channel",
                "grpc.aio.insecure_channel",
                "grpc.aio.secure_channel",
            )
            and args
        ):
            scan.grpc_channel(node, self.value(args[0]))
            return
        if method.endswith("Stub") and "_pb2_grpc" in callee:
            inline = args[0] if args and args[0].type == "call" else None
            channel = self.value(_args(inline)[0]) if inline is not None and _args(inline) else None
            scan.grpc_stub(node, method.removesuffix("Stub"), channel)
            return
        if (
            owner
            and (owner in ("requests", "httpx") or owner.endswith(("session", "client")))
            and (method in HTTP_VERBS or method == "request")
        ):
            if method == "request":
                verb = self.value(args[0]).text.upper() if args else ""
                target_node = args[1] if len(args) > 1 else kwargs.get("url")
            else:
                verb = method.upper()
                target_node = args[0] if args else kwargs.get("url")
            target = self.value(target_node)
            if target.known and not re.match(r"^(https?|grpc)://|^[a-z0-9.-]+:\d+", target.text, re.I):
                return  # a relative path on a client with a base URL we cannot see
            scan.facts.append(Call(scan.service, target, scan.evidence(node, f"{callee}"), "http", verb))
            return
        if method in SQL_METHODS and args:
            sql_node = args[0]
            if sql_node.type == "call" and text_of(sql_node.child_by_field_name("function")).endswith("text"):
                inner = _args(sql_node)
                sql_node = inner[0] if inner else sql_node
            sql = self.value(sql_node)
            if sql.known and re.match(
                r"\s*(select|insert|update|delete|with|merge|create|alter|drop|truncate)\b", sql.text, re.I
            ):
                self.scan.sql(sql, sql_node, creates=True)
            return
        if callee in ("urllib.request.urlopen", "request.urlopen", "urlopen") and args:
            scan.facts.append(
                Call(scan.service, self.value(args[0]), scan.evidence(node, callee), "http", "GET")
            )
            return
        technology = _client_technology(callee, method)
        if technology is not None:
            scan.connection(node, callee, self._client_target(technology, args, kwargs), technology)
            return
        self._carried(node, callee, method, args, kwargs)
        self._messaging(node, callee, method, owner, args, kwargs)

    def _client_target(self, technology: str, args: list[Node], kwargs: dict[str, Node]) -> Value:
        """A DSN or URL handed to a client, or its settings by parts (``host=``, ``port=``,
        ``dbname=``; ``{"bootstrap.servers": ...}``; ``MongoClient(host, port)``)."""
        for key in ("dsn", "url", "conninfo", "uri", "bootstrap_servers", "hosts"):
            if key in kwargs:
                node = kwargs[key]
                if node.type == "list" and node.named_children:
                    node = node.named_children[0]
                return self.value(node)
        if args and args[0].type == "dictionary":
            for pair in args[0].named_children:
                if pair.type == "pair" and self.value(pair.child_by_field_name("key")).text in (
                    "bootstrap.servers",
                    "host",
                    "url",
                ):
                    return self.value(pair.child_by_field_name("value"))
            return UNKNOWN
        if args and "host" not in kwargs:
            first = self.value(args[0])
            if len(args) > 1 and args[1].type == "integer":
                return settings_url(technology, first, self.value(args[1]))
            return first
        host = kwargs.get("host") or kwargs.get("server")
        if host is None:
            return UNKNOWN
        database = kwargs.get("dbname") or kwargs.get("database") or kwargs.get("db")
        return settings_url(
            technology,
            self.value(host),
            self.value(kwargs["port"]) if "port" in kwargs else None,
            self.value(database) if database is not None else None,
        )

    def _carried(
        self, node: Node, callee: str, method: str, args: list[Node], kwargs: dict[str, Node]
    ) -> None:
        """Any other call handed an address (a DSN, a URL) or a configured value named like one."""
        if method in VALUE_BUILDERS or callee.split(".")[0] in ("logging", "logger", "log", "print", "os"):
            return
        for candidate in [*args, *kwargs.values()]:
            value = self.value(candidate)
            if carries_address(value):
                self.scan.facts.append(Call(self.scan.service, value, self.scan.evidence(node, callee), ""))
                return

    def _messaging(
        self, node: Node, callee: str, method: str, owner: str, args: list[Node], kwargs: dict[str, Node]
    ) -> None:
        scan = self.scan
        topic: Value | None = None
        direction, system = "publishes", self.system
        if method in ("send", "produce", "send_and_wait") and "producer" in owner:
            topic, system = self.value(args[0] if args else kwargs.get("topic")), system or "kafka"
        elif method == "subscribe" and "consumer" in owner and args:
            direction, system = "consumes", system or "kafka"
            items = args[0].named_children if args[0].type == "list" else [args[0]]
            for item in items:
                value = self.value(item)
                if value.known:
                    scan.facts.append(
                        Message(scan.service, direction, system, value.text, scan.evidence(item, callee))
                    )
            return
        elif method == "basic_publish":
            topic = self.value(kwargs.get("exchange"))
            if not topic.known:
                topic = self.value(kwargs.get("routing_key"))
            system = "rabbitmq"
        elif method == "basic_consume":
            topic, direction, system = (
                self.value(kwargs.get("queue") or (args[0] if args else None)),
                "consumes",
                "rabbitmq",
            )
            callback = kwargs.get("on_message_callback") or (args[1] if len(args) > 1 else None)
            if callback is not None and topic.known:
                self.consumers.append((topic.text, text_of(callback)))
        elif method == "publish" and "TopicArn" in kwargs:
            topic, system = self.value(kwargs["TopicArn"]), "sns"
        elif method == "send_message" and "QueueUrl" in kwargs:
            topic, system = self.value(kwargs["QueueUrl"]), "sqs"
        elif method == "publish" and system == "nats" and args:
            topic = self.value(args[0])
        if topic is not None and topic.known:
            name = (
                topic.text.rsplit(":", 1)[-1].rsplit("/", 1)[-1] if system in ("sns", "sqs") else topic.text
            )
            scan.facts.append(Message(scan.service, direction, system, name, scan.evidence(node, callee)))

    def route(self, decorated: Node) -> tuple[str, Node] | None:
        """``("POST /users", function node)`` for a Flask / FastAPI route handler."""
        definition = decorated.child_by_field_name("definition")
        if definition is None or definition.type != "function_definition":
            return None
        for decorator in decorated.named_children:
            if decorator.type != "decorator" or not decorator.named_children:
                continue
            call = decorator.named_children[0]
            if call.type != "call":
                continue
            callee = text_of(call.child_by_field_name("function"))
            if "." not in callee:
                continue
            owner, method = callee.rsplit(".", 1)
            if not ROUTE_OWNERS.search(owner.rsplit(".", 1)[-1]):
                continue
            args = _args(call)
            path = self.value(args[0]).text if args else ""
            if method in HTTP_VERBS:
                return f"{method.upper()} {path}", definition
            if method in ("route", "api_route"):
                verbs = _kwargs(call).get("methods")
                verb = "GET"
                if verbs is not None:
                    listed = [self.value(v).text.upper() for v in verbs.named_children]
                    verb = next((v for v in listed if v in MUTATING_VERBS), listed[0] if listed else "GET")
                return f"{verb} {path}", definition
        return None


_DJANGO_VERBS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE"}


def _django_views(root: Node) -> list[tuple[str, Node]]:
    """Django views: a module-level function taking ``request``, or the verb methods of a view
    class. Their URL lives in ``urls.py`` (not followed), so the operation is named after the view."""
    found: list[tuple[str, Node]] = []
    for statement in root.named_children:
        node = (
            statement.child_by_field_name("definition")
            if statement.type == "decorated_definition"
            else statement
        )
        if node is None:
            continue
        if node.type == "function_definition":
            params = text_of(node.child_by_field_name("parameters")).strip("()").split(",")
            if params and params[0].strip().split(":")[0] == "request":
                found.append((f"VIEW {text_of(node.child_by_field_name('name'))}", node))
        elif node.type == "class_definition" and re.search(
            r"View|ViewSet", text_of(node.child_by_field_name("superclasses"))
        ):
            class_name = text_of(node.child_by_field_name("name"))
            body = node.child_by_field_name("body")
            for member in body.named_children if body is not None else []:
                method = (
                    member.child_by_field_name("definition")
                    if member.type == "decorated_definition"
                    else member
                )
                name = text_of(method.child_by_field_name("name")) if method is not None else ""
                if method is not None and name in _DJANGO_VERBS:
                    found.append((f"{_DJANGO_VERBS[name]} {class_name}", method))
    return found


def _args(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    if arguments is None:
        return []
    return [
        c
        for c in arguments.named_children
        if c.type not in ("keyword_argument", "comment", "list_splat", "dictionary_splat")
    ]


def _kwargs(call: Node) -> dict[str, Node]:
    arguments = call.child_by_field_name("arguments")
    out: dict[str, Node] = {}
    if arguments is None:
        return out
    for child in arguments.named_children:
        if child.type == "keyword_argument":
            name = child.child_by_field_name("name")
            value = child.child_by_field_name("value")
            if name is not None and value is not None:
                out[text_of(name)] = value
    return out


def extract(ctx: FileContext, text: str) -> ExtractResult:
    if not ctx.service:
        return ExtractResult()
    scan, root = begin(ctx, text, "python")
    walker = _Walker(scan, text.encode("utf-8"))
    walker.imports(root)
    walker.functions = {
        text_of(n.child_by_field_name("name")): n for n in nodes_of("python", root, ("function_definition",))
    }
    walker.module_constants(root)
    walker.settings(root)
    walker.config_assignments(root)
    functions: dict[str, Node] = {}
    routes: list[tuple[str, Node]] = []
    for node in nodes_of("python", root, ("call", "function_definition", "decorated_definition")):
        if node.type == "call":
            walker.call(node)
        elif node.type == "function_definition":
            name = text_of(node.child_by_field_name("name"))
            functions.setdefault(name, node)
            if re.match(r"^(compensate|cancel|undo|rollback|revert)", name, re.I):
                scan.facts.append(
                    Marker(scan.service, "compensation", name, scan.evidence(node, f"def {name}"))
                )
        elif node.type == "decorated_definition":
            found = walker.route(node)
            if found is not None:
                routes.append(found)
                if "health" in found[0].lower():
                    scan.facts.append(Marker(scan.service, "health", found[0], scan.evidence(node, found[0])))
    for queue, callback in walker.consumers:
        if callback in functions:
            routes.append((f"consume {queue}", functions[callback]))
    if ctx.path.endswith("views.py") or "/views/" in ctx.path:
        routes.extend(_django_views(root))

    def callees(node: Node) -> list[str]:
        return [text_of(c.child_by_field_name("function")) for c in nodes_of("python", node, ("call",))]

    scope = Scope(functions, callees)

    def delegates(node: Node) -> list[str]:
        """Calls of functions imported from other modules (``place_order`` / ``services.place_order``)."""
        out = []
        for call in nodes_of("python", node, ("call",)):
            callee = text_of(call.child_by_field_name("function"))
            head, _, tail = callee.partition(".")
            if not tail and callee in walker.imported and "." in walker.imported[callee]:
                out.append(walker.imported[callee])
            elif tail and "." not in tail and head in walker.imported and "." not in walker.imported[head]:
                out.append(f"{walker.imported[head]}.{tail}")
        return out

    scan.facts.extend(collect_operations(scan, routes, scope, None, delegates))
    top_level = {
        n: f
        for n, f in functions.items()
        if f.parent is not None and f.parent.type in ("module", "decorated_definition")
    }
    scan.facts.extend(module_summaries(scan, module_name(ctx.path), top_level, routes, scope, delegates))
    scan.facts.extend(credentials.python_credentials(scan.service, scan.path, root))
    return scan.result()
