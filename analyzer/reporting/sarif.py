"""``--sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Conventions: URIs are repo-relative with ``uriBaseId`` ``%SRCROOT%``; each rule carries its full
metadata (descriptions, Markdown help, default level, tags with its principle); each result has
a real physical location plus related locations for the rest of its evidence and
``partialFingerprints`` derived from the rule and the graph entities (never line numbers), so
code scanning tracks a finding across edits. Suppressed findings carry ``suppressions``;
baseline runs set ``baselineState``. Diagnostics go to ``toolExecutionNotifications``. Output
is sorted and byte-identical between runs.

GitHub profile (what code scanning reads, checked by ``tests/reporting/github_profile.py``):
``partialFingerprints.primaryLocationLineHash`` carries the graph identity (GitHub ignores other
keys and would otherwise hash the line text); related locations are linked from the message as
``[text](id)`` (GitHub hides unlinked ones); suppressed results are left out unless asked for;
``helpUri`` points at ``docs/rules/<name>.md`` in the repository; URIs are relative to the
repository root even when a subfolder was scanned; ``automationDetails.id`` is the configured
category or ``archconform/<scanned path>/``.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import quote

from analyzer.model import (
    ArchGraph,
    Diagnostic,
    Finding,
    Location,
    RuleMeta,
    ScanResult,
    Severity,
    SourceKind,
)
from analyzer.reporting import fastjson

INFORMATION_URI = "https://github.com/archconform/archconform"
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.NOTE: "2.0"}
_NOTIFICATION_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
# GitHub code scanning limits (docs: "SARIF results exceed limit"): a run with more than 25,000
# results or a result with more than 1,000 locations is rejected; only 100 locations and 10 tags
# per rule are shown. We stay under the display limits and say when something was cut.
MAX_RESULTS = 25_000
MAX_TAGS = 10
# Characters left as they are in a relative URI reference path (RFC 3986 pchar plus "/").
_URI_SAFE = "/-._~!$&'()*+,;=:@"


def artifact_uri(path: str) -> str:
    """A repo-relative path as a URI reference: spaces, ``%``, ``#``, ``?`` and non-ASCII escaped.

    >>> artifact_uri("services/my svc/V1__init#1.sql")
    'services/my%20svc/V1__init%231.sql'
    """
    return quote(path, safe=_URI_SAFE)


def _in_repo(prefix: str, path: str) -> str:
    return f"{prefix}/{path}" if prefix else path


def _location(loc: Location, message: str = "", index: int | None = None, prefix: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(_in_repo(prefix, loc.path)), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": loc.line, "startColumn": loc.column},
        }
    }
    if index is not None:
        data["id"] = index
    if message:
        data["message"] = {"text": message}
    return data


def help_uri(meta: RuleMeta) -> str:
    """The rule's page in this repository (``docs/rules/<name>.md``, written by ``rules docs
    --split``); a rule from elsewhere links to the rules index."""
    page = f"{meta.name}.md" if meta.id.startswith("AC") else "index.md"
    return f"{INFORMATION_URI}/blob/main/docs/rules/{page}"


def _escape(text: str) -> str:
    """SARIF message text: brackets are escaped so only our ``[text](id)`` links are links."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


# GitHub shows a related location only when the message links it; we link each one we include.
MAX_LINKED = 20


def _message(f: Finding, shown: int) -> str:
    """The message with the first ``shown`` related locations linked as ``[text](id)`` and the
    suggested change: GitHub shows related locations only when the message links them."""
    text = _escape(f.message.rstrip("."))
    if shown:
        links = ", ".join(
            f"[{_escape(r.message or 'evidence')}]({i})" for i, r in enumerate(f.related[:shown], 1)
        )
        rest = len(f.related) - shown
        more = f" and {rest} more related location{'s' if rest > 1 else ''}" if rest > 0 else ""
        text += f". Evidence: {links}{more}"
    if f.suggestion:
        text += f". Suggested change: {_escape(f.suggestion)}"
    return text


def _fixes(f: Finding, prefix: str) -> list[dict[str, Any]]:
    changes: dict[str, list[dict[str, Any]]] = {}
    for edit in f.fixes:
        changes.setdefault(edit.location.path, []).append(
            {
                "deletedRegion": {
                    "startLine": edit.location.line,
                    "startColumn": edit.location.column,
                    "endColumn": edit.end_column,
                },
                "insertedContent": {"text": edit.text},
            }
        )
    return (
        [
            {
                "description": {"text": f.suggestion.split(";")[0]},
                "artifactChanges": [
                    {
                        "artifactLocation": {
                            "uri": artifact_uri(_in_repo(prefix, path)),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "replacements": replacements,
                    }
                    for path, replacements in sorted(changes.items())
                ],
            }
        ]
        if changes
        else []
    )


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
        "helpUri": help_uri(meta),
        "defaultConfiguration": {"level": meta.severity.value},
        "properties": properties,
    }


def _result(f: Finding, rule_index: dict[str, int], prefix: str) -> dict[str, Any]:
    # Related locations outside the repository (a trace file given on the command line) cannot be
    # shown by a code-scanning viewer: they stay in the JSON report.
    in_repo = [r for r in f.related if not r.location.path.startswith("../")]
    related = in_repo[:MAX_LINKED]
    data: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index[f.rule_id],
        "level": f.severity.value,
        "message": {"text": _message(dataclasses.replace(f, related=tuple(in_repo)), len(related))},
        "locations": [_location(f.location, prefix=prefix)],
        "partialFingerprints": {
            # GitHub keys alerts on this one: our graph identity, so moving code keeps the alert.
            "primaryLocationLineHash": f"{f.fingerprint[:16]}:1",
            "archconform/v1": f.fingerprint,
        },
        "properties": {"rule": f.rule, "subjects": list(f.subjects)},
    }
    if related:
        data["relatedLocations"] = [
            _location(r.location, r.message, i, prefix) for i, r in enumerate(related, 1)
        ]
        if len(f.related) > len(related):
            data["properties"]["relatedOmitted"] = len(f.related) - len(related)
    if f.suggestion:
        data["properties"]["suggestion"] = f.suggestion
    fixes = _fixes(f, prefix)
    if fixes:
        data["fixes"] = fixes
    if f.baseline_state:
        data["baselineState"] = f.baseline_state
    if f.suppressed:
        # SARIF: a comment in the file is "inSource"; a waiver in archconform.yml is "external".
        kind = "external" if f.suppressed_by == "waiver" else "inSource"
        data["suppressions"] = [{"kind": kind, "status": "accepted", "justification": f.suppressed}]
    return data


def _notification(d: Diagnostic, prefix: str) -> dict[str, Any]:
    data: dict[str, Any] = {"level": _NOTIFICATION_LEVEL[str(d.level)], "message": {"text": d.message}}
    if d.path and not d.path.startswith("../"):
        data["locations"] = [_location(Location(d.path, max(d.line, 1)), prefix=prefix)]
    return data


def _trace_paths(graph: ArchGraph) -> set[str]:
    paths = {ev.location.path for n in graph.nodes() for ev in n.evidence if ev.source == SourceKind.TRACE}
    paths |= {ev.location.path for e in graph.edges() for ev in e.evidence if ev.source == SourceKind.TRACE}
    return paths


def anchor_on_repository(f: Finding, graph: ArchGraph, trace_paths: set[str]) -> Finding:
    """A finding seen only in a trace export points at the repository file that declares the
    caller (a code-scanning alert on a trace file helps nobody); the message names the trace."""
    if f.location.path not in trace_paths:
        return f
    services = [s for s in f.subjects if s.startswith("service:") and s in graph]
    callers = [
        e.source
        for s in services
        for e in graph.out_edges(s)
        if any(ev.location == f.location for ev in e.evidence)
    ]
    for candidate in [*callers, *services]:
        static = [ev for ev in graph.node(candidate).evidence if ev.source != SourceKind.TRACE]
        if static:
            return dataclasses.replace(
                f,
                location=min(static, key=lambda ev: ev.rank).location,
                message=f"{f.message} (observed in trace file {f.location.path})",
            )
    return f


def automation_id(result: ScanResult) -> str:
    """The code-scanning category: configured, or ``archconform/<scanned path>/`` (stable across
    machines: the path inside the repository, never the folder's absolute name)."""
    if result.automation_id:
        return result.automation_id if result.automation_id.endswith("/") else result.automation_id + "/"
    return f"archconform/{result.repo_prefix}/" if result.repo_prefix else "archconform/"


def render_sarif(result: ScanResult, include_suppressed: bool = False) -> str:
    metas = sorted(result.rules, key=lambda m: m.id)
    known = {m.id for m in metas}
    # A finding from a rule not in the loaded list (a plugin that vanished) still needs metadata.
    for f in result.findings:
        if f.rule_id not in known:
            metas.append(RuleMeta(f.rule_id, f.rule, f.rule, f.severity, "unknown", f.rule))
            known.add(f.rule_id)
    rule_index = {m.id: i for i, m in enumerate(metas)}
    # Over GitHub's limit, keep the most severe findings (sort_key puts errors first).
    shown = result.findings if include_suppressed else result.active_findings
    traces = _trace_paths(result.graph)
    kept = [anchor_on_repository(f, result.graph, traces) for f in sorted(shown, key=lambda f: f.sort_key)]
    kept = kept[:MAX_RESULTS]
    findings = sorted(kept, key=lambda f: (f.rule_id, f.location, f.subjects))
    prefix = result.repo_prefix
    notifications = [_notification(d, prefix) for d in sorted(result.diagnostics)]
    by_name = {m.name: m for m in metas}
    for name in result.failed_rules:
        note: dict[str, Any] = {
            "level": "error",
            "message": {"text": f"rule '{name}' failed to load or evaluate; its findings are missing"},
        }
        if name in by_name:
            note["associatedRule"] = {"id": by_name[name].id, "index": rule_index[by_name[name].id]}
        notifications.append(note)
    if len(shown) > MAX_RESULTS:
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{len(shown) - MAX_RESULTS} less severe findings left out of this "
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
        "automationDetails": {"id": automation_id(result)},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The root of the scanned repository."}}},
        "invocations": [
            {
                "executionSuccessful": not result.failed_rules
                and not any(str(d.level) == "error" and not d.path for d in result.diagnostics),
                "toolExecutionNotifications": notifications,
            }
        ],
        "results": [_result(f, rule_index, prefix) for f in findings],
        "columnKind": "unicodeCodePoints",
    }
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return fastjson.dumps(document)  # the bytes json.dumps(indent=2, sort_keys=True) writes
