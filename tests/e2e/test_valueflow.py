"""Values flow the way the program does: one realistic service per language (fixtures/code/valueflow).

Each service builds its addresses the ordinary way — locals, constructor-injected configuration,
helpers that return a URL, env reads with defaults, settings objects — and the deployment
(docker-compose.yml, application.yml, appsettings.json) sets the values. The graph must hold
exactly the edges the program makes, with the database each reaches, how each was recognised and
the lines that prove it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.config import Config
from analyzer.model import ArchGraph, EdgeKind
from analyzer.pipeline import build_model, scan
from tests.conftest import FIXTURES

SYSTEM = FIXTURES / "code" / "valueflow"


@pytest.fixture(scope="module")
def built() -> tuple[ArchGraph, list[str]]:
    graph, diagnostics = build_model(Path(SYSTEM), Config())
    return graph, [f"{d.path}:{d.line} {d.message}" for d in diagnostics]


def edge(graph: ArchGraph, kind: EdgeKind, source: str, target: str):  # type: ignore[no-untyped-def]
    return next(e for e in graph.edges(kind) if e.source == source and e.target == target)


def places(graph: ArchGraph, kind: EdgeKind, source: str, target: str) -> list[tuple[str, int]]:
    return [(e.location.path, e.location.line) for e in edge(graph, kind, source, target).evidence]


def test_exact_edges(built: tuple[ArchGraph, list[str]]) -> None:
    graph, _ = built
    assert {(e.source, e.target) for e in graph.edges(EdgeKind.CALLS)} == {
        ("service:billing", "service:ledger"),
        ("service:billing", "service:products"),
        ("service:ledger", "service:billing"),
        ("service:orders", "service:products"),
        ("service:products", "service:orders"),
    }
    assert {(e.source, e.target) for e in graph.edges(EdgeKind.CONNECTS)} == {
        ("service:billing", "database:billing-db/billing"),
        ("service:inventory", "broker:rabbitmq"),
        ("service:inventory", "database:cache/0"),
        ("service:inventory", "database:inventory-db/inventory"),
        ("service:ledger", "database:cache/0"),
        ("service:ledger", "database:ledger-db/ledger"),
        ("service:orders", "database:cache/0"),
        ("service:orders", "database:orders-db/orders"),
        ("service:products", "database:cache/0"),
        ("service:products", "database:catalog-db/catalog"),
    }


def test_java_jdbc_url_built_from_an_env_host_reaches_the_named_database(
    built: tuple[ArchGraph, list[str]],
) -> None:
    graph, _ = built
    # "jdbc:postgresql://" + System.getenv("PG_HOST") + ":5432/billing", PG_HOST=billing-db in compose
    target = "database:billing-db/billing"
    assert places(graph, EdgeKind.CONNECTS, "service:billing", target) == [
        ("billing/src/main/java/com/example/billing/InvoiceStore.java", 16),
        ("docker-compose.yml", 6),
    ]
    assert "jdbc url" in edge(graph, EdgeKind.CONNECTS, "service:billing", target).attrs["recognised_by"]
    assert "database:billing-db/(default)" not in graph


def test_java_value_injected_into_a_constructor_and_a_properties_class(
    built: tuple[ArchGraph, list[str]],
) -> None:
    graph, _ = built
    # @Value constructor parameter -> field -> ledgerUrl + "/entries" and a helper's local; the
    # deployed CLIENTS_LEDGER_BASEURL (relaxed binding) wins over application.yml's localhost
    assert places(graph, EdgeKind.CALLS, "service:billing", "service:ledger") == [
        ("billing/src/main/java/com/example/billing/LedgerClient.java", 19),
        ("billing/src/main/java/com/example/billing/LedgerClient.java", 24),
        ("billing/src/main/resources/application.yml", 6),
        ("docker-compose.yml", 7),
    ]
    ledger = edge(graph, EdgeKind.CALLS, "service:billing", "service:ledger")
    assert ledger.attrs["target_value"] == (
        'config(clients.ledger.base-url) + "/entries"',
        'config(clients.ledger.base-url) + "/entries/" + id',
    )
    # properties.getBaseUrl() of a @ConfigurationProperties(prefix = "clients.products") class
    assert ("billing/src/main/java/com/example/billing/PriceLookup.java", 17) in places(
        graph, EdgeKind.CALLS, "service:billing", "service:products"
    )


def test_javascript_old_driver_entry_points(built: tuple[ArchGraph, list[str]]) -> None:
    graph, _ = built
    # MongoClient.connect(url, cb) with url = process.env.MONGO_URL || 'mongodb://mongodb:27017/products':
    # the deployment's MONGO_URL is the evidence, the code that reads it is named beside it
    catalog = edge(graph, EdgeKind.CONNECTS, "service:products", "database:catalog-db/catalog")
    assert [(e.location.path, e.location.line) for e in catalog.evidence] == [("docker-compose.yml", 13)]
    assert catalog.attrs["read_in"] == ("products/server.js:11",)
    # redis.createClient({host: redisHost}) with var redisHost = process.env.REDIS_HOST || 'cache'
    assert places(graph, EdgeKind.CONNECTS, "service:products", "database:cache/0") == [
        ("products/server.js", 14)
    ]
    # config.orders.baseUrl of the service's config module (module.exports = {orders: {baseUrl: ...}})
    assert places(graph, EdgeKind.CALLS, "service:products", "service:orders") == [
        ("products/config.js", 4),
        ("products/server.js", 18),
    ]


def test_python_fstring_helper_and_kwargs_clients(built: tuple[ArchGraph, list[str]]) -> None:
    graph, _ = built
    # products_url() returns f"http://{PRODUCTS_HOST}:{PRODUCTS_PORT}" + path; requests.get(url)
    assert ("orders/app.py", 23) in places(graph, EdgeKind.CALLS, "service:orders", "service:products")
    assert places(graph, EdgeKind.CONNECTS, "service:orders", "database:cache/0") == [("orders/app.py", 12)]


def test_go_env_helper_sprintf_and_options(built: tuple[ArchGraph, list[str]]) -> None:
    graph, _ = built
    # fmt.Sprintf("postgres://inventory@%s:5432/inventory...", getEnv("DB_HOST", "inventory-db"))
    assert places(graph, EdgeKind.CONNECTS, "service:inventory", "database:inventory-db/inventory") == [
        ("inventory/main.go", 23)
    ]
    # amqp.Dial(getEnv("RABBITMQ_URL", "amqp://...localhost...")): the compose value wins
    assert places(graph, EdgeKind.CONNECTS, "service:inventory", "broker:rabbitmq") == [
        ("docker-compose.yml", 29)
    ]
    assert places(graph, EdgeKind.CONNECTS, "service:inventory", "database:cache/0") == [
        ("inventory/main.go", 33)
    ]


def test_csharp_options_connection_strings_and_compose_keyword_string(
    built: tuple[ArchGraph, list[str]],
) -> None:
    graph, _ = built
    # IOptions<ServiceUrls> bound by Configure<ServiceUrls>(GetSection("Services")); Services__Billing in compose
    assert places(graph, EdgeKind.CALLS, "service:ledger", "service:billing") == [
        ("ledger/BillingClient.cs", 24),
        ("ledger/appsettings.json", 6),
        ("docker-compose.yml", 38),
    ]
    # a compose keyword string with an interpolated secret keeps its connection
    assert ("docker-compose.yml", 37) in places(
        graph, EdgeKind.CONNECTS, "service:ledger", "database:ledger-db/ledger"
    )
    assert places(graph, EdgeKind.CONNECTS, "service:ledger", "database:cache/0") == [
        ("ledger/Program.cs", 9)
    ]


def test_unresolved_targets_say_why(built: tuple[ArchGraph, list[str]]) -> None:
    _, diagnostics = built
    unresolved = sorted(d for d in diagnostics if "not resolved" in d)
    assert unresolved == [
        "inventory/main.go:36 call target not resolved: PRICING_URL is read from the environment and set "
        "nowhere in the repository; no edge drawn",
        "products/server.js:22 call target not resolved: PAYMENT_URL is read from the environment and set "
        "nowhere in the repository; no edge drawn",
    ]


def test_sync_cycles_across_languages() -> None:
    result = scan(SYSTEM)
    cycles = sorted(f.message for f in result.active_findings if f.rule == "sync-call-cycle")
    assert cycles == [
        "Synchronous call cycle: billing → ledger → billing",
        "Synchronous call cycle: orders → products → orders",
    ]


def test_declarative_clients_name_the_service_they_call() -> None:
    from analyzer.extract.facts import Call, FileContext
    from analyzer.extract.source import java

    text = (
        "package x;\n"
        "import io.micronaut.http.client.annotation.Client;\n"
        '@Client(id = "payment-service", path = "/payment")\n'
        "public interface PaymentClient extends PaymentOperations {}\n"
    )
    facts = java.extract(FileContext("gw/src/main/java/x/PaymentClient.java", "/tmp", "gateway"), text).facts
    calls = [(f.target.text, f.target.origin, f.evidence.location.line) for f in facts if isinstance(f, Call)]
    assert calls == [("http://payment-service", "discovery", 3)]
