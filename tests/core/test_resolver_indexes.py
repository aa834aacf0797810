"""The indexes and string helpers that keep the resolver linear give the answers of the plain
definitions they replace (the pathlib forms, the scans over every unit, the lookups by parsing)."""

from __future__ import annotations

import ipaddress
import itertools
import os
from pathlib import Path, PurePosixPath

import pytest

from analyzer.model import ArchGraph, EdgeKind, Evidence, Location, NodeKind, SourceKind
from analyzer.model.location import ancestors, base_name, parent, path_parts, path_suffix
from analyzer.resolve.deployments import RepoReader
from analyzer.resolve.inventory import Inventory, _Candidate, _owner, _Runnables, _words
from analyzer.resolve.names import NameIndex, host_key, is_ip

PATHS = [
    "pom.xml",
    "shop/orders/pom.xml",
    "shop/orders/src/main/App.java",
    "a/b",
    "",
    ".",
    "./a/b",
    "a/./b",
    "a//b",
    "a/b/",
    "/abs/x.yml",
    "a/../b/c",
    "..",
    "a/.",
    ".hidden/x",
    "x/.env",
    "x/a.tar.gz",
    "x/a.",
    "Makefile",
]


@pytest.mark.parametrize("path", PATHS)
def test_path_helpers_agree_with_purepath(path: str) -> None:
    pure = PurePosixPath(path)
    folder = pure.parent.as_posix()
    assert parent(path) == ("" if folder == "." else folder)
    assert base_name(path) == pure.name
    parts = pure.parts
    assert path_parts(path) == parts
    assert path_suffix(path) == pure.suffix
    assert ancestors(path) == ["/".join(parts[:depth]) for depth in range(len(parts) - 1, -1, -1)]


def _owner_by_scan(folder: str, folders: list[str]) -> str | None:
    best: str | None = None
    for candidate in folders:
        inside = candidate == "" or folder == candidate or folder.startswith(candidate + "/")
        if inside and (best is None or len(candidate) > len(best)):
            best = candidate
    return best


def test_owner_walks_up_to_the_deepest_unit_like_a_scan_over_all() -> None:
    units = ["", "shop", "shop/orders", "shop/orders-api", "shop/orders/cmd/tool", "web/app"]
    folders = ["", "shop", "shop/orders", "shop/orders/src/main", "shop/ordersx", "shop/orders-api/x"]
    folders += ["shop/orders/cmd/tool", "shop/orders/cmd", "web", "web/app/src", "other/deep/folder"]
    for size in range(len(units) + 1):
        for chosen in itertools.combinations(units, size):
            for folder in folders:
                assert _owner(folder, frozenset(chosen)) == _owner_by_scan(folder, list(chosen)), (
                    folder,
                    chosen,
                )


def test_inventory_folder_lookups_by_ancestors() -> None:
    inv = Inventory(roots={"shop/orders": ("orders",), "": ("repo",)}, excluded={"shop/orders-tests"})
    assert inv.services_for("shop/orders/src/A.java") == ("orders",)
    assert inv.services_for("shop/ordersx/A.java") == ("repo",)
    assert inv.is_excluded("shop/orders-tests/src/T.java")
    assert not inv.is_excluded("shop/orders/src/A.java")
    assert not Inventory().is_excluded("shop/orders-tests/x")


def _ends_alike(a: list[str], b: list[str]) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 2 and long[-len(short) :] == short


def test_runnables_index_finds_the_names_that_end_alike_like_a_scan() -> None:
    names = ["orders", "shop-orders", "acme-shop-orders", "orders-service", "mn-orders-service", "a", "x-y"]
    runnable = {f"f{i}": _Candidate(f"f{i}", app_names=[name]) for i, name in enumerate(names)}
    runnable["svc/orders-service"] = _Candidate("svc/orders-service")  # named by its folder
    index = _Runnables(runnable)
    images = ["orders", "shop-orders", "teastore-shop-orders", "orders-service", "y", "w-x-y", "", "b-a"]
    for image in images:
        words = _words(image)
        expected = {
            f for f, cand in runnable.items() if any(_ends_alike(words, _words(n)) for n in cand.names())
        }
        assert index.ending_alike(words) == expected, image
    assert index.inside("svc") == ["svc/orders-service"]
    assert index.inside("f1") == []


def test_repo_reader_reads_inside_and_refuses_the_way_out(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "a").mkdir(parents=True)
    (root / "a" / "x.yml").write_text("\ufeffkind: Deployment\n", encoding="utf-8")
    (root / "big.txt").write_text("x" * 100, encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    os.symlink(tmp_path / "secret.txt", root / "out.txt")
    os.symlink(root / "a" / "x.yml", root / "in.yml")
    os.symlink(root / "loop", root / "loop")
    linked = tmp_path / "linked"
    os.symlink(root, linked)
    for base in (root, linked, str(root)):
        repo = RepoReader(base)
        assert repo.text("a/x.yml") == "kind: Deployment\n"
        assert repo.text("in.yml") == "kind: Deployment\n"
        assert repo.text("a/../a/x.yml") == "kind: Deployment\n"
        assert repo.text("out.txt") is None
        assert repo.text("../secret.txt") is None
        assert repo.text(str(tmp_path / "secret.txt")) is None
        assert repo.text("\\secret.txt") is None
        assert repo.text("loop") is None
        assert repo.text("missing") is None
        assert repo.text("a") is None
        assert repo.text("a\0b") is None
        assert repo.text("big.txt", limit=10) is None
        assert repo.text("big.txt", limit=100) == "x" * 100
    discovered = RepoReader(root, ["a/x.yml", "big.txt"])  # what discovery found: regular files inside
    assert discovered.text("a/x.yml") == "kind: Deployment\n"
    assert discovered.text("big.txt", limit=10) is None
    assert discovered.text("out.txt") is None and discovered.text("../secret.txt") is None


def test_is_ip_agrees_with_ipaddress() -> None:
    for host in ["10.0.0.7", "::1", "[::1]", "fe80::1%eth0", "1.2.3", "orders", "1.2.3.4.5", "", "٣.٣.٣.٣"]:
        try:
            ipaddress.ip_address(host.strip("[]"))
            expected = True
        except ValueError:
            expected = False
        assert is_ip(host) == expected, host


def test_name_index_lookups_follow_additions() -> None:
    index = NameIndex()
    index.add("orders")
    assert index.lookup("orders-service") == "orders"
    index.add("orders-api")
    assert index.lookup("orders-service") is None  # now ambiguous
    assert index.lookup("Orders_API") == "orders-api"
    assert host_key("Orders_API:8080") == "orders-api"


def test_rank_orders_evidence_as_the_location_does() -> None:
    places = [
        Location("b.yml", 2, 1),
        Location("a.yml", 10, 1),
        Location("a.yml", 9, 3),
        Location("a.yml", 9, 2),
    ]
    evidence = [
        Evidence(source, place, detail, count, profile)
        for source in (SourceKind.K8S, SourceKind.CODE)
        for place in places
        for detail in ("", "env X")
        for count in (1, 2)
        for profile in ("", "dev")
    ]
    by_fields = sorted(evidence, key=lambda e: (e.rank[0], e.location, e.detail, e.count, e.profile))
    assert sorted(evidence, key=lambda e: e.rank) == by_fields


def test_graph_adjacency_follows_edges_added_and_removed() -> None:
    g = ArchGraph()
    a = g.add_node(NodeKind.SERVICE, "a")
    b = g.add_node(NodeKind.SERVICE, "b")
    db = g.add_node(NodeKind.DATABASE, "pg", "main")
    where = Evidence(SourceKind.CODE, Location("a.py", 3))
    g.add_edge(EdgeKind.CALLS, a, b, evidence=[where])
    g.add_edge(EdgeKind.CALLS, a, b, key="x")
    g.add_edge(EdgeKind.CONNECTS, a, db, attrs={"tls": True})
    g.add_edge(EdgeKind.CALLS, a, a)
    assert [(e.target, e.kind, e.key) for e in g.out_edges(a)] == [  # by target, kind, key
        (db, EdgeKind.CONNECTS, ""),
        (a, EdgeKind.CALLS, ""),
        (b, EdgeKind.CALLS, ""),
        (b, EdgeKind.CALLS, "x"),
    ]
    assert [e.source for e in g.in_edges(b, EdgeKind.CALLS)] == [a, a]
    assert g.out_edges(b) == [] and g.out_edges("service:nobody") == []
    assert g.node_kind(db) == NodeKind.DATABASE and dict(g.node_attrs(db)) == {}
    edge = g.out_edges(a, EdgeKind.CONNECTS)[0]
    g.set_edge_attr(edge, "user", "app")
    assert dict(g.out_edges(a, EdgeKind.CONNECTS)[0].attrs) == {"tls": True, "user": "app"}
    g.remove_edge(edge)
    assert g.out_edges(a, EdgeKind.CONNECTS) == [] and g.in_edges(db) == []
    assert list(g.edges(EdgeKind.CONNECTS)) == []
    g.remove_node(a)
    assert a not in g and g.in_edges(b) == [] and len(g) == 2
    assert list(g.edges()) == []
    assert [] not in g  # an unhashable object is no node id


def test_service_names_remembered_until_the_index_changes() -> None:
    from analyzer.config import Config
    from analyzer.resolve.build import Resolver

    r = Resolver(Config(aliases=(("legacy-orders", "orders"),)))
    assert r.service_name("Orders_Service") == "orders-service"
    assert r.service_name("legacy-orders") == "orders"
    r.services.add("orders")
    assert r.service_name("Orders_Service") == "orders"  # a name added since: answered anew
    r.services.add("orders-api")
    assert r.service_name("Orders_Service") == "orders-service"  # now ambiguous


def test_finding_sort_key_orders_as_the_location_does() -> None:
    from analyzer.model import Finding, Severity

    findings = [
        Finding("AC1", rule, severity, "m", subjects, Location(path, line, column))
        for rule in ("b-rule", "a-rule")
        for severity in Severity
        for subjects in (("service:b",), ("service:a", "service:c"))
        for path, line, column in (("b.yml", 1, 1), ("a.yml", 10, 1), ("a.yml", 9, 3), ("a.yml", 9, 2))
    ]
    by_fields = sorted(findings, key=lambda f: (-f.severity.weight, f.rule, f.location, f.subjects))
    assert sorted(findings, key=lambda f: f.sort_key) == by_fields
    assert [s.weight for s in Severity] == [3, 2, 1]
