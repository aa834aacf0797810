"""``--json``: the contract other tools rely on (see the README, "JSON output").

Deterministic: nodes and edges in id order, evidence in rank order, keys sorted.
"""

from __future__ import annotations

from typing import Any

from analyzer.model import ArchGraph, Evidence, Finding, ScanResult
from analyzer.reporting import fastjson


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _evidence(items: tuple[Evidence, ...]) -> list[dict[str, object]]:
    return [e.to_json() for e in items]


def graph_json(graph: ArchGraph) -> dict[str, Any]:
    nodes = [
        {
            "id": n.id,
            "kind": str(n.kind),
            "name": n.name,
            "attrs": {k: _plain(v) for k, v in sorted(n.attrs.items()) if v is not None},
            "evidence": _evidence(n.evidence),
        }
        for n in graph.nodes()
    ]
    edges = [
        {
            "source": e.source,
            "target": e.target,
            "kind": str(e.kind),
            **({"key": e.key} if e.key else {}),
            "attrs": {k: _plain(v) for k, v in sorted(e.attrs.items()) if v is not None},
            "evidence": _evidence(e.evidence),
        }
        for e in graph.edges()
    ]
    return {"nodes": nodes, "edges": edges}


def finding_json(f: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rule_id": f.rule_id,
        "rule": f.rule,
        "severity": str(f.severity),
        "message": f.message,
        "subjects": list(f.subjects),
        "location": {"path": f.location.path, "line": f.location.line, "column": f.location.column},
        "related": [
            {
                "path": r.location.path,
                "line": r.location.line,
                "column": r.location.column,
                "message": r.message,
            }
            for r in f.related
        ],
        "fingerprint": f.fingerprint,
    }
    if f.suggestion:
        data["suggestion"] = f.suggestion
    if f.fixes:
        data["fixes"] = [
            {
                "path": e.location.path,
                "line": e.location.line,
                "column": e.location.column,
                "end_column": e.end_column,
                "text": e.text,
            }
            for e in f.fixes
        ]
    if f.baseline_state:
        data["baseline_state"] = f.baseline_state
    if f.suppressed:
        data["suppressed"] = f.suppressed
        if f.suppressed_by:
            data["suppressed_by"] = f.suppressed_by
    return data


def render_json(result: ScanResult) -> str:
    data: dict[str, Any] = {
        "tool": {"name": "archconform", "version": result.tool_version},
        "graph": graph_json(result.graph),
        "findings": [finding_json(f) for f in sorted(result.findings, key=lambda f: f.sort_key)],
        "diagnostics": [d.to_json() for d in sorted(result.diagnostics)],
        "rules": [
            {
                "id": m.id,
                "name": m.name,
                "title": m.title,
                "severity": str(m.severity),
                "principle": m.principle,
            }
            for m in sorted(result.rules, key=lambda m: m.id)
        ],
    }
    if result.absent:
        data["absent"] = result.absent
    if result.failed_rules:
        data["failed_rules"] = list(result.failed_rules)
    if result.not_read:
        data["not_read"] = [{"kind": kind, "files": count} for kind, count in result.not_read]
    data["scan"] = {
        "config": result.config_path,
        "hidden_test_findings": result.hidden_test_findings,
        "merged_duplicates": result.merged_duplicates,
    }
    return fastjson.dumps(data)  # the bytes json.dumps(indent=2, sort_keys=True) writes
