"""A checker for what GitHub code scanning needs from a SARIF file, beyond the schema.

Written from GitHub's documented SARIF support ("SARIF support for code scanning"): the keys it
reads, the limits it enforces, and the behaviours that silently lose information (unlinked related
locations are hidden, alerts re-open without ``primaryLocationLineHash``, URIs that name no file in
the repository cannot be shown). :func:`check` returns human-readable problems, empty when fine.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema

MAX_RESULTS = 25_000
MAX_LOCATIONS = 1_000
MAX_TAGS = 10
LEVELS = {"error", "warning", "note", "none"}
_LINK = re.compile(r"(?<!\\)\[(?:[^\]\\]|\\.)*\]\((\d+)\)")


def _uri_problems(where: str, location: dict[str, Any], repo: Path) -> list[str]:
    physical = location.get("physicalLocation") or {}
    artifact = physical.get("artifactLocation") or {}
    uri = artifact.get("uri", "")
    problems = []
    if not uri or uri.startswith(("/", "file:", "../")) or "\\" in uri:
        problems.append(f"{where}: uri {uri!r} is not repository-relative")
    elif not (repo / unquote(uri)).is_file():
        problems.append(f"{where}: uri {uri!r} names no file in the repository")
    region = physical.get("region") or {}
    if int(region.get("startLine", 0)) < 1:
        problems.append(f"{where}: region.startLine missing")
    return problems


ARCHCONFORM = Path(__file__).resolve().parents[2]  # where helpUri pages live (docs/rules/)


def check(
    doc: dict[str, Any],
    repo: Path,
    schema: dict[str, Any] | None = None,
    *,
    suppressed_ok: bool = False,
    docs: Path = ARCHCONFORM,
) -> list[str]:
    """Problems GitHub code scanning would have with ``doc``, for the scanned repository checked
    out at ``repo`` (result URIs) and archconform's own checkout at ``docs`` (``helpUri`` pages)."""
    problems: list[str] = []
    if schema is not None:
        problems += [f"schema: {e.message}" for e in jsonschema.Draft4Validator(schema).iter_errors(doc)]
    if doc.get("version") != "2.1.0":
        problems.append("version is not 2.1.0")
    for run_index, run in enumerate(doc.get("runs") or []):
        driver = run["tool"]["driver"]
        rules = driver.get("rules") or []
        ids = [r["id"] for r in rules]
        if len(set(ids)) != len(ids):
            problems.append(f"run {run_index}: duplicate rule ids")
        for rule in rules:
            tags = (rule.get("properties") or {}).get("tags") or []
            if len(tags) > MAX_TAGS:
                problems.append(f"rule {rule['id']}: {len(tags)} tags, GitHub shows {MAX_TAGS}")
            sev = (rule.get("properties") or {}).get("security-severity")
            if sev is not None and not re.fullmatch(r"\d+(\.\d+)?", str(sev)):
                problems.append(f"rule {rule['id']}: security-severity {sev!r} is not a number")
            help_uri = rule.get("helpUri", "")
            page = help_uri.split("/blob/main/", 1)[-1] if "/blob/main/" in help_uri else ""
            if not page or not (docs / page).is_file():
                problems.append(f"rule {rule['id']}: helpUri {help_uri!r} names no page in the repository")
            if not (rule.get("help") or {}).get("markdown"):
                problems.append(f"rule {rule['id']}: no help.markdown")
        auto = (run.get("automationDetails") or {}).get("id", "")
        if not auto or "/" not in auto:
            problems.append(f"run {run_index}: automationDetails.id {auto!r} is not a category")
        results = run.get("results") or []
        if len(results) > MAX_RESULTS:
            problems.append(f"run {run_index}: {len(results)} results, over {MAX_RESULTS}")
        hashes: dict[str, int] = {}
        for index, result in enumerate(results):
            where = f"result {index} ({result.get('ruleId')})"
            if result.get("ruleId") not in ids:
                problems.append(f"{where}: ruleId not in tool.driver.rules")
            elif result.get("ruleIndex") is not None and ids[result["ruleIndex"]] != result["ruleId"]:
                problems.append(f"{where}: ruleIndex points at another rule")
            if result.get("level", "warning") not in LEVELS:
                problems.append(f"{where}: level {result.get('level')!r}")
            if result.get("suppressions") and not suppressed_ok:
                problems.append(f"{where}: suppressed result included (GitHub would show a dismissed alert)")
            locations = result.get("locations") or []
            if len(locations) != 1:
                problems.append(f"{where}: {len(locations)} locations, expected exactly one")
            for loc in locations:
                problems += _uri_problems(where, loc, repo)
            line_hash = (result.get("partialFingerprints") or {}).get("primaryLocationLineHash")
            if not line_hash:
                problems.append(f"{where}: no partialFingerprints.primaryLocationLineHash")
            elif line_hash in hashes:
                problems.append(f"{where}: primaryLocationLineHash shared with result {hashes[line_hash]}")
            else:
                hashes[line_hash] = index
            related = result.get("relatedLocations") or []
            if len(related) + len(locations) > MAX_LOCATIONS:
                problems.append(f"{where}: more than {MAX_LOCATIONS} locations")
            related_ids = [r.get("id") for r in related]
            if len(set(related_ids)) != len(related_ids) or None in related_ids:
                problems.append(f"{where}: related location ids missing or repeated")
            linked = {int(m) for m in _LINK.findall(result["message"].get("text", ""))}
            for r_index, rel in enumerate(related):
                problems += _uri_problems(f"{where} related {r_index + 1}", rel, repo)
            unknown = linked - set(related_ids)
            if unknown:
                problems.append(f"{where}: message links unknown related ids {sorted(unknown)}")
            if related and not linked:
                problems.append(
                    f"{where}: related locations are not linked from the message (GitHub hides them)"
                )
    return problems


def check_file(path: Path, repo: Path, schema_path: Path | None = None) -> list[str]:
    schema = json.loads(schema_path.read_text()) if schema_path else None
    return check(json.loads(path.read_text()), repo, schema)


if __name__ == "__main__":  # python -m tests.reporting.github_profile REPORT.sarif REPO [SCHEMA]
    import sys

    found = check_file(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]) if len(sys.argv) > 3 else None)
    print("\n".join(found) or "ok: no problems for GitHub code scanning")
    sys.exit(1 if found else 0)
