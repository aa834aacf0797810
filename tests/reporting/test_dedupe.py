"""One finding per fact: credentials by the place of their value, variants merged, tests left out."""

from __future__ import annotations

from collections import Counter

from analyzer.config import Config
from analyzer.engine import is_non_production
from analyzer.pipeline import scan
from tests.conftest import FIXTURES

NOISY = FIXTURES / "reporting" / "noisy-shop"


def test_a_credential_line_read_by_three_owners_is_one_finding() -> None:
    result = scan(NOISY)
    places = Counter((f.rule, f.location.path, f.location.line) for f in result.findings)
    assert [p for p, n in places.items() if n > 1] == []
    creds = {
        f.location.path + f":{f.location.line}": f
        for f in result.findings
        if f.rule == "plaintext-credentials"
    }
    # One finding per place a value is written (the resolver makes one credential node per place),
    # so there is nothing left for the dedupe to merge; the prod file set writes its own copy.
    assert set(creds) == {".env:1", ".env:2", "docker-compose.prod.yml:5", "docker-compose.prod.yml:9"}
    first = creds[".env:1"]
    assert first.message == "Plaintext credential POSTGRES_PASSWORD in .env, used by billing, db, orders"
    assert first.subjects == ("credential:.env/POSTGRES_PASSWORD",)
    used = [r for r in first.related if r.message.startswith("used by")]  # advice adds connections
    assert [(r.location.path, r.location.line, r.message) for r in used] == [
        ("docker-compose.yml", 2, "used by orders"),
        ("docker-compose.yml", 5, "used by billing"),
        ("docker-compose.yml", 8, "used by db"),
    ]
    assert result.merged_duplicates == 0


def test_findings_in_tests_are_off_by_default_and_come_back_on_request() -> None:
    default = scan(NOISY)
    endpoints = [f.location.path for f in default.findings if f.rule == "hardcoded-endpoint"]
    assert endpoints == ["orders/app.py"] and default.hidden_test_findings == 1
    everything = scan(NOISY, Config(include_tests=True))
    endpoints = sorted(f.location.path for f in everything.findings if f.rule == "hardcoded-endpoint")
    assert endpoints == ["orders/app.py", "orders/src/test/python/test_pay.py"]


def test_what_counts_as_tests_generated_code_and_examples() -> None:
    yes = [
        "orders/src/test/java/OrdersTest.java", "tests/e2e/compose.yml", "pkg/orders_test.go",
        "web/src/cart.spec.ts", "api/orders_pb2.py", "api/orders.pb.go", "examples/shop/docker-compose.yml",
        "docker-compose.test.yml", "testdata/app.env", "orders/Migrations/Init.Designer.cs",
        "src/docker-compose-tests.override.yml", "orders/src/main/resources/application-test.yml",
    ]  # fmt: skip
    no = [
        "orders/src/main/java/Orders.java", "docker-compose.yml", "contest/app.py", "latest/app.py",
        "services/testimonials/app.py", "deploy/k8s/orders.yaml", "contest.yml", "latest.yml",
    ]  # fmt: skip
    assert [p for p in yes if not is_non_production(p)] == []
    assert [p for p in no if is_non_production(p)] == []


def test_a_suppression_in_a_left_out_test_file_is_not_reported_unused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    repo = tmp_path / "shop"
    shutil.copytree(NOISY, repo)
    test = repo / "orders" / "src" / "test" / "python" / "test_pay.py"
    test.write_text(
        test.read_text().replace('/pay")', '/pay")  # archconform: ignore[hardcoded-endpoint] fake')
    )
    assert not [d for d in scan(repo).diagnostics if "matches no finding" in d.message]
    suppressed = [f for f in scan(repo, Config(include_tests=True)).findings if f.suppressed]
    assert [f.location.path for f in suppressed] == ["orders/src/test/python/test_pay.py"]
