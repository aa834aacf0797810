"""Symbolic values and configuration joins, without a repository."""

from __future__ import annotations

from analyzer.extract.facts import EnvVar, Setting
from analyzer.extract.values import (
    concat,
    config,
    describe,
    env,
    fallback,
    formatted,
    literal,
    slots,
    substitute,
)
from analyzer.model import Evidence, Location, SourceKind
from analyzer.resolve.configjoin import ConfigJoin


def test_templates_keep_every_part_and_read_for_people() -> None:
    url = concat([literal("jdbc:postgresql://"), env("PG_HOST"), literal(":5432/billing")])
    assert url.template == "jdbc:postgresql://\u27e8env:PG_HOST\u27e9:5432/billing"
    assert describe(url) == '"jdbc:postgresql://" + env(PG_HOST) + ":5432/billing"'
    assert (
        substitute(url.template, lambda s: "billing-db").text == "jdbc:postgresql://billing-db:5432/billing"
    )
    defaulted = fallback(env("MONGO_URL"), literal("mongodb://mongodb:27017/products"))
    assert describe(defaulted) == 'env(MONGO_URL) ?? "mongodb://mongodb:27017/products"'
    assert substitute(defaulted.template, lambda s: None).text == "mongodb://mongodb:27017/products"
    assert describe(concat([config("clients.billing.base-url"), literal("/invoices")])) == (
        'config(clients.billing.base-url) + "/invoices"'
    )
    assert formatted(literal("http://%s:%d/x"), [env("H", "h"), literal("80")]).text == "http://h:80/x"
    assert [s.name for s in slots(url.template)] == ["PG_HOST"]


def ev(path: str, line: int, source: SourceKind, profile: str = "") -> Evidence:
    return Evidence(source, Location(path, line), "", 1, profile)


def test_deployed_values_win_and_relaxed_binding_matches() -> None:
    join = ConfigJoin(lambda name: name, lambda service: None)
    join.add_setting(
        Setting(
            "billing",
            "clients.ledger.base-url",
            "http://localhost:8081",
            ev("application.yml", 3, SourceKind.CONFIG),
        )
    )
    join.add_env(
        EnvVar(
            "billing",
            "CLIENTS_LEDGER_BASEURL",
            "http://ledger:8080",
            ev("docker-compose.yml", 7, SourceKind.COMPOSE),
        )
    )
    join.add_setting(
        Setting(
            "billing",
            "clients.ledger.base-url",
            "http://test:1",
            ev("src/test/resources/application.yml", 1, SourceKind.CONFIG),
        )
    )
    key = slots(config("clients.ledger.base-url").template)[0]
    assert join.lookup("billing", key) == "http://ledger:8080"
    assert [e.location.path for e in join.evidence("billing", key)] == [
        "docker-compose.yml",
        "application.yml",
    ]


def test_a_profile_nobody_activates_yields_to_the_code_default() -> None:
    join = ConfigJoin(lambda name: name, lambda service: None)
    join.add_setting(
        Setting(
            "order", "catalog.host", "localhost", ev("application-test.yml", 1, SourceKind.CONFIG, "test")
        )
    )
    assert join.lookup("order", slots(config("catalog.host", "catalog").template)[0]) is None
    assert join.lookup("order", slots(config("catalog.host").template)[0]) == "localhost"


def test_missing_values_are_explained() -> None:
    join = ConfigJoin(lambda name: name, lambda service: None)
    join.add_env(
        EnvVar("web", "PAYMENT_URL", "http://payment", ev("docker-compose.yml", 3, SourceKind.COMPOSE))
    )
    key = slots(env("PAYMENT_URL").template)[0]
    assert (
        join.why_missing("api", key)
        == "PAYMENT_URL is read from the environment and set only for web, not for api"
    )
    other = slots(env("PRICING_URL").template)[0]
    assert (
        join.why_missing("api", other)
        == "PRICING_URL is read from the environment and set nowhere in the repository"
    )


def test_a_shared_menu_of_addresses_yields_only_what_the_code_picks() -> None:
    join = ConfigJoin(lambda name: name, lambda service: None)
    for service in ("ledgerwriter", "frontend"):
        for line, name in ((3, "BALANCES_API_ADDR"), (4, "CONTACTS_API_ADDR")):
            join.add_env(EnvVar(service, name, "x:8080", ev("config.yaml", line, SourceKind.K8S)))
        join.add_env(EnvVar(service, "OTEL_ENDPOINT", "collector:4317", ev("otel.yaml", 1, SourceKind.K8S)))
    join.note_read("ledgerwriter", slots(env("BALANCES_API_ADDR").template)[0])
    assert not join.unread("ledgerwriter", "BALANCES_API_ADDR", ev("config.yaml", 3, SourceKind.K8S))
    assert join.unread("ledgerwriter", "CONTACTS_API_ADDR", ev("config.yaml", 4, SourceKind.K8S))
    # nothing of otel.yaml is read by the code: an SDK reads it, the setting stays
    assert not join.unread("ledgerwriter", "OTEL_ENDPOINT", ev("otel.yaml", 1, SourceKind.K8S))
    # the frontend's code is not known to read anything from the menu: everything stays
    assert not join.unread("frontend", "CONTACTS_API_ADDR", ev("config.yaml", 4, SourceKind.K8S))
