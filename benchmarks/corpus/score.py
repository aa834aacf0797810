"""Score archconform's JSON output against our own labels (`labels/<system>.yaml`, see LABELS.md).

Per system and in total (micro-averaged: summed TP/FP/FN): precision, recall and F1 for services,
datastores, brokers, platform components and clients (scored apart), service→datastore,
service→service (undirected; directed as a secondary figure) and service→broker pairs; for findings the
recall of `must` and of `should` labels, the `must_not` labels that were reported, and duplicate findings.

Reading archconform's output: `service`, `datastore`, `broker`, `platform` and `client` nodes are
components; `database` and `table` fold into their datastore (`contains` edges, else `attrs.datastore`),
`topic` into its broker (`contains`, else `attrs.broker`, else the only broker), `operation` and `endpoint`
into their service (`part_of`). Flows are the edge kinds in FLOW_KINDS, lifted to those components.
Platform components take part in service→service flows (gateway routes, config and registry clients) and,
like services, in service→datastore and service→broker flows; clients take part in none. The service→service
pairs that touch a platform component are also scored on their own ("of which platform"), so the figure for
calls between services can be told from the one for platform wiring.

Matching names (both sides lowercased to letters and digits): a predicted component first takes the label
of its own kind with the same name, then one sharing any name or alias with it (its `attrs.aliases` and
the label's `aliases`; when two outputs name one label, the more direct name wins and the other is a
duplicate), then one whose name is the same after removing one common suffix, when that match is unique
on both sides; then the same three steps across kinds, so that a gateway labelled `platform` but
reported as a service still carries its edges (it counts as a false service and a missed platform).

A finding label matches a reported finding of the same rule (name or id) whose subjects or message
mention every subject of the label, or whose location path is the label's `path`.

    python benchmarks/corpus/score.py --run build/corpus/latest [--section latest] [--verbose]
    python benchmarks/corpus/score.py --labels L.yaml --output report.json --verbose   # one system

Standard library and PyYAML only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
RESULTS_JSON = HERE / "results.json"

PLATFORM_EDGE_KINDS = frozenset({"routes_to", "configured_by", "registers_with", "reports_to"})
FLOW_KINDS = (
    frozenset({"calls", "publishes", "consumes", "connects", "reads", "writes"}) | PLATFORM_EDGE_KINDS
)
COMPONENT_KINDS = ("service", "datastore", "broker", "platform", "client")
COMPUTE = frozenset({"service", "platform"})
SUFFIXES = (
    "microservice",
    "application",
    "database",
    "service",
    "server",
    "api",
    "app",
    "svc",
    "srv",
    "db",
    "ms",
)

NODE_CATEGORIES = {
    "services": "service",
    "datastores": "datastore",
    "brokers": "broker",
    "platform": "platform",
    "clients": "client",
}
EDGE_CATEGORIES = ("svc_ds", "svc_svc", "svc_svc_directed", "svc_platform", "svc_broker")
CATEGORIES = (*NODE_CATEGORIES, *EDGE_CATEGORIES)
CATEGORY_TITLES = {
    "services": "services",
    "datastores": "datastores",
    "brokers": "brokers",
    "platform": "platform",
    "clients": "clients",
    "svc_ds": "svc→ds",
    "svc_svc": "svc→svc",
    "svc_svc_directed": "svc→svc (directed)",
    "svc_platform": "of which platform",
    "svc_broker": "svc→broker",
}


def norm(name: object) -> str:
    """Lowercase letters and digits only: `Catalog-Service` -> `catalogservice`."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def stem(key: str) -> str:
    """`key` without one common suffix (`catalogservice` -> `catalog`), when something is left."""
    for suffix in SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)]
    return key


@dataclass
class Side:
    """Components (keyed per side) with their kind, display name and every normalised name; flows."""

    kind: dict[str, str] = field(default_factory=dict)
    label: dict[str, str] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)  # primary name first
    edges: set[tuple[str, str]] = field(default_factory=set)

    def add(self, key: str, kind: str, name: str, aliases: list[Any] | tuple[Any, ...] = ()) -> str:
        if key not in self.kind:
            self.kind[key], self.label[key], self.names[key] = kind, name, []
        for n in (name, *aliases):
            k = norm(n)
            if k and k not in self.names[key]:
                self.names[key].append(k)
        return key


# ---------------------------------------------------------------- reading both sides


def read_labels(labels: dict[str, Any]) -> tuple[Side, list[str]]:
    """The labelled side; returns it with warnings about edges naming unknown components."""
    side, warnings = Side(), []
    sections = (("services", "service"), ("clients", "client"), ("datastores", "datastore"))
    sections += (("brokers", "broker"), ("platform", "platform"))
    for section, kind in sections:
        for item in labels.get(section) or []:
            side.add(f"{kind}:{norm(item['name'])}", kind, str(item["name"]), item.get("aliases") or ())

    def find(name: object, prefer: tuple[str, ...]) -> str:
        key = norm(name)
        hits = [k for k, names in side.names.items() if key in names]
        hits.sort(key=lambda k: (side.kind[k] not in prefer, side.names[k][0] != key, k))
        if hits:
            return hits[0]
        warnings.append(f"edge names {name!r}, which is no labelled component")
        return side.add(f"{prefer[0]}:{key}", prefer[0], str(name))

    for e in labels.get("service_datastore") or []:
        side.edges.add((find(e["service"], ("service", "platform")), find(e["datastore"], ("datastore",))))
    for e in labels.get("service_service") or []:
        side.edges.add((find(e["from"], ("service", "platform")), find(e["to"], ("service", "platform"))))
    for e in labels.get("service_broker") or []:
        svc, broker = find(e["service"], ("service", "platform")), find(e["broker"], ("broker",))
        side.edges.add((broker, svc) if e.get("direction") == "consumes" else (svc, broker))
    return side, warnings


def read_output(data: dict[str, Any]) -> Side:
    """archconform's `--json` output, folded to components and the flows between them."""
    graph = data.get("graph") or {}
    nodes = {str(n["id"]): n for n in graph.get("nodes") or [] if isinstance(n, dict) and "id" in n}
    edges = [e for e in graph.get("edges") or [] if isinstance(e, dict)]
    parent: dict[str, str] = {}
    owner: dict[str, str] = {}
    for e in edges:
        if e.get("kind") == "contains":
            parent.setdefault(str(e.get("target")), str(e.get("source")))
        elif e.get("kind") == "part_of":
            owner.setdefault(str(e.get("source")), str(e.get("target")))
    by_name = {(str(n.get("kind")), norm(n.get("name") or nid)): nid for nid, n in nodes.items()}
    brokers = [nid for nid, n in nodes.items() if n.get("kind") == "broker"]
    side = Side()
    memo: dict[str, str] = {}

    def climb(nid: str, want: str) -> str | None:
        seen, cur = set(), nid
        while cur in parent and cur not in seen:
            seen.add(cur)
            cur = parent[cur]
            if nodes.get(cur, {}).get("kind") == want:
                return cur
        return None

    def resolve(nid: str) -> str:
        if nid not in memo:
            memo[nid] = ""
            memo[nid] = _resolve(nid)
        return memo[nid]

    def _resolve(nid: str) -> str:
        n = nodes.get(nid)
        if n is None:
            return ""
        kind, attrs = str(n.get("kind")), n.get("attrs") or {}
        name = str(n.get("name") or nid.split(":", 1)[-1])
        if kind in COMPONENT_KINDS:
            aliases = attrs.get("aliases") or ()
            return side.add(nid, kind, name, aliases if isinstance(aliases, (list, tuple)) else (aliases,))
        if kind in ("database", "table"):
            found = climb(nid, "datastore") or by_name.get(("datastore", norm(attrs.get("datastore") or "")))
            if found:
                return resolve(found)
            ref = str(attrs.get("datastore") or attrs.get("database") or name)
            return side.add(f"datastore:{ref}", "datastore", ref)
        if kind == "topic":
            found = climb(nid, "broker") or by_name.get(("broker", norm(attrs.get("broker") or "")))
            if found is None and len(brokers) == 1:
                found = brokers[0]
            if found:
                return resolve(found)
            ref = str(attrs.get("broker") or attrs.get("technology") or "broker")
            return side.add(f"broker:{ref}", "broker", ref)
        if kind in ("operation", "endpoint") and nid in owner:
            return resolve(owner[nid])
        return ""

    for nid in nodes:
        resolve(nid)
    for e in edges:
        if e.get("kind") in FLOW_KINDS:
            s, d = resolve(str(e.get("source"))), resolve(str(e.get("target")))
            if s and d and s != d:
                side.edges.add((s, d))
    return side


# ---------------------------------------------------------------- alignment and categories


def align(truth: Side, pred: Side) -> dict[str, str]:
    """Predicted key -> labelled key, one to one (see the module docstring for the order of steps)."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()

    def rank(t: str, p: str) -> tuple[int, str]:
        """How directly `p` names `t`: its primary name as the label's name, then as an earlier alias."""
        names = truth.names[t]
        primary = pred.names[p][0] if pred.names[p] else ""
        return (names.index(primary) if primary in names else len(names), p)

    def step(same_kind: bool, keys_of: Any, unique: bool) -> None:
        free = [t for t in sorted(truth.kind) if t not in taken]
        wanted: dict[str, list[str]] = {}
        for p in sorted(pred.kind):
            if p in mapping:
                continue
            mine = keys_of(pred, p)
            hits = [
                t
                for t in free
                if (not same_kind or truth.kind[t] == pred.kind[p]) and mine & keys_of(truth, t)
            ]
            if len(hits) == 1:
                wanted.setdefault(hits[0], []).append(p)
        for t, ps in wanted.items():
            # Two outputs naming one labelled component: the one that names it most directly matches,
            # the other is a duplicate (a false positive). A suffix-stripped name must be unique.
            if len(ps) == 1 or not unique:
                mapping[min(ps, key=lambda p: rank(t, p))] = t
                taken.add(t)

    for same_kind in (True, False):
        step(same_kind, lambda side, k: {side.names[k][0]} if side.names[k] else set(), False)
        step(same_kind, lambda side, k: set(side.names[k]), False)
        step(same_kind, lambda side, k: {stem(n) for n in side.names[k]}, True)
    return mapping


def edge_category(kinds: tuple[str, str]) -> str | None:
    a, b = kinds
    if a in COMPUTE and b in COMPUTE:
        return "svc_svc"
    for other, cat in (("datastore", "svc_ds"), ("broker", "svc_broker")):
        if (a in COMPUTE and b == other) or (b in COMPUTE and a == other):
            return cat
    return None


def categorise(side: Side, kind_of: dict[str, str], rename: dict[str, str]) -> dict[str, set[Any]]:
    """Node and edge sets per category; `rename` maps this side's keys to shared keys."""
    cats: dict[str, set[Any]] = {c: set() for c in CATEGORIES}
    for key, kind in side.kind.items():
        for cat, k in NODE_CATEGORIES.items():
            if kind == k:
                cats[cat].add(rename.get(key, key))
    for s, d in side.edges:
        a, b = rename.get(s, s), rename.get(d, d)
        cat = edge_category((kind_of[a], kind_of[b]))
        if cat is None or a == b:
            continue
        cats[cat].add(tuple(sorted((a, b))))
        if cat == "svc_svc":
            cats["svc_svc_directed"].add((a, b))
            if "platform" in (kind_of[a], kind_of[b]):  # routes, registrations, config and telemetry
                cats["svc_platform"].add(tuple(sorted((a, b))))
    return cats


# ---------------------------------------------------------------- findings


def _rule_matches(label_rule: str, finding: dict[str, Any]) -> bool:
    return norm(label_rule) in {norm(finding.get("rule", "")), norm(finding.get("rule_id", ""))}


def _mentioned(names: set[str], finding: dict[str, Any], nodes: dict[str, Any]) -> bool:
    tokens: set[str] = set()
    for sid in finding.get("subjects") or []:
        tokens.add(norm(sid))
        tokens.update(norm(part) for part in re.split(r"[:/]", str(sid))[1:])
        node = nodes.get(str(sid))
        if node:
            tokens.add(norm(node.get("name", "")))
            tokens.update(norm(a) for a in (node.get("attrs") or {}).get("aliases") or ())
    message = norm(finding.get("message", ""))
    return any(n in tokens or (len(n) >= 3 and n in message) for n in names)


def score_findings(
    labels: dict[str, Any],
    output: dict[str, Any],
    truth: Side,
    pred: Side,
    mapping: dict[str, str],
    strip: str,
) -> dict[str, Any]:
    """must/should recall, must_not hits and duplicates; `strip` is a path prefix to drop from label paths."""
    findings = [f for f in output.get("findings") or [] if not f.get("suppressed")]
    nodes = {str(n.get("id")): n for n in (output.get("graph") or {}).get("nodes") or []}
    inverse = {t: p for p, t in mapping.items()}

    def names_of(subject: object) -> set[str]:
        key = norm(subject)
        out = {key}
        for t, names in truth.names.items():
            if key in names:
                out.update(names)
                if t in inverse:
                    out.update(pred.names.get(inverse[t], ()))
                    out.add(norm(inverse[t]))
        return out

    levels: dict[str, dict[str, list[str]]] = {
        lv: {"hit": [], "miss": []} for lv in ("must", "should", "must_not")
    }
    for lab in labels.get("findings") or []:
        path = str(lab.get("path") or "")
        if strip and path.startswith(strip):
            path = path[len(strip) :]
        subjects = [names_of(s) for s in lab.get("subjects") or []]
        hit = False
        for f in findings:
            if not _rule_matches(str(lab.get("rule", "")), f):
                continue
            by_subject = bool(subjects) and all(_mentioned(s, f, nodes) for s in subjects)
            by_path = bool(path) and (f.get("location") or {}).get("path") == path
            if by_subject or by_path or (not subjects and not path):
                hit = True
                break
        subj = "/".join(map(str, lab.get("subjects") or []))
        desc = f"{lab.get('rule')} {subj} {lab.get('path') or ''}".strip()
        levels[str(lab.get("level", "should"))]["hit" if hit else "miss"].append(desc)

    def loc(f: dict[str, Any]) -> tuple[str, int]:
        location = f.get("location") or {}
        return str(location.get("path")), int(location.get("line") or 0)

    exact = Counter((f.get("rule"), tuple(sorted(f.get("subjects") or [])), *loc(f)) for f in findings)
    line = Counter((f.get("rule"), *loc(f)) for f in findings)
    return {
        "must": [len(levels["must"]["hit"]), len(levels["must"]["hit"]) + len(levels["must"]["miss"])],
        "should": [
            len(levels["should"]["hit"]),
            len(levels["should"]["hit"]) + len(levels["should"]["miss"]),
        ],
        "must_not": [
            len(levels["must_not"]["hit"]),
            len(levels["must_not"]["hit"]) + len(levels["must_not"]["miss"]),
        ],
        "missed_must": levels["must"]["miss"],
        "missed_should": levels["should"]["miss"],
        "must_not_hits": levels["must_not"]["hit"],
        "duplicates_same_subjects_location": sum(n - 1 for n in exact.values()),
        "duplicates_same_line": sum(n - 1 for n in line.values()),
        "reported": len(findings),
    }


# ---------------------------------------------------------------- one system


def score_system(labels: dict[str, Any], output: dict[str, Any], subdir: str = "") -> dict[str, Any]:
    """Score one system's output against its labels. Returns counts and the missed / false items.

    `subdir` is the folder the system was scanned from; label paths relative to the repository lose it.
    """
    truth, warnings = read_labels(labels)
    pred = read_output(output)
    mapping = align(truth, pred)
    kind_of = dict(truth.kind)
    for p, kind in pred.kind.items():
        kind_of.setdefault(mapping.get(p, p), kind)
    display = {**{mapping.get(k, k): v for k, v in pred.label.items()}, **truth.label}
    gt, pc = categorise(truth, kind_of, {}), categorise(pred, kind_of, mapping)

    def show(items: set[Any], directed: bool) -> list[str]:
        arrow = " -> " if directed else " -- "
        return sorted(
            arrow.join(display.get(k, k) for k in i) if isinstance(i, tuple) else display.get(i, i)
            for i in items
        )

    cats = {}
    for cat in CATEGORIES:
        g, p = gt[cat], pc[cat]
        cats[cat] = {
            "gt": len(g),
            "pred": len(p),
            "tp": len(g & p),
            "fp": len(p - g),
            "fn": len(g - p),
            "fp_items": show(p - g, cat == "svc_svc_directed"),
            "fn_items": show(g - p, cat == "svc_svc_directed"),
        }
    strip = ""
    if subdir and labels.get("paths_relative_to", "repository") == "repository":
        strip = subdir.rstrip("/") + "/"
    return {
        "categories": cats,
        "findings": score_findings(labels, output, truth, pred, mapping, strip),
        "mapping": {
            pred.label[p]: truth.label[t]
            for p, t in sorted(mapping.items())
            if norm(pred.label[p]) != norm(truth.label[t])
        },
        "warnings": warnings,
    }


def prf(tp: int, fp: int, fn: int) -> tuple[float | None, float | None, float | None]:
    """Precision, recall, F1; None where undefined (nothing predicted / nothing labelled / neither)."""
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return p, r, f


def total(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Micro-averaged categories and summed finding counts over several systems."""
    cats = {
        cat: {k: sum(r["categories"][cat][k] for r in results) for k in ("gt", "pred", "tp", "fp", "fn")}
        for cat in CATEGORIES
    }
    fnd: dict[str, Any] = {}
    for key in ("must", "should", "must_not"):
        fnd[key] = [sum(r["findings"][key][0] for r in results), sum(r["findings"][key][1] for r in results)]
    for key in ("duplicates_same_subjects_location", "duplicates_same_line", "reported"):
        fnd[key] = sum(r["findings"][key] for r in results)
    return {"categories": cats, "findings": fnd}


# ---------------------------------------------------------------- a run: every labelled system


def load_labels(dirs: list[Path]) -> dict[str, dict[str, Any]]:
    """system name -> its labels, from every `*.yaml` in the given folders (later folders win)."""
    out: dict[str, dict[str, Any]] = {}
    for d in dirs:
        for path in sorted(d.glob("*.yaml")) if d.is_dir() else [d] if d.is_file() else []:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                out[str(data.get("system") or path.stem)] = data
    return out


def score_run(run_dir: Path, labels: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Score every labelled system of a saved run (`run.json` + `<name>/report.json`)."""
    meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    systems: dict[str, Any] = {}
    for o in meta["outcomes"]:
        if o["group"] != "corpus" or o["name"] not in labels:
            continue
        report = run_dir / o["name"] / "report.json"
        try:
            output = json.loads(report.read_text(encoding="utf-8"))
            note = ""
        except (OSError, ValueError):  # a crash found nothing: every label counts as missed
            output, note = {"graph": {"nodes": [], "edges": []}, "findings": []}, "no output: scored as empty"
        res = score_system(labels[o["name"]], output, o.get("subdir") or "")
        if note:
            res["warnings"].append(note)
        if labels[o["name"]].get("commit") not in (None, o["commit"]):
            res["warnings"].append(
                f"labels describe {labels[o['name']]['commit']}, the run scanned {o['commit']}"
            )
        systems[o["name"]] = res
    return {"meta": meta, "systems": systems, "total": total(list(systems.values()))}


def print_verbose(name: str, res: dict[str, Any]) -> None:
    print(f"# {name}")
    for w in res["warnings"]:
        print(f"  warning: {w}")
    if res["mapping"]:
        print("  matched under another name: " + ", ".join(f"{k} -> {v}" for k, v in res["mapping"].items()))
    for cat in CATEGORIES:
        c = res["categories"][cat]
        f = prf(c["tp"], c["fp"], c["fn"])[2]
        print(f"  {CATEGORY_TITLES[cat]:20} tp {c['tp']:3} fp {c['fp']:3} fn {c['fn']:3}  F1 {fmt(f)}")
        for item in c["fn_items"]:
            print(f"      missed {item}")
        for item in c["fp_items"]:
            print(f"      false  {item}")
    fnd = res["findings"]
    for key, title in (
        ("missed_must", "missed must"),
        ("missed_should", "missed should"),
        ("must_not_hits", "must_not reported"),
    ):
        for item in fnd[key]:
            print(f"  {title}: {item}")


def fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", type=Path, help="a run folder written by run.py (run.json, <name>/report.json)")
    ap.add_argument("--section", help="RESULTS.md section to write: latest or baseline (default: the run's)")
    ap.add_argument("--labels", type=Path, action="append", help="label folder or file (default labels/)")
    ap.add_argument("--output", type=Path, help="with one --labels file: score this report.json")
    ap.add_argument("--subdir", default="", help="with --output: the folder that was scanned")
    ap.add_argument("--verbose", "-v", action="store_true", help="list every missed and false item")
    ap.add_argument("--no-results", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args(argv)
    labels = load_labels(args.labels or [HERE / "labels"])
    if args.output:
        if len(labels) != 1:
            ap.error("--output needs exactly one label file")
        ((name, lab),) = labels.items()
        res = score_system(lab, json.loads(args.output.read_text(encoding="utf-8")), args.subdir)
        print_verbose(name, res) if args.verbose else print(json.dumps(res["categories"], indent=1))
        return 0
    if args.run is None:
        ap.error("give --run DIR (or --labels FILE --output report.json)")
    scored = score_run(args.run, labels)
    import results  # a sibling script, needed only here (it imports this module)

    section = args.section or scored["meta"].get("section", "latest")
    text = results.render_section(section, scored, args.run)
    if args.verbose:
        for name, res in scored["systems"].items():
            print_verbose(name, res)
    print(text)
    if not args.no_results:
        results.write(section, text, results.figures(scored, args.run), RESULTS, RESULTS_JSON)
        print(f"wrote {RESULTS} ({section}) and {RESULTS_JSON}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
