"""Container images of platform components → their role.

Matched like datastore images (:mod:`analyzer.extract.images`): on the repository's last path
component or ``org/name``, exactly, so ``prom/node-exporter`` or ``grafana/agent`` are not taken
for the servers. nginx, httpd and other general web servers are *not* here: they are platform only
when their configuration routes (:mod:`analyzer.extract.platform.proxies`); a web server serving
static files is a service.
"""

from __future__ import annotations

from analyzer.extract.images import repository

# repository last component (or org/name) -> (role, product)
_PLATFORM: dict[str, tuple[str, str]] = {
    "keycloak": ("authorization_server", "keycloak"),
    "keycloak/keycloak": ("authorization_server", "keycloak"),
    "jboss/keycloak": ("authorization_server", "keycloak"),
    "bitnami/keycloak": ("authorization_server", "keycloak"),
    "identityserver": ("authorization_server", "identityserver"),
    "zipkin": ("tracing_server", "zipkin"),
    "openzipkin/zipkin": ("tracing_server", "zipkin"),
    "openzipkin/zipkin-slim": ("tracing_server", "zipkin"),
    "all-in-one": ("tracing_server", "jaeger"),
    "jaegertracing/all-in-one": ("tracing_server", "jaeger"),
    "jaegertracing/jaeger": ("tracing_server", "jaeger"),
    "jaeger-collector": ("tracing_server", "jaeger"),
    "jaeger-query": ("tracing_server", "jaeger"),
    "jaeger": ("tracing_server", "jaeger"),
    "opentelemetry-collector": ("tracing_server", "otel-collector"),
    "opentelemetry-collector-contrib": ("tracing_server", "otel-collector"),
    "otel/opentelemetry-collector": ("tracing_server", "otel-collector"),
    "otel/opentelemetry-collector-contrib": ("tracing_server", "otel-collector"),
    "tempo": ("tracing_server", "tempo"),
    "grafana/tempo": ("tracing_server", "tempo"),
    "prometheus": ("metrics_server", "prometheus"),
    "prom/prometheus": ("metrics_server", "prometheus"),
    "grafana": ("monitoring_dashboard", "grafana"),
    "grafana/grafana": ("monitoring_dashboard", "grafana"),
    "grafana/grafana-oss": ("monitoring_dashboard", "grafana"),
    "grafana/otel-lgtm": ("monitoring_dashboard", "grafana"),
    "loki": ("logging_server", "loki"),
    "grafana/loki": ("logging_server", "loki"),
    "kibana": ("monitoring_dashboard", "kibana"),
    "logstash": ("logging_server", "logstash"),
    "fluentd": ("logging_server", "fluentd"),
    "fluent-bit": ("logging_server", "fluent-bit"),
    "fluent/fluentd": ("logging_server", "fluentd"),
    "fluent/fluent-bit": ("logging_server", "fluent-bit"),
    "seq": ("logging_server", "seq"),
    "datalust/seq": ("logging_server", "seq"),
    "consul": ("service_discovery", "consul"),
    "hashicorp/consul": ("service_discovery", "consul"),
    "bitnami/consul": ("service_discovery", "consul"),
    "eureka": ("service_discovery", "eureka"),
    "springcloud/eureka": ("service_discovery", "eureka"),
    "configserver": ("configuration_server", "spring-cloud-config"),
    "springcloud/configserver": ("configuration_server", "spring-cloud-config"),
    "spring-boot-admin": ("administration_server", "spring-boot-admin"),
    "hystrix-dashboard": ("monitoring_dashboard", "hystrix"),
    "turbine": ("monitoring_server", "turbine"),
    "traefik": ("web_server", "traefik"),
    "envoy": ("gateway", "envoy"),
    "envoyproxy/envoy": ("gateway", "envoy"),
    "kong": ("gateway", "kong"),
    "krakend": ("gateway", "krakend"),
    # Coordination and configuration stores of the platform
    "zookeeper": ("configuration_server", "zookeeper"),
    "cp-zookeeper": ("configuration_server", "zookeeper"),
    "bitnami/zookeeper": ("configuration_server", "zookeeper"),
    "etcd": ("configuration_server", "etcd"),
    "coreos/etcd": ("configuration_server", "etcd"),
    # Administration consoles next to a datastore or broker
    "pgadmin4": ("administration_server", "pgadmin"),
    "dpage/pgadmin4": ("administration_server", "pgadmin"),
    "adminer": ("administration_server", "adminer"),
    "phpmyadmin": ("administration_server", "phpmyadmin"),
    "phpmyadmin/phpmyadmin": ("administration_server", "phpmyadmin"),
    "mongo-express": ("administration_server", "mongo-express"),
    "redis-commander": ("administration_server", "redis-commander"),
    "rediscommander/redis-commander": ("administration_server", "redis-commander"),
    "redisinsight": ("administration_server", "redisinsight"),
    "kafka-ui": ("administration_server", "kafka-ui"),
    "provectuslabs/kafka-ui": ("administration_server", "kafka-ui"),
    "kafdrop": ("administration_server", "kafdrop"),
    "obsidiandynamics/kafdrop": ("administration_server", "kafdrop"),
    "kafka-manager": ("administration_server", "kafka-manager"),
    "cmak": ("administration_server", "kafka-manager"),
    "swagger-ui": ("administration_server", "swagger-ui"),
    "swaggerapi/swagger-ui": ("administration_server", "swagger-ui"),
    "portainer": ("administration_server", "portainer"),
    "portainer/portainer-ce": ("administration_server", "portainer"),
    # Off-the-shelf utility servers: mail catchers, DNS proxies, report renderers; the Dapr control plane
    "maildev": ("mail_server", "maildev"),
    "maildev/maildev": ("mail_server", "maildev"),
    "djfarrelly/maildev": ("mail_server", "maildev"),
    "mailhog": ("mail_server", "mailhog"),
    "mailhog/mailhog": ("mail_server", "mailhog"),
    "mailpit": ("mail_server", "mailpit"),
    "axllent/mailpit": ("mail_server", "mailpit"),
    "smtp4dev": ("mail_server", "smtp4dev"),
    "rnwood/smtp4dev": ("mail_server", "smtp4dev"),
    "dns-proxy-server": ("dns_server", "dns-proxy-server"),
    "defreitas/dns-proxy-server": ("dns_server", "dns-proxy-server"),
    "coredns": ("dns_server", "coredns"),
    "coredns/coredns": ("dns_server", "coredns"),
    "jsreport": ("report_server", "jsreport"),
    "jsreport/jsreport": ("report_server", "jsreport"),
    "kafka-manager-docker": ("administration_server", "kafka-manager"),
    "daprio/dapr": ("orchestration", "dapr"),
    "daprio/placement": ("orchestration", "dapr"),
    # Relays and jobs that read a service's data without owning it
    "debezium/connect": ("cdc_relay", "debezium"),
    "debezium/server": ("cdc_relay", "debezium"),
    "maxwell": ("cdc_relay", "maxwell"),
    "zendesk/maxwell": ("cdc_relay", "maxwell"),
    "postgres-backup-local": ("backup", "postgres-backup-local"),
    "prodrigestivill/postgres-backup-local": ("backup", "postgres-backup-local"),
    "mysql-backup": ("backup", "mysql-backup"),
    "databack/mysql-backup": ("backup", "mysql-backup"),
    "tiredofit/db-backup": ("backup", "db-backup"),
    "devopsfaith/krakend": ("gateway", "krakend"),
}


def platform_for_image(image: str) -> tuple[str, str] | None:
    """``(role, product)`` of a platform component's image, ``None`` for anything else.

    >>> platform_for_image("quay.io/keycloak/keycloak:24.0")
    ('authorization_server', 'keycloak')
    >>> platform_for_image("prom/node-exporter") is None
    True
    """
    if not image or image.startswith("$"):
        return None
    repo = repository(image)
    last = repo.rsplit("/", 1)[-1]
    pair = "/".join(repo.split("/")[-2:])
    for key in (pair, last):
        if key in _PLATFORM:
            return _PLATFORM[key]
    return None
