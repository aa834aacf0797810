"""One finding per fact, and findings where a team acts on them.

Two rules of thumb drive this module:

* **A fact is its rule plus the graph entities it is about.** A credential is identified by the
  place its value is written (one ``.env`` line read by four services is one finding with the four
  consumers as related locations); a grouped rule by its group entities (a shared database by the
  database). The same claim in several deployment variants (compose file sets, overlays, profiles)
  is one finding that lists the variants.
* **Tests, generated code and examples are not the system.** A finding whose evidence lies only
  there is left out unless the config says ``include_tests: true``; a finding with some evidence
  in real sources is anchored on that instead.

Merging keeps the fingerprint of the finding that sorts first, so it is as stable as the fact.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

from analyzer.engine.rules import DeclarativeRule, Rule
from analyzer.model import Finding, Location, RelatedLocation
from analyzer.model.location import base_name, path_parts, path_suffix

# Folder names that hold tests, test data, generated code or examples (compared lower-case).
NON_PRODUCTION_DIRS = frozenset(
    {
        "test", "tests", "__tests__", "__test__", "testing", "testdata", "test-data", "test_data",
        "e2e", "it", "integration-test", "integration-tests", "integrationtest", "spec", "specs",
        "__fixtures__", "fixtures", "__mocks__", "mocks", "generated", "__generated__",
        "generated-sources", "examples", "example",
    }
)  # fmt: skip
# File names of tests and generated code, whatever folder they are in.
NON_PRODUCTION_FILES = re.compile(
    r"""(^test_.*\.py$|_test\.(py|go)$|^conftest\.py$|\.(test|spec)\.[cm]?[jt]sx?$
        |(Test|Tests|IT|Spec)\.(java|kt|cs|scala)$|_pb2(_grpc)?\.py$|\.pb(\.gw)?\.go$|\.g\.cs$
        |\.designer\.cs$|(^|[._-])(tests?|testing|e2e|ci)([._-].*)?\.(ya?ml|json|properties|env)$)""",
    re.IGNORECASE | re.VERBOSE,
)


def is_non_production(path: str) -> bool:
    """Whether a repo-relative path is a test, test data, generated code or an example.

    >>> is_non_production("services/orders/src/test/resources/application.yml")
    True
    >>> is_non_production("services/orders/src/main/java/Orders.java")
    False
    >>> is_non_production("api/orders.pb.go"), is_non_production("docker-compose.test.yml")
    (True, True)
    """
    parts = path_parts(path)
    if any(part.lower() in NON_PRODUCTION_DIRS for part in parts[:-1]):
        return True
    return bool(NON_PRODUCTION_FILES.search(base_name(path)))


def drop_non_production(findings: Iterable[Finding]) -> tuple[list[Finding], int]:
    """Findings re-anchored off tests and generated code where they can be; the number dropped
    because all their evidence lies there."""
    kept: list[Finding] = []
    dropped = 0
    for finding in findings:
        if not is_non_production(finding.location.path):
            kept.append(finding)
            continue
        real = [r for r in finding.related if not is_non_production(r.location.path)]
        if not real:
            dropped += 1
            continue
        anchor, rest = real[0], [r for r in finding.related if r is not real[0]]
        kept.append(dataclasses.replace(finding, location=anchor.location, related=tuple(rest)))
    return kept, dropped


@dataclasses.dataclass(frozen=True, slots=True)
class FactKeys:
    """How each rule's findings are identified: rules whose findings are one piece of evidence
    each (identified by its place), and the node kinds of each grouped rule's group entities."""

    per_evidence: frozenset[str] = frozenset()
    group_kinds: tuple[tuple[str, frozenset[str]], ...] = ()

    @classmethod
    def from_rules(cls, rules: Sequence[Rule]) -> FactKeys:
        per_evidence: set[str] = set()
        group_kinds: dict[str, frozenset[str]] = {}
        for item in rules:
            if not isinstance(item, DeclarativeRule):
                continue
            if item.output.per_evidence:
                per_evidence.add(item.meta.name)
            elif item.match is not None and item.output.group_by:
                kinds = set()
                for var in item.output.group_by:
                    pattern = item.match.nodes.get(var)
                    if pattern is None or len(pattern.kinds) != 1:
                        break
                    kinds.add(str(pattern.kinds[0]))
                else:
                    group_kinds[item.meta.name] = frozenset(kinds)
        return cls(frozenset(per_evidence), tuple(sorted(group_kinds.items())))

    def key(self, finding: Finding) -> tuple[str, ...]:
        if finding.rule in self.per_evidence:
            loc = finding.location
            return (finding.rule, "@", loc.path, str(loc.line))
        kinds = dict(self.group_kinds).get(finding.rule)
        if kinds:
            entities = tuple(s for s in finding.subjects if s.split(":", 1)[0] in kinds)
            if entities:
                return (finding.rule, "#", *entities)
        return (finding.rule, "#", *finding.subjects)


def _name(node_id: str) -> str:
    return node_id.split(":", 1)[-1].rsplit("/", 1)[-1]


# Files that describe a deployment (and so come in variants: compose file sets, overlays, profiles).
DEPLOYMENT_SUFFIXES = frozenset({".yml", ".yaml", ".json", ".properties", ".env", ".toml", ".ini", ".conf"})


def _is_deployment_file(path: str) -> bool:
    return path_suffix(path).lower() in DEPLOYMENT_SUFFIXES or base_name(path).startswith(".env")


def _variant_text(finding: Finding) -> str:
    """The claim without the file it was seen in: what identical findings in variants share.
    Code is not a deployment variant: the same claim at two places in code stays two findings."""
    if not _is_deployment_file(finding.location.path):
        return f"{finding.message}\x1f{finding.location}"
    text = finding.message
    for path in {finding.location.path, *(r.location.path for r in finding.related)}:
        text = text.replace(path, "…")
    return text


def _merge(group: list[Finding], note: str) -> Finding:
    group = sorted(group, key=lambda f: (f.sort_key, f.fingerprint))
    first = group[0]
    if len(group) == 1:
        return first
    seen: set[Location] = {first.location}
    related: list[RelatedLocation] = []
    for finding in group:
        if finding is not first and finding.location not in seen:
            seen.add(finding.location)
            related.append(RelatedLocation(finding.location, f"{note}: {finding.message}"))
    for finding in group:
        for rel in finding.related:
            if rel.location not in seen:
                seen.add(rel.location)
                related.append(rel)
    subjects = tuple(sorted({s for f in group for s in f.subjects}))
    return dataclasses.replace(
        first,
        subjects=subjects,
        related=tuple(related),
        severity=max((f.severity for f in group), key=lambda s: s.weight),
    )


def merge_duplicates(findings: Sequence[Finding], keys: FactKeys) -> tuple[list[Finding], int]:
    """One finding per fact; returns the findings (sorted) and how many duplicates were merged."""
    by_fact: dict[tuple[str, ...], list[Finding]] = {}
    for finding in findings:
        by_fact.setdefault(keys.key(finding), []).append(finding)
    # The same claim in several deployment variants (same rule, same message but for the file it
    # names, same leading subject) is one finding listing the variants.
    by_claim: dict[tuple[str, ...], list[list[Finding]]] = {}
    for group in by_fact.values():
        lead = min(group, key=lambda f: (f.sort_key, f.fingerprint))
        by_claim.setdefault((lead.rule, _variant_text(lead)), []).append(group)
    out: list[Finding] = []
    for groups in by_claim.values():
        merged = [_merge(group, "same place") for group in groups]
        first = _merge([*merged], "the same finding in another deployment variant")
        lead = min((f for g in groups for f in g), key=lambda f: (f.sort_key, f.fingerprint))
        users = sorted({_name(s) for s in first.subjects} - {_name(s) for s in lead.subjects})
        if users and first.rule in keys.per_evidence:
            first = dataclasses.replace(first, message=f"{first.message} (also used by {', '.join(users)})")
        variants = sorted({f.location.path for f in merged})
        if len(variants) > 1:
            first = dataclasses.replace(
                first, message=f"{first.message} (in {len(variants)} variants: {', '.join(variants)})"
            )
        out.append(first)
    return sorted(out, key=lambda f: f.sort_key), len(findings) - len(out)
