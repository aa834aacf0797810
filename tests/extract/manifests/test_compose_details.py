"""Compose details found on real repositories: unset variables, ``.env`` loops, quoting in env
files, data volumes versus source bind mounts, Dockerfile-path roots, override lines, grouped
``*_HOST`` settings and gRPC keys."""

from __future__ import annotations

from pathlib import Path

from analyzer.extract import dotenv
from analyzer.extract.facts import (
    Call,
    Connection,
    Credential,
    DatastoreDecl,
    EnvVar,
    FileContext,
    ServiceDecl,
)
from analyzer.extract.interpolate import EnvEntry, parse_env_entries
from tests.extract.test_compose import run

APP = """\
services:
  api:
    build: {context: ., dockerfile: src/Api/Dockerfile}
    env_file: [api.env]
    environment:
      - DB_PASSWORD=${DB_PASSWORD}
      - DB_USER=${DB_USER}
      - AUDIT_PASSWORD=${DB_PASSWORD}
      - REDIS_HOST=cache
      - REDIS_DATABASE=3
      - urls__grpcStock=http://stock:81
      - urls__stock=http://stock
  stock:
    build: ./stock
  cache:
    image: redis:7
    volumes: [./redis.conf:/usr/local/etc/redis/redis.conf]
  db:
    image: postgres:16
    volumes: ["./pgdata:/var/lib/postgresql/data"]
  broker:
    image: rabbitmq:3
    volumes: ["./src:/app", "logs:/var/log/rabbitmq"]
  search:
    image: elasticsearch:8.13.0
    volumes: ["./src:/app"]
volumes:
  logs:
"""


def test_unset_variables_are_noted_once_with_their_first_line(tmp_path: Path) -> None:
    result = run(tmp_path, {"docker-compose.yml": APP, "api.env": "X=1\n"})
    notes = {(d.path, d.line, d.message.split(" is ")[0]) for d in result.diagnostics}
    assert notes == {
        ("docker-compose.yml", 6, "variable DB_PASSWORD"),
        ("docker-compose.yml", 7, "variable DB_USER"),
    }
    assert [c for c in result.facts if isinstance(c, Credential)] == []


def test_env_loops_and_forward_references_are_diagnostics(tmp_path: Path) -> None:
    env = "A=${B}\nB=${A:-x}\nC=${C}\nD=ok-${A}\n"
    result = run(tmp_path, {"docker-compose.yml": "services:\n  web:\n    image: nginx\n", ".env": env})
    assert {(d.path, d.line) for d in result.diagnostics} == {(".env", 1), (".env", 3)}
    assert all("loop" in d.message for d in result.diagnostics)


def test_single_quoted_env_file_values_are_literal(tmp_path: Path) -> None:
    env_file = "SECRET_KEY='r(m)9$(_q3N#r!6DE@'\nDB_PASSWORD='pa$ss#word'\nHOME_DIR=\"a\\tb\" # note\n"
    result = run(tmp_path, {"docker-compose.yml": APP, "api.env": env_file, ".env": "ss=zz\n"})
    values = {
        e.name: e.value
        for e in result.facts
        if isinstance(e, EnvVar) and e.evidence.location.path == "api.env"
    }
    assert values == {"SECRET_KEY": "r(m)9$(_q3N#r!6DE@", "DB_PASSWORD": "pa$ss#word", "HOME_DIR": "a\tb"}
    credentials = {
        (c.key, c.evidence.location.path, c.evidence.location.line)
        for c in result.facts
        if isinstance(c, Credential)
    }
    assert ("DB_PASSWORD", "api.env", 2) in credentials  # quoted: no $ss interpolation, no # comment


def test_parse_env_entries_keeps_the_quote() -> None:
    text = '\ufeffA=\'x $y\'\nexport B="q\\"r"\nC=plain # c\n'
    assert parse_env_entries(text) == [
        EnvEntry("A", "x $y", 1, "'"),
        EnvEntry("B", 'q"r', 2, '"'),
        EnvEntry("C", "plain", 3, ""),
    ]


def test_persistence_needs_a_data_volume_not_a_source_mount(tmp_path: Path) -> None:
    result = run(tmp_path, {"docker-compose.yml": APP, "api.env": ""})
    stores = {d.name: d.persistent for d in result.facts if isinstance(d, DatastoreDecl)}
    # cache: a config file only; db: bind mount on the data dir; broker: a named volume;
    # search: only source code mounted
    assert stores == {"cache": False, "db": True, "broker": True, "search": False}


def test_root_from_dockerfile_path_grouped_host_settings_and_grpc_keys(tmp_path: Path) -> None:
    result = run(tmp_path, {"docker-compose.yml": APP, "api.env": ""})
    assert {(s.name, s.root) for s in result.facts if isinstance(s, ServiceDecl)} == {
        ("api", "src/Api"),
        ("stock", "stock"),
    }
    (redis,) = [c for c in result.facts if isinstance(c, Connection)]
    assert (redis.info.technology, redis.info.hosts, redis.info.database, redis.evidence.location.line) == (
        "redis",
        ("cache",),
        "3",
        9,
    )
    calls = {(c.target.text, c.protocol) for c in result.facts if isinstance(c, Call)}
    assert calls == {("http://stock:81", "grpc"), ("http://stock", "http")}


def test_override_refines_a_service_declared_in_the_base(tmp_path: Path) -> None:
    base = "services:\n  api:\n    image: shop/api\n  db:\n    image: postgres:16\n"
    override = (
        "services:\n  api:\n    image: shop/api:2\n    environment:\n      - PGHOST=db\n      - DB_HOST=db\n"
    )
    result = run(tmp_path, {"docker-compose.yml": base, "docker-compose.override.yml": override})
    (api,) = [s for s in result.facts if isinstance(s, ServiceDecl)]
    assert (api.image, api.evidence.location.path, api.evidence.location.line) == (
        "shop/api:2",
        "docker-compose.yml",
        2,
    )
    conns = {
        (c.info.hosts, c.evidence.location.path, c.evidence.location.line)
        for c in result.facts
        if isinstance(c, Connection)
    }
    assert conns == {(("db",), "docker-compose.override.yml", 5), (("db",), "docker-compose.override.yml", 6)}


def test_dotenv_single_quotes_are_literal(tmp_path: Path) -> None:
    text = "DB_PASSWORD='pa$ss#word'\nAPI_PASSWORD=${REF}\n"
    result = dotenv.extract(FileContext("svc/.env", str(tmp_path), service="svc"), text)
    assert {(c.key, c.evidence.location.line) for c in result.facts if isinstance(c, Credential)} == {
        ("DB_PASSWORD", 1)
    }


def test_override_and_reset_tags_replace_and_clear(tmp_path: Path) -> None:
    base = (
        "services:\n  api:\n    image: shop/api\n    environment: [A_URL=http://old:80, B_URL=http://b:80]\n"
        "    depends_on: [db]\n  db:\n    image: postgres:16\n"
    )
    override = "services:\n  api:\n    environment: !override\n      - A_URL=http://new:80\n    depends_on: !reset []\n"
    result = run(tmp_path, {"compose.yaml": base, "compose.override.yaml": override}, "compose.yaml")
    assert result.diagnostics == []
    calls = {
        (c.target.text, c.evidence.location.path, c.evidence.location.line)
        for c in result.facts
        if isinstance(c, Call)
    }
    assert calls == {("http://new:80", "compose.override.yaml", 4)}
    assert [d for d in result.facts if type(d).__name__ == "DependsOn"] == []
