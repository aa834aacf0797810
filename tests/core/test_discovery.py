from __future__ import annotations

from pathlib import Path

from analyzer.config import Config, ServiceConfig
from analyzer.discovery import discover, is_test_path
from analyzer.resolve.inventory import take_inventory


def make(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return tmp_path


def test_roots_from_compose_markers_and_config(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  orders:\n    build: ./svc/ord\n  shared:\n"
            "    build: {context: ., dockerfile: apps/basket/Dockerfile}\n",
            "svc/ord/app.py": "",
            "apps/basket/Dockerfile": "FROM python",
            "apps/basket/src/main.py": "",
            "payments/go.mod": "module example.com/payments",
            "payments/main.go": "package main\n\nfunc main() {}\n",
            "payments/Dockerfile": "FROM golang:1.22",
            "tools/gen/go.mod": "module example.com/gen",
            "tools/gen/main.go": "package main\n\nfunc main() {}\n",
            "legacy/pom.xml": "<project/>",
            "legacy/App.java": "",
            "node_modules/x/package.json": "{}",
            "pom.xml": "<project/>",
        },
    )
    config = Config(services=(ServiceConfig("old-monolith", ("legacy",)),), ignore=("docs/**",))
    found = discover(root, config)
    inventory = take_inventory(root, found, config)
    assert inventory.service_roots == {
        "svc/ord": "orders",
        "apps/basket": "shared",
        "payments": "payments",
        "legacy": "old-monolith",
    }
    assert inventory.services_for("svc/ord/app.py") == ("orders",)
    assert inventory.services_for("apps/basket/src/main.py") == ("shared",)
    assert inventory.services_for("docker-compose.yml") == ()
    # runnable, but neither deployed nor carrying an image recipe while others are: a tool
    assert inventory.services_for("tools/gen/main.go") == ()
    assert not any(f.startswith("node_modules/") for f in found.files)


def test_ignore_globs_and_symlinks(tmp_path: Path) -> None:
    root = make(tmp_path, {"docs/a.sql": "", "src/b.sql": ""})
    (root / "link.sql").symlink_to("/etc/hostname")
    found = discover(root, Config(ignore=("docs/**",)))
    assert found.files == ["src/b.sql"]


def test_context_shared_by_two_services_maps_to_none(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {"compose.yaml": "services:\n  a:\n    build: .\n  b:\n    build: .\n", "main.py": ""},
    )
    inventory = take_inventory(root, discover(root, Config()), Config())
    assert inventory.service_roots == {}
    assert [u.name for u in inventory.units] == ["a", "b"]


def test_test_source_sets() -> None:
    assert is_test_path("orders/src/test/java/OrdersTest.java")
    assert is_test_path("orders/src/integrationTest/resources/schema.sql")
    assert is_test_path("e2e/cypress/login.spec.ts")
    assert is_test_path("cart/handler_test.go")
    assert not is_test_path("orders/src/main/java/Orders.java")
    assert not is_test_path("test-data-service/main.go")


def test_build_folder_is_read_when_it_holds_the_only_compose_file(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "build/docker/docker-compose.yml": "services:\n  api:\n    build: ../../api\n",
            "build/classes/App.class": "",
            "api/main.go": "package main\n\nfunc main() {}\n",
        },
    )
    assert discover(root, Config()).files == ["api/main.go", "build/docker/docker-compose.yml"]
    (root / "docker-compose.yml").write_text("services:\n  api:\n    build: ./api\n")
    assert "build/docker/docker-compose.yml" not in discover(root, Config()).files
