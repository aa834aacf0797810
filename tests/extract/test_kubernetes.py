"""Kubernetes manifests, and compose beside them: exact facts, one node per real thing, and
hostile inputs that must become diagnostics."""

from __future__ import annotations

import base64
from pathlib import Path

from analyzer.config import Config
from analyzer.extract import compose, kubernetes
from analyzer.extract.facts import Call, Connection, Credential, DatastoreDecl, FileContext, ServiceDecl
from analyzer.model import EdgeKind
from analyzer.pipeline import scan
from tests.conftest import FIXTURES

SHOP = FIXTURES / "manifests" / "shop-k8s-and-compose"


def k8s(rel: str, root: Path = SHOP):  # type: ignore[no-untyped-def]
    return kubernetes.extract(FileContext(rel, str(root)), (root / rel).read_text())


def test_workloads_services_and_config_references() -> None:
    orders = k8s("deploy/k8s/orders.yaml")
    assert orders.diagnostics == []
    (decl,) = [f for f in orders.facts if isinstance(f, ServiceDecl)]
    assert (decl.name, decl.evidence.location.line, decl.aliases) == (
        "orders",
        1,
        ("orders.shop", "orders.shop.svc", "orders.shop.svc.cluster.local"),
    )
    (conn,) = [f for f in orders.facts if isinstance(f, Connection)]
    # the value comes from the ConfigMap in another file of the kustomization: evidence points there
    assert (
        conn.info.hosts,
        conn.info.database,
        conn.info.tls,
        conn.evidence.location.path,
        conn.evidence.location.line,
    ) == (("payments-db.shop.svc.cluster.local",), "orders", True, "deploy/k8s/config.yaml", 8)
    (call,) = [f for f in orders.facts if isinstance(f, Call)]
    assert (call.target.text, call.evidence.location.line) == ("http://payments.shop:8080", 9)

    payments = k8s("deploy/k8s/payments.yaml")
    (store,) = [f for f in payments.facts if isinstance(f, DatastoreDecl)]
    assert (
        store.name,
        store.technology,
        store.persistent,
        store.healthcheck,
        store.evidence.location.line,
    ) == ("payments-postgres", "postgresql", True, True, 20)
    assert "payments-db.shop.svc.cluster.local" in store.aliases
    (cred,) = [f for f in payments.facts if isinstance(f, Credential)]
    assert (cred.owner, cred.key, cred.evidence.location.path, cred.evidence.location.line) == (
        "payments-postgres",
        "POSTGRES_PASSWORD",
        "deploy/k8s/config.yaml",
        18,
    )


def test_compose_and_k8s_give_one_node_per_real_thing() -> None:
    result = scan(SHOP, Config())
    assert sorted(n.id for n in result.graph.nodes()) == [
        "credential:deploy/k8s/config.yaml/POSTGRES_PASSWORD of Secret payments-db",  # one place
        "database:payments-postgres/orders", "database:payments-postgres/payments",
        "database:postgres/orders", "database:postgres/payments",
        "datastore:payments-postgres", "datastore:postgres", "service:orders", "service:payments",
    ]  # fmt: skip
    (call,) = list(result.graph.edges(EdgeKind.CALLS))
    assert {e.source for e in call.evidence} == {"compose", "k8s"}  # both files, one edge
    # the disagreement: in the cluster orders uses the payments server
    orders = {e.target for e in result.graph.out_edges("service:orders", EdgeKind.CONNECTS)}
    assert orders == {"database:postgres/orders", "database:payments-postgres/orders"}


def test_hostile_inputs_become_diagnostics(tmp_path: Path) -> None:
    binary = base64.b64encode(bytes(range(256))).decode()
    (tmp_path / "bad.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  A: not-base64!!\n  B: "
        + binary
        + "\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - image: example/app\n          envFrom: [{secretRef: {name: s}}]\n"
    )
    result = k8s("bad.yaml", tmp_path)
    assert sorted((d.line, d.message) for d in result.diagnostics) == [
        (5, "Secret s: A is not base64 text"),
        (6, "Secret s: B is binary data, not text: not read"),
    ]
    assert [f.name for f in result.facts if isinstance(f, ServiceDecl)] == ["app"]
    (tmp_path / "broken.yaml").write_text("apiVersion: v1\nkind: Deployment\nmetadata: {name: [\n")
    (diag,) = k8s("broken.yaml", tmp_path).diagnostics
    assert diag.path == "broken.yaml" and diag.line >= 3 and "invalid YAML" in diag.message
    helm = tmp_path / "chart" / "templates"
    helm.mkdir(parents=True)
    (helm / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
    )
    (diag,) = k8s("chart/templates/deployment.yaml", tmp_path).diagnostics
    assert "helm template" in diag.message
    # compose: undefined variables stay references, a nested default loop is bounded, bad syntax is reported
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  app:\n    image: example/app\n    environment:\n"
        "      DATABASE_URL: postgres://u:${NOPE}@db/app\n      LOOP: ${A:-${A:-${A:-${A:-${A:-${A:-${A:-${A:-${A:-${A:-${A:-${A:-x}}}}}}}}}}}}\n"
        "      BAD: ${unterminated\n"
    )
    result = compose.extract(
        FileContext("docker-compose.yml", str(tmp_path)), (tmp_path / "docker-compose.yml").read_text()
    )
    (conn,) = [f for f in result.facts if isinstance(f, Connection)]
    assert conn.info.password == "reference"
    messages = sorted(d.message for d in result.diagnostics)
    assert any("nested too deeply" in m for m in messages) and any("unterminated" in m for m in messages)
