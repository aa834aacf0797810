"""The corpus scorer (benchmarks/corpus/score.py) on a tiny hand-made label set and output."""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "benchmarks" / "corpus"


def _load_score() -> Any:
    spec = importlib.util.spec_from_file_location("corpus_score", CORPUS / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


score = _load_score()

LABELS: dict[str, Any] = {
    "system": "tiny",
    "paths_relative_to": "repository",
    "services": [
        {"name": "orders", "aliases": ["order-service"]},
        {"name": "payments"},
        {"name": "shipping", "aliases": ["ship-svc"]},
    ],
    "clients": [{"name": "loadgen"}],
    "datastores": [{"name": "orders-db", "databases": ["orders"]}],
    "brokers": [{"name": "rabbitmq"}],
    "platform": [{"name": "gateway", "role": "gateway"}],
    "service_datastore": [{"service": "orders", "datastore": "orders-db", "database": "orders"}],
    "service_service": [
        {"from": "gateway", "to": "orders"},
        {"from": "orders", "to": "payments"},
        {"from": "orders", "to": "shipping"},
    ],
    "service_broker": [{"service": "payments", "broker": "rabbitmq", "direction": "publishes"}],
}


def node(nid: str, name: str | None = None, **attrs: Any) -> dict[str, Any]:
    return {"id": nid, "kind": nid.split(":", 1)[0], "name": name or nid.split(":", 1)[1], "attrs": attrs}


def edge(source: str, kind: str, target: str) -> dict[str, Any]:
    return {"source": source, "kind": kind, "target": target, "attrs": {}}


def perfect_output() -> dict[str, Any]:
    """Everything the labels say: databases, tables, topics and operations fold into their components."""
    nodes = [
        node("service:orders"),
        node("service:payments"),
        node("service:shipping"),
        node("client:loadgen"),
        node("platform:gateway", role="gateway"),
        node("datastore:orders-db"),
        node("database:orders-db/orders", "orders", datastore="orders-db"),
        node("table:orders-db/orders/orders", "orders"),
        node("operation:orders/create", "create"),
        node("broker:rabbitmq"),
        node("topic:rabbitmq/paid", "paid"),
    ]
    edges = [
        edge("datastore:orders-db", "contains", "database:orders-db/orders"),
        edge("database:orders-db/orders", "contains", "table:orders-db/orders/orders"),
        edge("operation:orders/create", "part_of", "service:orders"),
        edge("operation:orders/create", "writes", "table:orders-db/orders/orders"),
        edge("broker:rabbitmq", "contains", "topic:rabbitmq/paid"),
        edge("platform:gateway", "routes_to", "service:orders"),
        edge("service:orders", "calls", "service:payments"),
        edge("service:orders", "calls", "service:shipping"),
        edge("service:payments", "publishes", "topic:rabbitmq/paid"),
        edge("client:loadgen", "calls", "platform:gateway"),
        edge("service:orders", "depends_on", "service:payments"),
    ]
    return {"graph": {"nodes": nodes, "edges": edges}, "findings": []}


def renamed(out: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """The output with node `old` renamed to `new` (an id `kind:name`) in its nodes and edges."""
    for n in out["graph"]["nodes"]:
        if n["id"] == old:
            n["id"], n["kind"], n["name"] = new, new.split(":", 1)[0], new.split(":", 1)[1]
    for e in out["graph"]["edges"]:
        e["source"] = new if e["source"] == old else e["source"]
        e["target"] = new if e["target"] == old else e["target"]
    return out


def counts(result: dict[str, Any], cat: str) -> tuple[int, int, int]:
    c = result["categories"][cat]
    return c["tp"], c["fp"], c["fn"]


def test_perfect_match() -> None:
    res = score.score_system(LABELS, perfect_output())
    expected = {
        "services": (3, 0, 0),
        "datastores": (1, 0, 0),
        "brokers": (1, 0, 0),
        "platform": (1, 0, 0),
        "clients": (1, 0, 0),
        "svc_ds": (1, 0, 0),
        "svc_svc": (3, 0, 0),
        "svc_svc_directed": (3, 0, 0),
        "svc_platform": (1, 0, 0),
        "svc_broker": (1, 0, 0),
    }
    assert {cat: counts(res, cat) for cat in expected} == expected
    assert res["mapping"] == {}
    assert res["warnings"] == []


def test_one_missed_call() -> None:
    out = perfect_output()
    out["graph"]["edges"] = [e for e in out["graph"]["edges"] if e["target"] != "service:payments"]
    res = score.score_system(LABELS, out)
    assert counts(res, "svc_svc") == (2, 0, 1)
    assert res["categories"]["svc_svc"]["fn_items"] == ["orders -- payments"]
    assert score.prf(*counts(res, "svc_svc")) == pytest.approx((1.0, 2 / 3, 0.8))
    assert counts(res, "services") == (3, 0, 0)


def test_one_false_service_and_call() -> None:
    out = perfect_output()
    out["graph"]["nodes"].append(node("service:inventory"))
    out["graph"]["edges"].append(edge("service:inventory", "calls", "service:orders"))
    res = score.score_system(LABELS, out)
    assert counts(res, "services") == (3, 1, 0)
    assert res["categories"]["services"]["fp_items"] == ["inventory"]
    assert score.prf(*counts(res, "services")) == pytest.approx((0.75, 1.0, 6 / 7))
    assert counts(res, "svc_svc") == (3, 1, 0)
    assert res["categories"]["svc_svc_directed"]["fp_items"] == ["inventory -> orders"]


def test_renamed_services_match_through_alias_and_suffix() -> None:
    out = renamed(perfect_output(), "service:shipping", "service:ship-svc")
    out = renamed(out, "service:payments", "service:payments-api")
    res = score.score_system(LABELS, out)
    assert counts(res, "services") == (3, 0, 0)
    assert counts(res, "svc_svc") == (3, 0, 0)
    assert counts(res, "svc_broker") == (1, 0, 0)
    assert res["mapping"] == {"payments-api": "payments", "ship-svc": "shipping"}


def test_output_alias_and_gateway_reported_as_service() -> None:
    out = perfect_output()
    for n in out["graph"]["nodes"]:
        if n["id"] == "service:orders":
            n["name"], n["attrs"] = "orders-svc-v2", {"aliases": ["order-service"]}
    out = renamed(out, "platform:gateway", "service:gateway")
    res = score.score_system(LABELS, out)
    assert counts(res, "services") == (3, 1, 0)  # the gateway is no service ...
    assert counts(res, "platform") == (0, 0, 1)  # ... and the platform component is missed
    assert counts(res, "svc_svc") == (3, 0, 0)  # but its routes are the labelled calls
    assert counts(res, "svc_platform") == (1, 0, 0)  # a matched node's edges take the label's kinds
    assert res["mapping"] == {"orders-svc-v2": "orders"}


def test_findings_must_should_must_not_and_duplicates() -> None:
    labels = copy.deepcopy(LABELS)
    labels["findings"] = [
        {
            "rule": "plaintext-credentials",
            "level": "must",
            "subjects": ["orders-db"],
            "path": "sys/docker-compose.yml",
        },
        {"rule": "missing-saga", "level": "must", "subjects": ["shipping"]},
        {"rule": "hardcoded-endpoint", "level": "should", "subjects": ["orders", "payments"]},
        {
            "rule": "dual-write-without-outbox",
            "level": "should",
            "subjects": ["nowhere"],
            "path": "sys/src/orders/app.py",
        },
        {"rule": "shared-database", "level": "must_not", "subjects": ["orders-db"]},
        {"rule": "sync-call-cycle", "level": "must_not", "subjects": ["orders", "shipping"]},
    ]
    out = perfect_output()

    def finding(rule: str, subjects: list[str], path: str, line: int, message: str = "") -> dict[str, Any]:
        return {
            "rule": rule,
            "rule_id": "X",
            "subjects": subjects,
            "message": message,
            "location": {"path": path, "line": line, "column": 1},
        }

    creds = finding("plaintext-credentials", ["datastore:orders-db"], "docker-compose.yml", 5)
    out["findings"] = [
        creds,
        dict(creds),  # the same finding twice
        finding("plaintext-credentials", ["service:orders"], "docker-compose.yml", 5),  # same rule and line
        finding(
            "hardcoded-endpoint",
            ["service:orders"],
            "src/orders/app.py",
            9,
            "orders calls http://payments:8080",
        ),
        finding("dual-write-without-outbox", ["operation:orders/create"], "src/orders/app.py", 20),
        finding("shared-database", ["database:orders-db/orders"], "docker-compose.yml", 30),
        finding("sync-call-cycle", ["service:orders"], "src/orders/app.py", 9),  # names no shipping
    ]
    res = score.score_system(labels, out, subdir="sys")
    f = res["findings"]
    assert f["must"] == [1, 2]
    assert f["missed_must"] == ["missing-saga shipping"]
    assert f["should"] == [2, 2]
    assert f["must_not"] == [1, 2]
    assert f["must_not_hits"] == ["shared-database orders-db"]
    assert f["duplicates_same_subjects_location"] == 1
    assert f["duplicates_same_line"] == 2
    assert f["reported"] == 7


def test_total_is_micro_averaged() -> None:
    perfect = score.score_system(LABELS, perfect_output())
    out = perfect_output()
    out["graph"]["edges"] = [e for e in out["graph"]["edges"] if e["target"] != "service:payments"]
    missed = score.score_system(LABELS, out)
    tot = score.total([perfect, missed])["categories"]["svc_svc"]
    assert (tot["tp"], tot["fp"], tot["fn"]) == (5, 0, 1)
    assert score.prf(tot["tp"], tot["fp"], tot["fn"])[2] == pytest.approx(10 / 11)


def test_a_service_reported_twice_is_one_match_and_one_false_positive() -> None:
    out = perfect_output()
    out["graph"]["nodes"].append(node("service:order-service"))
    res = score.score_system(LABELS, out)
    assert counts(res, "services") == (3, 1, 0)
    assert res["categories"]["services"]["fp_items"] == ["order-service"]
