"""The inventory on small repositories shaped like real ones: the exact set of services, clients,
datastores and brokers, their names, and where their facts land."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.config import Config
from analyzer.engine import is_non_production
from analyzer.model import ArchGraph, NodeKind
from analyzer.pipeline import build_model, scan

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "inventory"
KINDS = (
    NodeKind.SERVICE,
    NodeKind.CLIENT,
    NodeKind.PLATFORM,
    NodeKind.DATASTORE,
    NodeKind.BROKER,
    NodeKind.EXTERNAL,
)


def model(name: str, config: Config | None = None) -> ArchGraph:
    graph, _ = build_model(FIXTURES / name, config or Config(), jobs=1)
    return graph


def nodes(graph: ArchGraph) -> set[str]:
    return {n.id for n in graph.nodes() if n.kind in KINDS}


def flows(graph: ArchGraph) -> set[tuple[str, str, str]]:
    return {
        (e.source, e.kind.value, e.target)
        for e in graph.edges()
        if e.kind.value in ("calls", "connects", "owns", "reads", "writes")
    }


def test_gradle_multimodule_libraries_are_credited_to_the_services_building_them_in() -> None:
    graph = model("gradle-multimodule")
    # orders-domain, orders-persistence, shared-common, buildSrc and the root build are no services
    assert nodes(graph) == {"service:orders", "service:payments", "datastore:shop-db"}
    assert graph.node("service:orders").attrs["root"] == "orders-service"
    production = {
        (e.source, e.kind.value, e.target)
        for e in graph.edges()
        if e.kind.value in ("calls", "connects", "owns")
        and any(not is_non_production(ev.location.path) for ev in e.evidence)
    }
    assert production == {
        ("service:orders", "connects", "database:shop-db/orders"),
        ("service:payments", "connects", "database:shop-db/payments"),
        # the migration lives in the orders-persistence library module
        ("service:orders", "owns", "table:shop-db/orders/public.orders"),
    }


def test_test_source_sets_yield_findings_only_when_asked() -> None:
    anchored = {f.location.path for f in scan(FIXTURES / "gradle-multimodule", Config()).findings}
    assert not [p for p in anchored if "/src/test/" in p]
    everything = scan(FIXTURES / "gradle-multimodule", Config(include_tests=True))
    assert "payments-service/src/test/java/com/acme/payments/PaymentsTest.java" in {
        f.location.path for f in everything.findings if f.rule == "hardcoded-endpoint"
    }


def test_maven_aggregator_images_join_the_module_that_builds_them() -> None:
    graph = model("maven-aggregator")
    assert nodes(graph) == {
        "service:orders",
        "service:inventory",
        "datastore:orders-mysql",
        "broker:kafka",
    }
    orders = graph.node("service:orders").attrs
    assert (orders["root"], orders["aliases"]) == ("shop-orders-service", ("shop-orders-service",))
    assert graph.node("service:inventory").attrs["root"] == "shop-inventory"
    assert graph.node("datastore:orders-mysql").attrs["technology"] == "mysql"
    assert graph.node("broker:kafka").attrs["technology"] == "kafka"


def test_dotnet_solution_test_projects_and_libraries_are_no_services() -> None:
    graph = model("dotnet-solution")
    assert nodes(graph) == {
        "service:ordering-api",
        "service:webapp",
        "datastore:sqldata",
        # a compose service running the functional tests, and the Cypress suite: clients
        "client:ordering-api-functional-test",
        "client:shop-e2e",
    }
    api = graph.node("service:ordering-api").attrs
    assert api["root"] == "src/Services/Ordering/Ordering.API"
    assert set(api["aliases"]) >= {"ordering.api", "shop.ordering.api"}
    # the test compose file is a test harness: read for its runners, not for its wiring
    assert flows(graph) == {("service:ordering-api", "connects", "database:sqldata/Shop.Ordering")}
    with_tests = model("dotnet-solution", Config(include_tests=True))
    assert (
        "client:ordering-api-functional-test",
        "connects",
        "database:sqldata/Shop.Ordering.Tests",
    ) in flows(with_tests)


def test_compose_v1_local_dockerfile_from_mongo_and_a_load_generator() -> None:
    graph = model("compose-v1")
    assert nodes(graph) == {"service:catalog", "datastore:catalog-db", "client:loadgen"}
    assert graph.node("datastore:catalog-db").attrs["technology"] == "mongodb"
    assert flows(graph) == {
        ("service:catalog", "connects", "database:catalog-db/catalog"),
        ("client:loadgen", "calls", "service:catalog"),
    }


def test_compose_variants_never_merge() -> None:
    graph, diagnostics = build_model(FIXTURES / "compose-variants", Config(), jobs=1)
    # docker-compose-postgres.yml defines more containers: it stands for the deployment
    assert nodes(graph) == {"service:accounts", "platform:adminer", "datastore:db"}
    assert graph.node("datastore:db").attrs["technology"] == "postgresql"
    assert flows(graph) == {("service:accounts", "connects", "database:db/accounts")}
    assert any(
        d.path == "docker-compose-mysql.yml" and "declared by docker-compose-postgres.yml" in d.message
        for d in diagnostics
    )


def test_localhost_port_and_embedded_h2_without_deployment_descriptors() -> None:
    graph = model("localhost-ports")
    # named by spring.application.name, not by folder or artifactId; catalog's H2 holds its
    # entities (driver on the classpath), order's is opened by its configuration (jdbc:h2:mem:)
    assert nodes(graph) == {"service:catalog", "service:order", "datastore:catalog-h2", "datastore:order-h2"}
    assert graph.node("datastore:catalog-h2").attrs["embedded"] is True
    assert flows(graph) == {
        ("service:order", "calls", "service:catalog"),
        ("service:catalog", "reads", "table:catalog-h2/(default)/product"),
        ("service:catalog", "writes", "table:catalog-h2/(default)/product"),
        ("service:order", "connects", "database:order-h2/orders"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "gradle-multimodule",
        "maven-aggregator",
        "dotnet-solution",
        "compose-v1",
        "compose-variants",
        "localhost-ports",
    ],
)
def test_no_node_is_named_after_nothing_or_a_build_folder(name: str) -> None:
    bad = {"", "src", "app", "tests", "test", "true", "build", "target", "docker", "bin", "obj"}
    assert not [n.id for n in model(name).nodes() if n.kind in KINDS and n.name in bad]


def test_build_file_readers() -> None:
    from analyzer.extract.buildfiles import read_build_file, spring_app_names

    pom = read_build_file(
        "shop/orders/pom.xml",
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><artifactId>orders</artifactId>'
        "<packaging>war</packaging><dependencies><dependency><groupId>org.hsqldb</groupId>"
        "<artifactId>hsqldb</artifactId></dependency><dependency><groupId>com.h2database</groupId>"
        "<artifactId>h2</artifactId><scope>test</scope></dependency></dependencies></project>",
    )
    assert pom is not None
    assert (pom.name, pom.entry, pom.embedded, pom.uses) == ("orders", True, ("hsqldb",), ("hsqldb",))
    settings = read_build_file(
        "settings.gradle", "rootProject.name = 'shop'\ninclude ':orders', ':libs:common'\n"
    )
    assert settings is not None
    assert (settings.name, settings.modules, settings.aggregator) == ("shop", ("orders", "libs/common"), True)
    gradle = read_build_file(
        "api/build.gradle",
        "apply plugin: 'spring-boot'\njar { baseName = 'basic-api-gateway' }\n"
        "dependencies {\n  compile project(':common')\n  testCompile project(':fixtures')\n}\n",
    )
    assert gradle is not None
    assert (gradle.aliases, gradle.uses, gradle.entry) == (("basic-api-gateway",), ("common",), True)
    node = read_build_file("tool/package.json", '{"name": "@acme/tool", "scripts": {"start": "node x.js"}}')
    assert node is not None and (node.name, node.entry) == ("tool", False)
    gomod = read_build_file(
        "svc/go.mod", "module github.com/acme/shop/svc\n\nrequire github.com/acme/shop/lib v0.1.0\n"
    )
    assert gomod is not None and (gomod.name, gomod.uses) == ("svc", ("github.com/acme/shop/lib",))
    assert spring_app_names(
        "bootstrap.yml", "---\nspring:\n  cloud: {}\n  application:\n    name: accounts\n"
    ) == ("accounts",)
    assert spring_app_names(
        "application.yml",
        "spring.application.name: base\n---\nspring:\n  profiles: docker\n  application:\n    name: x\n",
    ) == ("base",)


def test_operator_resources_chart_dependencies_and_built_images_are_infrastructure() -> None:
    graph = model("k8s-operators")
    assert nodes(graph) == {
        "service:orders",
        "datastore:orders-db",
        "broker:events",
        "datastore:redis",
        # a StatefulSet running an image this repository builds FROM postgres
        "datastore:ledger-db",
    }
    assert graph.node("datastore:ledger-db").attrs["technology"] == "postgresql"
    assert graph.node("datastore:orders-db").attrs["technology"] == "postgresql"
    assert graph.node("broker:events").attrs["technology"] == "kafka"
    assert flows(graph) == {
        ("service:orders", "connects", "database:orders-db/orders"),
        ("service:orders", "connects", "broker:events"),
        ("service:orders", "connects", "database:redis/0"),
    }


def test_one_own_image_in_compose_and_kubernetes_is_one_thing() -> None:
    graph = model("compose-and-k8s")
    # catalog-db is MongoDB by its initialisation variables; Kubernetes runs the same image as
    # catalog-mongo, and the catalog image as catalog-service
    assert nodes(graph) == {"service:catalog", "datastore:catalog-db"}
    assert graph.node("datastore:catalog-db").attrs["technology"] == "mongodb"
    assert graph.node("service:catalog").attrs["aliases"] == ("catalog-service",)
    assert ("service:catalog", "connects", "database:catalog-db/catalog") in flows(graph)


def test_a_deployment_the_inventory_did_not_read_joins_the_unit_its_image_names() -> None:
    from analyzer.extract.facts import ServiceDecl
    from analyzer.model import Evidence, Location, SourceKind
    from analyzer.resolve import build_graph
    from analyzer.resolve.inventory import Unit

    unit = Unit("comments", "comments-webservice", aliases=("basic-comments-webservice",))
    rendered = ServiceDecl(
        "comment-service",
        Evidence(SourceKind.K8S, Location("charts/app/templates/deployment.yaml", 7)),
        image="anilallewar/basic-comments-webservice:0.0.1",
    )
    graph, _ = build_graph([rendered], Config(), [unit])
    assert {n.id for n in graph.nodes(NodeKind.SERVICE)} == {"service:comments"}
