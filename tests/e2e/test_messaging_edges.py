"""Service→broker edges in the shapes the corpus writes them (yas, micronaut-microservices-poc).

- A Spring service that names its brokers only in the client-specific settings
  (``spring.kafka.consumer.bootstrap-servers``) still connects to them, and the topics its
  ``@KafkaListener`` consumes live on that broker.
- A Micronaut service names them in ``kafka.bootstrap.servers``.
- A topic of a service that names no broker of its own lands on the system's one broker of that technology.
- Keycloak's ``KC_BOOTSTRAP_ADMIN_USERNAME=admin`` is the admin of a bootstrap step, not a Kafka host list.
"""

from __future__ import annotations

from pathlib import Path

from analyzer.config import Config
from analyzer.model import EdgeKind, NodeKind
from analyzer.pipeline import build_model

COMPOSE = """\
services:
  identity:
    image: quay.io/keycloak/keycloak:26.0.2
    environment:
      KC_BOOTSTRAP_ADMIN_USERNAME: admin
      KC_BOOTSTRAP_ADMIN_PASSWORD: admin
  kafka:
    image: confluentinc/cp-kafka:7.0.9
  recommendation:
    build: ./recommendation
  search:
    build: ./search
  policy:
    build: ./policy
"""

LISTENER = """\
package com.yas.{name}.kafka.consumer;

import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Service;

@Service
public class ProductSyncDataConsumer {{
    @KafkaListener(
        id = "product-sync-{name}",
        topics = "dbproduct.public.product"
    )
    public void processMessage(String message) {{
    }}
}}
"""


def write(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def test_kafka_named_in_client_settings_and_micronaut(tmp_path: Path) -> None:
    write(tmp_path, "docker-compose.yml", COMPOSE)
    for name in ("recommendation", "search"):
        write(tmp_path, f"{name}/pom.xml", f"<project><artifactId>{name}</artifactId></project>\n")
        write(tmp_path, f"{name}/Dockerfile", "FROM eclipse-temurin:21\n")
        write(
            tmp_path,
            f"{name}/src/main/java/com/yas/{name}/kafka/consumer/ProductSyncDataConsumer.java",
            LISTENER.format(name=name),
        )
    write(
        tmp_path,
        "recommendation/src/main/resources/application.properties",
        "spring.application.name=recommendation\n"
        "spring.kafka.consumer.bootstrap-servers=kafka:9092\n"
        "spring.kafka.consumer.group-id=recommendation\n"
        "spring.kafka.producer.bootstrap-servers=kafka:9092\n",
    )
    # search names no broker: its topic still lives on the system's one Kafka
    write(tmp_path, "search/src/main/resources/application.properties", "spring.application.name=search\n")
    write(tmp_path, "policy/Dockerfile", "FROM eclipse-temurin:21\n")
    write(
        tmp_path,
        "policy/build.gradle",
        "dependencies { implementation 'io.micronaut.kafka:micronaut-kafka' }\n",
    )
    write(
        tmp_path,
        "policy/src/main/resources/application.yml",
        "micronaut:\n  application:\n    name: policy\n---\nkafka:\n  bootstrap:\n    servers: kafka:9092\n",
    )
    graph, _ = build_model(tmp_path, Config())
    brokers = {n.id for n in graph.nodes(NodeKind.BROKER)}
    assert brokers == {"broker:kafka"}  # no broker "admin" from Keycloak's bootstrap admin
    connects = {
        (e.source, e.target, ev.location.path, ev.location.line)
        for e in graph.edges(EdgeKind.CONNECTS)
        for ev in e.evidence
        if e.target.startswith("broker:")
    }
    assert connects == {
        (
            "service:recommendation",
            "broker:kafka",
            "recommendation/src/main/resources/application.properties",
            2,
        ),
        ("service:policy", "broker:kafka", "policy/src/main/resources/application.yml", 7),
    }
    topic = "topic:kafka/dbproduct.public.product"
    assert {(e.source, e.target) for e in graph.edges(EdgeKind.CONSUMES)} == {
        ("service:recommendation", topic),
        ("service:search", topic),
    }
    assert {(e.source, e.target) for e in graph.edges(EdgeKind.CONTAINS) if e.target == topic} == {
        ("broker:kafka", topic)
    }


PUBLISHER = """\
package pl.altkom.asc.lab.micronaut.poc.policy.infrastructure.adapters.kafka;

import io.micronaut.configuration.kafka.annotation.KafkaClient;
import io.micronaut.configuration.kafka.annotation.KafkaKey;
import io.micronaut.configuration.kafka.annotation.Topic;

@KafkaClient
public interface EventPublisher {

    @Topic("policy-registered")
    void policyRegisteredEvent(@KafkaKey String policyNumber, PolicyRegisteredEvent event);

    @Topic("policy-terminated")
    void policyTerminatedEvent(@KafkaKey String policyNumber, PolicyTerminatedEvent event);
}
"""

LISTENER_MN = """\
package pl.altkom.asc.lab.micronaut.poc.payment.domain;

import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.Topic;

@KafkaListener(offsetReset = OffsetReset.EARLIEST)
public class PolicyRegisteredListener {

    @Topic("policy-registered")
    void onPolicyRegistered(PolicyRegisteredEvent event) {
    }
}
"""

RABBIT_MN = """\
package shop.orders;

import io.micronaut.rabbitmq.annotation.Binding;
import io.micronaut.rabbitmq.annotation.Queue;
import io.micronaut.rabbitmq.annotation.RabbitClient;
import io.micronaut.rabbitmq.annotation.RabbitListener;

@RabbitClient("orders")
interface OrderEvents {
    @Binding("order.placed")
    void placed(byte[] body);
}

@RabbitListener
class PaymentEvents {
    @Queue("payment-done")
    void done(byte[] body) {
    }
}
"""


def test_micronaut_topics_publish_and_consume(tmp_path: Path) -> None:
    """micronaut-microservices-poc: @Topic on a @KafkaClient interface publishes, on a
    @KafkaListener class consumes; Micronaut RabbitMQ's @Binding / @Queue the same way."""
    base = "src/main/java/pl/altkom/asc/lab/micronaut/poc"
    write(tmp_path, "policy-service/pom.xml", "<project><artifactId>policy-service</artifactId></project>\n")
    write(tmp_path, "policy-service/Dockerfile", "FROM openjdk:8\n")
    write(
        tmp_path,
        "docker-compose.yml",
        "services:\n  policy-service:\n    build: policy-service\n  payment-service:\n    build: payment-service\n",
    )
    write(tmp_path, f"policy-service/{base}/policy/EventPublisher.java", PUBLISHER)
    write(tmp_path, f"policy-service/{base}/policy/OrderEvents.java", RABBIT_MN)
    write(
        tmp_path, "payment-service/pom.xml", "<project><artifactId>payment-service</artifactId></project>\n"
    )
    write(tmp_path, f"payment-service/{base}/payment/PolicyRegisteredListener.java", LISTENER_MN)
    graph, _ = build_model(tmp_path, Config())
    flows = {
        (e.kind.value, e.source, e.target, ev.location.line)
        for kind in (EdgeKind.PUBLISHES, EdgeKind.CONSUMES)
        for e in graph.edges(kind)
        for ev in e.evidence
    }
    assert flows == {
        ("publishes", "service:policy-service", "topic:kafka/policy-registered", 10),
        ("publishes", "service:policy-service", "topic:kafka/policy-terminated", 13),
        ("publishes", "service:policy-service", "topic:rabbitmq/order.placed", 10),
        ("consumes", "service:policy-service", "topic:rabbitmq/payment-done", 16),
        ("consumes", "service:payment-service", "topic:kafka/policy-registered", 10),
    }


PUBSUB = """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: eshopondapr-pubsub
  namespace: eshop
spec:
  type: pubsub.rabbitmq
  version: v1
  metadata:
  - name: host
    value: "amqp://rabbitmq:5672"
"""

SUBSCRIBER = """\
namespace Microsoft.eShopOnDapr.Services.Catalog.API.Controllers;

[Route("api/v1/[controller]")]
[ApiController]
public class IntegrationEventController : ControllerBase
{
    private const string DAPR_PUBSUB_NAME = "eshopondapr-pubsub";

    [HttpPost("OrderStatusChangedToAwaitingStockValidation")]
    [Topic(DAPR_PUBSUB_NAME, nameof(OrderStatusChangedToAwaitingStockValidationIntegrationEvent))]
    public Task HandleAsync(OrderStatusChangedToAwaitingStockValidationIntegrationEvent @event) =>
        Task.CompletedTask;

    [HttpPost("OrderStatusChangedToPaid")]
    [Topic(DAPR_PUBSUB_NAME, "OrderStatusChangedToPaidIntegrationEvent")]
    public Task HandleAsync(OrderStatusChangedToPaidIntegrationEvent @event) => Task.CompletedTask;
}
"""

PUBLISHER_CS = """\
namespace Payment;

public class Notifier
{
    public async Task NotifyAsync(DaprClient dapr, object evt)
    {
        await dapr.PublishEventAsync("eshopondapr-pubsub", "OrderPaymentSucceededIntegrationEvent", evt);
    }
}
"""


def test_dapr_subscriptions_reach_the_component_broker(tmp_path: Path) -> None:
    """eShopOnDapr: a ``[Topic(pubsub, name)]`` subscription names the pub/sub component, whose
    metadata names the RabbitMQ broker; ``PublishEventAsync(pubsub, topic, ...)`` publishes there."""
    write(tmp_path, "dapr/components/eshop-pubsub.yaml", PUBSUB)
    write(
        tmp_path,
        "src/Services/Catalog/Catalog.API/Catalog.API.csproj",
        '<Project Sdk="Microsoft.NET.Sdk.Web"></Project>\n',
    )
    write(
        tmp_path,
        "src/Services/Catalog/Catalog.API/Program.cs",
        "var app = WebApplication.CreateBuilder(args).Build();\napp.Run();\n",
    )
    write(tmp_path, "src/Services/Catalog/Catalog.API/Controllers/IntegrationEventController.cs", SUBSCRIBER)
    write(
        tmp_path,
        "src/Services/Payment/Payment.API/Payment.API.csproj",
        '<Project Sdk="Microsoft.NET.Sdk.Web"></Project>\n',
    )
    write(
        tmp_path,
        "src/Services/Payment/Payment.API/Program.cs",
        "var app = WebApplication.CreateBuilder(args).Build();\napp.Run();\n",
    )
    write(tmp_path, "src/Services/Payment/Payment.API/Notifier.cs", PUBLISHER_CS)
    graph, _ = build_model(tmp_path, Config())
    flows = {
        (e.kind.value, e.source, e.target, ev.location.line)
        for kind in (EdgeKind.PUBLISHES, EdgeKind.CONSUMES)
        for e in graph.edges(kind)
        for ev in e.evidence
    }
    catalog, payment = "service:catalog.api", "service:payment.api"  # named by their projects
    assert flows == {
        (
            "consumes",
            catalog,
            "topic:rabbitmq/OrderStatusChangedToAwaitingStockValidationIntegrationEvent",
            10,
        ),
        ("consumes", catalog, "topic:rabbitmq/OrderStatusChangedToPaidIntegrationEvent", 15),
        ("publishes", payment, "topic:rabbitmq/OrderPaymentSucceededIntegrationEvent", 7),
    }
    assert {e.target for e in graph.edges(EdgeKind.CONTAINS) if e.source == "broker:rabbitmq"} == {
        t for (_, _, t, _) in flows
    }


COMPOSITE_POM = """\
<project>
  <artifactId>card-statement-composite</artifactId>
  <dependencies>
    <dependency>
      <groupId>org.springframework.cloud</groupId>
      <artifactId>spring-cloud-starter-bus-amqp</artifactId>
    </dependency>
    <dependency>
      <groupId>org.springframework.cloud</groupId>
      <artifactId>spring-cloud-netflix-hystrix-amqp</artifactId>
    </dependency>
    <dependency>
      <groupId>org.springframework.kafka</groupId>
      <artifactId>spring-kafka</artifactId>
      <scope>test</scope>
    </dependency>
  </dependencies>
</project>
"""

COMPOSE_AMQP = """\
services:
  card-statement-composite:
    build: card-statement-composite
  statement:
    build: statement-service
  rabbitmq:
    image: rabbitmq:3-management
"""


def test_messaging_starter_connects_to_the_one_broker(tmp_path: Path) -> None:
    """fernandoabcampos/spring-netflix-oss-microservices: a service streaming its Hystrix metrics
    over AMQP connects to the system's RabbitMQ though no setting of its own names it; Spring Cloud
    Bus alone (the config server's refresh channel), a test-scoped Kafka dependency connect nothing."""
    write(tmp_path, "docker-compose.yml", COMPOSE_AMQP)
    write(tmp_path, "card-statement-composite/pom.xml", COMPOSITE_POM)
    write(tmp_path, "card-statement-composite/Dockerfile", "FROM java:8\n")
    write(
        tmp_path,
        "statement-service/build.gradle",
        "dependencies {\n    implementation('org.springframework.cloud:spring-cloud-starter-bus-amqp')\n"
        "    testImplementation('org.springframework.kafka:spring-kafka')\n}\n",
    )
    write(tmp_path, "statement-service/Dockerfile", "FROM java:8\n")
    graph, _ = build_model(tmp_path, Config())
    connects = {
        (e.source, e.target, ev.location.path, ev.location.line, e.attrs.get("recognised_by"))
        for e in graph.edges(EdgeKind.CONNECTS)
        for ev in e.evidence
    }
    assert connects == {
        (
            "service:card-statement-composite",
            "broker:rabbitmq",
            "card-statement-composite/pom.xml",
            10,
            ("client library",),
        )
    }


def test_database_driver_reaches_the_one_store_of_its_technology(tmp_path: Path) -> None:
    """anilallewar/microservices-basics-spring-boot: auth-server builds in the MySQL driver and
    reads its datasource from a remote config repository; the system runs one MySQL (database
    ``auth``). A service that already names its store is not given a second one."""
    write(
        tmp_path,
        "docker-compose.yml",
        "services:\n  mysqldb:\n    image: mysql:latest\n    environment:\n      MYSQL_DATABASE: auth\n"
        "  auth-server:\n    build: auth-server\n  user-webservice:\n    build: user-webservice\n"
        "    environment:\n      SPRING_DATASOURCE_URL: jdbc:mysql://mysqldb:3306/users\n",
    )
    gradle = 'dependencies {\n\tcompile("mysql:mysql-connector-java:8.0.13")\n\ttestCompile("com.h2database:h2")\n}\n'
    for name in ("auth-server", "user-webservice"):
        write(tmp_path, f"{name}/build.gradle", gradle)
        write(tmp_path, f"{name}/Dockerfile", "FROM java:8\n")
    graph, _ = build_model(tmp_path, Config())
    connects = {
        (e.source, e.target, ev.location.path, ev.location.line)
        for e in graph.edges(EdgeKind.CONNECTS)
        for ev in e.evidence
    }
    assert connects == {
        ("service:auth-server", "database:mysqldb/auth", "auth-server/build.gradle", 2),
        ("service:user-webservice", "database:mysqldb/users", "docker-compose.yml", 11),
    }


def test_micronaut_drivers_and_commented_dependencies(tmp_path: Path) -> None:
    """micronaut-microservices-poc: product-service builds in micronaut-mongo-reactive and reaches the
    one MongoDB; a dependency inside an XML comment is not built in."""
    write(
        tmp_path,
        "docker-compose.yml",
        "services:\n  mongo:\n    image: mongo\n  elasticsearch:\n    image: elasticsearch:6.4.2\n"
        "  product-service:\n    build: product-service\n",
    )
    write(
        tmp_path,
        "product-service/pom.xml",
        "<project>\n  <dependencies>\n    <dependency>\n      <groupId>io.micronaut.mongodb</groupId>\n"
        "      <artifactId>micronaut-mongo-reactive</artifactId>\n    </dependency>\n"
        "<!--    <dependency>\n      <artifactId>elasticsearch-rest-high-level-client</artifactId>\n"
        "    </dependency> -->\n  </dependencies>\n</project>\n",
    )
    write(tmp_path, "product-service/Dockerfile", "FROM java:8\n")
    graph, _ = build_model(tmp_path, Config())
    connects = {
        (e.source, e.target, ev.location.path, ev.location.line)
        for e in graph.edges(EdgeKind.CONNECTS)
        for ev in e.evidence
    }
    assert connects == {
        ("service:product-service", "database:mongo/(default)", "product-service/pom.xml", 5),
    }


def test_exact_service_name_wins_over_a_stripped_store_name(tmp_path: Path) -> None:
    """eShopOnContainers: ``urls__basket=http://basket-api`` (src/docker-compose.override.yml:193) is
    the basket-api service, not the ``basket.data`` Redis whose name matches
    only once suffixes are stripped."""
    write(
        tmp_path,
        "docker-compose.yml",
        "services:\n  basket.data:\n    image: redis:alpine\n  basket-api:\n    image: eshop/basket.api\n"
        "    environment:\n      - ConnectionString=basket.data\n"
        "  webshoppingagg:\n    image: eshop/webshoppingagg\n    environment:\n"
        "      - urls__basket=http://basket-api\n",
    )
    graph, _ = build_model(tmp_path, Config())
    assert {(e.source, e.target) for e in graph.edges(EdgeKind.CONNECTS)} == {
        ("service:basket-api", "database:basket.data/0")
    }
    assert ("service:webshoppingagg", "service:basket-api") in {
        (e.source, e.target) for e in graph.edges(EdgeKind.CALLS)
    }


def test_config_server_client_file_configures_its_client(tmp_path: Path) -> None:
    """apssouza22/java-microservice: the config server's offline-repository/mailer.properties says
    spring.application.name=mailer and the Cloud Stream Kafka binder's brokers; it configures
    mail-service (named mailer), and "mailer" is not another name of the config server."""
    write(
        tmp_path,
        "docker-compose.yml",
        "services:\n  kafka:\n    image: wurstmeister/kafka\n  config:\n    image: todo/config-server\n"
        "  mail:\n    image: todo/mail-service\n",
    )
    write(tmp_path, "config-server/pom.xml", "<project><artifactId>config-server</artifactId></project>\n")
    write(
        tmp_path,
        "config-server/src/main/resources/application.yml",
        "spring.application.name: config-server\nspring:\n  cloud:\n    config:\n      server:\n"
        "        native:\n          searchLocations: classpath:offline-repository/\n",
    )
    write(
        tmp_path,
        "config-server/src/main/resources/offline-repository/mailer.properties",
        "server.port=8020\nspring.application.name=mailer\n"
        "spring.cloud.stream.bindings.input.destination=todo-mail\n"
        "spring.cloud.stream.kafka.binder.brokers=kafka\n",
    )
    write(tmp_path, "mail-service/pom.xml", "<project><artifactId>mail-service</artifactId></project>\n")
    write(
        tmp_path, "mail-service/src/main/resources/application.properties", "spring.application.name=mailer\n"
    )
    graph, _ = build_model(tmp_path, Config())
    connects = {
        (e.source, e.target) for e in graph.edges(EdgeKind.CONNECTS) if e.target.startswith("broker:")
    }
    assert connects == {("service:mailer", "broker:kafka")}
    assert {(e.source, e.target) for e in graph.edges(EdgeKind.CONSUMES)} == {
        ("service:mailer", "topic:kafka/todo-mail")
    }
