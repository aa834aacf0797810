"""The README's "Writing a rule" examples, run on the small system they were written for."""

from __future__ import annotations

from analyzer.config import load_config
from analyzer.pipeline import scan
from tests.conftest import FIXTURES

EXAMPLES = FIXTURES / "rule-examples"


def test_readme_rule_examples() -> None:
    # The examples' config enables their Python rule, so it is loaded as the trusted side would.
    result = scan(EXAMPLES, load_config(EXAMPLES / "archconform.yml"), jobs=1)
    custom = sorted(
        (f.rule, f.location.path, f.location.line, f.message)
        for f in result.active_findings
        if f.rule_id.startswith("ORG")
    )
    assert custom == [
        (
            "context-datastore-technologies",
            "docker-compose.yml",
            10,
            "Context sales uses 3 datastore technologies (mongodb, postgresql, redis); the limit is 2",
        ),
        ("datastore-single-team", "docker-compose.yml", 10, "ledger-db is used by teams checkout, payments"),
        (
            "ledger-owned-by-payments",
            "docker-compose.yml",
            10,
            "orders (team checkout) uses the ledger database; only payments may",
        ),
        ("no-sync-calls-to-monolith", "docker-compose.yml", 11, "orders calls the monolith synchronously"),
        (
            "no-sync-calls-to-monolith",
            "docker-compose.yml",
            17,
            "reports-svc calls the monolith synchronously",
        ),
    ]
    assert not [d for d in result.diagnostics if str(d.level) == "error"]
