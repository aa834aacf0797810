"""Go services.

Read from the syntax tree: package-level ``const`` / ``var`` strings and ``os.Getenv``;
``net/http`` (``http.Get/Post/Head``, ``http.NewRequest[WithContext](method, url, ...)``) and
resty (``client.R().Post(url)``) calls; ``sql.Open(driver, dsn)``, ``gorm.Open(postgres.Open(dsn))``,
``options.Client().ApplyURI(uri)`` of mongo-driver and go-redis ``&redis.Options{Addr: ...}``; SQL
passed to ``Query`` / ``QueryRow`` / ``Exec`` (and their ``Context`` variants, and ``sqlx``
``Get`` / ``Select``); segmentio ``kafka.Writer{Topic}`` / ``kafka.ReaderConfig{Topic}``, sarama
``ProducerMessage{Topic}``, amqp ``Publish(exchange, key, ...)`` / ``Consume(queue, ...)``, NATS
``Publish(subject, ...)``; ``http.HandleFunc`` and gin / echo / chi routes as operations; markers for
OpenTelemetry and Prometheus (telemetry) and Temporal (saga).

Exported functions of the service's other packages (``store.PlaceOrder(db)``) are followed into them.
Not followed: handlers registered from other packages, method values on structs, middleware chains.
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
)
from analyzer.extract.source.flow import GO, Flow
from analyzer.extract.source.operations import Scope, collect_operations, module_summaries
from analyzer.extract.values import config, env, formatted, unknown

NAME = "golang"
SQL_METHODS = {
    "Query",
    "QueryRow",
    "Exec",
    "QueryContext",
    "QueryRowContext",
    "ExecContext",
    "Get",
    "Select",
    "MustExec",
    "Raw",
}
ROUTE_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "Get", "Post", "Put", "Patch", "Delete"}
_IMPORT_MARKERS = {
    "go.opentelemetry.io": ("telemetry", "opentelemetry"),
    "github.com/prometheus/client_golang": ("telemetry", "prometheus"),
    "go.temporal.io": ("saga", "temporal"),
    "go.uber.org/cadence": ("saga", "cadence"),
}


def wants(path: str) -> bool:
    return path.endswith(".go") and not path.endswith("_test.go")


def _args(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    return [c for c in arguments.named_children if c.type != "comment"] if arguments is not None else []


def _keyed(literal: Node) -> dict[str, Node]:
    """``Field: value`` pairs of a composite literal."""
    body = literal.child_by_field_name("body")
    out: dict[str, Node] = {}
    for element in body.named_children if body is not None else []:
        if element.type == "keyed_element" and len(element.named_children) == 2:
            key, value = element.named_children
            value_node = (
                value.named_children[0] if value.type == "literal_element" and value.named_children else value
            )
            out[text_of(key)] = value_node
    return out


class _Walker:
    def __init__(self, scan: FileScan) -> None:
        self.scan = scan
        self.flow = Flow(GO, self.value)
        self.helpers: dict[str, str] = {}  # function wrapping os.Getenv / viper.Get* -> env | config
        self.functions: dict[str, Node] = {}  # functions of the file, for helpers that return a URL

    def value(self, node: Node | None) -> Value:
        if node is None:
            return UNKNOWN
        kind = node.type
        if kind in ("interpreted_string_literal", "raw_string_literal"):
            return Value(
                "".join(
                    text_of(c)
                    for c in node.named_children
                    if c.type.endswith("_content") or c.type == "escape_sequence"
                )
            )
        if kind == "identifier":
            name = text_of(node)
            local = self.flow.lookup(node, name)
            if local is not None:
                return local
            return self.scan.consts.get(name, self.flow.unbound(node, name))
        if kind == "selector_expression":
            # cfg.ProductClient.URL: a field of a configuration struct (``env:"PRODUCT_CLIENT_URL"``
            # tag, declared in any file of the service) is joined by the resolver as go:Owner.Field.
            parts = text_of(node).split(".")
            if text_of(node) in self.scan.consts:
                return self.scan.consts[text_of(node)]
            if len(parts) >= 2 and parts[-1][:1].isupper() and all(p.isidentifier() for p in parts):
                return config(f"go:{parts[-2]}.{parts[-1]}" if parts[-2][:1].isupper() else f"go:{parts[-1]}")
            return unknown(text_of(node))
        if kind == "binary_expression" and text_of(node.child_by_field_name("operator")) == "+":
            return combine(
                [self.value(node.child_by_field_name("left")), self.value(node.child_by_field_name("right"))]
            )
        if kind == "parenthesized_expression" and node.named_children:
            return self.value(node.named_children[0])
        if kind == "call_expression":
            callee = text_of(node.child_by_field_name("function"))
            args = _args(node)
            if callee == "os.Getenv" and args:
                return env(self.value(args[0]).text)
            if callee in ("aws.String", "aws.StringValue", "string") and args:
                return self.value(args[0])
            if callee == "fmt.Sprintf" and args:
                return formatted(self.value(args[0]), [self.value(a) for a in args[1:]])
            if callee in ("strings.Join",) or callee.endswith(("url.JoinPath", "path.Join")):
                return combine(
                    [self.value(a) for a in args[:1]]
                    + [x for a in args[1:] for x in (Value("/"), self.value(a))]
                )
            if callee.startswith("viper.Get") and args:
                return config(self.value(args[0]).text)
            if callee in self.functions and callee not in self.helpers:
                return self.flow.returned(self.functions[callee])
            helper = self.helpers.get(callee.rsplit(".", 1)[-1])
            if helper is not None and args:
                # getEnv("X", "default"): a function of the file that reads os.Getenv of its argument
                default = self.value(args[1]).text if len(args) > 1 else ""
                return (env if helper == "env" else config)(self.value(args[0]).text, default)
            return unknown(f"{callee}()")
        return UNKNOWN

    def tagged_fields(self, root: Node) -> None:
        """Configuration structs (cleanenv, envconfig, viper ``mapstructure``): a field tagged
        ``env:"X"`` is set by the environment variable X; each becomes a setting ``go:Type.Field``
        (and ``go:Field`` for promoted fields) whose value is ``${X}``."""
        for spec in nodes_of("go", root, ("type_spec",)):
            type_name = text_of(spec.child_by_field_name("name"))
            for field in nodes_of("go", spec, ("field_declaration",)):
                tag = text_of(field.child_by_field_name("tag"))
                found = re.search(r'\benv(?:config)?:"([A-Za-z0-9_]+)', tag)
                name = field.child_by_field_name("name")
                if found is None or name is None:
                    continue
                default = re.search(r'\benv-default:"([^"]*)"|\bdefault:"([^"]*)"', tag)
                fallback = (default.group(1) or default.group(2) or "") if default else ""
                value = "${" + found.group(1) + (f":{fallback}" if fallback else "") + "}"
                for key in (f"go:{type_name}.{text_of(name)}", f"go:{text_of(name)}"):
                    self.scan.facts.append(
                        Setting(self.scan.service, key, value, self.scan.evidence(field, tag))
                    )

    def find_helpers(self, root: Node) -> None:
        """Functions that wrap ``os.Getenv`` / ``os.LookupEnv`` / ``viper.Get*`` of a parameter."""
        for function in nodes_of("go", root, ("function_declaration",)):
            body = text_of(function.child_by_field_name("body"))
            parameters = function.child_by_field_name("parameters")
            first = (
                parameters.named_children[0] if parameters is not None and parameters.named_children else None
            )
            name = text_of(first.child_by_field_name("name")) if first is not None else ""
            if not name:
                continue
            if re.search(rf"os\.(Getenv|LookupEnv)\(\s*{re.escape(name)}\s*\)", body):
                self.helpers[text_of(function.child_by_field_name("name"))] = "env"
            elif re.search(rf"viper\.Get\w*\(\s*{re.escape(name)}\s*\)", body):
                self.helpers[text_of(function.child_by_field_name("name"))] = "config"

    def constants(self, root: Node) -> None:
        for node in nodes_of("go", root, ("const_spec", "var_spec")):
            if node.type not in ("const_spec", "var_spec"):
                continue
            names = [c for c in node.children_by_field_name("name")]
            values = node.child_by_field_name("value")
            if values is None:
                continue
            for name, value_node in zip(names, values.named_children, strict=False):
                value = self.value(value_node)
                if value.known or value.origin == "env":
                    self.scan.consts[text_of(name)] = value

    def call(self, node: Node, routes: list[tuple[str, Node]], functions: dict[str, Node]) -> None:
        scan = self.scan
        function = node.child_by_field_name("function")
        callee = text_of(function)
        method = callee.rsplit(".", 1)[-1]
        args = _args(node)
        if callee in ("grpc.Dial", "grpc.DialContext", "grpc.NewClient") and args:
            scan.grpc_channel(
                node, self.value(args[1] if callee == "grpc.DialContext" and len(args) > 1 else args[0])
            )
            return
        if (
            "." in callee
            and method.startswith("New")
            and method.endswith("Client")
            and callee.split(".")[0].endswith("pb")
        ):
            scan.grpc_stub(node, method.removeprefix("New").removesuffix("Client"))
            return
        stub = re.fullmatch(r"New(\w+)Client", method)
        if (
            stub
            and "." in callee
            and len(args) == 1
            and re.search(r"(conn|^cc$|channel)", text_of(args[0]).rsplit(".", 1)[-1], re.I)
        ):
            # search.NewSearchClient(conn): a generated gRPC stub on a connection dialled elsewhere
            # (a discovery dialer); the resolver matches the proto service the system declares.
            scan.grpc_stub(node, stub.group(1))
            return
        if callee in ("http.Get", "http.Post", "http.Head", "http.PostForm") and args:
            scan.facts.append(
                Call(
                    scan.service,
                    self.value(args[0]),
                    scan.evidence(node, callee),
                    "http",
                    method.upper().replace("FORM", ""),
                )
            )
            return
        if callee in ("http.NewRequest", "http.NewRequestWithContext") and args:
            offset = 1 if callee.endswith("Context") else 0
            if len(args) > offset + 1:
                verb = self.value(args[offset]).text or text_of(args[offset]).rsplit("Method", 1)[-1]
                scan.facts.append(
                    Call(
                        scan.service,
                        self.value(args[offset + 1]),
                        scan.evidence(node, callee),
                        "http",
                        verb.upper(),
                    )
                )
            return
        if ".R()." in callee and method.lower() in HTTP_VERBS and args:
            scan.facts.append(
                Call(scan.service, self.value(args[0]), scan.evidence(node, "resty"), "http", method.upper())
            )
            return
        if callee in ("sql.Open", "sqlx.Open", "sqlx.Connect", "sqlx.MustConnect") and args:
            driver = self.value(args[0]).text.lower()
            technology = next((t for d, t in _DRIVERS.items() if driver.startswith(d)), "")
            scan.connection(node, callee, self.value(args[-1]), technology)
            return
        if callee in ("pgxpool.New", "pgxpool.Connect", "pgx.Connect", "pgxpool.NewWithConfig") and args:
            scan.connection(node, callee, self.value(args[-1]), "postgresql")
            return
        if method == "Open" and callee.split(".")[0] in ("postgres", "mysql", "sqlserver") and args:
            technology = {"postgres": "postgresql"}.get(callee.split(".")[0], callee.split(".")[0])
            scan.connection(node, callee, self.value(args[0]), technology)
            return
        if method == "ApplyURI" and args:
            scan.connection(node, "mongo ApplyURI", self.value(args[0]), "mongodb")
            return
        if callee in ("amqp.Dial", "amqp091.Dial", "amqp.DialConfig", "nats.Connect") and args:
            scan.connection(
                node, callee, self.value(args[0]), "nats" if callee.startswith("nats") else "rabbitmq"
            )
            return
        if (
            method not in VALUE_BUILDERS
            and callee not in self.helpers
            and not callee.startswith(("log.", "fmt.", "strings.", "errors."))
        ):
            for arg in args:
                value = self.value(arg)
                if carries_address(value):
                    scan.facts.append(Call(scan.service, value, scan.evidence(node, callee), ""))
                    return
        if method in SQL_METHODS and args:
            sql_node = (
                args[1]
                if len(args) > 1
                and text_of(args[0]).lower() in ("ctx", "context.background()", "context.todo()")
                else args[0]
            )
            scan.sql(self.value(sql_node), sql_node)
            return
        if method == "Publish" and args and len(args) >= 2:
            if len(args) >= 4:  # amqp: Publish(exchange, key, mandatory, immediate, msg)
                topic = self.value(args[0])
                topic = topic if topic.text else self.value(args[1])
                system = "rabbitmq"
            else:
                topic, system = self.value(args[0]), "nats"
            if topic.known:
                scan.facts.append(
                    Message(scan.service, "publishes", system, topic.text, scan.evidence(node, callee))
                )
            return
        if method == "Consume" and args and len(args) >= 3:
            topic = self.value(args[0])
            if topic.known:
                scan.facts.append(
                    Message(scan.service, "consumes", "rabbitmq", topic.text, scan.evidence(node, callee))
                )
            return
        if (
            method in ROUTE_METHODS | {"HandleFunc", "Handle"}
            and len(args) >= 2
            and args[0].type in ("interpreted_string_literal", "raw_string_literal")
        ):
            path = self.value(args[0]).text
            verb = method.upper() if method in ROUTE_METHODS else ""
            if not verb:
                parts = path.split(" ", 1)  # Go 1.22 patterns: "POST /orders"
                verb, path = (parts[0], parts[1]) if len(parts) == 2 and parts[0].isupper() else ("ANY", path)
            handler = args[-1]
            named = handler.type in ("identifier", "selector_expression")
            handler_node = functions.get(text_of(handler).rsplit(".", 1)[-1]) if named else handler
            if handler_node is not None:
                routes.append((f"{verb} {path}", handler_node))

    def composite(self, node: Node) -> None:
        scan = self.scan
        type_name = text_of(node.child_by_field_name("type"))
        fields = _keyed(node)
        aws = {
            "sns.PublishInput": ("TopicArn", "sns", "publishes"),
            "sqs.SendMessageInput": ("QueueUrl", "sqs", "publishes"),
            "sqs.ReceiveMessageInput": ("QueueUrl", "sqs", "consumes"),
        }
        if type_name in aws and aws[type_name][0] in fields:
            key, system, direction = aws[type_name]
            target = self.value(fields[key])
            if target.known:
                name = target.text.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
                scan.facts.append(
                    Message(scan.service, direction, system, name, scan.evidence(node, type_name))
                )
            return
        if type_name in ("kafka.Writer", "kafka.WriterConfig") and "Topic" in fields:
            topic = self.value(fields["Topic"])
            if topic.known:
                scan.facts.append(
                    Message(scan.service, "publishes", "kafka", topic.text, scan.evidence(node, type_name))
                )
        elif type_name == "kafka.ReaderConfig" and "Topic" in fields:
            topic = self.value(fields["Topic"])
            if topic.known:
                scan.facts.append(
                    Message(scan.service, "consumes", "kafka", topic.text, scan.evidence(node, type_name))
                )
        elif type_name == "sarama.ProducerMessage" and "Topic" in fields:
            topic = self.value(fields["Topic"])
            if topic.known:
                scan.facts.append(
                    Message(scan.service, "publishes", "kafka", topic.text, scan.evidence(node, type_name))
                )
        elif type_name in ("redis.Options", "redis.ClusterOptions", "redis.UniversalOptions") and (
            "Addr" in fields or "Addrs" in fields
        ):
            addr = fields.get("Addr") or fields["Addrs"]
            if addr.type == "composite_literal":
                body = addr.child_by_field_name("body")
                elements = [c for c in body.named_children] if body is not None else []
                addr = elements[0].named_children[0] if elements and elements[0].named_children else addr
            scan.connection(node, type_name, self.value(addr), "redis")


_DRIVERS = {"postgres": "postgresql", "pgx": "postgresql", "mysql": "mysql", "sqlserver": "sqlserver",
            "mssql": "sqlserver", "sqlite": "sqlite"}  # fmt: skip


def extract(ctx: FileContext, text: str) -> ExtractResult:
    if not ctx.service:
        return ExtractResult()
    scan, root = begin(ctx, text, "go")
    walker = _Walker(scan)
    walker.functions = {
        text_of(n.child_by_field_name("name")): n for n in nodes_of("go", root, ("function_declaration",))
    }
    walker.find_helpers(root)
    walker.tagged_fields(root)
    walker.constants(root)
    functions = {
        text_of(n.child_by_field_name("name")): n
        for n in root.named_children
        if n.type in ("function_declaration", "method_declaration")
    }
    packages: dict[str, str] = {}  # import name -> package (last path element)
    routes: list[tuple[str, Node]] = []
    for node in nodes_of(
        "go", root, ("call_expression", "composite_literal", "import_spec", "function_declaration")
    ):
        if node.type == "call_expression":
            walker.call(node, routes, functions)
        elif node.type == "composite_literal":
            walker.composite(node)
        elif node.type == "import_spec":
            path = text_of(node.child_by_field_name("path")).strip('"`')
            alias = node.child_by_field_name("name")
            packages[text_of(alias) if alias is not None else path.rsplit("/", 1)[-1]] = path.rsplit("/", 1)[
                -1
            ]
            for prefix, (key, value) in _IMPORT_MARKERS.items():
                if path.startswith(prefix):
                    scan.facts.append(Marker(scan.service, key, value, scan.evidence(node, path)))
                    break
        elif node.type == "function_declaration":
            name = text_of(node.child_by_field_name("name"))
            if re.match(r"^(Compensate|compensate|Cancel|cancel|Undo|undo|Rollback|rollback)", name):
                scan.facts.append(Marker(scan.service, "compensation", name, scan.evidence(node, name)))
    scope = Scope(
        functions,
        lambda n: [
            text_of(c.child_by_field_name("function")) for c in nodes_of("go", n, ("call_expression",))
        ],
    )

    # Consumer loops: a function reading from a kafka-go Reader, or a sarama ConsumeClaim method.
    consumed = sorted({f.topic for f in scan.facts if isinstance(f, Message) and f.direction == "consumes"})
    for name, function in functions.items():
        reads = any(
            text_of(c.child_by_field_name("function")).endswith(
                (".ReadMessage", ".FetchMessage", ".ReceiveMessage")
            )
            for c in nodes_of("go", function, ("call_expression",))
        )
        if name == "ConsumeClaim" or reads:
            routes.append((f"consume {', '.join(consumed) or name}", function))

    def delegates(node: Node) -> list[str]:
        """``store.SaveOrder(...)``: an exported function of another package of the service."""
        out = []
        for call in nodes_of("go", node, ("call_expression",)):
            head, _, tail = text_of(call.child_by_field_name("function")).partition(".")
            if head in packages and tail[:1].isupper() and "." not in tail:
                out.append(f"{packages[head]}.{tail}")
        return out

    scan.facts.extend(collect_operations(scan, routes, scope, None, delegates))
    package = ctx.path.rpartition("/")[0].rpartition("/")[2] or "main"
    exported = {n: f for n, f in functions.items() if n[:1].isupper()}
    scan.facts.extend(module_summaries(scan, package, exported, routes, scope, delegates))
    scan.facts.extend(credentials.go_credentials(scan.service, scan.path, root))
    return scan.result()
