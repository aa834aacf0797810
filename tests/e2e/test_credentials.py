"""Credentials wherever they are written: one finding per place, its readers related."""

from __future__ import annotations

import shutil
from pathlib import Path

from analyzer.model import Finding
from analyzer.pipeline import scan
from tests.conftest import FIXTURES

SYSTEM = FIXTURES / "systems" / "committed-secrets"


def credentials(root: Path) -> list[Finding]:
    return [f for f in scan(root).active_findings if f.rule == "plaintext-credentials"]


def test_each_place_is_one_finding_with_its_readers() -> None:
    found = {(f.location.path, f.location.line): f for f in credentials(SYSTEM)}
    secret = found[("deploy/k8s/secrets.yaml", 8)]
    assert secret.message == (
        "Plaintext credential password of Secret ledger-db in deploy/k8s/secrets.yaml, "
        "used by ledger, ledger-reports"
    )
    used = [r for r in secret.related if r.message.startswith("used by")]  # advice adds connections
    assert [(r.location.path, r.location.line, r.message) for r in used] == [
        ("deploy/k8s/ledger.yaml", 1, "used by ledger"),
        ("deploy/k8s/ledger.yaml", 23, "used by ledger-reports"),
    ]
    assert secret.subjects == ("credential:deploy/k8s/secrets.yaml/password of Secret ledger-db",)
    unread = found[("deploy/k8s/secrets.yaml", 20)]
    assert unread.message == (
        "Plaintext credential RABBITMQ_DEFAULT_PASS of Secret mq-credentials in deploy/k8s/secrets.yaml"
    )
    login = found[("ledger/src/main/resources/db/migration/V2__application_logins.sql", 3)]
    assert login.message.startswith("Plaintext credential password of user ledger_app in ")
    assert found[("billing/Program.cs", 18)].message.startswith(
        "Plaintext credential NetworkCredential password in billing/Program.cs, used by billing"
    )


def test_one_fingerprint_per_place_and_stable_when_lines_move(tmp_path: Path) -> None:
    before = credentials(SYSTEM)
    assert len({f.fingerprint for f in before}) == len(before)
    moved = tmp_path / "system"
    shutil.copytree(SYSTEM, moved)
    app = moved / "orders" / "app.py"
    app.write_text("# a comment above moves every line\n" + app.read_text())
    after = {f.fingerprint: f for f in credentials(moved)}
    assert {f.fingerprint for f in before} == set(after)
    assert sorted(f.location.line for f in after.values() if f.location.path == "orders/app.py") == [10, 18]


def test_a_line_read_by_many_services_in_many_overlays_is_one_finding(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "config.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: db}\ndata:\n"
        "  POSTGRES_USER: app\n  POSTGRES_PASSWORD: app-pw\n"
    )
    workloads = []
    for name in ("ledger", "balances", "history"):
        workloads.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n"
            f"  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n"
            f"    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers:\n"
            f"        - name: {name}\n          image: acme/{name}:1\n"
            f"          envFrom: [{{configMapRef: {{name: db}}}}]\n"
        )
    (tmp_path / "base" / "apps.yaml").write_text("---\n".join(workloads))
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [config.yaml, apps.yaml]\n")
    for overlay in ("dev", "prod"):
        (tmp_path / overlay).mkdir()
        (tmp_path / overlay / "kustomization.yaml").write_text("resources: [../base]\n")
    found = credentials(tmp_path)
    assert [(f.location.path, f.location.line, f.message) for f in found] == [
        (
            "base/config.yaml",
            6,
            "Plaintext credential POSTGRES_PASSWORD of ConfigMap db in base/config.yaml, "
            "used by balances, history, ledger",
        )
    ]
