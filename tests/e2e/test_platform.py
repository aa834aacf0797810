"""The platform and the deployment models of issue #10 (parts 4 and 5) on small realistic systems:
exact node sets, roles, typed edges and the evidence lines behind them."""

from __future__ import annotations

from pathlib import Path

from analyzer.extract import spring
from analyzer.extract.facts import FileContext, PlatformLink
from analyzer.model import ArchGraph, EdgeKind, NodeKind
from analyzer.pipeline import scan
from tests.conftest import FIXTURES

PLATFORM = FIXTURES / "platform"
FLOWS = (
    EdgeKind.CALLS,
    EdgeKind.CONNECTS,
    EdgeKind.DEPENDS_ON,
    EdgeKind.CONFIGURED_BY,
    EdgeKind.REGISTERS_WITH,
    EdgeKind.ROUTES_TO,
    EdgeKind.REPORTS_TO,
)


def nodes(graph: ArchGraph) -> set[tuple[str, str, str]]:
    kinds = (NodeKind.SERVICE, NodeKind.PLATFORM, NodeKind.DATASTORE, NodeKind.BROKER, NodeKind.EXTERNAL)
    return {(str(n.kind), n.name, str(n.attrs.get("role") or "")) for k in kinds for n in graph.nodes(k)}


def edges(graph: ArchGraph, *kinds: EdgeKind) -> set[tuple[str, str, str]]:
    found = set()
    for kind in kinds or FLOWS:
        for edge in graph.edges(kind):
            target = graph.parent(edge.target) if edge.target.startswith("database:") else edge.target
            found.add((graph.node(edge.source).name, str(kind), graph.node(target or edge.target).name))
    return found


def lines(graph: ArchGraph, source: str, kind: EdgeKind, target: str) -> set[str]:
    return {
        f"{e.location.path}:{e.location.line}"
        for edge in graph.edges(kind)
        if edge.source == source and edge.target == target
        for e in edge.evidence
    }


def test_spring_cloud_platform_nodes_and_edges() -> None:
    graph = scan(PLATFORM / "spring-cloud").graph
    assert nodes(graph) == {
        ("platform", "config-server", "configuration_server"),
        ("platform", "registry", "service_discovery"),
        ("platform", "gateway", "gateway"),
        ("platform", "turbine", "monitoring_server"),
        ("platform", "apache", "web_server"),
        ("platform", "zipkin", "tracing_server"),
        ("platform", "dashboard", "monitoring_dashboard"),
        ("platform", "logstash", "logging_server"),
        ("platform", "kibana", "monitoring_dashboard"),
        # only the log pipeline uses it: the platform's search engine, not a datastore of the system
        ("platform", "elasticsearch", "search_engine"),
        ("service", "orders", ""),
        ("service", "customers", ""),
        ("datastore", "orders-db", ""),
    }
    assert edges(graph) == {
        ("gateway", "configured_by", "config-server"),
        ("orders", "configured_by", "config-server"),
        ("customers", "configured_by", "config-server"),
        ("config-server", "registers_with", "registry"),
        ("gateway", "registers_with", "registry"),
        ("turbine", "registers_with", "registry"),
        ("orders", "registers_with", "registry"),
        ("customers", "registers_with", "registry"),
        ("gateway", "routes_to", "orders"),
        ("gateway", "routes_to", "customers"),
        ("gateway", "calls", "orders"),
        ("gateway", "calls", "customers"),
        ("apache", "routes_to", "orders"),
        ("apache", "routes_to", "customers"),
        ("apache", "calls", "orders"),
        ("apache", "calls", "customers"),
        ("orders", "reports_to", "turbine"),
        ("customers", "reports_to", "turbine"),
        ("orders", "reports_to", "zipkin"),
        # the config server's shared application.yml holds for every client it configures
        ("customers", "reports_to", "zipkin"),
        ("gateway", "reports_to", "zipkin"),
        ("orders", "reports_to", "logstash"),  # the container's syslog log driver
        ("turbine", "reports_to", "dashboard"),  # the system's only Turbine feeds its Hystrix dashboard
        ("logstash", "connects", "elasticsearch"),
        ("kibana", "connects", "elasticsearch"),  # the image's default
        # the config server's shared/orders.yml configures orders, not the config server
        ("orders", "connects", "orders-db"),
    }
    assert lines(graph, "platform:apache", EdgeKind.ROUTES_TO, "service:orders") == {
        "apache/000-default.conf:3"
    }
    assert lines(graph, "service:orders", EdgeKind.CONNECTS, "database:orders-db/orders") == {
        "config-server/src/main/resources/shared/orders.yml:3"
    }
    # the config server's customers-docker.yml (profile docker) configures customers
    assert "config-server/src/main/resources/shared/customers-docker.yml:4" in lines(
        graph, "service:customers", EdgeKind.REGISTERS_WITH, "platform:registry"
    )
    # a localhost defaultZone goes to the system's only registry
    assert "customers/src/main/resources/application.yml:9" in lines(
        graph, "service:customers", EdgeKind.REGISTERS_WITH, "platform:registry"
    )
    assert graph.node("platform:gateway").attrs["product"] == "zuul"
    route = next(
        e for e in graph.edges(EdgeKind.ROUTES_TO) if e.source == "platform:gateway" and "orders" in e.target
    )
    assert route.attrs["paths"] == ("/orders/**",)


def test_platform_components_are_not_counted_by_data_rules() -> None:
    result = scan(PLATFORM / "spring-cloud")
    assert {f.rule for f in result.active_findings} & {
        "shared-database",
        "polyglot-persistence-sprawl",
    } == set()
    assert all(not s.startswith("platform:") or f.rule == "plaintext-credentials"
               for f in result.active_findings for s in f.subjects)  # fmt: skip


def test_helm_chart_rendered_with_its_values() -> None:
    result = scan(PLATFORM / "helm")
    graph = result.graph
    assert nodes(graph) == {
        ("service", "orders", ""),
        ("datastore", "orders-db", ""),
        ("external", "inventory", ""),
        ("platform", "ingress-nginx", "gateway"),  # the Ingress's controller
    }
    assert edges(graph) == {
        ("orders", "connects", "orders-db"),
        ("orders", "calls", "inventory"),
        ("ingress-nginx", "routes_to", "orders"),
        ("ingress-nginx", "calls", "orders"),
    }
    assert lines(graph, "platform:ingress-nginx", EdgeKind.ROUTES_TO, "service:orders") == {
        "charts/orders/templates/ingress.yaml:11"
    }
    assert [f"{e.location.path}:{e.location.line}" for e in graph.node("datastore:orders-db").evidence] == [
        "charts/orders/templates/postgres.yaml:2"
    ]
    assert lines(graph, "service:orders", EdgeKind.CONNECTS, "database:orders-db/orders") == {
        "charts/orders/templates/deployment.yaml:24"
    }
    assert graph.node("datastore:orders-db").attrs["technology"] == "postgresql"
    problems = [(d.path, d.line, d.message) for d in result.diagnostics if "Helm" in d.message]
    assert problems == [
        (
            "charts/broken/templates/deployment.yaml",
            10,
            "Helm template not rendered: function 'genSelfSignedCert' is not supported",
        )
    ]


def test_aspire_apphost_is_a_deployment_model() -> None:
    graph = scan(PLATFORM / "aspire").graph
    # NOTE: the service names (resource name or project folder) are the naming pass's business;
    # compare them in one spelling
    services = {n.name.lower().replace(".", "-") for n in graph.nodes(NodeKind.SERVICE)}
    assert {"catalog-api", "basket-api", "webapp"} <= services
    assert {(str(n.kind), n.name) for k in (NodeKind.DATASTORE, NodeKind.BROKER) for n in graph.nodes(k)} == {
        ("datastore", "postgres"),
        ("datastore", "redis"),
        ("broker", "eventbus"),
    }
    spelled = {(a.lower().replace(".", "-"), k, b.lower().replace(".", "-")) for a, k, b in edges(graph)}
    assert {e for e in spelled if e[1] in ("connects", "calls")} == {
        ("catalog-api", "connects", "eventbus"),
        ("catalog-api", "connects", "postgres"),
        ("basket-api", "connects", "redis"),
        ("basket-api", "connects", "eventbus"),
        ("webapp", "calls", "basket-api"),
        ("webapp", "calls", "catalog-api"),
    }
    assert ("webapp", "depends_on", "catalog-api") in spelled
    assert "database:postgres/catalogdb" in graph
    depends = [
        e
        for e in graph.edges(EdgeKind.DEPENDS_ON)
        if e.target.lower().endswith(("catalog.api", "catalog-api"))
    ]
    assert {f"{x.location.path}:{x.location.line}" for e in depends for x in e.evidence} == {
        "Shop.AppHost/Program.cs:25"
    }
    # the commented-out project is not deployed
    assert "legacy" not in {n.name.lower() for n in graph.nodes()}


def test_dapr_components_app_ids_and_invocation() -> None:
    graph = scan(PLATFORM / "dapr").graph
    assert nodes(graph) == {
        ("service", "basket-api", ""),
        ("service", "ordering-api", ""),
        ("service", "webagg", ""),
        ("datastore", "redis", ""),
        ("broker", "rabbitmq", ""),
        ("platform", "placement", "orchestration"),
        ("platform", "zipkin", "tracing_server"),
        ("platform", "apigw", "gateway"),
    }
    assert edges(graph, EdgeKind.REPORTS_TO, EdgeKind.REGISTERS_WITH, EdgeKind.ROUTES_TO) == {
        ("ordering-api", "reports_to", "zipkin"),  # the sidecar's -config Configuration
        ("ordering-api", "registers_with", "placement"),  # -placement-host-address
        ("apigw", "routes_to", "basket-api"),  # an Envoy route rewritten onto /v1.0/invoke/basket/
    }
    assert lines(graph, "service:ordering-api", EdgeKind.REPORTS_TO, "platform:zipkin") == {
        "dapr/configuration/config.yaml:9"
    }
    assert edges(graph, EdgeKind.CONNECTS, EdgeKind.CALLS) - {("apigw", "calls", "basket-api")} == {
        ("basket-api", "connects", "redis"),
        ("ordering-api", "connects", "redis"),
        ("ordering-api", "connects", "rabbitmq"),
        ("webagg", "calls", "basket-api"),
        ("webagg", "calls", "ordering-api"),
    }
    assert set(graph.node("service:webagg").attrs["aliases"]) >= {"web-aggregator"}
    assert lines(graph, "service:webagg", EdgeKind.CALLS, "service:basket-api") == {
        "src/WebAgg/BasketClient.cs:12"
    }


def test_micronaut_registry_and_tracing_keys() -> None:
    text = (
        'consul:\n  client:\n    defaultZone: "${CONSUL_HOST:localhost}:${CONSUL_PORT:8500}"\n'
        '---\ntracing:\n  zipkin:\n    http:\n      url: "http://${ZIPKIN_HOST:localhost}:9411"\n'
    )
    facts = spring.extract(
        FileContext("policy/src/main/resources/application.yml", "/x", "policy"), text
    ).facts
    found = {
        (f.kind, f.target.variable, f.evidence.location.line) for f in facts if isinstance(f, PlatformLink)
    }
    assert found == {("registers_with", "CONSUL_HOST", 3), ("reports_to", "ZIPKIN_HOST", 8)}


def test_mounted_collector_exporters_and_grafana_datasources(tmp_path: Path) -> None:
    (tmp_path / "otel").mkdir()
    (tmp_path / "otel" / "config.yml").write_text(
        "receivers:\n  otlp: {}\nexporters:\n  otlp:\n    endpoint: tempo:4317\n"
        "  loki:\n    endpoint: http://loki:3100/loki/api/v1/push\n"
    )
    (tmp_path / "grafana").mkdir()
    (tmp_path / "grafana" / "datasource.yml").write_text(
        "apiVersion: 1\ndatasources:\n  - name: Prometheus\n    type: prometheus\n    url: http://prometheus:9090\n"
    )
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  collector:\n    image: otel/opentelemetry-collector-contrib:0.105.0\n"
        "    volumes:\n      - ./otel/config.yml:/etc/otelcol-config.yml\n"
        "  grafana:\n    image: grafana/grafana:10.0.0\n"
        "    volumes:\n      - ./grafana:/etc/grafana/provisioning/datasources\n"
        "  tempo:\n    image: grafana/tempo:1.5.0\n"
        "  loki:\n    image: grafana/loki:3.1.0\n"
        "  prometheus:\n    image: prom/prometheus:v2.42.0\n"
    )
    graph = scan(tmp_path).graph
    assert edges(graph, EdgeKind.REPORTS_TO, EdgeKind.CALLS) == {
        ("collector", "reports_to", "tempo"),
        ("collector", "reports_to", "loki"),
        ("grafana", "calls", "prometheus"),
    }
