"""``--sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Conventions: URIs are repo-relative with ``uriBaseId`` ``%SRCROOT%``; each rule carries its full
metadata (descriptions, Markdown help, default level, tags with its principle); each result has
a real physical location plus related locations for the rest of its evidence and
``partialFingerprints`` derived from the rule and the graph entities (never line numbers), so
code scanning tracks a finding across edits. Suppressed findings carry ``suppressions``;
baseline runs set ``baselineState``. Diagnostics go to ``toolExecutionNotifications``. Output
is sorted and byte-identical between runs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from analyzer.model import Diagnostic, Finding, Location, RuleMeta, ScanResult, Severity
from analyzer.reporting import fastjson

INFORMATION_URI = "https://github.com/archconform/archconform"
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.NOTE: "2.0"}
_NOTIFICATION_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
# GitHub code scanning limits (docs: "SARIF results exceed limit"): a run with more than 25,000
# results or a result with more than 1,000 locations is rejected; only 100 locations and 10 tags
# per rule are shown. We stay under the display limits and say when something was cut.
MAX_RESULTS = 25_000
MAX_RELATED = 100
MAX_TAGS = 10
# Characters left as they are in a relative URI reference path (RFC 3986 pchar plus "/").
_URI_SAFE = "/-._~!$&'()*+,;=:@"


def artifact_uri(path: str) -> str:
    """A repo-relative path as a URI reference: spaces, ``%``, ``#``, ``?`` and non-ASCII escaped.

    >>> artifact_uri("services/my svc/V1__init#1.sql")
    'services/my%20svc/V1__init%231.sql'
    """
    return quote(path, safe=_URI_SAFE)


def _location(loc: Location, message: str = "", index: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(loc.path), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": loc.line, "startColumn": loc.column},
        }
    }
    if index is not None:
        data["id"] = index
    if message:
        data["message"] = {"text": message}
    return data


def _rule(meta: RuleMeta) -> dict[str, Any]:
    first_paragraph = meta.help.strip().split("\n\n")[0].replace("**", "")
    properties: dict[str, Any] = {
        # The principle first: it is the tag people filter by; GitHub shows only the first ten.
        "tags": [meta.principle, *sorted(set(meta.tags) - {meta.principle})][:MAX_TAGS],
        "principle": meta.principle,
        "precision": "high",
        "problem.severity": {"error": "error", "warning": "warning", "note": "recommendation"}[
            meta.severity.value
        ],
    }
    if "security" in meta.tags:
        # GitHub reads security-severity only for security rules; others stay plain quality alerts.
        properties["security-severity"] = _SECURITY_SEVERITY[meta.severity]
    return {
        "id": meta.id,
        "name": "".join(part.capitalize() for part in meta.name.split("-")),
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": first_paragraph},
        "help": {"text": meta.help.strip(), "markdown": meta.help.strip()},
        "helpUri": f"{INFORMATION_URI}/blob/main/docs/rules.md#{meta.name}",
        "defaultConfiguration": {"level": meta.severity.value},
        "properties": properties,
    }


def _result(f: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index[f.rule_id],
        "level": f.severity.value,
        "message": {"text": f.message},
        "locations": [_location(f.location)],
        "partialFingerprints": {"archconform/v1": f.fingerprint},
        "properties": {"rule": f.rule, "subjects": list(f.subjects)},
    }
    if f.related:
        shown = f.related[:MAX_RELATED]
        data["relatedLocations"] = [_location(r.location, r.message, i) for i, r in enumerate(shown, 1)]
        if len(f.related) > MAX_RELATED:
            data["properties"]["relatedOmitted"] = len(f.related) - MAX_RELATED
    if f.baseline_state:
        data["baselineState"] = f.baseline_state
    if f.suppressed:
        # SARIF: a comment in the file is "inSource"; a waiver in archconform.yml is "external".
        kind = "external" if f.suppressed_by == "waiver" else "inSource"
        data["suppressions"] = [{"kind": kind, "status": "accepted", "justification": f.suppressed}]
    return data


def _notification(d: Diagnostic) -> dict[str, Any]:
    data: dict[str, Any] = {"level": _NOTIFICATION_LEVEL[str(d.level)], "message": {"text": d.message}}
    if d.path:
        data["locations"] = [_location(Location(d.path, max(d.line, 1)))]
    return data


def render_sarif(result: ScanResult) -> str:
    metas = sorted(result.rules, key=lambda m: m.id)
    known = {m.id for m in metas}
    # A finding from a rule not in the loaded list (a plugin that vanished) still needs metadata.
    for f in result.findings:
        if f.rule_id not in known:
            metas.append(RuleMeta(f.rule_id, f.rule, f.rule, f.severity, "unknown", f.rule))
            known.add(f.rule_id)
    rule_index = {m.id: i for i, m in enumerate(metas)}
    # Over GitHub's limit, keep the most severe findings (sort_key puts errors first).
    kept = sorted(result.findings, key=lambda f: f.sort_key)[:MAX_RESULTS]
    findings = sorted(kept, key=lambda f: (f.rule_id, f.location, f.subjects))
    notifications = [_notification(d) for d in sorted(result.diagnostics)]
    if len(result.findings) > MAX_RESULTS:
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{len(result.findings) - MAX_RESULTS} less severe findings left out of this "
                    f"SARIF file to stay within {MAX_RESULTS} results; the JSON report has them all."
                },
            }
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "archconform",
                "version": result.tool_version,
                "semanticVersion": result.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(m) for m in metas],
            }
        },
        "automationDetails": {"id": f"archconform/{result.root_name or 'scan'}/"},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The root of the scanned repository."}}},
        "invocations": [
            {
                "executionSuccessful": not any(
                    str(d.level) == "error" and not d.path for d in result.diagnostics
                ),
                "toolExecutionNotifications": notifications,
            }
        ],
        "results": [_result(f, rule_index) for f in findings],
        "columnKind": "unicodeCodePoints",
    }
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return fastjson.dumps(document)  # the bytes json.dumps(indent=2, sort_keys=True) writes
