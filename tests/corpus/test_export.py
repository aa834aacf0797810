"""The corpus export (benchmarks/corpus/export.py) and the microSecEnD translation of run.py, on a
throwaway git repository: a missing blob is left out and listed, a link out of the tree is refused."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[2] / "benchmarks" / "corpus"


def _load(name: str) -> Any:
    sys.path.insert(0, str(CORPUS))
    try:
        spec = importlib.util.spec_from_file_location(f"corpus_{name}", CORPUS / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(CORPUS))


export = _load("export")
run = _load("run")


def _git(repo: Path, *args: str) -> str:
    env = {**export.clean_env(), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env=env
    ).stdout


def test_export_skips_missing_blobs_and_refuses_links_out(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "main.py").write_text("print('hi')\n")
    (repo / "big.bin").write_text("absent from the mirror\n")
    os.symlink("../../../etc", repo / "app" / "escape")
    os.symlink("main.py", repo / "app" / "inside")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "x")
    commit = _git(repo, "rev-parse", "HEAD").strip()
    blob = _git(repo, "rev-parse", "HEAD:big.bin").strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # the mirror lacks this blob

    result = export.export(repo, commit, tmp_path / "tree")

    assert result.missing_blobs == ["big.bin"]
    assert [name for name, _ in result.refused] == ["app/escape"]
    tree = tmp_path / "tree"
    assert (tree / "app" / "main.py").read_text() == "print('hi')\n"
    assert (tree / "app" / "inside").is_symlink()
    assert not (tree / "app" / "escape").exists() and not (tree / "big.bin").exists()


def test_msecend_input_turns_platform_into_services_and_drops_clients_and_embedded_stores(
    tmp_path: Path,
) -> None:
    report = tmp_path / "report.json"
    nodes = [
        {"id": "service:orders", "kind": "service", "name": "orders", "attrs": {}},
        {
            "id": "platform:eureka",
            "kind": "platform",
            "name": "eureka",
            "attrs": {"role": "service_discovery"},
        },
        {"id": "client:loadgen", "kind": "client", "name": "loadgen", "attrs": {}},
        {"id": "datastore:orders-h2", "kind": "datastore", "name": "orders-h2", "attrs": {"embedded": True}},
        {"id": "database:orders-h2/mem", "kind": "database", "name": "mem", "attrs": {}},
    ]
    edges = [
        {"source": "service:orders", "kind": "registers_with", "target": "platform:eureka", "attrs": {}},
        {"source": "client:loadgen", "kind": "calls", "target": "service:orders", "attrs": {}},
        {
            "source": "datastore:orders-h2",
            "kind": "contains",
            "target": "database:orders-h2/mem",
            "attrs": {},
        },
        {"source": "service:orders", "kind": "connects", "target": "database:orders-h2/mem", "attrs": {}},
    ]
    report.write_text(json.dumps({"graph": {"nodes": nodes, "edges": edges}, "findings": []}))
    run.msecend_input(report, tmp_path / "in.json")
    graph = json.loads((tmp_path / "in.json").read_text())["graph"]
    assert [(n["id"], n["kind"], n["attrs"].get("role")) for n in graph["nodes"]] == [
        ("service:orders", "service", None),
        ("platform:eureka", "service", "service_discovery"),
    ]
    assert [(e["source"], e["kind"], e["target"]) for e in graph["edges"]] == [
        ("service:orders", "calls", "platform:eureka")
    ]
