"""Configuration joins: a key read in code, joined to every place in the repository that sets it.

Code reads configuration as template slots (:mod:`analyzer.extract.values`): ``⟨env:PG_HOST⟩``,
``⟨config:clients.billing.base-url⟩``. The places that set them are facts: environment variables of
the deployment (compose ``environment`` / ``env_file``, Kubernetes ``env`` and ConfigMaps/Secrets,
``.env``) and configuration files (Spring ``application[-profile].yml|properties``, ``appsettings``).

Keys match the way the frameworks bind them, ignoring case and separators: Spring's relaxed binding
(``clients.billing.base-url`` ← ``CLIENTS_BILLING_BASEURL``), .NET's ``A:B`` ← ``A__B``. The deployed
value wins over a development default: deployment environment, then ``.env``, then a file of an
active profile, then the default file; a file of a profile nobody is known to activate comes last,
after the default written in the code itself. Test resources configure tests and are not joined.
Every candidate is kept, so the evidence can show them all; and a slot nothing fills is explained in
words (:meth:`ConfigJoin.why_missing`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from analyzer.extract.facts import EnvVar, Setting
from analyzer.extract.source.base import is_test_source
from analyzer.extract.values import Slot
from analyzer.model import Evidence, SourceKind

_PLACEHOLDER = re.compile(r"\$\{([^}:]+)(?::([^}]*))?\}")
_RANK = {SourceKind.COMPOSE: 0, SourceKind.K8S: 0, SourceKind.CONFIG: 2}


def _words(name: str) -> list[str]:
    return [w.lower() for w in re.split(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])", name) if w]


def _siblings(one: str, other: str) -> bool:
    """Two variables of one family: they share their leading words up to the last
    (``YAS_SERVICES_*``) or their trailing words after the first (``*_API_ADDR``)."""
    a, b = _words(one), _words(other)
    if len(a) < 2 or len(b) < 2:
        return False
    return a[:-1] == b[:-1] or a[1:] == b[1:]


def key_form(name: str) -> str:
    """The binding form of a key: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True, slots=True)
class Candidate:
    """One place that sets a key: its value, where, and how strongly it applies (0 = deployed)."""

    value: str
    evidence: Evidence
    rank: int
    kind: str  # env | config


@dataclass(slots=True)
class ConfigJoin:
    """Everything the repository sets, per service and key form."""

    service_name: Callable[[str], str]
    active_profiles: Callable[[str], tuple[str, ...] | None] = lambda _service: None
    _by_key: dict[tuple[str, str], list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    _services_by_key: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    _classes: dict[tuple[str, str], str] = field(default_factory=dict)
    _reads: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    _shared: dict[tuple[str, int], set[str]] = field(default_factory=lambda: defaultdict(set))
    _from_file: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def shared(self, evidence: Evidence) -> bool:
        """Whether one line sets a variable for several services (a ConfigMap mounted with
        ``envFrom``, a shared ``env_file``)."""
        return len(self._shared.get((evidence.location.path, evidence.location.line), ())) > 1

    def note_read(self, service: str, current: Slot) -> None:
        """The service's code reads this slot (and whatever ``${...}`` its settings expand to)."""
        canonical = self.service_name(service)
        name = self.key_of(service, current.name)
        self._reads[canonical].add(key_form(name))
        for candidate in self._by_key.get((canonical, key_form(name)), ()):
            self._reads[canonical].update(
                key_form(m.group(1)) for m in _PLACEHOLDER.finditer(candidate.value)
            )

    def note_settings_read(self) -> None:
        """A framework reads its own configuration files: every ``${VAR}`` they name is read."""
        for (service, _), candidates in self._by_key.items():
            for candidate in candidates:
                if candidate.kind == "config":
                    self._reads[service].update(
                        key_form(m.group(1)) for m in _PLACEHOLDER.finditer(candidate.value)
                    )

    def unread(self, service: str, variable: str, evidence: Evidence) -> bool:
        """Whether ``variable`` comes from a set shared by several services (a ConfigMap, an env
        file or anchor) from which the service's code reads its siblings but not this one
        (``BALANCES_API_ADDR`` read, ``CONTACTS_API_ADDR`` not; ``YAS_SERVICES_CART`` read,
        ``YAS_SERVICES_SEARCH`` not): the set is a menu, and what the code does not pick it does
        not call. Variables of another family (``OTEL_EXPORTER_OTLP_ENDPOINT``, read by an SDK)
        and sets the code reads nothing from are left alone."""
        if not self.shared(evidence):
            return False
        canonical = self.service_name(service)
        reads = self._reads.get(canonical) or set()
        if key_form(variable) in reads:
            return False
        menu = self._from_file.get((canonical, evidence.location.path), set())
        picked = [name for name in menu if key_form(name) in reads]
        return any(_siblings(variable, name) for name in picked)

    def key_of(self, service: str, name: str) -> str:
        """``@BillingProperties.baseUrl`` (a field of a configuration-properties class) as the key
        it binds (``clients.billing.baseUrl``); other names as they are."""
        if not name.startswith("@"):
            return name
        owner, _, rest = name[1:].partition(".")
        prefix = self._classes.get((self.service_name(service), owner))
        if prefix is None:
            prefix = next((p for (_, o), p in sorted(self._classes.items()) if o == owner), owner)
        return f"{prefix}.{rest}" if prefix else rest

    def add_env(self, fact: EnvVar) -> None:
        where = fact.evidence.location
        self._shared[(where.path, where.line)].add(self.service_name(fact.service))
        self._from_file[(self.service_name(fact.service), where.path)].add(fact.name)
        rank = _RANK.get(fact.evidence.source, 1)
        self._add(fact.service, fact.name, Candidate(fact.value, fact.evidence, rank, "env"))

    def add_setting(self, fact: Setting) -> None:
        if fact.key.startswith("@"):  # a configuration-properties class and its prefix
            self._classes[(self.service_name(fact.service), fact.key[1:])] = fact.value
            return
        if is_test_source(fact.evidence.location.path):
            return  # test resources configure the tests, not the deployed service
        self._add(fact.service, fact.key, Candidate(fact.value, fact.evidence, 3, "config"))

    def _add(self, service: str, key: str, candidate: Candidate) -> None:
        canonical = self.service_name(service)
        self._by_key[(canonical, key_form(key))].append(candidate)
        self._services_by_key[key_form(key)].add(canonical)

    def candidates(self, service: str, name: str) -> list[Candidate]:
        """Every place that sets ``name`` for ``service``, the one that applies first."""
        canonical = self.service_name(service)
        active = self.active_profiles(canonical)
        found = []
        for c in self._by_key.get((canonical, key_form(self.key_of(service, name))), ()):
            profiles = {p.strip().lower() for p in c.evidence.profile.split(",") if p.strip()}
            if c.kind == "env" or not profiles or c.evidence.profile.endswith((".yml", ".yaml")):
                found.append(c)
            elif active is None:
                found.append(replace(c, rank=4))  # a profile nobody is known to activate
            elif profiles & set(active):
                found.append(replace(c, rank=2))
        return sorted(found, key=lambda c: (c.rank, not c.value, c.evidence.rank))

    def lookup(self, service: str, current: Slot, depth: int = 0) -> str | None:
        """The value that applies to a slot for ``service``, its own ``${...}`` placeholders
        resolved; ``None`` when nothing in the repository sets it (to a non-empty value)."""
        for candidate in self.candidates(service, current.name):
            if not candidate.value:
                continue
            if candidate.rank >= 4 and current.default:
                return None  # the code's own default applies unless that profile is activated
            return self._expand(service, candidate.value, depth)
        return None

    def _expand(self, service: str, value: str, depth: int) -> str:
        if "${" not in value or depth > 5:
            return value

        def replace(match: re.Match[str]) -> str:
            found = self.lookup(service, Slot("config", match.group(1), match.group(2) or ""), depth + 1)
            if found is not None:
                return found
            return match.group(2) if match.group(2) is not None else match.group(0)

        return _PLACEHOLDER.sub(replace, value)

    def evidence(self, service: str, current: Slot) -> list[Evidence]:
        """Where ``current`` is set for ``service``: the applying place first, then the others."""
        return [c.evidence for c in self.candidates(service, current.name)]

    def listening_on(self, port: int, caller: str) -> str:
        """The one other service whose configuration says it listens on ``port`` (``server.port``,
        ``PORT``, ``ASPNETCORE_URLS``), for ``localhost:PORT`` in a developer default; "" if none or
        several."""
        found = set()
        for (service, key), candidates in self._by_key.items():
            if key not in ("serverport", "port") or service == caller:
                continue
            if any(c.value.strip() == str(port) for c in candidates):
                found.add(service)
        return found.pop() if len(found) == 1 else ""

    def why_missing(self, service: str, current: Slot) -> str:
        """In words, why a slot stays empty for ``service``."""
        if current.name.startswith("@") and not any(
            o == current.name[1:].split(".")[0] for _, o in self._classes
        ):
            return f"{current.name[1:]} is read from an object built at run time, not a configured setting"
        name = self.key_of(service, current.name)
        if name.startswith("go:") and not self._services_by_key.get(key_form(name)):
            return f"{name[3:]} is a field of a value computed at run time, not a configured setting"
        what = (
            f"{name} is read from the environment"
            if current.origin == "env"
            else f"configuration key {name} is read"
        )
        canonical = self.service_name(service)
        empty = [c for c in self._by_key.get((canonical, key_form(name)), ()) if not c.value]
        if empty:
            where = empty[0].evidence.location
            return f"{what} and set without a value ({where.path}:{where.line})"
        others = sorted(self._services_by_key.get(key_form(name), set()) - {canonical})
        if others:
            return f"{what} and set only for {', '.join(others[:3])}, not for {canonical}"
        return f"{what} and set nowhere in the repository"
