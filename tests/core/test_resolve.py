"""Identity resolution: every name of one thing on one node, different things never merged."""

from __future__ import annotations

from analyzer.config import Config
from analyzer.extract.facts import (
    Call,
    Connection,
    ConnectionInfo,
    Credential,
    DatastoreDecl,
    EnvVar,
    Fact,
    Marker,
    Message,
    Migration,
    Operation,
    ServiceDecl,
    TableAccess,
    Value,
)
from analyzer.model import ArchGraph, EdgeKind, Evidence, Location, NodeKind, SourceKind
from analyzer.resolve import build_graph


def ev(line: int, path: str = "docker-compose.yml", source: SourceKind = SourceKind.COMPOSE) -> Evidence:
    return Evidence(source, Location(path, line))


def graph_of(
    facts: list[Fact], config: Config | None = None, roots: dict[str, str] | None = None
) -> ArchGraph:
    graph, _ = build_graph(facts, config or Config(), roots or {})
    return graph


def pairs(graph: ArchGraph, kind: EdgeKind) -> set[tuple[str, str]]:
    return set(graph.edge_pairs(kind))


def test_databases_are_datastore_plus_name() -> None:
    facts: list[Fact] = [
        DatastoreDecl("shop-db", "postgresql", ev(10)),
        DatastoreDecl("other-db", "postgresql", ev(20)),
        ServiceDecl("orders", ev(1)),
        ServiceDecl("users", ev(2)),
        ServiceDecl("billing", ev(3)),
        Connection("orders", ConnectionInfo("postgresql", ("shop-db",), 5432, "shop"), ev(4)),
        Connection("users", ConnectionInfo("postgresql", ("shop-db",), 5432, "users"), ev(5)),
        Connection("billing", ConnectionInfo("postgresql", ("other-db",), 5432, "shop"), ev(6)),
    ]
    g = graph_of(facts)
    assert pairs(g, EdgeKind.CONNECTS) == {
        ("service:orders", "database:shop-db/shop"),
        ("service:users", "database:shop-db/users"),
        ("service:billing", "database:other-db/shop"),
    }
    assert pairs(g, EdgeKind.CONTAINS) == {
        ("datastore:shop-db", "database:shop-db/shop"),
        ("datastore:shop-db", "database:shop-db/users"),
        ("datastore:other-db", "database:other-db/shop"),
    }
    assert g.node("datastore:shop-db").attrs["technology"] == "postgresql"
    assert g.node("database:shop-db/shop").attrs["datastore"] == "shop-db"


def test_aliases_dns_forms_and_suffixes_land_on_one_node() -> None:
    facts: list[Fact] = [
        DatastoreDecl("orders-db", "postgresql", ev(10), aliases=("orders-database",)),
        ServiceDecl("inventory", ev(1)),
        ServiceDecl("orders", ev(2)),
        Connection(
            "orders",
            ConnectionInfo("postgresql", ("orders-db.shop.svc.cluster.local",), database="orders"),
            ev(3),
        ),
        Connection(
            "orders-service", ConnectionInfo("postgresql", ("orders-database",), database="orders"), ev(4)
        ),
        Call("orders", Value("http://inventory-service:8080/reserve", "env", "INVENTORY_URL"), ev(5)),
        Call("orders", Value("http://Inventory_Svc/x"), ev(7, "src/a.py", SourceKind.CODE)),
    ]
    g = graph_of(facts)
    assert {n.id for n in g.nodes(NodeKind.SERVICE)} == {"service:inventory", "service:orders"}
    assert pairs(g, EdgeKind.CONNECTS) == {("service:orders", "database:orders-db/orders")}
    edge = next(iter(g.edges(EdgeKind.CONNECTS)))
    assert {e.location.line for e in edge.evidence} == {3, 4}
    assert pairs(g, EdgeKind.CALLS) == {("service:orders", "service:inventory")}


def test_redis_keyed_by_db_index_and_localhost_never_shared() -> None:
    facts: list[Fact] = [
        DatastoreDecl("cache", "redis", ev(10)),
        Connection("a", ConnectionInfo("redis", ("cache",), database="0"), ev(1)),
        Connection("b", ConnectionInfo("redis", ("cache",), database="1"), ev(2)),
        Connection("c", ConnectionInfo("redis", ("cache",)), ev(3)),
        Connection("a", ConnectionInfo("postgresql", ("localhost",), database="app"), ev(4)),
        Connection("b", ConnectionInfo("postgresql", ("127.0.0.1",), database="app"), ev(5)),
    ]
    g = graph_of(facts)
    assert pairs(g, EdgeKind.CONNECTS) == {
        ("service:a", "database:cache/0"),
        ("service:b", "database:cache/1"),
        ("service:c", "database:cache/0"),
        ("service:a", "database:localhost@a/app"),
        ("service:b", "database:localhost@b/app"),
    }


def test_call_to_datastore_host_is_a_connection_and_unknown_host_external() -> None:
    facts: list[Fact] = [
        DatastoreDecl("carts-db", "dynamodb", ev(10)),
        ServiceDecl("carts", ev(1)),
        Call("carts", Value("http://carts-db:8000", "env", "CARTS_DYNAMODB_ENDPOINT"), ev(2)),
        Call("carts", Value("https://api.stripe.com/v1/charges"), ev(3, "src/pay.py", SourceKind.CODE)),
    ]
    g = graph_of(facts)
    assert pairs(g, EdgeKind.CONNECTS) == {("service:carts", "database:carts-db/(default)")}
    assert pairs(g, EdgeKind.CALLS) == {("service:carts", "external:api.stripe.com")}


def test_env_overrides_code_default_and_literal_is_hardcoded() -> None:
    code = SourceKind.CODE
    facts: list[Fact] = [
        ServiceDecl("web", ev(1)),
        ServiceDecl("cart", ev(2)),
        ServiceDecl("cart-v2", ev(3)),
        EnvVar("web", "CART_HOST", "http://cart-v2:80", ev(4)),
        Call("web", Value("http://cart:8080", "env", "CART_HOST"), ev(5, "web/app.py", code)),
        Call("web", Value("http://cart:8080/items"), ev(6, "web/app.py", code)),
        Call("web", Value("", "env", "NOT_SET"), ev(7, "web/app.py", code)),
    ]
    g = graph_of(facts)
    assert pairs(g, EdgeKind.CALLS) == {("service:web", "service:cart-v2"), ("service:web", "service:cart")}
    literal = next(e for e in g.edges(EdgeKind.CALLS) if e.target == "service:cart")
    assert [e.detail for e in literal.evidence] == ["hardcoded endpoint"]
    overridable = next(e for e in g.edges(EdgeKind.CALLS) if e.target == "service:cart-v2")
    # the code only hands on CART_HOST: the place that sets it is the evidence, the code is named
    assert [(e.location.path, e.location.line) for e in overridable.evidence] == [("docker-compose.yml", 4)]
    assert overridable.attrs["read_in"] == ("web/app.py:5",)


def test_tables_follow_the_service_database_and_owner_lookup() -> None:
    sql = SourceKind.SQL
    facts: list[Fact] = [
        DatastoreDecl("shop-db", "postgresql", ev(10)),
        Connection("orders", ConnectionInfo("postgresql", ("shop-db",), database="shop"), ev(1)),
        Connection("inventory", ConnectionInfo("postgresql", ("shop-db",), database="shop"), ev(2)),
        TableAccess("inventory", "inventory_items", "owns", ev(1, "inv/V1.sql", sql)),
        TableAccess("orders", "orders", "owns", ev(1, "ord/V1.sql", sql)),
        TableAccess("orders", "public.inventory_items", "reads", ev(3, "ord/V2.sql", sql)),
        TableAccess("reports", "ORDERS", "reads", ev(4, "rep/q.sql", sql)),
        Migration("orders", "orders", "drop_column", "flyway", ev(9, "ord/V3.sql", sql), column="status"),
    ]
    g = graph_of(facts)
    items = "table:shop-db/shop/public.inventory_items"
    assert pairs(g, EdgeKind.OWNS) == {
        ("service:inventory", items),
        ("service:orders", "table:shop-db/shop/public.orders"),
    }
    assert pairs(g, EdgeKind.READS) == {
        ("service:orders", items),
        ("service:reports", "table:shop-db/shop/public.orders"),
    }
    owns = next(e for e in g.edges(EdgeKind.OWNS) if e.target.endswith("public.orders"))
    assert owns.attrs["destructive_changes"] == ("drop_column orders.status",)
    assert "destructive migration drop_column orders.status" in {e.detail for e in owns.evidence}


def test_credentials_markers_topics_operations() -> None:
    facts: list[Fact] = [
        DatastoreDecl("db", "postgresql", ev(10)),
        DatastoreDecl("kafka", "kafka", ev(20), role="broker"),
        ServiceDecl("orders", ev(1)),
        ServiceDecl("inventory", ev(2)),
        Credential("db", "POSTGRES_PASSWORD", ev(12)),
        Connection("orders", ConnectionInfo("postgresql", ("db",), database="o", password="literal"), ev(3)),
        Connection("orders", ConnectionInfo("kafka", ("kafka",)), ev(4)),
        Message("orders", "publishes", "kafka", "order-events", ev(5, "o.java", SourceKind.CODE)),
        Marker("orders", "saga", "eventuate", ev(6, "o.java", SourceKind.CODE)),
        Operation(
            "orders",
            "POST /checkout",
            ev(7, "o.java", SourceKind.CODE),
            writes_tables=("orders",),
            mutating_calls=("http://inventory:8080/reserve",),
        ),
    ]
    g = graph_of(facts)
    assert g.node("datastore:db").attrs["plaintext_credentials"] == ("POSTGRES_PASSWORD",)
    assert g.node("service:orders").attrs["plaintext_credentials"] == ("connection string password",)
    assert g.node("service:orders").attrs["saga"] == ("eventuate",)
    assert ("broker:kafka", "topic:kafka/order-events") in pairs(g, EdgeKind.CONTAINS)
    assert pairs(g, EdgeKind.PUBLISHES) == {("service:orders", "topic:kafka/order-events")}
    op = g.node("operation:orders/POST /checkout")
    assert op.attrs["written_services"] == ("inventory", "orders")


def test_config_alias_wins() -> None:
    config = Config(aliases=(("legacy-orders", "orders"),))
    facts: list[Fact] = [
        ServiceDecl("orders", ev(1)),
        Call("web", Value("http://legacy-orders/x", "env", "X"), ev(2)),
    ]
    g = graph_of(facts, config)
    assert pairs(g, EdgeKind.CALLS) == {("service:web", "service:orders")}
