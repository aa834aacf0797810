"""The compose extractor: exact facts and lines, file sets, extends, anchors, bad input."""

from __future__ import annotations

from pathlib import Path

from analyzer.extract import compose
from analyzer.extract.facts import (
    Call,
    Connection,
    Credential,
    DatastoreDecl,
    DependsOn,
    EnvVar,
    ExtractResult,
    FileContext,
    ServiceDecl,
)


def run(tmp_path: Path, files: dict[str, str], path: str = "docker-compose.yml") -> ExtractResult:
    for rel, text in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return compose.extract(FileContext(path, str(tmp_path)), (tmp_path / path).read_text())


def facts(result: ExtractResult, kind: type) -> list:  # type: ignore[type-arg]
    return [f for f in result.facts if isinstance(f, kind)]


BASE = """\
x-db-env: &db-env
  POSTGRES_USER: app
services:
  orders:
    build:
      context: ./services/orders
    environment:
      - DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/orders?sslmode=require
      - INVENTORY_URL=http://inventory:8080/api
      - KAFKA_BOOTSTRAP_SERVERS=kafka:9092
      - DB_PASSWORD
    depends_on:
      db: {condition: service_healthy}
  inventory:
    image: registry.example.com/shop/inventory:1.4
    env_file: [inventory.env]
    networks:
      default: {aliases: [stock]}
  db:
    image: docker.io/library/postgres:16-alpine
    environment:
      <<: *db-env
      POSTGRES_DB: orders
      POSTGRES_PASSWORD: ${DB_PASSWORD}
    volumes:
      - ./init.sql:/docker-entrypoint-initdb.d/init.sql
  kafka:
    image: bitnami/kafka:3.7
    volumes: [kafka-data:/bitnami/kafka]
    healthcheck: {test: ["CMD", "true"]}
  cache:
    build: ./cache
volumes:
  kafka-data:
"""


def test_services_stores_env_connections_and_lines(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        {
            "docker-compose.yml": BASE,
            ".env": "# local\nDB_PASSWORD=devpass\n",
            "inventory.env": "MONGO_URL=mongodb://catalog-db:27017/stock\n",
            "cache/Dockerfile": "FROM redis:7-alpine\nCOPY redis.conf /usr/local/etc/redis/\n",
        },
    )
    assert result.diagnostics == []
    decls = {
        (d.name, d.root, d.image, d.aliases, d.evidence.location.line) for d in facts(result, ServiceDecl)
    }
    assert decls == {
        ("orders", "services/orders", "", (), 4),
        ("inventory", "", "registry.example.com/shop/inventory:1.4", ("stock",), 14),
    }
    stores = {
        (d.name, d.technology, d.role, d.persistent, d.healthcheck, d.databases, d.evidence.location.line)
        for d in facts(result, DatastoreDecl)
    }
    assert stores == {
        ("db", "postgresql", "datastore", False, False, ("orders",), 19),
        ("kafka", "kafka", "broker", True, True, (), 27),
        ("cache", "redis", "datastore", False, False, (), 31),
    }
    conns = {(c.service, c.info.technology, c.info.hosts, c.info.database, c.info.password, c.info.tls,
              c.evidence.location.path, c.evidence.location.line) for c in facts(result, Connection)}  # fmt: skip
    assert conns == {
        ("orders", "postgresql", ("db",), "orders", "literal", True, "docker-compose.yml", 8),
        ("orders", "kafka", ("kafka",), "", "", None, "docker-compose.yml", 10),
        ("inventory", "mongodb", ("catalog-db",), "stock", "", None, "inventory.env", 1),
    }
    calls = {(c.service, c.target.text, c.target.origin, c.target.variable, c.evidence.location.line)
             for c in facts(result, Call)}  # fmt: skip
    assert calls == {("orders", "http://inventory:8080/api", "env", "INVENTORY_URL", 9)}
    # The password arrives from the committed .env file: the credential points there.
    creds = {
        (c.owner, c.key, c.evidence.location.path, c.evidence.location.line)
        for c in facts(result, Credential)
    }
    assert creds == {("db", "POSTGRES_PASSWORD", ".env", 2), ("orders", "DB_PASSWORD", ".env", 2)}
    assert {(d.service, d.target, d.evidence.location.line) for d in facts(result, DependsOn)} == {
        ("orders", "db", 13)
    }
    env = {(e.service, e.name, e.value) for e in facts(result, EnvVar)}
    assert ("orders", "DB_PASSWORD", "devpass") in env and (
        "inventory",
        "MONGO_URL",
        "mongodb://catalog-db:27017/stock",
    ) in env


def test_unset_password_is_a_reference_not_a_credential(tmp_path: Path) -> None:
    result = run(tmp_path, {"docker-compose.yml": BASE, "cache/Dockerfile": "FROM redis:7\n"})
    assert facts(result, Credential) == []
    (pg,) = [c for c in facts(result, Connection) if c.info.technology == "postgresql"]
    assert pg.info.password == "reference"


def test_override_file_is_merged_into_its_base(tmp_path: Path) -> None:
    override = """\
services:
  orders:
    environment:
      - INVENTORY_URL=http://inventory-v2:8080
  db:
    volumes:
      - pgdata:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD", "pg_isready"]
volumes:
  pgdata:
"""
    files = {
        "docker-compose.yml": BASE,
        "docker-compose.override.yml": override,
        "cache/Dockerfile": "FROM redis\n",
    }
    result = run(tmp_path, files)
    (call,) = facts(result, Call)
    assert (call.target.text, call.evidence.location.path, call.evidence.location.line) == (
        "http://inventory-v2:8080",
        "docker-compose.override.yml",
        4,
    )
    (db,) = [d for d in facts(result, DatastoreDecl) if d.name == "db"]
    assert db.persistent is True and db.healthcheck is True
    alone = compose.extract(
        FileContext("docker-compose.override.yml", str(tmp_path)),
        (tmp_path / "docker-compose.override.yml").read_text(),
    )
    assert alone.facts == [] and alone.diagnostics == []


def test_other_file_sets_carry_their_name_as_profile(tmp_path: Path) -> None:
    text = "services:\n  pg:\n    image: postgres:15\n"
    result = run(tmp_path, {"docker-compose-postgres.yaml": text}, "docker-compose-postgres.yaml")
    (decl,) = facts(result, DatastoreDecl)
    assert decl.evidence.profile == "docker-compose-postgres.yaml"


def test_extends_in_the_same_file(tmp_path: Path) -> None:
    text = """\
services:
  base:
    image: example/app
    environment:
      DATABASE_URL: postgres://db/app
  worker:
    extends: base
    environment:
      QUEUE: jobs
"""
    result = run(tmp_path, {"docker-compose.yml": text})
    worker = {(c.service, c.info.database) for c in facts(result, Connection)}
    assert worker == {("base", "app"), ("worker", "app")}


def test_bad_input_is_a_diagnostic_with_a_line(tmp_path: Path) -> None:
    result = run(tmp_path, {"docker-compose.yml": "services:\n  a:\n    image: [unclosed\n  b: x\n"})
    assert result.facts == []
    (diag,) = result.diagnostics
    assert diag.path == "docker-compose.yml" and diag.line >= 3 and "invalid YAML" in diag.message
    result = run(tmp_path, {"docker-compose.yml": "services:\n  a: just-a-string\n  b:\n    image: redis\n"})
    assert [d.name for d in facts(result, DatastoreDecl)] == ["b"]
    assert [(d.line, d.message) for d in result.diagnostics] == [(2, "service 'a' is not a mapping")]


def test_include_and_compose_merge_tags(tmp_path: Path) -> None:
    files = {
        "compose.yaml": "include:\n  - db/compose.yaml\nservices:\n  app:\n    image: example/app\n    ports: !override ['8080:80']\n"
        "    environment:\n      DATABASE_URL: postgres://app@db:5432/app\n    healthcheck: !reset null\n",
        "db/compose.yaml": "services:\n  db:\n    image: postgres:16\n",
    }
    result = run(tmp_path, files, "compose.yaml")
    assert result.diagnostics == []
    assert {
        (d.name, d.evidence.location.path, d.evidence.location.line) for d in facts(result, DatastoreDecl)
    } == {("db", "db/compose.yaml", 2)}
    assert [(c.service, c.info.hosts) for c in facts(result, Connection)] == [("app", ("db",))]


def test_compose_file_format_1_has_services_at_the_top(tmp_path: Path) -> None:
    v1 = """\
orders:
  build: ./orders
  links:
    - mysql
  environment:
    SPRING_DATASOURCE_URL: jdbc:mysql://mysql:3306/orders
mysql:
  image: mysql:5.7
"""
    result = run(tmp_path, {"docker-compose.yml": v1, "orders/Dockerfile": "FROM openjdk:8\n"})
    assert not result.diagnostics
    assert [(s.name, s.root, s.evidence.location.line) for s in facts(result, ServiceDecl)] == [
        ("orders", "orders", 1)
    ]
    assert [(d.name, d.technology, d.evidence.location.line) for d in facts(result, DatastoreDecl)] == [
        ("mysql", "mysql", 7)
    ]
    assert [(c.service, c.info.hosts) for c in facts(result, Connection)] == [("orders", ("mysql",))]
