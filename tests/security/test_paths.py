"""Hole 2 of issue #15, beyond the config: every path the repository names (compose env_file,
extends, include and build contexts; kustomize resources and generator files; Liquibase includes;
migration folders; CODEOWNERS; the config file itself) stays inside the scanned root after
symlinks are followed. Checked with an audit hook on open/listdir: the outside is never touched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer.model.paths import OutsideRoot, resolve_inside
from analyzer.pipeline import scan
from tests.security.conftest import touched_under


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.env").write_text("DB_PASSWORD=from-outside\n")
    (folder / "base.yml").write_text("services:\n  base:\n    image: postgres:16\n")
    (folder / "Dockerfile").write_text("FROM postgres:16\n")
    (folder / "deploy.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: leak}\n")
    (folder / "changelog.xml").write_text("<databaseChangeLog/>\n")
    (folder / "V1__secret.sql").write_text("CREATE TABLE secret (id int);\n")
    (folder / "CODEOWNERS").write_text("* @outside-team\n")
    (folder / "archconform.yml").write_text("allow_python_rules: true\n")
    return folder


def _repo(tmp_path: Path, outside: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "links").mkdir()
    os.symlink(outside / "secret.env", repo / "links" / "linked.env")
    os.symlink(outside, repo / "links" / "dir")
    (repo / "docker-compose.yml").write_text(
        "include:\n  - ../outside/base.yml\n"
        "services:\n"
        "  orders:\n"
        "    build: ./orders\n"
        f"    env_file: [../outside/secret.env, {outside}/secret.env, links/linked.env]\n"
        "    extends: {file: ../outside/base.yml, service: base}\n"
        "  db:\n"
        "    build: {context: ../outside}\n"
        "  linked:\n"
        "    build: links/dir\n"
    )
    k8s = repo / "orders" / "k8s"
    k8s.mkdir(parents=True)
    (k8s / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: orders}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: orders\n          image: shop/orders\n"
    )
    os.symlink(outside / "deploy.yaml", k8s / "linked.yaml")
    (k8s / "kustomization.yaml").write_text(
        f"resources: [deployment.yaml, ../../../outside/deploy.yaml, {outside}/deploy.yaml, ../../links/dir]\n"
        "configMapGenerator:\n  - name: cfg\n    envs: [../../../outside/secret.env]\n"
    )
    changelog = repo / "orders" / "src" / "main" / "resources" / "db" / "changelog"
    changelog.mkdir(parents=True)
    (changelog / "db.changelog-master.xml").write_text(
        '<databaseChangeLog>\n  <include file="../../../../../../outside/changelog.xml" '
        'relativeToChangelogFile="true"/>\n  <includeAll path="db/changelog/more/"/>\n</databaseChangeLog>\n'
    )
    (changelog / "more").mkdir()
    os.symlink(outside / "changelog.xml", changelog / "more" / "linked.xml")
    migrations = repo / "orders" / "src" / "main" / "resources" / "db" / "migration"
    migrations.mkdir(parents=True)
    os.symlink(outside / "V1__secret.sql", migrations / "V1__secret.sql")
    (migrations / "V2__orders.sql").write_text("CREATE TABLE orders (id int);\nDROP TABLE secret;\n")
    os.symlink(outside / "CODEOWNERS", repo / "CODEOWNERS")
    os.symlink(outside / "archconform.yml", repo / "archconform.yml")
    return repo


def test_nothing_outside_the_tree_is_opened_or_listed(
    tmp_path: Path, outside: Path, opened: list[str]
) -> None:
    repo = _repo(tmp_path, outside)
    before = len(opened)
    result = scan(repo, jobs=1)
    seen = opened[before:]
    assert any(p.endswith("deployment.yaml") for p in seen)  # the hook does record reads
    assert touched_under(seen, outside) == []
    messages = {(d.path, d.message) for d in result.diagnostics}
    outside_notes = sorted(m for m in messages if "outside the repository" in m[1] or "link out" in m[1])
    assert (
        "docker-compose.yml",
        "'../outside/secret.env' leads outside the repository; not read",
    ) in outside_notes
    assert any("links/linked.env" in m for _, m in outside_notes), outside_notes
    assert any("base.yml" in m for _, m in outside_notes), outside_notes
    assert any("kustomize:" in m for _, m in outside_notes), outside_notes
    assert ("archconform.yml", "config is a link out of the repository; not read") in outside_notes
    assert not any("outside-team" in str(node.attrs) for node in result.graph.nodes())


def test_resolve_inside_refuses_absolute_climbing_and_linked_paths(tmp_path: Path, outside: Path) -> None:
    repo = _repo(tmp_path, outside)
    assert (
        resolve_inside(repo, "orders/k8s/../k8s/deployment.yaml")
        == (repo / "orders/k8s/deployment.yaml").resolve()
    )
    for bad in (
        "/etc/passwd",
        "../outside/secret.env",
        "links/linked.env",
        "links/dir/base.yml",
        "\\\\server\\share",
    ):
        with pytest.raises(OutsideRoot):
            resolve_inside(repo, bad)
