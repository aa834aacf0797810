"""Spring configuration: profiles, placeholders, datasources, markers — and what deployment overrides."""

from __future__ import annotations

import shutil
from pathlib import Path

from analyzer.config import Config
from analyzer.extract import spring
from analyzer.extract.facts import Call, Connection, Credential, FileContext, Marker
from analyzer.model import EdgeKind
from analyzer.pipeline import scan
from tests.conftest import SHARED

APP = """\
spring:
  application:
    name: orders
  datasource:
    url: jdbc:postgresql://${DB_HOST:orders-db}:5432/orders?sslmode=require
    username: app
    password: s3cret
  jpa:
    hibernate:
      ddl-auto: update
  kafka:
    bootstrap-servers: kafka:9092
  flyway:
    locations: classpath:db/migration
inventory:
  url: http://inventory:8080
---
spring:
  config:
    activate:
      on-profile: "!mongo"
  data:
    redis:
      host: cache
      port: 6379
"""


def test_yaml_documents_profiles_and_settings() -> None:
    result = spring.extract(
        FileContext("orders/src/main/resources/application-prod.yml", "/x", "orders"), APP
    )
    assert result.diagnostics == []
    conns = {(c.info.technology, c.info.hosts, c.info.database, c.info.tls, c.evidence.location.line, c.evidence.profile, c.evidence.detail)
             for c in result.facts if isinstance(c, Connection)}  # fmt: skip
    assert conns == {
        ("postgresql", ("orders-db",), "orders", True, 5, "prod", "spring.datasource.url ${DB_HOST}"),
        ("kafka", ("kafka",), "", None, 12, "prod", "spring.kafka.bootstrap-servers"),
        ("redis", ("cache",), "", None, 24, "!mongo", "spring.data.redis.host"),
    }
    markers = {(m.key, m.value, m.evidence.location.line) for m in result.facts if isinstance(m, Marker)}
    assert markers == {("ddl_auto", "update", 10), ("migration_tool", "flyway", 14)}
    creds = [(c.key, c.evidence.location.line) for c in result.facts if isinstance(c, Credential)]
    assert creds == [("spring.datasource.password", 7)]
    calls = [(c.target.text, c.target.origin, c.target.variable) for c in result.facts if isinstance(c, Call)]
    assert calls == [("http://inventory:8080", "config", "inventory.url")]


def test_properties_files() -> None:
    text = "# c\nspring.datasource.url=jdbc:mysql://${MYSQL_HOST:db}:3306/example\nspring.datasource.password=${MYSQL_PASSWORD:db-57xsl}\nlong.value=a \\\n  b\n"
    result = spring.extract(
        FileContext("backend/src/main/resources/application.properties", "/x", "backend"), text
    )
    (conn,) = [c for c in result.facts if isinstance(c, Connection)]
    assert (conn.info.technology, conn.info.hosts, conn.info.database, conn.evidence.location.line) == (
        "mysql",
        ("db",),
        "example",
        2,
    )
    assert conn.info.password == "reference"


def test_broken_yaml_is_a_diagnostic() -> None:
    result = spring.extract(FileContext("a/application.yml", "/x", "a"), "spring:\n  datasource: [\n")
    assert result.facts == [] and result.diagnostics[0].path == "a/application.yml"


def _repo(tmp_path: Path, compose_env: str) -> Path:
    root = tmp_path / "repo"
    res = root / "orders" / "src" / "main" / "resources"
    res.mkdir(parents=True)
    (root / "orders" / "pom.xml").write_text("<project/>")
    (res / "application.yml").write_text(
        "spring:\n  datasource:\n    url: ${SPRING_DATASOURCE_URL:jdbc:postgresql://localhost:5432/dev}\n"
    )
    (res / "application-mongo.yml").write_text(
        "spring:\n  data:\n    mongodb:\n      uri: mongodb://catalog-db/orders\n"
    )
    (root / "docker-compose.yml").write_text(
        "services:\n  orders:\n    build: ./orders\n    environment:\n" + compose_env
        + "  db:\n    image: postgres:16\n  catalog-db:\n    image: mongo:7\n"
    )  # fmt: skip
    return root


def test_deployment_env_overrides_config_defaults_and_picks_profiles(tmp_path: Path) -> None:
    env = (
        "      SPRING_DATASOURCE_URL: jdbc:postgresql://db:5432/orders\n      SPRING_PROFILES_ACTIVE: prod\n"
    )
    result = scan(_repo(tmp_path, env), Config())
    targets = sorted(e.target for e in result.graph.edges(EdgeKind.CONNECTS) if e.source == "service:orders")
    # the compose URL wins over the localhost default; the mongo profile is not active
    assert targets == ["database:db/orders"]


def test_without_an_active_profile_every_profile_is_reported(tmp_path: Path) -> None:
    result = scan(_repo(tmp_path, "      LOG_LEVEL: info\n"), Config())
    targets = sorted(e.target for e in result.graph.edges(EdgeKind.CONNECTS) if e.source == "service:orders")
    # localhost in a config file is a developer default, never a deployed edge
    assert targets == ["database:catalog-db/orders"]
    assert any("localhost ignored" in d.message for d in result.diagnostics)
    (mongo,) = [e for e in result.graph.edges(EdgeKind.CONNECTS) if e.target == "database:catalog-db/orders"]
    assert mongo.evidence[0].profile == "mongo"


def test_real_carts_profiles_keep_mongo_out_when_dynamodb_is_active(tmp_path: Path) -> None:
    source = SHARED / "real-data" / "manifests" / "spring" / "aws-containers__retail-store-sample-app"
    root = tmp_path / "retail"
    shutil.copytree(source, root)
    (root / "src" / "cart" / "pom.xml").write_text("<project/>")
    (root / "docker-compose.yml").write_text(
        "services:\n  carts:\n    build: ./src/cart\n    environment:\n      SPRING_PROFILES_ACTIVE: dynamodb\n"
        "  carts-db:\n    image: amazon/dynamodb-local:1.20.0\n"
    )
    result = scan(root, Config())
    assert [
        e for e in result.graph.edges(EdgeKind.CONNECTS) if "mongo" in e.target or "carts-db/data" in e.target
    ] == []


def test_config_server_layout_maps_files_to_applications(tmp_path: Path) -> None:
    repo = tmp_path / "config-repo"
    repo.mkdir()
    (repo / "orders.yml").write_text(
        "spring:\n  datasource:\n    url: jdbc:postgresql://orders-db:5432/orders\n"
    )
    (repo / "catalog-prod.yml").write_text(
        "spring:\n  data:\n    mongodb:\n      uri: mongodb://catalog-db/catalog\n"
    )
    (repo / "notes.yml").write_text(
        "owner: platform team\nurl: http://wiki.example.com\n"
    )  # not Spring: ignored
    result = scan(tmp_path, Config())
    got = {(e.source, e.target, e.evidence[0].profile) for e in result.graph.edges(EdgeKind.CONNECTS)}
    assert got == {
        ("service:orders", "database:orders-db/orders", ""),
        ("service:catalog", "database:catalog-db/catalog", "prod"),
    }
    assert "service:notes" not in result.graph


def test_spring_cloud_stream_bindings() -> None:
    text = (
        "spring:\n  cloud:\n    stream:\n      bindings:\n        orderPlaced-out-0:\n          destination: order-events\n"
        "        paymentDone-in-0:\n          destination: payment-events\n          group: orders\n"
        "  kafka:\n    bootstrap-servers: kafka:9092\n"
    )
    from analyzer.extract.facts import Message

    result = spring.extract(FileContext("orders/src/main/resources/application.yml", "/x", "orders"), text)
    got = {
        (m.direction, m.system, m.topic, m.evidence.location.line)
        for m in result.facts
        if isinstance(m, Message)
    }
    assert got == {("publishes", "kafka", "order-events", 6), ("consumes", "kafka", "payment-events", 8)}
