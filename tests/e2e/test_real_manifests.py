"""The real manifests in ../shared/real-data/manifests, restored to their repository layout, give
the edges and avoid the traps their README lists."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.config import Config
from analyzer.extract import sqlfiles
from analyzer.extract.facts import FileContext, Migration, TableAccess
from analyzer.model import EdgeKind, ScanResult
from analyzer.pipeline import scan
from tests.conftest import SHARED

REAL = SHARED / "real-data" / "manifests"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-data is not beside the checkout")


def original_path(item: str) -> str:
    """``<kind>/<owner>__<repo>__<path with / as __>`` → the path in its repository."""
    _, _, rest = item.partition("/")
    return rest.split("__", 2)[2].replace("__", "/")


def restore(dest: Path, *items: str) -> Path:
    for item in items:
        source = REAL / item
        if source.is_dir():  # a set keeps repo-relative paths inside its folder
            shutil.copytree(source, dest, dirs_exist_ok=True)
        else:
            target = dest / original_path(item)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    return dest


def edges(result: ScanResult) -> set[tuple[str, str, str]]:
    out = set()
    for kind in (EdgeKind.CALLS, EdgeKind.CONNECTS):
        for edge in result.graph.edges(kind):
            target = (
                (result.graph.parent(edge.target) or edge.target)
                if edge.target.startswith("database:")
                else edge.target
            )
            out.add((edge.source.split(":", 1)[1], str(kind), target.split(":", 1)[1]))
    return out


def rules_at(result: ScanResult, rule: str) -> list[str]:
    return sorted(f"{f.location.path}:{f.location.line}" for f in result.active_findings if f.rule == rule)


def test_retail_store_compose(tmp_path: Path) -> None:
    result = scan(
        restore(
            tmp_path,
            "compose/aws-containers__retail-store-sample-app__dist__docker-compose__docker-compose.yml",
        ),
        Config(),
    )
    assert edges(result) == {
        ("ui", "calls", "catalog"), ("ui", "calls", "carts"), ("ui", "calls", "orders"), ("ui", "calls", "checkout"),
        ("ui", "calls", "assets"), ("carts", "connects", "carts-db"), ("orders", "connects", "orders-db"),
        ("orders", "connects", "rabbitmq"), ("checkout", "connects", "checkout-redis"), ("checkout", "calls", "orders"),
    }  # fmt: skip
    # trap: catalog's database host is a default inside the Go binary: no catalog -> catalog-db edge


def test_retail_store_kubernetes(tmp_path: Path) -> None:
    result = scan(
        restore(tmp_path, "k8s/aws-containers__retail-store-sample-app__dist__kubernetes__deploy.yaml"),
        Config(),
    )
    assert edges(result) == {
        ("catalog", "connects", "catalog-mysql"), ("carts", "connects", "carts-dynamodb"),
        ("orders", "connects", "orders-postgresql"), ("orders", "connects", "orders-rabbitmq"),
        ("checkout", "connects", "checkout-redis"), ("checkout", "calls", "orders"),
        ("ui", "calls", "catalog"), ("ui", "calls", "carts"), ("ui", "calls", "checkout"), ("ui", "calls", "orders"),
        ("ui", "calls", "assets"),
    }  # fmt: skip
    stores = {
        n.name: n.attrs.get("technology") for n in result.graph.nodes() if n.kind in ("datastore", "broker")
    }
    assert stores == {
        "catalog-mysql": "mysql", "carts-dynamodb": "dynamodb", "orders-postgresql": "postgresql",
        "orders-rabbitmq": "rabbitmq", "checkout-redis": "redis",
    }  # fmt: skip
    # the MySQL root password is a plain `value:`; the base64 Secret values are committed too
    assert rules_at(result, "plaintext-credentials")


def test_eshop_on_containers(tmp_path: Path) -> None:
    root = restore(
        tmp_path,
        "compose/dotnet-architecture__eShopOnContainers",
        "dotnet/dotnet-architecture__eShopOnContainers__src__Services__Ordering__Ordering.API__appsettings.json",
    )
    result = scan(root, Config())
    found = edges(result)
    assert ("basket-api", "connects", "basketdata") in found
    event_bus = {s for s, k, t in found if t == "rabbitmq" and k == "connects"}
    assert event_bus == {
        "basket-api",
        "catalog-api",
        "ordering-api",
        "ordering-backgroundtasks",
        "ordering-signalrhub",
        "payment-api",
        "webhooks-api",
    }
    assert not [e for e in found if e[2] == "nosqldata"]  # only in depends_on: not data access
    assert not [e for e in found if e[0] == "webstatus"]  # health checks are monitoring, not calls
    assert not [e for e in found if "localhost" in e[2] or e[2] == "127.0.0.1"]
    shared = [f for f in result.active_findings if f.rule == "shared-database"]
    assert [sorted(s for s in f.subjects if s.startswith("service:")) for f in shared] == [
        ["service:ordering-api", "service:ordering-backgroundtasks"]
    ]
    sqldata = {
        n.name for n in result.graph.nodes() if n.kind == "database" and n.attrs.get("datastore") == "sqldata"
    }
    assert {
        "Microsoft.eShopOnContainers.Services.OrderingDb",
        "Microsoft.eShopOnContainers.Services.CatalogDb",
    } <= sqldata
    assert any(
        f.message.find("SA_PASSWORD") >= 0
        for f in result.active_findings
        if f.rule == "plaintext-credentials"
    )


def test_eshop_on_web_shares_catalog_and_identity_databases(tmp_path: Path) -> None:
    result = scan(restore(tmp_path, "dotnet/dotnet-architecture__eShopOnWeb"), Config())
    shared = sorted(
        next(s for s in f.subjects if s.startswith("database:"))
        for f in result.active_findings
        if f.rule == "shared-database"
    )
    assert shared == [
        "database:sqlserver/Microsoft.eShopOnWeb.CatalogDb",
        "database:sqlserver/Microsoft.eShopOnWeb.Identity",
    ]
    assert {("eshopwebmvc", "connects", "sqlserver"), ("eshoppublicapi", "connects", "sqlserver")} <= edges(
        result
    )


def test_netbox_connections_come_from_env_files_through_merge_keys(tmp_path: Path) -> None:
    result = scan(restore(tmp_path, "compose/netbox-community__netbox-docker"), Config())
    found = {e for e in edges(result) if e[1] == "connects"}
    assert found == {
        (s, "connects", t)
        for s in ("netbox", "netbox-worker", "netbox-housekeeping")
        for t in ("postgres", "redis", "redis-cache")
    }
    stores = {n.name: n.attrs.get("technology") for n in result.graph.nodes() if n.kind == "datastore"}
    assert stores == {"postgres": "postgresql", "redis": "valkey", "redis-cache": "valkey"}


def test_awesome_compose_samples(tmp_path: Path) -> None:
    rjm = scan(
        restore(
            tmp_path / "rjm",
            "compose/docker__awesome-compose__react-java-mysql__compose.yaml",
            "spring/docker__awesome-compose__react-java-mysql__backend__src__main__resources__application.properties",
        ),
        Config(),
    )
    assert edges(rjm) == {("backend", "connects", "db")}
    wasm = scan(
        restore(tmp_path / "wasm", "compose/docker__awesome-compose__wasmedge-kafka-mysql__compose.yml"),
        Config(),
    )
    assert edges(wasm) == {("etl", "connects", "db"), ("etl", "connects", "redpanda")}
    assert {n.attrs.get("technology") for n in wasm.graph.nodes() if n.name == "redpanda"} == {"kafka"}


def test_jhipster_prod_profile_localhost_is_not_an_edge(tmp_path: Path) -> None:
    root = restore(
        tmp_path,
        "spring/jhipster__jhipster-sample-app-microservice__src__main__resources__config__application-prod.yml",
    )
    (root / "pom.xml").write_text("<project/>")
    result = scan(root, Config())
    assert list(result.graph.edges(EdgeKind.CONNECTS)) == []


def test_conductor_flyway_migrations() -> None:
    folder = (
        REAL
        / "sql-migrations"
        / "Netflix__conductor"
        / "postgres-persistence/src/main/resources/db/migration_postgres"
    )
    created: set[str] = set()
    dropped: set[tuple[str, str]] = set()
    for name in ("V1__initial_schema.sql", "V6__update_pk.sql"):
        path = f"postgres-persistence/src/main/resources/db/migration_postgres/{name}"
        result = sqlfiles.extract(
            FileContext(path, str(folder), "conductor", "postgresql"), (folder / name).read_text()
        )
        assert [d for d in result.diagnostics if str(d.level) == "error"] == []
        created |= {
            f.table
            for f in result.facts
            if isinstance(f, TableAccess) and f.action == "owns" and "CREATE TABLE" in f.evidence.detail
        }
        dropped |= {
            (f.table, f.column)
            for f in result.facts
            if isinstance(f, Migration) and f.change == "drop_column"
        }
    assert len(created) == 14
    assert {column for _, column in dropped} == {"id"}
    assert created - {table for table, _ in dropped} == {"meta_event_handler"}


@pytest.mark.parametrize(
    "item",
    sorted(p.relative_to(REAL).as_posix() for p in REAL.iterdir() if p.is_dir()) if REAL.is_dir() else [],
)
def test_every_sample_scans_without_errors(tmp_path: Path, item: str) -> None:
    for child in sorted((REAL / item).iterdir()):
        rel = child.relative_to(REAL).as_posix()
        root = tmp_path / child.name
        restore(root, rel)
        result = scan(root, Config())
        internal = [
            d
            for d in result.diagnostics
            if str(d.level) == "error" and ("internal" in d.message or not d.path)
        ]
        assert internal == [], rel


def test_conductor_overlay_links_and_properties(tmp_path: Path) -> None:
    root = restore(
        tmp_path,
        "compose/Netflix__conductor",
        "spring/Netflix__conductor__docker__server__config__config-postgres.properties",
    )
    result = scan(root, Config())
    # -f docker-compose.yaml -f docker-compose-postgres.yaml is recognised as an overlay of the base;
    # `es` is only a links alias of elasticsearch
    assert edges(result) == {
        ("conductor-server", "connects", "postgres"),
        ("conductor-server", "connects", "elasticsearch"),
        ("conductor-ui", "calls", "conductor-server"),
    }


def test_deathstarbench_wiring_lives_in_the_shared_config_json(tmp_path: Path) -> None:
    result = scan(restore(tmp_path, "compose/delimitrou__DeathStarBench"), Config())
    found = edges(result)
    assert {e for e in found if e[1] == "connects"} == {
        ("geo", "connects", "mongodb-geo"), ("profile", "connects", "mongodb-profile"),
        ("profile", "connects", "memcached-profile"), ("rate", "connects", "mongodb-rate"),
        ("rate", "connects", "memcached-rate"), ("reservation", "connects", "mongodb-reservation"),
        ("reservation", "connects", "memcached-reserve"), ("recommendation", "connects", "mongodb-recommendation"),
        ("user", "connects", "mongodb-user"), ("review", "connects", "mongodb-review"),
        ("review", "connects", "memcached-review"), ("attractions", "connects", "mongodb-attractions"),
    }  # fmt: skip
    # consul runs the registry image: a platform component, and the calls to it are registrations
    registered = {e.source.split(":", 1)[1] for e in result.graph.edges(EdgeKind.REGISTERS_WITH)}
    assert registered >= {"frontend", "geo", "search", "user"}
    assert result.graph.node("platform:consul").attrs["role"] == "service_discovery"
    # trap: three memcached containers share `hostname: user-memcached`; they stay three datastores
    assert (
        len(
            [
                n
                for n in result.graph.nodes()
                if n.kind == "datastore" and n.attrs.get("technology") == "memcached"
            ]
        )
        == 4
    )
