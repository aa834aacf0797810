"""Source extractors (tree-sitter): exact facts and lines on realistic fixture services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analyzer.extract.facts import (
    Call,
    Connection,
    ExtractResult,
    FileContext,
    Marker,
    Message,
    Operation,
    TableAccess,
)
from analyzer.extract.source import java, javascript, python
from analyzer.extract.source.base import language, parse
from tests.conftest import FIXTURES

CODE = FIXTURES / "code"


def run(module: Any, rel: str, service: str) -> ExtractResult:
    return module.extract(FileContext(rel, str(CODE), service, "postgresql"), (CODE / rel).read_text())


def summary(result: ExtractResult) -> set[tuple[Any, ...]]:
    out: set[tuple[Any, ...]] = set()
    for f in result.facts:
        line = f.evidence.location.line
        if isinstance(f, Call):
            out.add(("call", line, f.method, f.target.text, f.target.origin, f.target.variable))
        elif isinstance(f, Connection):
            out.add(("connects", line, f.info.technology, f.info.hosts, f.info.database, f.host_origin))
        elif isinstance(f, TableAccess):
            out.add((f.action, line, f.table))
        elif isinstance(f, Message):
            out.add((f.direction, line, f.system, f.topic))
        elif isinstance(f, Marker):
            out.add(("marker", line, f.key, f.value))
        elif isinstance(f, Operation) and not f.internal:
            out.add(("operation", line, f.name, f.writes_tables, f.mutating_calls, f.publishes))
    return out


@pytest.mark.parametrize("name", ["python", "javascript", "typescript", "tsx", "java", "go", "csharp"])
def test_every_grammar_loads_from_its_wheel(name: str) -> None:
    tree, _ = parse(name, "x")
    assert language(name) is not None and tree.root_node is not None


def test_python_flask_service() -> None:
    result = run(python, "python/billing/app/api.py", "billing")
    assert result.diagnostics == []
    # env(DATABASE_URL) ?? "postgresql://...": the resolver fills it and recognises the DSN
    billing_db = ("call", "", "postgresql://billing@billing-db:5432/billing", "env", "DATABASE_URL")
    assert summary(result) == {
        ("marker", 8, "telemetry", "opentelemetry"),
        ("call", 13, "", "kafka:9092", "env", "KAFKA_BOOTSTRAP_SERVERS"),
        ("call", 18, "POST", "http://ledger:8080/entries", "env", "LEDGER_URL"),
        (billing_db[0], 24, *billing_db[1:]),
        ("writes", 26, "invoices"),
        ("writes", 29, "customers"),
        ("publishes", 31, "kafka", "invoice-events"),
        (billing_db[0], 37, *billing_db[1:]),
        ("reads", 38, "invoices"),
        ("marker", 41, "health", "GET /health"),
        ("marker", 46, "compensation", "cancel_invoice"),
        (billing_db[0], 47, *billing_db[1:]),
        ("writes", 48, "invoices"),
        ("call", 49, "DELETE", "http://ledger:8080/entries/", "env", "LEDGER_URL"),
        (
            "operation",
            22,
            "POST /invoices",
            ("customers", "invoices"),
            ("http://ledger:8080/entries",),
            ("invoice-events",),
        ),
        ("operation", 36, "GET /invoices/<int:invoice_id>", (), (), ()),
        ("operation", 42, "GET /health", (), (), ()),
    }


def test_typescript_express_service() -> None:
    result = run(javascript, "js/notifications/src/server.ts", "notifications")
    assert result.diagnostics == []
    assert summary(result) == {
        # env(DATABASE_URL) ?? "postgres://...": the resolver fills it and recognises the DSN
        ("call", 7, "", "postgres://notify@notify-db:5432/notify", "env", "DATABASE_URL"),
        ("connects", 9, "kafka", ("kafka",), "", "literal"),
        ("call", 16, "GET", "http://users:3000/users/", "env", "USERS_URL"),
        ("writes", 22, "notifications"),
        ("publishes", 23, "kafka", "notification-sent"),
        ("call", 24, "POST", "http://audit:8080/events", "literal", ""),
        ("consumes", 28, "kafka", "order-events"),
        ("consumes", 28, "kafka", "invoice-events"),
        (
            "operation",
            20,
            "POST /notifications",
            ("notifications",),
            ("http://audit:8080/events",),
            ("notification-sent",),
        ),
    }


def test_java_spring_service() -> None:
    base = "java/shipping/src/main/java/com/acme/shipping/"
    controller = run(java, base + "ShipmentController.java", "shipping")
    assert controller.diagnostics == []
    assert summary(controller) == {
        ("marker", 3, "telemetry", "micrometer"),
        ("consumes", 50, "kafka", "order-events"),
        ("publishes", 37, "kafka", "shipment-events"),
        ("call", 42, "PUT", "http://orders:8080/orders/1/status", "config", "orders.base-url"),
        ("reads", 47, "shipments"),
        ("writes", 52, "pending_shipments"),
        (
            "operation",
            33,
            "POST /api/shipments",
            ("ShipmentRepository save",),
            ("http://orders:8080/orders/1/status",),
            ("shipment-events",),
        ),
        ("operation", 45, "GET /api/shipments/count", (), (), ()),
        ("operation", 50, "consume order-events", ("pending_shipments",), (), ()),
    }
    entity = run(java, base + "Shipment.java", "shipping")
    assert summary(entity) == {("reads", 8, "shipments"), ("writes", 8, "shipments")}


def test_syntax_errors_keep_the_valid_parts() -> None:
    text = 'import requests\n\ndef ok():\n    requests.get("http://users:8080/u")\n\ndef broken(:\n    pass\n'
    result = python.extract(FileContext("svc/app.py", "/x", "svc"), text)
    assert [(c.evidence.location.line, c.target.text) for c in result.facts if isinstance(c, Call)] == [
        (4, "http://users:8080/u")
    ]
    assert (
        result.diagnostics
        and result.diagnostics[0].line == 6
        and "syntax errors" in result.diagnostics[0].message
    )


def test_unresolved_values_are_said_so_not_guessed() -> None:
    text = 'import requests\nfrom config import BASE\n\nrequests.post(BASE + "/x")\n'
    (call,) = [
        f for f in python.extract(FileContext("svc/a.py", "/x", "svc"), text).facts if isinstance(f, Call)
    ]
    assert (call.target.text, call.target.origin, call.target.variable) == ("", "unresolved", "BASE")


def test_go_gin_service() -> None:
    from analyzer.extract.source import golang

    result = run(golang, "go/payments/main.go", "payments")
    assert result.diagnostics == []
    assert summary(result) == {
        ("marker", 10, "telemetry", "opentelemetry"),
        ("writes", 18, "payments"),
        ("call", 19, "PATCH", "http://orders:8080/orders/", "literal", ""),
        ("connects", 24, "postgresql", ("payments-db",), "payments", "literal"),
        ("publishes", 25, "kafka", "payment-events"),
        ("operation", 28, "POST /payments/:id", ("payments",), ("http://orders:8080/orders/",), ()),
    }


def test_csharp_aspnet_service() -> None:
    from analyzer.extract.source import csharp

    result = run(csharp, "csharp/Ordering/Controllers/OrdersController.cs", "ordering")
    assert result.diagnostics == []
    assert summary(result) == {
        ("marker", 5, "telemetry", "opentelemetry"),
        # the client's BaseAddress is itself where it calls
        ("call", 21, "", "http://payment-api", "env", "PAYMENT_URL"),
        ("writes", 29, "orders"),
        ("call", 30, "DELETE", "http://basket-api/api/v1/basket/", "literal", ""),
        ("publishes", 31, "masstransit", "OrderStartedIntegrationEvent"),
        ("reads", 37, "orders"),
        ("operation", 26, "POST /api/orders/checkout", ("orders",), ("http://basket-api/api/v1/basket/",), ("OrderStartedIntegrationEvent",)),
        ("operation", 35, "GET /api/orders/{id}", (), (), ()),
        ("reads", 42, "Orders"), ("writes", 42, "Orders"), ("reads", 43, "Buyers"), ("writes", 43, "Buyers"),
    }  # fmt: skip


def test_feign_client_by_name_is_discovery_not_a_hardcoded_address() -> None:
    text = (
        "package a;\n\nimport org.springframework.cloud.openfeign.FeignClient;\n\n"
        '@FeignClient(name = "inventory")\npublic interface InventoryClient {\n}\n'
    )
    (call,) = [
        f
        for f in java.extract(FileContext("a/InventoryClient.java", "/x", "orders"), text).facts
        if isinstance(f, Call)
    ]
    assert (call.target.text, call.target.origin, call.evidence.location.line) == (
        "http://inventory",
        "discovery",
        5,
    )


def test_grpc_stubs_are_matched_to_the_proto_of_the_serving_service(tmp_path: Path) -> None:
    from analyzer.config import Config
    from analyzer.model import EdgeKind
    from analyzer.pipeline import scan

    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  inventory:\n    build: ./inventory\n  orders:\n    build: ./orders\n  billing:\n    build: ./billing\n"
        "  web:\n    build: ./web\n"
    )
    for name in ("inventory", "orders", "billing", "web"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "inventory" / "inventory.proto").write_text(
        'syntax = "proto3";\npackage acme.inventory.v1;\nservice InventoryService {\n  rpc Reserve(R) returns (S);\n}\n'
    )
    # orders: the channel target comes from elsewhere (unknown here): matched through the .proto
    (tmp_path / "orders" / "client.py").write_text(
        "import grpc\nimport inventory_pb2_grpc\n\n\ndef stub(channel):\n    return inventory_pb2_grpc.InventoryServiceStub(channel)\n"
    )
    # billing: a Java stub on a channel with a literal target
    (tmp_path / "billing" / "Client.java").write_text(
        'class Client {\n  Object stub() {\n    var ch = ManagedChannelBuilder.forTarget("inventory:50051").build();\n'
        "    return InventoryServiceGrpc.newBlockingStub(ch);\n  }\n}\n"
    )
    (tmp_path / "web" / "rpc.js").write_text(
        'const grpc = require("@grpc/grpc-js");\nconst client = new proto.InventoryService("inventory:50051", grpc.credentials.createInsecure());\n'
    )
    result = scan(tmp_path, Config())
    calls = {(e.source, e.target, e.attrs.get("protocol")) for e in result.graph.edges(EdgeKind.CALLS)}
    assert calls == {
        ("service:orders", "service:inventory", "grpc"),
        ("service:billing", "service:inventory", "grpc"),
        ("service:web", "service:inventory", "grpc"),
    }


def test_retrofit_base_url_is_a_call() -> None:
    text = 'class Api {\n  Object build() {\n    return new Retrofit.Builder()\n        .baseUrl("http://pricing:8080/")\n        .build();\n  }\n}\n'
    (call,) = [
        f for f in java.extract(FileContext("a/Api.java", "/x", "orders"), text).facts if isinstance(f, Call)
    ]
    assert (call.target.text, call.target.origin) == ("http://pricing:8080/", "literal")


def test_django_views_are_operations() -> None:
    text = (
        "import requests\nfrom django.db import connection\nfrom rest_framework.views import APIView\n\n\n"
        "def create_order(request):\n    with connection.cursor() as cursor:\n"
        '        cursor.execute("INSERT INTO orders (sku) VALUES (%s)", [request.POST["sku"]])\n'
        '    requests.post("http://inventory:8080/reserve", timeout=2)\n\n\n'
        "class OrderView(APIView):\n    def delete(self, request, pk):\n"
        '        with connection.cursor() as cursor:\n            cursor.execute("DELETE FROM orders WHERE id = %s", [pk])\n'
    )
    ops = {(f.name, f.evidence.location.line, f.writes_tables, f.mutating_calls)
           for f in python.extract(FileContext("orders/shop/views.py", "/x", "orders"), text).facts
           if isinstance(f, Operation) and not f.internal}  # fmt: skip
    assert ops == {
        ("VIEW create_order", 6, ("orders",), ("http://inventory:8080/reserve",)),
        ("DELETE OrderView", 13, ("orders",), ()),
    }


def test_java_handlers_delegating_to_services_in_other_files(tmp_path: Path) -> None:
    from analyzer.config import Config
    from analyzer.pipeline import scan

    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  orders:\n    build: ./orders\n    environment:\n"
        "      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/orders\n      INVENTORY_URL: http://inventory:8080\n"
        "  inventory:\n    build: ./inventory\n  db:\n    image: postgres:16\n"
    )
    src = tmp_path / "orders" / "src" / "main" / "java" / "shop"
    src.mkdir(parents=True)
    (tmp_path / "orders" / "pom.xml").write_text("<project/>")
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "Dockerfile").write_text("FROM scratch\n")
    (src / "CheckoutController.java").write_text(
        "package shop;\n\n@RestController\npublic class CheckoutController {\n    private final CheckoutService checkout;\n\n"
        '    @PostMapping("/checkout")\n    public void checkout() {\n        checkout.place();\n    }\n}\n'
    )
    (src / "CheckoutService.java").write_text(
        "package shop;\n\npublic interface CheckoutService {\n    void place();\n}\n"
    )
    (src / "DefaultCheckoutService.java").write_text(
        "package shop;\n\n@Service\npublic class DefaultCheckoutService implements CheckoutService {\n"
        "    private final OrderRepository orders;\n    private final RestTemplate http;\n"
        '    @Value("${inventory.url:http://inventory:8080}")\n    private String inventoryUrl;\n\n'
        "    public void place() {\n        orders.save(new Order());\n"
        '        http.postForObject(inventoryUrl + "/reservations", null, String.class);\n    }\n}\n'
    )
    result = scan(tmp_path, Config())
    (finding,) = [f for f in result.active_findings if f.rule == "missing-saga"]
    assert finding.location.path.endswith("CheckoutController.java") and finding.location.line == 7
    assert "inventory, orders" in finding.message


def test_csharp_controllers_delegating_to_services_in_other_files(tmp_path: Path) -> None:
    from analyzer.config import Config
    from analyzer.pipeline import scan

    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  ordering:\n    build:\n      context: .\n      dockerfile: Ordering/Dockerfile\n"
        "  basket:\n    build:\n      context: .\n      dockerfile: Basket/Dockerfile\n"
    )
    for name in ("Ordering", "Basket"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text("FROM mcr.microsoft.com/dotnet/aspnet:8.0\n")
    (tmp_path / "Ordering" / "OrdersController.cs").write_text(
        '[Route("api/[controller]")]\npublic class OrdersController : ControllerBase\n{\n'
        "    private readonly IOrderingService _ordering;\n\n"
        '    [HttpPost("checkout")]\n    public Task Checkout() => _ordering.PlaceAsync();\n}\n'
    )
    (tmp_path / "Ordering" / "OrderingService.cs").write_text(
        "public class OrderingService : IOrderingService\n{\n    private readonly HttpClient _http;\n"
        "    private readonly IDbConnection _db;\n\n    public async Task PlaceAsync()\n    {\n"
        '        await _db.ExecuteAsync("INSERT INTO orders (id) VALUES (1)");\n'
        '        await _http.DeleteAsync("http://basket/api/v1/basket/1");\n    }\n}\n'
    )
    result = scan(tmp_path, Config())
    (finding,) = [f for f in result.active_findings if f.rule == "missing-saga"]
    assert finding.location.path == "Ordering/OrdersController.cs" and "basket, ordering" in finding.message


@pytest.mark.parametrize(
    ("files", "handler"),
    [
        (
            {
                "orders/app/api.py": "from fastapi import FastAPI\nfrom app.services import place_order\n\napp = FastAPI()\n\n\n"
                '@app.post("/checkout")\ndef checkout():\n    place_order()\n',
                "orders/app/services.py": "import psycopg\nimport requests\n\n\ndef place_order():\n"
                '    with psycopg.connect("postgresql://o@db/orders") as conn:\n'
                '        conn.execute("INSERT INTO orders (id) VALUES (1)")\n'
                '    requests.post("http://inventory:8080/reserve", timeout=2)\n',
            },
            "orders/app/api.py",
        ),
        (
            {
                "orders/src/server.js": 'const { placeOrder } = require("./orders");\n\napp.post("/checkout", async (req, res) => {\n'
                "  await placeOrder();\n  res.end();\n});\n",
                "orders/src/orders.js": 'const axios = require("axios");\n\nasync function placeOrder() {\n'
                '  await pool.query("INSERT INTO orders (id) VALUES (1)");\n'
                '  await axios.post("http://inventory:8080/reserve");\n}\nmodule.exports = { placeOrder };\n',
            },
            "orders/src/server.js",
        ),
        (
            {
                "orders/main.go": 'package main\n\nimport "example.com/orders/store"\n\nfunc main() {\n'
                '\tr.POST("/checkout", func(c *gin.Context) {\n\t\tstore.PlaceOrder(db)\n\t})\n}\n',
                "orders/store/store.go": 'package store\n\nimport "net/http"\n\nfunc PlaceOrder(db *sql.DB) {\n'
                '\tdb.Exec("INSERT INTO orders (id) VALUES (1)")\n\thttp.Post("http://inventory:8080/reserve", "", nil)\n}\n',
            },
            "orders/main.go",
        ),
    ],
    ids=["python", "javascript", "go"],
)
def test_handlers_calling_functions_of_other_files(
    tmp_path: Path, files: dict[str, str], handler: str
) -> None:
    from analyzer.config import Config
    from analyzer.pipeline import scan

    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  orders:\n    build: ./orders\n  inventory:\n    build: ./inventory\n"
    )
    for name in ("orders", "inventory"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text("FROM scratch\n")
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    result = scan(tmp_path, Config())
    (finding,) = [f for f in result.active_findings if f.rule == "missing-saga"]
    assert finding.location.path == handler and "inventory, orders" in finding.message


def test_consumers_and_nestjs_handlers_are_operations() -> None:
    from analyzer.extract.source import csharp

    def ops(module: Any, path: str, text: str) -> set[tuple[str, int, tuple[str, ...]]]:
        facts = module.extract(FileContext(path, "/x", "svc", "postgresql"), text).facts
        return {
            (f.name, f.evidence.location.line, f.writes_tables)
            for f in facts
            if isinstance(f, Operation) and not f.internal
        }

    nest = (
        '@Controller("orders")\nexport class OrdersController {\n  @Post("checkout")\n'
        '  async checkout() { await this.db.query("INSERT INTO orders (id) VALUES (1)"); }\n'
        '  @EventPattern("payment-failed")\n  async onFailed() {}\n}\n'
    )
    assert ops(javascript, "svc/orders.controller.ts", nest) == {
        ("POST /orders/checkout", 4, ("orders",)),
        ("consume payment-failed", 6, ()),
    }
    kafkajs = (
        'await consumer.subscribe({ topic: "order-events" });\nawait consumer.run({\n'
        '  eachMessage: async ({ message }) => { await pool.query("UPDATE stock SET q = q - 1"); },\n});\n'
    )
    assert ops(javascript, "svc/worker.js", kafkajs) == {("consume order-events", 3, ("stock",))}
    pika = (
        "import pika\n\n\ndef on_order(ch, method, props, body):\n"
        '    db.execute("INSERT INTO shipments (id) VALUES (1)")\n\n\n'
        'channel.basic_consume(queue="orders", on_message_callback=on_order)\n'
    )
    assert ops(python, "svc/worker.py", pika) == {("consume orders", 4, ("shipments",))}
    consumer = (
        "public class OrderSubmittedConsumer : IConsumer<OrderSubmitted>\n{\n"
        "    public async Task Consume(ConsumeContext<OrderSubmitted> context)\n    {\n"
        '        await _db.ExecuteAsync("INSERT INTO invoices (id) VALUES (1)");\n    }\n}\n'
    )
    assert ops(csharp, "svc/OrderSubmittedConsumer.cs", consumer) == {
        ("consume OrderSubmitted", 3, ("invoices",))
    }


def test_aws_sdks_cadence_and_go_consumer_loops() -> None:
    from analyzer.extract.source import csharp, golang

    def messages(module: Any, path: str, text: str) -> set[tuple[str, str, str]]:
        facts = module.extract(FileContext(path, "/x", "svc"), text).facts
        return {(f.direction, f.system, f.topic) for f in facts if isinstance(f, Message)}

    arn = "arn:aws:sns:eu-west-1:123456789012:order-events"
    queue = "https://sqs.eu-west-1.amazonaws.com/123456789012/billing"
    js = f'await sns.send(new PublishCommand({{ TopicArn: "{arn}", Message: "x" }}));\nawait sqs.send(new SendMessageCommand({{ QueueUrl: "{queue}" }}));\n'
    assert messages(javascript, "svc/a.js", js) == {
        ("publishes", "sns", "order-events"),
        ("publishes", "sqs", "billing"),
    }
    java_text = f'class A {{ void f() {{ sns.publish(PublishRequest.builder().topicArn("{arn}").message("x").build()); }} }}\n'
    assert messages(java, "svc/A.java", java_text) == {("publishes", "sns", "order-events")}
    go_text = f'package main\n\nfunc f() {{\n\tclient.Publish(ctx, &sns.PublishInput{{TopicArn: aws.String("{arn}")}})\n}}\n'
    assert messages(golang, "svc/main.go", go_text) == {("publishes", "sns", "order-events")}
    cs = f'class A {{ async Task F() {{ await _sqs.SendMessageAsync("{queue}", "body"); }} }}\n'
    assert messages(csharp, "svc/A.cs", cs) == {("publishes", "sqs", "billing")}
    cadence = 'package main\n\nimport "go.uber.org/cadence/workflow"\n'
    assert [
        (m.key, m.value)
        for m in golang.extract(FileContext("svc/w.go", "/x", "svc"), cadence).facts
        if isinstance(m, Marker)
    ] == [("saga", "cadence")]
    loop = (
        'package main\n\nfunc consume(db *sql.DB) {\n\tr := kafka.NewReader(kafka.ReaderConfig{Topic: "orders"})\n'
        '\tfor {\n\t\tm, _ := r.ReadMessage(ctx)\n\t\tdb.Exec("INSERT INTO shipments (id) VALUES ($1)", m.Key)\n\t}\n}\n'
    )
    ops = {
        (o.name, o.writes_tables)
        for o in golang.extract(FileContext("svc/c.go", "/x", "svc"), loop).facts
        if isinstance(o, Operation) and not o.internal
    }
    assert ops == {("consume orders", ("shipments",))}
