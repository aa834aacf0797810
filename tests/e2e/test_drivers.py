"""Every driver entry point a team would use, in five languages (fixtures/code/drivers): the value
each client is handed — a URL, a DSN, settings by parts — reaches the datastore or broker it names,
with its database."""

from __future__ import annotations

from pathlib import Path

from analyzer.config import Config
from analyzer.model import EdgeKind
from analyzer.pipeline import build_model
from tests.conftest import FIXTURES


def test_driver_entry_points_reach_their_stores() -> None:
    graph, diagnostics = build_model(Path(FIXTURES / "code" / "drivers"), Config())
    found = {
        (e.source.split(":", 1)[1], e.target, e.evidence[0].location.line)
        for e in graph.edges(EdgeKind.CONNECTS)
    }
    assert found == {
        # C#: Npgsql, SqlConnection, MongoDB.Driver, StackExchange.Redis, RabbitMQ.Client initializer
        ("cs", "database:pg/orders", 11),
        ("cs", "database:sql/Invoicing", 12),
        ("cs", "database:mongo/(default)", 13),
        ("cs", "database:cache/0", 14),
        ("cs", "broker:mq", 15),
        # Go: database/sql, pgxpool, gorm, go-redis options, amqp091
        ("go", "database:my/shop", 19),
        ("go", "database:pg/orders", 20),
        ("go", "database:pg/ledger", 21),
        ("go", "database:cache/0", 23),
        ("go", "broker:mq", 24),
        # Java: DataSource setter, Lettuce, Jedis
        ("java", "database:my/shop", 13),
        ("java", "database:cache/1", 15),
        ("java", "database:cache/0", 16),
        # Node: pg Pool by parts, mysql2, mongoose, ioredis, Sequelize, Knex, TypeORM, amqplib, kafkajs, redis v4
        ("node", "database:pg/orders", 12),
        ("node", "database:my/shop", 13),
        ("node", "database:mongo/catalog", 14),
        ("node", "database:cache/0", 15),
        ("node", "database:pg/billing", 16),
        ("node", "database:pg/ledger", 17),
        ("node", "database:my/audit", 18),
        ("node", "broker:mq", 19),
        ("node", "broker:kafka", 20),
        # Python: psycopg2 kwargs, SQLAlchemy, pymongo, redis-py, pika, confluent-kafka, kafka-python
        ("py", "database:pg/orders", 11),
        ("py", "database:my/shop", 12),
        ("py", "database:mongo/(default)", 13),
        ("py", "database:cache/2", 14),
        ("py", "broker:mq", 15),
        ("py", "broker:kafka", 16),
    }
    unresolved = sorted(f"{d.path}:{d.line} {d.message}" for d in diagnostics if "not resolved" in d.message)
    assert unresolved == [
        "go/main.go:22 connection target not resolved: MONGO_HOST is read from the environment and set nowhere "
        "in the repository; no edge drawn",
        "java/src/main/java/x/Db.java:14 connection target not resolved: DB_HOST is read from the environment "
        "and set nowhere in the repository; no edge drawn",
    ]
