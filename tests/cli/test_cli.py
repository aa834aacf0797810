"""The command line as users and CI call it: exit codes, outputs, rules, baselines, plugins."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.clirun import VIOLATIONS, run
from tests.conftest import FIXTURES, REPO

CONFORMING = FIXTURES / "systems" / "ecommerce"


def test_scan_exit_codes(tmp_path: Path) -> None:
    code, out = run("scan", str(VIOLATIONS), "--json", str(tmp_path / "r.json"))
    assert code == 1 and "error shared-database" in out
    assert run("scan", str(VIOLATIONS), "--fail-on", "never", "--quiet")[0] == 0
    assert run("scan", str(CONFORMING))[0] == 0
    assert run("scan", str(CONFORMING), "--fail-on", "note")[0] == 1  # it has one note
    data = json.loads((tmp_path / "r.json").read_text())
    assert {f["rule"] for f in data["findings"]} >= {"shared-database", "cross-service-data-access"}


def test_bad_config_is_a_usage_error_with_file_and_line(shop: Path) -> None:
    (shop / "archconform.yml").write_text("rules:\n  shared-database:\n    severity: fatal\n")
    code, out = run("scan", str(shop))
    assert code == 2 and "archconform.yml:3" in out


def test_rules_list_show_docs(tmp_path: Path) -> None:
    code, out = run("rules", "list")
    assert code == 0 and "AC101" in out and "shared-database" in out and len(out.splitlines()) >= 19
    code, out = run("rules", "show", "cross-service-data-access")
    assert code == 0 and "principle: encapsulation" in out and "Why it matters" in out
    assert run("rules", "show", "no-such-rule")[0] == 2
    code, _ = run("rules", "docs", "-o", str(tmp_path / "rules.md"))
    assert code == 0 and "### shared-database" in (tmp_path / "rules.md").read_text()


def test_rules_test_passes_and_fails_with_a_readable_diff(tmp_path: Path) -> None:
    cases = REPO / "tests" / "rules" / "cases" / "shared-database"
    code, out = run("rules", "test", str(cases))
    assert code == 0 and f"{len([c for c in cases.iterdir() if c.is_dir()])} passed, 0 failed" in out
    wrong = tmp_path / "shared-database" / "fail_wrong"
    shutil.copytree(
        REPO / "tests" / "rules" / "cases" / "shared-database" / "fail_two_services_one_database", wrong
    )
    (wrong / "expected.yaml").write_text(
        "findings:\n  - {path: docker-compose.yml, line: 6, message: nope}\n"
    )
    code, out = run("rules", "test", str(tmp_path))
    assert code == 1
    assert "missing finding at docker-compose.yml:6" in out
    assert "unexpected finding at docker-compose.yml:5: 2 services share the database 'shop'" in out


def test_graph_formats() -> None:
    for fmt, marker in [
        ("json", '"nodes"'),
        ("dot", "digraph"),
        ("mermaid", "flowchart LR"),
        ("graphml", "<graphml"),
    ]:
        code, out = run("graph", str(VIOLATIONS), "--format", fmt)
        assert code == 0 and marker in out, fmt


def _active(path: Path) -> list[dict[str, object]]:
    return [f for f in json.loads(path.read_text())["findings"] if not f.get("suppressed")]


def test_baseline_round_trip_counts_only_the_new_finding(shop: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert run("baseline", "create", str(shop), "-o", str(baseline))[0] == 0
    compose = shop / "docker-compose.yml"
    text = compose.read_text()
    # Move every existing finding in the compose file down by three lines...
    text = "# moved\n# moved\n# moved\n" + text
    # ...and add one new violation: a literal password for the search service.
    text = text.replace(
        "      ELASTICSEARCH_URL: http://search:9200",
        "      ELASTICSEARCH_URL: http://search:9200\n      SEARCH_DB_PASSWORD: hunter2",
    )
    compose.write_text(text)
    out_json = tmp_path / "after.json"
    sarif_out = tmp_path / "a.sarif"
    code, _ = run(
        "scan", str(shop), "--baseline", str(baseline), "--json", str(out_json), "--sarif", str(sarif_out)
    )
    findings = _active(out_json)
    new = [f for f in findings if f["baseline_state"] == "new"]
    assert [(f["rule"], f["location"]["line"]) for f in new] == [("plaintext-credentials", 44)], new
    before = len(json.loads(baseline.read_text())["findings"])
    assert len(findings) == before + 1 and not json.loads(out_json.read_text()).get("absent")
    assert code == 1  # the new error fails the run; the old ones do not
    sarif = json.loads(sarif_out.read_text())
    states = sorted(r["baselineState"] for r in sarif["runs"][0]["results"])
    assert states.count("new") == 1 and "unchanged" in states


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_baseline_ref_scans_the_old_revision(shop: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=shop, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    compose = shop / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("neo4j-secret", "${NEO4J_PASSWORD}").replace(
        "      ELASTICSEARCH_URL: http://search:9200",
        "      ELASTICSEARCH_URL: http://search:9200\n      SEARCH_DB_PASSWORD: hunter2",
    ))  # fmt: skip
    code, out = run("scan", str(shop), "--baseline-ref", "HEAD")
    assert code == 1
    assert "error plaintext-credentials [new]" in out
    assert out.count("[new]") == 1, out


def test_python_rules_need_opt_in_and_entry_points_are_loaded(shop: Path, tmp_path: Path) -> None:
    rules = shop / "team-rules"
    rules.mkdir()
    (rules / "ledger.py").write_text(
        "from analyzer.engine import Report, rule\n"
        "from analyzer.model import EdgeKind\n\n\n"
        '@rule(id="ORG001", name="no-shop-db", title="Nobody uses shop-db", severity="warning",\n'
        '      principle="team-ownership", help="Only the payments team may use it.")\n'
        "def check(graph, options):\n"
        "    for edge in graph.edges(EdgeKind.CONNECTS):\n"
        '        if edge.target.startswith("database:shop-db/"):\n'
        '            yield Report(f"{graph.node(edge.source).name} uses shop-db", (edge.source,), edge)\n'
    )
    (rules / "no-neo4j.yml").write_text(
        "id: ORG002\nname: no-neo4j\ntitle: No graph databases\nseverity: error\nprinciple: team\n"
        "help: We do not run Neo4j.\nmatch:\n  nodes:\n"
        "    ds: {kind: datastore, where: \"ds.technology == 'neo4j'\"}\n"
        'location: ds\nmessage: "{{ ds.name }} is Neo4j"\n'
    )
    (shop / "archconform.yml").write_text("rule_paths: [team-rules]\n")
    out_json = tmp_path / "a.json"
    run("scan", str(shop), "--json", str(out_json))
    data = json.loads(out_json.read_text())
    assert "no-neo4j" in {f["rule"] for f in data["findings"]}
    assert "no-shop-db" not in {f["rule"] for f in data["findings"]}
    assert any("allow_python_rules" in d["message"] for d in data["diagnostics"])
    # Configuration inside the scanned tree cannot turn Python rules on (SECURITY.md) ...
    (shop / "archconform.yml").write_text("rule_paths: [team-rules]\nallow_python_rules: true\n")
    run("scan", str(shop), "--json", str(out_json), "--allow-python-rules")
    data = json.loads(out_json.read_text())
    assert "no-shop-db" not in {f["rule"] for f in data["findings"]}
    assert any("allow_python_rules" in d["message"] for d in data["diagnostics"])
    # ... a --config outside it that names the folder, with --allow-python-rules, can.
    trusted = tmp_path / "ci-archconform.yml"
    trusted.write_text("rule_paths: [shop/team-rules]\n")
    run("scan", str(shop), "--json", str(out_json), "--config", str(trusted), "--allow-python-rules")
    data = json.loads(out_json.read_text())
    uses = sorted(f["message"] for f in data["findings"] if f["rule"] == "no-shop-db")
    assert uses == [
        "inventory-service uses shop-db",
        "order-service uses shop-db",
        "user-service uses shop-db",
    ]


def test_inline_suppressions_in_yaml_and_sql_and_unmatched_ones(shop: Path, tmp_path: Path) -> None:
    compose = shop / "docker-compose.yml"
    compose.write_text(
        compose.read_text().replace(
            "      NEO4J_PASSWORD: neo4j-secret",
            "      # archconform: ignore[plaintext-credentials] local demo only, rotated in prod\n"
            "      NEO4J_PASSWORD: neo4j-secret",
        )
    )
    view = shop / "services/order-service/src/main/resources/db/migration/V2__order_stock_view.sql"
    view.write_text(
        view.read_text().replace(
            "JOIN inventory_items",
            "-- archconform: ignore[AC103] read-only view, owner agreed in ADR-7\nJOIN inventory_items",
        )
    )
    (shop / "services/user-service/app/stale.py").write_text(
        "x = 1  # archconform: ignore[shared-database] stale\n"
    )
    out_json = tmp_path / "s.json"
    run("scan", str(shop), "--json", str(out_json))
    data = json.loads(out_json.read_text())
    suppressed = {(f["rule"], f["suppressed"]) for f in data["findings"] if f.get("suppressed")}
    assert suppressed == {
        ("plaintext-credentials", "local demo only, rotated in prod"),
        ("cross-service-data-access", "read-only view, owner agreed in ADR-7"),
    }
    stale = [d for d in data["diagnostics"] if "matches no finding" in d["message"]]
    assert [(d["path"], d["line"]) for d in stale] == [("services/user-service/app/stale.py", 1)]


def test_baseline_survives_a_file_rename(shop: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    run("baseline", "create", str(shop), "-o", str(baseline))
    old = shop / "services/order-service/src/main/resources/db/migration/V2__order_stock_view.sql"
    old.rename(old.with_name("V2__reporting_view.sql"))
    out_json = tmp_path / "after.json"
    run("scan", str(shop), "--baseline", str(baseline), "--json", str(out_json))
    data = json.loads(out_json.read_text())
    assert [f for f in data["findings"] if f.get("baseline_state") == "new"] == []
    assert not data.get("absent")


def test_source_url_from_option_config_and_github_actions(
    shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = tmp_path / "r.html"
    run("scan", str(shop), "--html", str(html), "--source-url", "https://git.example.com/shop/tree/main/")
    assert 'href="https://git.example.com/shop/tree/main/docker-compose.yml#L' in html.read_text()
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/shop")
    monkeypatch.setenv("GITHUB_SHA", "abc123")
    run("scan", str(shop), "--html", str(html))
    assert 'href="https://github.com/acme/shop/blob/abc123/docker-compose.yml#L' in html.read_text()
    (shop / "archconform.yml").write_text("source_url: ftp://nope\n")
    code, out = run("scan", str(shop))
    assert code == 2 and "source_url" in out
