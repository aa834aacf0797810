"""Real trace exports through the whole pipeline: the runtime graph the README of each file lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from tests.conftest import SHARED

TRACES = SHARED / "real-data" / "traces"
pytestmark = pytest.mark.skipif(not TRACES.is_dir(), reason="../shared/real-data is not beside the checkout")


def graph(tmp_path: Path, *files: str) -> dict:  # type: ignore[type-arg]
    args = ["graph", str(tmp_path), "--format", "json"]
    for name in files:
        args += ["--traces", str(TRACES / name)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def pairs(data: dict, kind: str) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    parents = {e["target"]: e["source"] for e in data["edges"] if e["kind"] == "contains"}
    out = set()
    for edge in data["edges"]:
        if edge["kind"] == kind:
            target = (
                parents.get(edge["target"], edge["target"])
                if edge["target"].startswith("database:")
                else edge["target"]
            )
            out.add((edge["source"].split(":", 1)[1], target.split(":", 1)[1]))
    return out


def test_hotrod_runtime_graph(tmp_path: Path) -> None:
    data = graph(tmp_path, "otlp-json/jaeger__hotrod-skills-fixture__n_plus_one_full_serial.json")
    assert {("frontend", "customer"), ("frontend", "driver"), ("frontend", "route")} <= pairs(data, "calls")
    assert {("customer", "mysql"), ("driver", "redis-manual")} <= pairs(data, "connects")
    ids = {n["id"] for n in data["nodes"]}
    assert {"datastore:mysql", "service:customer"} <= ids and "service:mysql" not in ids
    calls = [e for e in data["edges"] if e["kind"] == "calls"]
    assert all(e["attrs"].get("runtime") and not e["attrs"].get("static") for e in calls)
    assert all(e["attrs"].get("count", 0) >= 1 for e in calls)


def test_otel_demo_runtime_graph(tmp_path: Path) -> None:
    data = graph(tmp_path, "otlp-json/jaeger__otel-demo-skills-fixture__error_timeout_masked.json")
    assert {("cart", "valkey-cart"), ("product-catalog", "astronomy-db")} <= pairs(data, "connects")


def test_a_directory_of_mixed_formats(tmp_path: Path) -> None:
    data = graph(tmp_path, "zipkin", "jaeger", "otlp-proto")
    assert len([n for n in data["nodes"] if n["kind"] == "service"]) >= 3
