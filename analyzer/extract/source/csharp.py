"""C# (.NET) services.

Read from the syntax tree: ``const`` / ``static readonly`` strings, ``Environment.GetEnvironmentVariable``
and ``Configuration["Key"]`` / ``GetConnectionString("Name")`` (origin ``config``); ``HttpClient``
calls (``GetAsync``, ``PostAsync``, ``PostAsJsonAsync``, ``PutAsync``, ``DeleteAsync``...) with
``BaseAddress = new Uri(...)`` in the same file; EF Core ``DbContext`` classes with ``DbSet<T>``
properties, ``ToTable("x")`` and ``[Table("x")]`` (the tables are read and written), ``UseNpgsql`` /
``UseSqlServer`` / ``UseMySql`` connection strings; Dapper ``Execute`` / ``Query`` SQL; MassTransit
state machines and NServiceBus sagas (saga), ``Publish`` / ``Send`` of an event type (publishes);
ASP.NET controllers (``[HttpPost("x")]`` under ``[Route("api/[controller]")]``) and minimal APIs
(``app.MapPost("/x", ...)``) as operations; OpenTelemetry / prometheus-net usings (telemetry).

Followed across files: calls on fields and constructor parameters of the service's own types
(``_ordering.PlaceAsync()`` into ``OrderingService : IOrderingService``), as for Java. Not followed:
typed clients registered in another file's ``AddHttpClient``, MediatR pipelines, DI by factory.
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
    walk,
)
from analyzer.extract.source.flow import CSHARP, Flow
from analyzer.extract.source.operations import Scope, class_summaries, collect_operations
from analyzer.extract.values import config, env, fallback, formatted, settings_url, unknown, url_join

NAME = "csharp"
_HTTP = {
    "GetAsync": "GET", "GetStringAsync": "GET", "GetFromJsonAsync": "GET", "PostAsync": "POST",
    "PostAsJsonAsync": "POST", "PutAsync": "PUT", "PutAsJsonAsync": "PUT", "PatchAsync": "PATCH",
    "DeleteAsync": "DELETE",
}  # fmt: skip
_ATTR_VERBS = {
    "HttpGet": "GET",
    "HttpPost": "POST",
    "HttpPut": "PUT",
    "HttpDelete": "DELETE",
    "HttpPatch": "PATCH",
}
_FRAMEWORK_TYPES = {
    "HttpClient", "ILogger", "IConfiguration", "IPublishEndpoint", "IBus", "ISendEndpointProvider",
    "IMediator", "IMapper", "IDbConnection", "DbContext", "String", "IHttpClientFactory",
}  # fmt: skip
_MINIMAL = {"MapGet": "GET", "MapPost": "POST", "MapPut": "PUT", "MapDelete": "DELETE", "MapPatch": "PATCH"}
_DAPPER = re.compile(r"^(Execute|Query|QueryFirst|QuerySingle|QueryMultiple)(OrDefault)?(Async)?$")
_USES = {
    "UseNpgsql": "postgresql",
    "UseSqlServer": "sqlserver",
    "UseMySql": "mysql",
    "UseMySQL": "mysql",
    "UseSqlite": "sqlite",
}


_CLIENT_CALLS = {"Connect": "redis", "ConnectAsync": "redis", "UseRedis": "redis", "UseMongoDB": "mongodb",
                 "UseCosmos": "", "UseNpgsqlConnection": "postgresql"}  # fmt: skip
_CLIENT_TYPES = {
    "NpgsqlConnection": "postgresql", "NpgsqlDataSourceBuilder": "postgresql",
    "SqlConnection": "sqlserver", "MySqlConnection": "mysql", "MongoClient": "mongodb", "MongoUrl": "mongodb",
    "ConnectionFactory": "rabbitmq",
    "ConfigurationOptions": "redis", "NpgsqlConnectionStringBuilder": "postgresql",
    "SqlConnectionStringBuilder": "sqlserver",
}  # fmt: skip


def wants(path: str) -> bool:
    return (
        path.endswith(".cs") and "/Migrations/" not in path and not path.endswith((".Designer.cs", ".g.cs"))
    )


def _args(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments") or next(
        (c for c in call.named_children if c.type == "argument_list"), None
    )
    if arguments is None:
        return []
    return [
        a.named_children[-1] if a.type == "argument" and a.named_children else a
        for a in arguments.named_children
    ]


def _attributes(node: Node) -> list[tuple[str, list[Node]]]:
    out = []
    for attribute_list in (c for c in node.named_children if c.type == "attribute_list"):
        for attribute in attribute_list.named_children:
            if attribute.type != "attribute":
                continue
            name = text_of(attribute.child_by_field_name("name")).rsplit(".", 1)[-1].removesuffix("Attribute")
            arguments = next(
                (c for c in attribute.named_children if c.type == "attribute_argument_list"), None
            )
            values = (
                [a.named_children[-1] for a in arguments.named_children if a.named_children]
                if arguments is not None
                else []
            )
            out.append((name, values))
    return out


class _Walker:
    def __init__(self, scan: FileScan) -> None:
        self.scan = scan
        self.base_address: Value = Value("")
        self.flow = Flow(CSHARP, self.value)
        self.options: dict[str, str] = {}  # IOptions<T> field or parameter -> T

    def value(self, node: Node | None) -> Value:
        if node is None:
            return UNKNOWN
        kind = node.type
        if kind in ("string_literal", "verbatim_string_literal", "raw_string_literal"):
            contents = [c for c in node.named_children if c.type.endswith("content")]
            if contents:
                return Value("".join(text_of(c) for c in contents))
            raw = text_of(node)
            return Value(raw[2:-1] if raw.startswith('@"') else raw.strip('"'))
        if kind == "interpolated_string_expression":
            parts = []
            for child in node.named_children:
                if child.type == "string_content" or child.type.endswith("text"):
                    parts.append(Value(text_of(child)))
                elif child.type == "interpolation" and child.named_children:
                    inner = [c for c in child.named_children if not c.type.startswith("interpolation_")]
                    parts.append(self.value(inner[0]) if inner else UNKNOWN)
            return combine(parts) if parts else Value("")
        if kind == "identifier":
            name = text_of(node)
            local = self.flow.lookup(node, name)
            if local is not None:
                return local
            return self.scan.consts.get(name, self.flow.unbound(node, name))
        if kind == "member_access_expression":
            # _options.Value.BaseUrl / _settings.CurrentValue.Url of an IOptions<T>: config @T.BaseUrl,
            # T bound to a section by services.Configure<T>(GetSection("S")) anywhere in the service
            path = text_of(node).replace("this.", "").split(".")
            owner = self.options.get(path[0])
            if owner and len(path) >= 2:
                return config(f"@{owner}.{path[-1]}")
            if text_of(node) in self.scan.consts:
                return self.scan.consts[text_of(node)]
            return unknown(text_of(node))
        if kind == "conditional_expression":
            return self.value(node.child_by_field_name("alternative"))
        if kind == "parenthesized_expression" and node.named_children:
            return self.value(node.named_children[0])
        if kind == "binary_expression" and text_of(node.child_by_field_name("operator")) == "??":
            return fallback(
                self.value(node.child_by_field_name("left")), self.value(node.child_by_field_name("right"))
            )
        if kind == "binary_expression" and text_of(node.child_by_field_name("operator")) == "+":
            return combine(
                [self.value(node.child_by_field_name("left")), self.value(node.child_by_field_name("right"))]
            )
        if kind == "invocation_expression":
            callee = text_of(node.child_by_field_name("function"))
            args = _args(node)
            if callee.endswith("GetEnvironmentVariable") and args:
                return env(self.value(args[0]).text)
            if callee.endswith("GetConnectionString") and args:
                return config("ConnectionStrings:" + self.value(args[0]).text)
            if re.search(r"\.GetValue(<[^>]*>)?$", callee) and args and "onfig" in callee:
                default = self.value(args[1]).text if len(args) > 1 else ""
                return config(self.value(args[0]).text, default)
            if callee.endswith(("string.Format", "String.Format")) and args:
                return formatted(self.value(args[0]), [self.value(a) for a in args[1:]], r"\{\d+[^}]*\}")
            if callee.endswith(("ToString", "Trim", "TrimEnd")):
                function = node.child_by_field_name("function")
                return self.value(
                    function.child_by_field_name("expression") if function is not None else None
                )
        if kind == "element_access_expression" and "onfig" in text_of(node.child_by_field_name("expression")):
            key = next(
                (c for c in walk(node) if c.type in ("string_literal", "verbatim_string_literal")), None
            )
            expression = node.child_by_field_name("expression")
            source = text_of(expression)
            if expression is not None and expression.type == "identifier" and "GetSection" not in source:
                # configSection["Host"] with configSection = config.GetSection(...) bound earlier
                bound = [v for _, _, v in self.flow.bindings_of(expression, source)]
                source = text_of(bound[-1]) if bound else source
            section = re.search(r'GetSection\(\s*"([^"]+)"\s*\)', source)
            name = self.value(key).text
            if section is None and expression is not None and expression.type == "identifier":
                passed = self.flow.unbound(expression, text_of(expression))
                if passed.variable.endswith("(a parameter)"):
                    return passed  # DetermineHost(IConfigurationSection configSection): its callers pick it
            if section is None and "GetSection(" in source:
                return unknown(f'{text_of(expression)}["{name}"] of a section chosen at run time')
            return config(f"{section.group(1)}:{name}" if section else name)
        if kind == "object_creation_expression" and text_of(node.child_by_field_name("type")) == "Uri":
            args = _args(node)
            if len(args) == 2:
                return url_join(self.value(args[0]), self.value(args[1]))
            return self.value(args[0]) if args else UNKNOWN
        if kind == "invocation_expression":
            return unknown(f"{text_of(node.child_by_field_name('function'))}()")
        return UNKNOWN

    def field_types(self, root: Node) -> dict[str, str]:
        """Field (and constructor parameter) name → declared type, for calls into own classes."""
        types: dict[str, str] = {}
        for node in nodes_of("csharp", root, ("field_declaration", "parameter")):
            if node.type == "parameter":
                kind, name = node.child_by_field_name("type"), node.child_by_field_name("name")
                if kind is not None and name is not None:
                    types.setdefault(text_of(name), text_of(kind).split("<")[0])
                continue
            declaration = next((c for c in node.named_children if c.type == "variable_declaration"), None)
            kind = declaration.child_by_field_name("type") if declaration is not None else None
            for declarator in (
                nodes_of("csharp", declaration, ("variable_declarator",)) if declaration else []
            ):
                name = declarator.child_by_field_name("name") or declarator.named_children[0]
                types[text_of(name)] = text_of(kind).split("<")[0]
        return types

    def option_bindings(self, root: Node) -> None:
        """``IOptions<T>`` fields and parameters (their ``.Value.X`` is a configuration key of the
        section T is bound to), and ``Configure<T>(config.GetSection("S"))`` / ``Bind("S")``
        bindings, which become settings the resolver reads (``@T`` = ``S``)."""
        for node in nodes_of("csharp", root, ("parameter", "variable_declaration", "property_declaration")):
            type_text = text_of(node.child_by_field_name("type"))
            found = re.match(
                r"^I?Options(Snapshot|Monitor)?<\s*([\w.]+)\s*>$", type_text.replace("IOptions", "Options")
            )
            if not found:
                continue
            names = (
                [node.child_by_field_name("name")]
                if node.type != "variable_declaration"
                else [
                    d.child_by_field_name("name") for d in nodes_of("csharp", node, ("variable_declarator",))
                ]
            )
            for name in names:
                if name is not None:
                    self.options[text_of(name)] = found.group(2).rsplit(".", 1)[-1]
        for assignment in nodes_of("csharp", root, ("assignment_expression",)):
            right = text_of(assignment.child_by_field_name("right"))
            left = text_of(assignment.child_by_field_name("left")).removeprefix("this.")
            if right in self.options and left:
                self.options[left] = self.options[right]
        for call in nodes_of("csharp", root, ("invocation_expression",)):
            text = text_of(call)
            found = re.search(
                r'Configure<\s*([\w.]+)\s*>\s*\(\s*[\w.]+\.GetSection\(\s*"([^"]+)"', text
            ) or re.search(
                r'AddOptions<\s*([\w.]+)\s*>\(\)\s*\.Bind(?:Configuration)?\(\s*[\w.]+\.GetSection\(\s*"([^"]+)"',
                text,
            )
            if found and text_of(call.child_by_field_name("function")).split("<")[0].endswith(
                ("Configure", "Bind", "BindConfiguration")
            ):
                self.scan.facts.append(
                    Setting(
                        self.scan.service,
                        f"@{found.group(1).rsplit('.', 1)[-1]}",
                        found.group(2),
                        self.scan.evidence(call, "options binding"),
                    )
                )

    def constants(self, root: Node) -> None:
        for node in nodes_of("csharp", root, ("variable_declarator", "assignment_expression")):
            if node.type == "variable_declarator":
                name = node.child_by_field_name("name") or (
                    node.named_children[0] if node.named_children else None
                )
                values = [c for c in node.named_children if c is not name]
                if name is not None and values:
                    value = self.value(values[-1])
                    if value.known or value.origin in ("env", "config"):
                        self.scan.consts.setdefault(text_of(name), value)
            elif node.type == "assignment_expression" and text_of(node.child_by_field_name("left")).endswith(
                "BaseAddress"
            ):
                self.base_address = self.value(node.child_by_field_name("right"))
                # A typed client's BaseAddress (often set where it is registered, AddHttpClient<T>)
                # is where its relative calls go: the service calls that address.
                if self.base_address.known or self.base_address.origin in ("env", "config"):
                    self.scan.facts.append(
                        Call(
                            self.scan.service,
                            self.base_address,
                            self.scan.evidence(node, "HttpClient.BaseAddress"),
                            "http",
                        )
                    )

    def invocation(self, node: Node, routes: list[tuple[str, Node]]) -> None:
        scan = self.scan
        callee = text_of(node.child_by_field_name("function"))
        method = callee.rsplit(".", 1)[-1].split("<")[0]
        args = _args(node)
        if callee.endswith("GrpcChannel.ForAddress") and args:
            scan.grpc_channel(node, self.value(args[0]))
            return
        if method in _HTTP and args:
            target = self.value(args[0])
            owner = callee.rsplit(".", 1)[0]
            if not re.search(r"(http|client)", owner, re.I) and not carries_address(target):
                return  # _orderRepository.GetAsync(id): not an HTTP client, not an address
            if target.known and not re.match(r"^[a-z]+://", target.text) and self.base_address.known:
                target = combine(
                    [
                        Value(
                            self.base_address.text.rstrip("/") + "/",
                            self.base_address.origin,
                            self.base_address.variable,
                        ),
                        Value(target.text.lstrip("/")),
                    ]
                )
            if target.known and not re.match(r"^[a-z]+://", target.text):
                return
            scan.facts.append(
                Call(scan.service, target, scan.evidence(node, f"HttpClient.{method}"), "http", _HTTP[method])
            )
        elif method in _USES and args:
            target = self.value(args[0])
            scan.connection(node, method, target, _USES[method])
        elif method in _CLIENT_CALLS and args:
            scan.connection(node, callee, self.value(args[0]), _CLIENT_CALLS[method])
        elif _DAPPER.match(method) and args:
            scan.sql(self.value(args[0]), args[0])
        elif method == "ToTable" and args:
            mapped = self.value(args[0])
            if mapped.known:
                for action in ("reads", "writes"):
                    scan.facts.append(
                        TableAccess(scan.service, mapped.text, action, scan.evidence(node, "EF Core ToTable"))
                    )
        elif (
            method in ("PublishAsync", "SendMessageAsync", "ReceiveMessageAsync")
            and args
            and args[0].type in ("string_literal", "identifier", "verbatim_string_literal")
            and self._aws_destination(args[0])
        ):
            # AWS SDK: snsClient.PublishAsync(topicArn, message), sqsClient.SendMessageAsync(queueUrl, body)
            system = "sns" if method == "PublishAsync" else "sqs"
            direction = "consumes" if method == "ReceiveMessageAsync" else "publishes"
            destination = self._aws_destination(args[0])
            scan.facts.append(
                Message(scan.service, direction, system, destination, scan.evidence(node, f"AWS {system}"))
            )
        elif (
            method in ("Publish", "PublishAsync", "Send")
            and args
            and args[0].type == "object_creation_expression"
        ):
            event = text_of(args[0].child_by_field_name("type")).rsplit(".", 1)[-1]
            scan.facts.append(
                Message(scan.service, "publishes", "masstransit", event, scan.evidence(node, callee))
            )
        elif method in _MINIMAL and len(args) >= 2:
            routes.append((f"{_MINIMAL[method]} {self.value(args[0]).text}", args[-1]))
        elif method not in VALUE_BUILDERS and not callee.startswith(("_logger", "logger", "Log", "Console")):
            for arg in args:
                value = self.value(arg)
                if carries_address(value):
                    scan.facts.append(Call(scan.service, value, scan.evidence(node, callee), ""))
                    break

    def creation(self, node: Node, created: str) -> None:
        """``new NpgsqlConnection(cs)``, ``new MongoClient(cs)``, ``new ConnectionFactory { HostName =
        h }``: what the client was given, recognised by the resolver."""
        short = created.split("<")[0].rsplit(".", 1)[-1]
        if short in ("Uri", "UriBuilder", "StringBuilder", "Exception"):
            return
        technology = _CLIENT_TYPES.get(short, "")
        args = _args(node)
        initializer = node.child_by_field_name("initializer")
        settings: dict[str, Node] = {}
        for assignment in nodes_of("csharp", initializer, ("assignment_expression",)) if initializer else []:
            settings[text_of(assignment.child_by_field_name("left"))] = assignment.child_by_field_name(
                "right"
            )  # type: ignore[assignment]
        host = settings.get("HostName") or settings.get("Host") or settings.get("Server")
        if technology and host is not None:
            port = settings.get("Port")
            target = settings_url(
                technology, self.value(host), self.value(port) if port is not None else None
            )
            self.scan.connection(node, f"new {short}", target, technology)
            return
        if technology and args:
            self.scan.connection(node, f"new {short}", self.value(args[0]), technology)
            return
        for arg in args:
            value = self.value(arg)
            if carries_address(value):
                self.scan.facts.append(
                    Call(self.scan.service, value, self.scan.evidence(node, f"new {short}"), "")
                )
                return

    def _aws_destination(self, node: Node) -> str:
        """The topic or queue name of an SNS topic ARN or SQS queue URL, else ''."""
        target = self.value(node)
        if target.known and (target.text.startswith("arn:aws:") or ".amazonaws.com/" in target.text):
            return target.text.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        return ""

    def type_declaration(self, node: Node, routes: list[tuple[str, Node]]) -> None:
        scan = self.scan
        bases = text_of(next((c for c in node.named_children if c.type == "base_list"), None))
        attributes = dict(_attributes(node))
        consumed = re.search(r"\bIConsumer<\s*([\w.]+)\s*>", bases)
        body_node = next((c for c in node.named_children if c.type == "declaration_list"), None)
        if consumed and body_node is not None:
            event = consumed.group(1).rsplit(".", 1)[-1]
            for member in body_node.named_children:
                if (
                    member.type == "method_declaration"
                    and text_of(member.child_by_field_name("name")) == "Consume"
                ):
                    scan.facts.append(
                        Message(
                            scan.service, "consumes", "masstransit", event, scan.evidence(member, "IConsumer")
                        )
                    )
                    routes.append((f"consume {event}", member))
        if "MassTransitStateMachine" in bases or re.search(r"\bSaga<", bases):
            scan.facts.append(
                Marker(
                    scan.service,
                    "saga",
                    "masstransit" if "MassTransit" in bases else "nservicebus",
                    scan.evidence(node, bases),
                )
            )
        if attributes.get("Table"):
            table = self.value(attributes["Table"][0])
            if table.known:
                for action in ("reads", "writes"):
                    scan.facts.append(
                        TableAccess(scan.service, table.text, action, scan.evidence(node, "[Table]"))
                    )
        body = next((c for c in node.named_children if c.type == "declaration_list"), None)
        if body is None:
            return
        if "DbContext" in bases:
            for prop in body.named_children:
                type_text = (
                    text_of(prop.child_by_field_name("type")) if prop.type == "property_declaration" else ""
                )
                if "DbSet<" in type_text:
                    name = text_of(prop.child_by_field_name("name"))
                    for action in ("reads", "writes"):
                        scan.facts.append(
                            TableAccess(scan.service, name, action, scan.evidence(prop, "EF Core DbSet"))
                        )
        prefix = ""
        if attributes.get("Route"):
            controller = text_of(node.child_by_field_name("name")).removesuffix("Controller").lower()
            prefix = self.value(attributes["Route"][0]).text.replace("[controller]", controller).strip("/")
        for method in body.named_children:
            if method.type != "method_declaration":
                continue
            for name, values in _attributes(method):
                if name in _ATTR_VERBS:
                    path = self.value(values[0]).text if values else ""
                    full = "/" + "/".join(p for p in (prefix, path.strip("/")) if p)
                    routes.append((f"{_ATTR_VERBS[name]} {full}", method))
            method_name = text_of(method.child_by_field_name("name"))
            if re.match(r"^(Compensate|Cancel|Undo|Rollback)", method_name):
                scan.facts.append(
                    Marker(scan.service, "compensation", method_name, scan.evidence(method, method_name))
                )


def extract(ctx: FileContext, text: str) -> ExtractResult:
    if not ctx.service:
        return ExtractResult()
    scan, root = begin(ctx, text, "csharp")
    walker = _Walker(scan)
    walker.option_bindings(root)
    walker.constants(root)
    routes: list[tuple[str, Node]] = []
    functions: dict[str, Node] = {}
    for node in nodes_of(
        "csharp",
        root,
        (
            "invocation_expression",
            "class_declaration",
            "record_declaration",
            "method_declaration",
            "using_directive",
            "object_creation_expression",
        ),
    ):
        if node.type == "invocation_expression":
            walker.invocation(node, routes)
        elif node.type in ("class_declaration", "record_declaration"):
            walker.type_declaration(node, routes)
        elif node.type == "object_creation_expression":
            created = text_of(node.child_by_field_name("type"))
            walker.creation(node, created)
            if created.endswith("Client") and "." in created and not created.startswith("System."):
                outer, _, inner = created.rpartition(".")
                if (
                    inner.removesuffix("Client") == outer.rsplit(".", 1)[-1]
                ):  # new Inventory.InventoryClient(channel)
                    scan.grpc_stub(node, outer.rsplit(".", 1)[-1])
        elif node.type == "method_declaration":
            functions.setdefault(text_of(node.child_by_field_name("name")), node)
        elif node.type == "using_directive":
            used = text_of(node).removeprefix("using").strip(" ;")
            if used.startswith(("OpenTelemetry", "Prometheus")):
                scan.facts.append(
                    Marker(scan.service, "telemetry", used.split(".")[0].lower(), scan.evidence(node, used))
                )
            elif used.startswith(("MassTransit", "NServiceBus")) and "Saga" in used:
                scan.facts.append(
                    Marker(scan.service, "saga", used.split(".")[0].lower(), scan.evidence(node, used))
                )
    scope = Scope(
        functions,
        lambda n: [
            text_of(c.child_by_field_name("function")).rsplit(".", 1)[-1]
            for c in nodes_of("csharp", n, ("invocation_expression",))
        ],
    )
    field_types = walker.field_types(root)

    def delegates(node: Node) -> list[str]:
        out = []
        for call in nodes_of("csharp", node, ("invocation_expression",)):
            function = call.child_by_field_name("function")
            if function is None or function.type != "member_access_expression":
                continue
            owner = field_types.get(
                text_of(function.child_by_field_name("expression")).removeprefix("this."), ""
            )
            if owner[:1].isupper() and owner not in _FRAMEWORK_TYPES:
                out.append(f"{owner}.{text_of(function.child_by_field_name('name'))}")
        return out

    scan.facts.extend(collect_operations(scan, routes, scope, None, delegates))
    owners = []
    for declaration in nodes_of("csharp", root, ("class_declaration",)):
        bases = next((c for c in declaration.named_children if c.type == "base_list"), None)
        names = [text_of(declaration.child_by_field_name("name"))]
        names += [text_of(b).split("<")[0] for b in bases.named_children] if bases is not None else []
        body = next((c for c in declaration.named_children if c.type == "declaration_list"), None)
        methods = [
            (text_of(m.child_by_field_name("name")), m)
            for m in (body.named_children if body is not None else [])
            if m.type == "method_declaration"
        ]
        owners.append((names, methods))
    scan.facts.extend(class_summaries(scan, owners, routes, scope, None, delegates))
    scan.facts.extend(credentials.csharp_credentials(scan.service, scan.path, root))
    return scan.result()
