"""Extractor facts, with their lines, for the real manifests in ../shared/real-data/manifests: the
edges and traps its README lists, before identity resolution (tests/e2e checks the graph)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.extract.facts import (
    Call,
    Connection,
    Credential,
    DatastoreDecl,
    DependsOn,
    EnvVar,
    FileContext,
    ServiceDecl,
)
from analyzer.extract.interpolate import parse_env_file
from analyzer.extract.registry import extractors_for
from tests.extract.manifests.realdata import REAL, extract_tree, restore

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-data is not beside the checkout")

ALL_FILES = (
    sorted(p.relative_to(REAL).as_posix() for p in REAL.rglob("*") if p.is_file()) if REAL.is_dir() else []
)


@pytest.mark.parametrize("item", ALL_FILES)
def test_every_real_file_is_read_without_a_crash(item: str, tmp_path: Path) -> None:
    text = (REAL / item).read_bytes().decode("utf-8", errors="replace")
    for service in ("", "svc"):
        for extractor in extractors_for(item):
            result = extractor.extract(FileContext(item, str(REAL), service=service), text)
            assert all(d.line >= 1 for d in result.diagnostics)


RETAIL_COMPOSE = "compose/aws-containers__retail-store-sample-app__dist__docker-compose__docker-compose.yml"
RETAIL_K8S = "k8s/aws-containers__retail-store-sample-app__dist__kubernetes__deploy.yaml"


def test_retail_store_compose(tmp_path: Path) -> None:
    run = extract_tree(restore(tmp_path, RETAIL_COMPOSE))
    path = "dist/docker-compose/docker-compose.yml"
    assert {(s.name, run.where(s)) for s in run.of(ServiceDecl)} == {
        (name, (path, line))
        for name, line in [("ui", 19), ("catalog", 36), ("carts", 57), ("orders", 77), ("checkout", 109), ("assets", 127)]
    }  # fmt: skip
    assert {(d.name, d.technology, d.role) for d in run.of(DatastoreDecl)} == {
        ("catalog-db", "mariadb", "datastore"), ("carts-db", "dynamodb", "datastore"),
        ("orders-db", "postgresql", "datastore"), ("checkout-redis", "redis", "datastore"),
        ("rabbitmq", "rabbitmq", "broker"),
    }  # fmt: skip
    (orders_db,) = [d for d in run.of(DatastoreDecl) if d.name == "orders-db"]
    assert orders_db.healthcheck is True
    assert run.calls() == {
        ("ui", "http://catalog:8080"), ("ui", "http://carts:8080"), ("ui", "http://orders:8080"),
        ("ui", "http://checkout:8080"), ("ui", "http://assets:8080"), ("checkout", "http://orders:8080"),
    }  # fmt: skip
    assert run.connections() == {
        ("carts", "dynamodb", "carts-db"), ("orders", "postgresql", "orders-db"),
        ("orders", "rabbitmq", "rabbitmq"), ("checkout", "redis", "checkout-redis"),
    }  # fmt: skip
    jdbc = next(c for c in run.of(Connection) if c.info.technology == "postgresql")
    assert (run.where(jdbc), jdbc.info.database, jdbc.info.port) == ((path, 85), "orders", 5432)
    assert run.of(DependsOn) == []  # the file has no depends_on at all
    # trap: catalog's database host is compiled into the binary; only its password is set
    assert not [c for c in run.of(Connection) if c.service == "catalog"]
    # trap: ${MYSQL_PASSWORD} is unset and there is no .env: a reference, never a credential
    assert run.of(Credential) == []
    secret = {(e.service, e.name) for e in run.of(EnvVar) if e.secret}
    assert ("orders", "SPRING_DATASOURCE_PASSWORD") in secret and ("catalog", "DB_PASSWORD") in secret
    assert any("MYSQL_PASSWORD" in d.message for d in run.diagnostics)


def test_retail_store_kubernetes(tmp_path: Path) -> None:
    run = extract_tree(restore(tmp_path, RETAIL_K8S))
    path = "dist/kubernetes/deploy.yaml"
    assert {s.name for s in run.of(ServiceDecl)} == {"catalog", "carts", "orders", "checkout", "assets", "ui"}
    assert {(d.name, d.technology, d.role) for d in run.of(DatastoreDecl)} == {
        ("catalog-mysql", "mysql", "datastore"), ("carts-dynamodb", "dynamodb", "datastore"),
        ("orders-postgresql", "postgresql", "datastore"), ("orders-rabbitmq", "rabbitmq", "broker"),
        ("checkout-redis", "redis", "datastore"),
    }  # fmt: skip
    assert run.connections() == {
        ("catalog", "mysql", "catalog-mysql"), ("carts", "dynamodb", "carts-dynamodb"),
        ("orders", "postgresql", "orders-postgresql"), ("orders", "rabbitmq", "orders-rabbitmq"),
        ("checkout", "redis", "checkout-redis"),
    }  # fmt: skip
    lines = {(c.service, c.info.hosts[0]): run.where(c)[1] for c in run.of(Connection)}
    assert lines[("orders", "orders-postgresql")] == 453  # the ConfigMap line, reached by envFrom
    assert lines[("orders", "orders-rabbitmq")] == 454
    assert run.calls() == {
        ("checkout", "http://orders:80"), ("ui", "http://catalog"), ("ui", "http://carts"),
        ("ui", "http://checkout"), ("ui", "http://orders"), ("ui", "http://assets"),
    }  # fmt: skip
    # the MySQL root password is a plain `value:`; the catalog DB password is base64 in a Secret
    credentials = {(c.owner, c.key, run.where(c)) for c in run.of(Credential)}
    assert ("catalog-mysql", "MYSQL_ROOT_PASSWORD", (path, 201)) in credentials  # the `- name:` item
    decoded = {e.value for e in run.of(EnvVar) if e.service == "catalog" and e.name == "DB_USER"}
    assert decoded == {"catalog"}  # Y2F0YWxvZw== decoded
    # trap: the duplicated ConfigMap key keeps the last value, as Kubernetes does
    created = {e.value for e in run.of(EnvVar) if e.name == "CARTS_DYNAMODB_CREATETABLE"}
    assert created == {"true"}


def test_retail_store_cart_spring_profiles(tmp_path: Path) -> None:
    run = extract_tree(restore(tmp_path, "spring/aws-containers__retail-store-sample-app"), service="carts")
    (mongo,) = run.of(Connection)
    # the placeholder default inside the URI host is used; the edge belongs to profile `mongo` only
    assert (mongo.info.technology, mongo.info.hosts, mongo.info.port, mongo.info.database) == (
        "mongodb",
        ("carts-db",),
        27017,
        "data",
    )
    assert (run.where(mongo), mongo.evidence.profile) == (
        ("src/cart/src/main/resources/application-mongo.yml", 4),
        "mongo",
    )
    assert run.diagnostics == []


def test_eshop_on_containers_compose_pair(tmp_path: Path) -> None:
    run = extract_tree(restore(tmp_path, "compose/dotnet-architecture__eShopOnContainers"))
    override = "src/docker-compose.override.yml"
    sql = {
        (c.service, c.info.database, run.where(c)[1])
        for c in run.of(Connection)
        if c.info.hosts == ("sqldata",)
    }
    assert sql == {
        ("identity-api", "Microsoft.eShopOnContainers.Service.IdentityDb", 47),
        ("catalog-api", "Microsoft.eShopOnContainers.Services.CatalogDb", 85),
        ("ordering-api", "Microsoft.eShopOnContainers.Services.OrderingDb", 108),
        ("ordering-backgroundtasks", "Microsoft.eShopOnContainers.Services.OrderingDb", 133),
        ("webhooks-api", "Microsoft.eShopOnContainers.Services.WebhooksDb", 167),
    }
    ordering = next(
        c for c in run.of(Connection) if c.service == "ordering-api" and c.info.hosts == ("sqldata",)
    )
    assert (ordering.info.user, ordering.info.password, ordering.info.tls) == ("sa", "literal", False)
    assert run.where(ordering)[0] == override
    bus = {c.service for c in run.of(Connection) if c.info.hosts == ("rabbitmq",)}
    assert bus == {
        "basket-api", "catalog-api", "ordering-api", "ordering-backgroundtasks", "ordering-signalrhub",
        "payment-api", "webhooks-api",
    }  # fmt: skip
    assert ("basket-api", "redis", "basketdata") in run.connections()
    # trap: nosqldata is only a depends_on target, never a connection
    assert not [c for c in run.of(Connection) if "nosqldata" in c.info.hosts]
    assert {(d.service, run.where(d)) for d in run.of(DependsOn) if d.target == "nosqldata"} == {
        ("mobileshoppingagg", ("src/docker-compose.yml", 90)),
        ("webshoppingagg", ("src/docker-compose.yml", 104)),
        ("ordering-signalrhub", ("src/docker-compose.yml", 118)),
    }
    # trap: webstatus health-check URLs are monitoring, not calls
    assert not [c for c in run.of(Call) if c.service == "webstatus"]
    assert ("mobileshoppingagg", "http://basket-api") in run.calls()
    grpc = {c.target.text for c in run.of(Call) if c.service == "mobileshoppingagg" and c.protocol == "grpc"}
    assert grpc == {"http://basket-api:81", "http://catalog-api:81", "http://ordering-api:81"}
    credentials = {(c.owner, c.key, run.where(c)) for c in run.of(Credential)}
    assert ("sqldata", "SA_PASSWORD", (override, 18)) in credentials
    stores = {(d.name, d.technology, d.persistent) for d in run.of(DatastoreDecl)}
    assert {
        ("sqldata", "sqlserver", True),
        ("nosqldata", "mongodb", True),
        ("basketdata", "redis", True),
    } <= stores
    assert ("rabbitmq", "rabbitmq", False) in stores
    # declarations are credited to the base file, refinements to the override
    decl = {s.name: run.where(s) for s in run.of(ServiceDecl)}
    assert decl["identity-api"] == ("src/docker-compose.yml", 20)
    # the override alone yields nothing: only the merged pair is read
    assert not [f for f in run.facts if run.where(f)[0] == override and isinstance(f, ServiceDecl)]


def test_eshop_on_containers_ordering_appsettings(tmp_path: Path) -> None:
    item = "dotnet/dotnet-architecture__eShopOnContainers__src__Services__Ordering__Ordering.API__appsettings.json"
    run = extract_tree(restore(tmp_path, item), service="ordering-api")
    (conn,) = run.of(Connection)  # the top-level singular "ConnectionString", behind a BOM
    assert (conn.info.technology, conn.info.hosts, conn.info.port, conn.info.database) == (
        "sqlserver",
        ("127.0.0.1",),
        5433,
        "Microsoft.eShopOnContainers.Services.OrderingDb",
    )
    assert run.where(conn)[1] == 2
    assert run.diagnostics == []


def test_eshop_on_web_layers_and_crlf_compose(tmp_path: Path) -> None:
    root = restore(tmp_path, "dotnet/dotnet-architecture__eShopOnWeb")
    compose_run = extract_tree(root)
    apps = {s.name: s.root for s in compose_run.of(ServiceDecl)}
    # the project is named only by the Dockerfile path (build context is the repo root)
    assert apps == {"eshopwebmvc": "src/Web", "eshoppublicapi": "src/PublicApi"}
    assert {(d.name, d.technology) for d in compose_run.of(DatastoreDecl)} == {("sqlserver", "sqlserver")}
    assert {(c.owner, c.key) for c in compose_run.of(Credential)} == {("sqlserver", "SA_PASSWORD")}
    web = extract_tree(root, service="eshopwebmvc")
    docker = {
        (c.evidence.location.path, c.info.hosts, c.info.database, c.evidence.profile)
        for c in web.of(Connection)
        if c.info.hosts == ("sqlserver",)
    }
    assert docker == {
        (f"src/{app}/appsettings.Docker.json", ("sqlserver",), db, "docker")
        for app in ("Web", "PublicApi")
        for db in ("Microsoft.eShopOnWeb.CatalogDb", "Microsoft.eShopOnWeb.Identity")
    }


def test_netbox_anchors_merge_keys_and_env_files(tmp_path: Path) -> None:
    run = extract_tree(restore(tmp_path, "compose/netbox-community__netbox-docker"))
    apps = {s.name: s.image for s in run.of(ServiceDecl)}
    assert apps == dict.fromkeys(
        ("netbox", "netbox-worker", "netbox-housekeeping"), "docker.io/netboxcommunity/netbox:v4.1-3.0.2"
    )  # ${VERSION-v4.1-3.0.2}: a default containing '-'
    expected = {
        (app, tech, host, ("env/netbox.env", line), db)
        for app in apps
        for tech, host, line, db in [
            ("postgresql", "postgres", 2, "netbox"), ("valkey", "redis-cache", 22, "1"), ("valkey", "redis", 27, "0"),
        ]
    }  # fmt: skip
    assert {
        (c.service, c.info.technology, c.info.hosts[0], run.where(c), c.info.database)
        for c in run.of(Connection)
    } == expected
    # the worker's depends_on mapping replaces the anchor's list
    assert {(d.service, d.target) for d in run.of(DependsOn)} == {
        ("netbox", "postgres"), ("netbox", "redis"), ("netbox", "redis-cache"),
        ("netbox-worker", "netbox"), ("netbox-housekeeping", "netbox"),
    }  # fmt: skip
    stores = {(d.name, d.technology, d.persistent, d.healthcheck, d.databases) for d in run.of(DatastoreDecl)}
    assert stores == {
        ("postgres", "postgresql", True, True, ("netbox",)),
        ("redis", "valkey", True, True, ()),
        ("redis-cache", "valkey", True, True, ()),
    }
    secret_key = {e.value for e in run.of(EnvVar) if e.name == "SECRET_KEY"}
    assert secret_key == {"r(m)9nLGnz$(_q3N4z1k(EFsMCjjjzx08x9VhNVcfd%6RF#r!6DE@+V5Zk2X"}
    owners = {(c.owner, c.key, run.where(c)) for c in run.of(Credential)}
    assert ("postgres", "POSTGRES_PASSWORD", ("env/postgres.env", 2)) in owners
    assert ("netbox", "DB_PASSWORD", ("env/netbox.env", 4)) in owners
    assert not [c for c in run.of(Credential) if c.key == "EMAIL_PASSWORD"]  # empty value


def test_deathstarbench_wiring_lives_in_config_json(tmp_path: Path) -> None:
    run = extract_tree(restore(tmp_path, "compose/delimitrou__DeathStarBench"))
    stores = {d.name: (d.technology, d.aliases) for d in run.of(DatastoreDecl)}
    assert {n for n, (t, _) in stores.items() if t == "mongodb"} == {
        f"mongodb-{s}"
        for s in ("geo", "profile", "rate", "review", "attractions", "recommendation", "reservation", "user")
    }
    # trap: three memcached containers share one hostname
    assert {n for n, (_, aliases) in stores.items() if "user-memcached" in aliases} == {
        "memcached-rate", "memcached-profile", "memcached-reserve",
    }  # fmt: skip
    data = {(c.service, c.target.text.split(":")[0]) for c in run.of(Call)} | {
        (c.service, c.info.hosts[0]) for c in run.of(Connection)
    }
    assert {
        ("geo", "mongodb-geo"), ("profile", "mongodb-profile"), ("profile", "memcached-profile"),
        ("rate", "mongodb-rate"), ("rate", "memcached-rate"), ("reservation", "mongodb-reservation"),
        ("reservation", "memcached-reserve"), ("recommendation", "mongodb-recommendation"),
        ("user", "mongodb-user"), ("review", "mongodb-review"), ("review", "memcached-review"),
        ("attractions", "mongodb-attractions"),
    } <= data  # fmt: skip
    # pass-through env entries (`- TLS`) have no value in the file and yield no variable
    assert not [e for e in run.of(EnvVar) if e.name == "TLS"]


def test_awesome_compose_react_java_mysql(tmp_path: Path) -> None:
    items = (
        "compose/docker__awesome-compose__react-java-mysql__compose.yaml",
        "spring/docker__awesome-compose__react-java-mysql__backend__src__main__resources__application.properties",
    )
    root = restore(tmp_path, *items)
    run = extract_tree(root)
    assert {(s.name, s.root) for s in run.of(ServiceDecl)} == {
        ("backend", "react-java-mysql/backend"),
        ("frontend", "react-java-mysql/frontend"),
    }
    (db,) = run.of(DatastoreDecl)
    assert (db.name, db.technology, db.persistent, db.healthcheck, db.databases) == (
        "db", "mariadb", True, True, ("example",),
    )  # fmt: skip
    assert {(c.service, c.info.hosts, run.where(c)[1]) for c in run.of(Connection)} == {
        ("backend", ("db",), 8)
    }
    assert run.of(Credential) == []  # MYSQL_ROOT_PASSWORD_FILE points at a secret file
    spring = extract_tree(root, service="backend")
    (jdbc,) = [c for c in spring.of(Connection) if c.evidence.location.path.endswith(".properties")]
    assert (jdbc.info.technology, jdbc.info.hosts, jdbc.info.database, spring.where(jdbc)[1]) == (
        "mysql", ("db",), "example", 6,
    )  # fmt: skip


def test_awesome_compose_kafka_and_url_credentials(tmp_path: Path) -> None:
    run = extract_tree(
        restore(tmp_path, "compose/docker__awesome-compose__wasmedge-kafka-mysql__compose.yml")
    )
    stores = {(d.name, d.technology, d.role, d.persistent) for d in run.of(DatastoreDecl)}
    # redpanda only bind-mounts its source folder (./kafka:/app): not a data volume
    assert stores == {("redpanda", "kafka", "broker", False), ("db", "mariadb", "datastore", False)}
    conns = {
        (c.service, c.info.technology, c.info.hosts, c.info.database, c.info.password)
        for c in run.of(Connection)
    }
    assert conns == {
        ("etl", "mysql", ("db",), "mysql", "literal"),
        ("etl", "kafka", ("redpanda",), "order", ""),
    }
    assert run.of(DependsOn) == []


def test_wireguard_env_inline_comment() -> None:
    text = (REAL / "env/docker__awesome-compose__wireguard__.env").read_text()
    assert parse_env_file(text) == [
        ("TIMEZONE", "Etc/UTC", 1),
        ("VPN_SERVER_URL", "your-domain.dyndns.com", 2),
    ]


def test_conductor_overlay_links_and_properties(tmp_path: Path) -> None:
    items = (
        "compose/Netflix__conductor",
        "spring/Netflix__conductor__docker__server__config__config-postgres.properties",
    )
    run = extract_tree(restore(tmp_path, *items))
    overlay = "docker-compose-postgres.yaml"
    default = {(d.name, d.technology, d.aliases) for d in run.of(DatastoreDecl) if not d.evidence.profile}
    assert default == {("elasticsearch", "elasticsearch", ("es",))}
    with_pg = {
        (d.name, d.technology, d.aliases) for d in run.of(DatastoreDecl) if d.evidence.profile == overlay
    }
    assert with_pg == {
        ("elasticsearch", "elasticsearch", ("es",)),
        ("postgres", "postgresql", ("postgresdb",)),
    }
    assert {(s.name, s.evidence.profile) for s in run.of(ServiceDecl)} == {
        ("conductor-server", ""), ("conductor-ui", ""), ("conductor-server", overlay), ("conductor-ui", overlay),
    }  # fmt: skip
    assert ("conductor-ui", "http://conductor-server:8080") in run.calls()
    overlay_env = {
        e.value for e in run.of(EnvVar) if e.name == "CONFIG_PROP" and e.evidence.profile == overlay
    }
    assert overlay_env == {"config-postgres.properties"}
    props = extract_tree(restore(tmp_path / "p", items[1]), service="conductor-server")
    (pg,) = props.of(Connection)
    assert (pg.info.hosts, pg.info.database, pg.info.user, pg.info.password, props.where(pg)[1]) == (
        ("postgres",), "conductor", "conductor", "literal", 7,
    )  # fmt: skip
    assert {(c.target.text, props.where(c)[1]) for c in props.of(Call)} == {("http://es:9200", 19)}


def test_jhipster_prod_profile(tmp_path: Path) -> None:
    item = "spring/jhipster__jhipster-sample-app-microservice__src__main__resources__config__application-prod.yml"
    run = extract_tree(restore(tmp_path, item), service="jhipster")
    (pg,) = run.of(Connection)
    assert (pg.info.technology, pg.info.hosts, pg.info.database, pg.info.password, pg.evidence.profile) == (
        "postgresql", ("localhost",), "jhipsterSampleMicroservice", "", "prod",
    )  # fmt: skip
    assert run.where(pg)[1] == 48


def test_committed_placeholder_default_password_is_a_credential(tmp_path: Path) -> None:
    item = "spring/docker__awesome-compose__react-java-mysql__backend__src__main__resources__application.properties"
    run = extract_tree(restore(tmp_path, item), service="backend")
    (conn,) = run.of(Connection)
    assert conn.info.password == "reference"  # ${MYSQL_PASSWORD:...}: set at deploy time
    # ... but its fallback db-57xsl is written in the repository
    assert {(c.owner, c.key, run.where(c)) for c in run.of(Credential)} == {
        (
            "backend",
            "spring.datasource.password",
            ("react-java-mysql/backend/src/main/resources/application.properties", 8),
        )
    }
