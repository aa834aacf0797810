"""Kustomize layouts (fixtures/manifests/shop-kustomize): a base workload deployed by two overlays
whose generators give it different databases; generated ConfigMaps and Secrets; binary and broken
Secret data."""

from __future__ import annotations

from pathlib import Path

from analyzer.extract import kubernetes
from analyzer.extract.facts import (
    Call,
    Connection,
    Credential,
    DatastoreDecl,
    ExtractResult,
    FileContext,
    ServiceDecl,
)
from analyzer.extract.kustomize import variants
from tests.conftest import FIXTURES

ROOT = FIXTURES / "manifests" / "shop-kustomize"
PROD = "k8s/overlays/prod/kustomization.yaml"
DEV = "k8s/overlays/dev/kustomization.yaml"


def k8s(rel: str, root: Path = ROOT) -> ExtractResult:
    return kubernetes.extract(FileContext(rel, str(root)), (root / rel).read_text())


def test_each_overlay_is_a_deployment_variant_of_the_base() -> None:
    result = k8s("k8s/base/orders.yaml")
    assert result.diagnostics == []
    assert {(s.name, s.evidence.profile, s.aliases) for s in result.facts if isinstance(s, ServiceDecl)} == {
        ("orders", DEV, ()),
        ("orders", PROD, ("orders.shop", "orders.shop.svc", "orders.shop.svc.cluster.local")),
    }
    conns = {
        (
            c.evidence.profile,
            c.info.technology,
            c.info.hosts,
            c.evidence.location.path,
            c.evidence.location.line,
        )
        for c in result.facts
        if isinstance(c, Connection)
    }
    assert conns == {
        (DEV, "postgresql", ("orders-db",), DEV, 9),
        (PROD, "postgresql", ("orders-db.prod-data.svc.cluster.local",), PROD, 9),
        (PROD, "kafka", ("kafka-0.kafka", "kafka-1.kafka"), PROD, 10),
    }
    prod_db = next(
        c
        for c in result.facts
        if isinstance(c, Connection) and c.info.technology == "postgresql" and c.evidence.profile == PROD
    )
    assert (prod_db.info.database, prod_db.info.tls) == ("orders", True)
    # the secretGenerator's envs file holds the password: credited to that file's line
    assert {
        (c.key, c.evidence.location.path, c.evidence.location.line, c.evidence.profile)
        for c in result.facts
        if isinstance(c, Credential)
    } == {("ORDERS_DB_PASSWORD", "k8s/overlays/prod/db.env", 1, PROD)}
    assert {(c.target.text, c.evidence.location.line) for c in result.facts if isinstance(c, Call)} == {
        ("http://payments:8080", 24)
    }


def test_overlay_resources_and_secret_data_problems() -> None:
    result = k8s("k8s/overlays/dev/postgres.yaml")
    (db,) = [d for d in result.facts if isinstance(d, DatastoreDecl)]
    assert (db.name, db.technology, db.persistent, db.healthcheck) == ("orders-db", "postgresql", True, True)
    assert sorted((d.line, d.message) for d in result.diagnostics) == [
        (30, "Secret dev-blobs: keystore is binary data, not text: not read"),
        (31, "Secret dev-blobs: broken is not base64 text"),
    ]


def test_variants_without_overlays_read_the_folder(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text("kind: Deployment\n")
    (tmp_path / "config.yaml").write_text("kind: ConfigMap\n")
    (tmp_path / "kustomization.yaml").write_text("resources: [app.yaml, ../outside.yaml, https://x/y.yaml]\n")
    (only,) = variants(str(tmp_path), "app.yaml")
    assert (only.profile, [path for path, _ in only.files], only.generated) == ("", ["config.yaml"], ())


def test_unreadable_kustomization_does_not_stop_the_scan(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "app.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - image: example/app\n"
    )
    (tmp_path / "over").mkdir()
    (tmp_path / "over" / "kustomization.yaml").write_text("resources: [\n")
    result = k8s("base/app.yaml", tmp_path)
    assert [(s.name, s.evidence.profile) for s in result.facts if isinstance(s, ServiceDecl)] == [("app", "")]
