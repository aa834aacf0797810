"""Platform extractors, one input shape each: the declarations and links they produce, with lines."""

from __future__ import annotations

import textwrap

import pytest

from analyzer.extract import spring
from analyzer.extract.facts import FileContext, PlatformDecl, PlatformLink
from analyzer.extract.helm import unrelease
from analyzer.extract.helmtpl import Renderer, RenderError, line_map
from analyzer.extract.platform import containers, dotnet_gateways, ingress, proxies


def links(facts: list[object]) -> set[tuple[str, str, str, str, int]]:
    return {
        (f.service, f.kind, f.target.text, f.path, f.evidence.location.line)
        for f in facts
        if isinstance(f, PlatformLink)
    }


def decls(facts: list[object]) -> set[tuple[str, str, str]]:
    return {(f.name, f.role, f.product) for f in facts if isinstance(f, PlatformDecl)}


def run(module: object, path: str, text: str, service: str = "") -> list[object]:
    ctx = FileContext(path, "/nonexistent", service)
    return list(module.extract(ctx, textwrap.dedent(text)).facts)  # type: ignore[attr-defined]


def test_spring_cloud_gateway_consul_otlp_and_admin_client() -> None:
    facts = run(
        spring,
        "edge/src/main/resources/application.yml",
        """\
        spring:
          config:
            import: "optional:configserver:http://config:8888"
          cloud:
            consul:
              host: consul
              port: 8500
            gateway:
              routes:
                - id: orders
                  uri: lb://orders
                  predicates:
                    - Path=/api/orders/**
                - id: legacy
                  uri: http://legacy:8080
          boot:
            admin:
              client:
                url: http://admin:8080
        management:
          otlp:
            tracing:
              endpoint: http://collector:4318/v1/traces
        """,
        "edge",
    )
    assert decls(facts) == {("edge", "gateway", "spring-cloud-gateway")}
    assert links(facts) == {
        ("edge", "configured_by", "http://config:8888", "", 3),
        ("edge", "registers_with", "consul:8500", "", 6),
        ("edge", "routes_to", "lb://orders", "/api/orders/**", 11),
        ("edge", "routes_to", "http://legacy:8080", "", 15),
        ("edge", "reports_to", "http://admin:8080", "", 19),
        ("edge", "reports_to", "http://collector:4318/v1/traces", "", 23),
    }


def test_zuul_short_routes_and_a_registry_that_registers_nowhere() -> None:
    facts = run(
        spring,
        "edge/src/main/resources/application.properties",
        """\
        zuul.routes.customers=/customers/**
        zuul.routes.static.url=forward:/static
        eureka.client.register-with-eureka=false
        eureka.client.fetch-registry=false
        """,
        "edge",
    )
    assert decls(facts) == {("edge", "gateway", "zuul"), ("edge", "service_discovery", "eureka")}
    assert links(facts) == {("edge", "routes_to", "customers", "/customers/**", 1)}


def test_config_server_offline_repository_file_configures_the_client_it_names() -> None:
    facts = run(
        spring,
        "config-server/src/main/resources/offline-repository/mailer.properties",
        "spring.datasource.url=jdbc:mysql://mailer-db:3306/mail\neureka.client.serviceUrl.defaultZone=http://eureka:8010/eureka/\n",
        "config-server",
    )
    assert {getattr(f, "service", "") for f in facts} == {"mailer"}
    assert ("mailer", "registers_with", "http://eureka:8010/eureka/", "", 2) in links(facts)


def test_nginx_upstream_members_and_variables() -> None:
    facts = run(
        proxies,
        "proxy/nginx.conf",
        """\
        upstream shop {
            server orders:8080;
            server orders-2:8080;
        }
        server {
            location /api/ {
                proxy_pass http://shop;
            }
            location /search/ {
                set $search_host "search";
                proxy_pass http://$search_host:9000;
            }
        }
        """,
    )
    assert decls(facts) == {("nginx", "web_server", "nginx")}
    assert links(facts) == {
        ("nginx", "routes_to", "http://orders:8080", "/api/", 2),
        ("nginx", "routes_to", "http://orders-2:8080", "/api/", 3),
        ("nginx", "routes_to", "http://search:9000", "/search/", 11),
    }


def test_envoy_clusters_prometheus_targets_and_logstash_output() -> None:
    envoy = run(
        proxies,
        "gw/envoy.yaml",
        """\
        static_resources:
          listeners:
            - address: {socket_address: {address: 0.0.0.0, port_value: 80}}
          clusters:
            - name: catalog
              load_assignment:
                endpoints:
                  - lb_endpoints:
                      - endpoint:
                          address:
                            socket_address:
                              address: catalog-api
                              port_value: 80
        """,
        "apigw",
    )
    assert links(envoy) == {("apigw", "routes_to", "http://catalog-api:80", "", 11)}
    scrape = run(
        proxies,
        "monitoring/prometheus.yml",
        """\
        scrape_configs:
          - job_name: orders
            static_configs:
              - targets: ["orders:8080", "localhost:9090"]
        """,
    )
    assert decls(scrape) == {("prometheus", "metrics_server", "prometheus")}
    assert links(scrape) == {("prometheus", "reports_to", "http://orders:8080", "", 4)}
    pipeline = run(
        proxies, "elk/logstash.conf", 'output {\n  elasticsearch {\n    hosts => ["es:9200"]\n  }\n}\n'
    )
    assert decls(pipeline) == {("logstash", "logging_server", "logstash")}


def test_ocelot_and_yarp_routes() -> None:
    ocelot = run(
        dotnet_gateways,
        "ApiGateways/Web.Bff/ocelot.json",
        """\
        {
          "Routes": [
            {
              "DownstreamPathTemplate": "/api/{everything}",
              "DownstreamScheme": "http",
              "DownstreamHostAndPorts": [ { "Host": "catalog-api", "Port": 80 } ],
              "UpstreamPathTemplate": "/c/{everything}"
            }
          ]
        }
        """,
        "webbff",
    )
    assert decls(ocelot) == {("webbff", "gateway", "ocelot")}
    assert links(ocelot) == {("webbff", "routes_to", "http://catalog-api:80", "/c/{everything}", 6)}
    yarp = run(
        dotnet_gateways,
        "Gateway/appsettings.json",
        """\
        {
          "ReverseProxy": {
            "Routes": { "basket": { "ClusterId": "basket", "Match": { "Path": "/basket/{**rest}" } } },
            "Clusters": {
              "basket": { "Destinations": { "d1": { "Address": "http://basket-api" } } }
            }
          }
        }
        """,
        "gateway",
    )
    assert links(yarp) == {("gateway", "routes_to", "http://basket-api", "/basket/{**rest}", 5)}


def test_gateway_api_http_route() -> None:
    facts = run(
        ingress,
        "k8s/routes.yaml",
        """\
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: shop
        spec:
          parentRefs:
            - name: public-gateway
          rules:
            - matches:
                - path: {type: PathPrefix, value: /orders}
              backendRefs:
                - name: orders
                  port: 8080
        """,
    )
    assert links(facts) == {("public-gateway", "routes_to", "orders", "/orders", 12)}


def test_helm_renderer_subset_and_line_map() -> None:
    renderer = Renderer()
    renderer.load('{{- define "n" -}}{{ .Values.name | default "shop" | lower }}{{- end }}', "_helpers.tpl")
    nodes = renderer.load(
        'name: {{ include "n" . }}\n'
        "{{- range $i, $p := .Values.ports }}\n"
        "port{{ $i }}: {{ $p | quote }}\n"
        "{{- end }}\n"
        "{{- with .Values.extra }}\n"
        "extra: {{ tpl . $ }}\n"
        "{{- end }}\n"
        'id: {{ printf "%s-%d" (.Values.name | lower) 3 | trunc 8 }}\n',
        "t.yaml",
    )
    values = {"Values": {"name": "Orders", "ports": [80, 443], "extra": "{{ .Values.name }}"}}
    text, lines = line_map(renderer.render(nodes, values, "t.yaml"))
    assert text == 'name: orders\nport0: "80"\nport1: "443"\nextra: Orders\nid: orders-3\n'
    assert lines == [1, 3, 3, 6, 8]
    broken = renderer.load("a: {{ .Values.name | genCA }}\n", "broken.yaml")
    with pytest.raises(RenderError) as error:
        renderer.render(broken, values, "broken.yaml")
    assert (error.value.template, error.value.line) == ("broken.yaml", 1)


def test_release_name_is_dropped_from_compound_names() -> None:
    assert unrelease("archconform-release-orders archconform-release", "shop") == "orders shop"


def test_compose_log_driver_and_config_homes() -> None:
    facts = run(
        containers,
        "docker-compose.elk.yml",
        """\
        services:
          kibana:
            build: elk/kibana/
            volumes:
              - ./elk/kibana/config/:/usr/share/kibana/config:ro
          orders:
            build: orders
            logging:
              driver: gelf
              options:
                gelf-address: "udp://127.0.0.1:12201"
        """,
    )
    assert decls(facts) == {("kibana", "monitoring_dashboard", "kibana")}
    assert links(facts) == {("orders", "reports_to", "127.0.0.1:12201", "", 11)}
