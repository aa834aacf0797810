"""Plaintext credentials: one ``credential`` node per place a secret value is written.

Extractors say "``owner`` holds a literal secret ``key``, proven at this line"; a single ``.env``
or ConfigMap line read by four services therefore arrives as four facts, and a Kubernetes
overlay repeats it once per variant. The place is the fact worth reporting, so every place
(repo-relative path and line) becomes one node:

* id ``credential:<path>/<key>``, with ``#2``, ``#3``... for a key written at several lines of
  one file (ordered by line). No line numbers in the id, so fingerprints survive edits above it;
* attributes ``key``, ``path``, ``consumers`` (sorted names of the services, datastores or
  brokers that read it — empty for a SQL ``CREATE USER`` nobody else names) and ``consumer_ids``
  (their node ids);
* evidence: the place (detail ``plaintext credential KEY``) and, for each consumer, its best
  declaration (detail ``used by NAME``), which rules show as related locations.

The owners keep their ``plaintext_credentials`` attribute for rules that ask "does this service
hold a secret"; the built-in rule reports the credential nodes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from analyzer.model import ArchGraph, Evidence, NodeKind, SourceKind

GENERIC_KEYS = ("connection string password",)


@dataclass(frozen=True, slots=True)
class CredentialUse:
    """``owner`` (a node id, or ``""`` for none) holds the literal secret ``key`` proven by ``evidence``."""

    owner: str
    key: str
    evidence: Evidence


def add_credential_nodes(graph: ArchGraph, uses: Iterable[CredentialUse]) -> None:
    """One ``credential`` node per written place, its consumers as related evidence."""
    by_place: dict[tuple[str, int], list[CredentialUse]] = defaultdict(list)
    for use in map(_named_setting, uses):
        by_place[(use.evidence.location.path, use.evidence.location.line)].append(use)
    named: dict[tuple[str, int], str] = {}
    for place, found in by_place.items():
        # The name where the value is declared (a Secret's key, owned by no reader) first; a
        # specific name (POSTGRES_PASSWORD) beats what a connection string parser calls it.
        named[place] = min(
            ((u.key, bool(u.owner)) for u in found), key=lambda k: (k[0] in GENERIC_KEYS, k[1], k[0])
        )[0]
    ordinal: dict[tuple[str, str], int] = defaultdict(int)
    for place in sorted(by_place):
        path, _ = place
        key = named[place]
        ordinal[(path, key)] += 1
        n = ordinal[(path, key)]
        found = by_place[place]
        consumers = sorted({u.owner for u in found if u.owner})
        detail = f"plaintext credential {key}"
        here = min(u.evidence.location for u in found)  # one place: extractors may differ in column
        evidence = [Evidence(u.evidence.source, here, detail, 1, u.evidence.profile) for u in found]
        for owner in consumers:
            declared = [
                ev
                for ev in graph.node(owner).evidence
                if not ev.detail.startswith("plaintext credential") and ev.location != here
            ]
            if declared:
                # The declaration nearest the credential: the workload of the same variant (compose
                # file set, overlay), then of the nearest folder.
                profiles = {u.evidence.profile for u in found if u.owner == owner}
                best = min(
                    declared,
                    key=lambda e: (
                        e.profile not in profiles,
                        -_shared_folders(e.location.path, path),
                        e.rank,
                    ),
                )
                evidence.append(Evidence(best.source, best.location, f"used by {graph.node_name(owner)}"))
        graph.add_node(
            NodeKind.CREDENTIAL,
            path,
            key if n == 1 else f"{key}#{n}",
            name=key,
            attrs={
                "key": key,
                "path": path,
                "consumers": tuple(sorted({graph.node_name(o) for o in consumers})),
                "consumer_ids": tuple(consumers),
            },
            evidence=evidence,
        )


def _named_setting(use: CredentialUse) -> CredentialUse:
    """``connection string password`` → ``password in DATABASE_URL`` when the evidence names the
    setting that holds the string (``env DATABASE_URL``, ``ConnectionStrings__Orders``)."""
    if use.key not in GENERIC_KEYS or use.evidence.source == SourceKind.CODE:  # code: a callee, not a setting
        return use
    setting = use.evidence.detail.removeprefix("env ")
    if not setting or re.search(r"[\s${}]", setting):
        return use
    return CredentialUse(use.owner, f"password in {setting}", use.evidence)


def _shared_folders(a: str, b: str) -> int:
    """How many leading folders two repo-relative paths share."""
    shared = 0
    for x, y in zip(a.split("/")[:-1], b.split("/")[:-1], strict=False):
        if x != y:
            break
        shared += 1
    return shared
