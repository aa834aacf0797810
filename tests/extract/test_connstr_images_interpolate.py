"""Connection strings, image references and compose interpolation: exact parses."""

from __future__ import annotations

import pytest

from analyzer.extract.connstr import parse_connection_string, parse_host_list
from analyzer.extract.facts import ConnectionInfo
from analyzer.extract.images import technology_for_dockerfile, technology_for_image
from analyzer.extract.interpolate import interpolate, parse_env_file


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgres://app:secret@db:5432/shop?sslmode=disable",
         ConnectionInfo("postgresql", ("db",), 5432, "shop", "app", "literal", False, "postgres")),
        ("postgresql+psycopg://u:${PW}@Orders-DB/orders",
         ConnectionInfo("postgresql", ("orders-db",), None, "orders", "u", "reference", None, "postgresql+psycopg")),
        ("jdbc:postgresql://shop-db:5432/shop?ssl=true",
         ConnectionInfo("postgresql", ("shop-db",), 5432, "shop", "", "", True, "jdbc:postgresql")),
        ("jdbc:mysql://mysql:3306/catalog?useSSL=false",
         ConnectionInfo("mysql", ("mysql",), 3306, "catalog", "", "", False, "jdbc:mysql")),
        ("jdbc:sqlserver://sql:1433;databaseName=orders;encrypt=true",
         ConnectionInfo("sqlserver", ("sql",), 1433, "orders", "", "", True, "jdbc:sqlserver")),
        ("jdbc:oracle:thin:@//ora:1521/orcl", ConnectionInfo("oracle", ("ora",), 1521, "orcl", raw_scheme="jdbc:oracle")),
        ("jdbc:oracle:thin:@ora:1521:XE", ConnectionInfo("oracle", ("ora",), 1521, "XE", raw_scheme="jdbc:oracle")),
        ("mongodb://a:27017,b:27017/catalog?replicaSet=rs0",
         ConnectionInfo("mongodb", ("a", "b"), 27017, "catalog", raw_scheme="mongodb")),
        ("mongodb+srv://u:p@cluster0.example.net/db",
         ConnectionInfo("mongodb", ("cluster0.example.net",), None, "db", "u", "literal", True, "mongodb+srv")),
        ("rediss://cache:6380/2", ConnectionInfo("redis", ("cache",), 6380, "2", tls=True, raw_scheme="rediss")),
        ("amqp://guest:guest@rabbitmq:5672/", ConnectionInfo("rabbitmq", ("rabbitmq",), 5672, "", "guest", "literal", None, "amqp")),
        ("Server=sqldata;Database=OrderingDb;User Id=sa;Password=Pass@word",
         ConnectionInfo("sqlserver", ("sqldata",), None, "OrderingDb", "sa", "literal", None, "keywords")),
        ("Server=tcp:db.example.net,1433;Initial Catalog=mydb;Encrypt=False",
         ConnectionInfo("sqlserver", ("db.example.net",), 1433, "mydb", "", "", False, "keywords")),
        ("Host=db;Port=5432;Database=catalog;Username=postgres;Password=${PW}",
         ConnectionInfo("postgresql", ("db",), 5432, "catalog", "postgres", "reference", None, "keywords")),
        ("host=pg port=5432 dbname=x user=y sslmode=require",
         ConnectionInfo("postgresql", ("pg",), 5432, "x", "y", "", True, "keywords")),
    ],
)  # fmt: skip
def test_connection_strings(text: str, expected: ConnectionInfo) -> None:
    assert parse_connection_string(text) == expected


@pytest.mark.parametrize("text", ["http://inventory:8080/x", "hello world", "", "a=b", "x" * 5000])
def test_not_connection_strings(text: str) -> None:
    assert parse_connection_string(text) is None


def test_host_lists() -> None:
    assert parse_host_list("kafka-1:9092, kafka-2:9092", "kafka") == ConnectionInfo(
        "kafka", ("kafka-1", "kafka-2"), 9092, raw_scheme="hostlist"
    )
    assert parse_host_list("PLAINTEXT://kafka:29092", "kafka") == ConnectionInfo(
        "kafka", ("kafka",), 29092, raw_scheme="hostlist"
    )
    assert parse_host_list("not a host!", "kafka") is None


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("docker.io/library/postgres:16-alpine", ("postgresql", "datastore")),
        ("bitnami/postgresql@sha256:0123abcd", ("postgresql", "datastore")),
        ("mcr.microsoft.com/mssql/server:2022-latest", ("sqlserver", "datastore")),
        ("amazon/dynamodb-local", ("dynamodb", "datastore")),
        ("docker.elastic.co/elasticsearch/elasticsearch:8.13.0", ("elasticsearch", "datastore")),
        ("valkey/valkey:8", ("valkey", "datastore")),
        ("confluentinc/cp-kafka:7.5.0", ("kafka", "broker")),
        ("rabbitmq:3-management", ("rabbitmq", "broker")),
        ("apache/kafka:3.7.0", ("kafka", "broker")),
        ("quay.io/strimzi/kafka:0.41.0-kafka-3.7.0", ("kafka", "broker")),
        ("ghcr.io/acme/acme-vanilla-mysql8:2.1", ("mysql", "datastore")),
        ("descartesresearch/teastore-kieker-rabbitmq", ("rabbitmq", "broker")),
        ("quay.io/fedora/postgresql-15", ("postgresql", "datastore")),
        ("mongo-express", None),
        ("provectuslabs/kafka-ui:latest", None),
        ("oliver006/redis_exporter", None),
        ("redis-commander", None),
        ("prometheuscommunity/postgres-exporter", None),
        ("localhost:5000/shop/orders:1.0", None),
        ("${REGISTRY}/orders:latest", None),
    ],
)
def test_images(image: str, expected: tuple[str, str] | None) -> None:
    assert technology_for_image(image) == expected


def test_dockerfile_last_stage_decides() -> None:
    assert technology_for_dockerfile("FROM node:20 AS build\nRUN x\nFROM mongo:3\nCOPY seed /seed\n") == (
        "mongodb",
        "datastore",
    )
    assert technology_for_dockerfile("FROM --platform=linux/amd64 python:3.12\n") is None


@pytest.mark.parametrize(
    ("text", "result", "missing"),
    [
        ("$$HOME", "$HOME", []),
        ("${A}", "1", []),
        ("$A/x", "1/x", []),
        ("${B:-def}", "def", []),
        ("${E:-d}", "d", []),
        ("${E-d}", "", []),
        ("${B:-${A}}", "1", []),
        ("${B:?required}", "", ["B"]),
        ("${A:+yes}", "yes", []),
        ("${B+yes}", "", []),
    ],
)
def test_interpolation(text: str, result: str, missing: list[str]) -> None:
    done = interpolate(text, {"A": "1", "E": ""})
    assert (done.text, done.missing) == (result, missing)


def test_interpolation_keeps_references_and_reports_errors() -> None:
    assert interpolate("pw=${PW}", {}, keep_missing=True).text == "pw=${PW}"
    assert interpolate("${oops", {}).errors


def test_env_file() -> None:
    text = "# comment\nexport A=1\nB='two words'\nC=\"q\" # note\nD=x # trailing\nnot valid\n"
    assert parse_env_file(text) == [("A", "1", 2), ("B", "two words", 3), ("C", "q", 4), ("D", "x", 5)]
