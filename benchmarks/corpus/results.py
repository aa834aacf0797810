"""RESULTS.md and results.json: one section per kind of run ("latest", "baseline"), replaced in place.

A section holds what was measured (archconform commit, date, machine), the own-label figures per system
and in total, the findings figures, each scan's crash / seconds / peak RSS, and the microSecEnD figures
in both tiers. Other sections are kept as they are, so the baseline stays while later runs replace "latest".
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import score

HEADER = """# Corpus results

Written by `make corpus` (`benchmarks/corpus/run.py`, then `score.py`); how to run it is in
[README.md](README.md). Each section below is replaced by the next run of its kind; "Baseline" is the
code before the corpus round, kept for comparison. Cells are `P/R/F1 [labelled items]` (— where
undefined); totals are micro-averaged (summed TP/FP/FN). Peak RSS is the scan process's own
(`wait4` rusage: the largest of it and the workers it waited for). Seconds are wall time on whatever else the
machine was doing (the cores may be shared): compare them within a section, loosely across sections.

microSecEnD apps are scored with `../shared/corpus/msecend_score.py` against their third-party ground
truth. That script knows only service/datastore/broker/external nodes, so it reads a translated copy of
archconform's JSON: `platform` nodes (config server, registry, gateway, ...) become `service` nodes keeping
their role attributes (the ground truth draws them as services), the platform edge kinds (`routes_to`,
`configured_by`, `registers_with`, `reports_to`) become `calls`, and `client` nodes are dropped, as are
embedded stores (`attrs.embedded`: H2, HSQLDB, SQLite in the service's own process) with what they contain —
the ground truth's diagrams never draw an in-process database (our own labels do, and are scored with them).
"""

ORDER = ("latest", "history", "baseline")  # history: kept by hand, one row per measured commit


def cell(c: dict[str, int]) -> str:
    if c["gt"] == 0 and c["pred"] == 0:
        return "—"
    return "/".join(score.fmt(x) for x in score.prf(c["tp"], c["fp"], c["fn"])) + f" [{c['gt']}]"


def ratio(pair: list[int]) -> str:
    hit, n = pair
    return f"{hit}/{n}" + (f" ({hit / n:.2f})" if n else "")


def msecend_totals(run_dir: Path, meta: dict[str, Any]) -> dict[str, dict[str, dict[str, int]]]:
    """Summed counts per tier and category over the microSecEnD apps scored in this run."""
    tiers: dict[str, dict[str, dict[str, int]]] = {}
    for o in meta["outcomes"]:
        path = run_dir / o["name"] / "msecend-score.json"
        if o["group"] != "msecend" or not path.is_file():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for tier, cats in data["tiers"].items():
            for cat, c in cats.items():
                if isinstance(c, dict):
                    acc = tiers.setdefault(tier, {}).setdefault(
                        cat, {"gt": 0, "pred": 0, "tp": 0, "fp": 0, "fn": 0}
                    )
                    for k in acc:
                        acc[k] += c[k]
    return tiers


def figures(scored: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """The numbers of a section, for results.json."""
    meta = {k: v for k, v in scored["meta"].items() if k != "outcomes"}
    runs = {
        o["name"]: {
            k: o[k]
            for k in ("group", "exit_code", "crash", "crash_reason", "seconds", "peak_rss_mb", "findings")
        }
        | {"missing_blobs": len(o["missing_blobs"]), "error": o["error"]}
        for o in scored["meta"]["outcomes"]
    }

    def with_prf(c: dict[str, int]) -> dict[str, Any]:
        p, r, f = score.prf(c["tp"], c["fp"], c["fn"])
        return {**{k: c[k] for k in ("gt", "pred", "tp", "fp", "fn")}, "precision": p, "recall": r, "f1": f}

    systems = {
        name: {
            "categories": {cat: with_prf(c) for cat, c in res["categories"].items()},
            "findings": res["findings"],
        }
        for name, res in scored["systems"].items()
    }
    tot = scored["total"]
    msec = msecend_totals(run_dir, scored["meta"])
    return {
        "meta": meta,
        "runs": runs,
        "systems": systems,
        "total": {
            "categories": {c: with_prf(v) for c, v in tot["categories"].items()},
            "findings": tot["findings"],
        },
        "msecend": {tier: {cat: with_prf(c) for cat, c in cats.items()} for tier, cats in msec.items()},
    }


def shorten(path: Path, root: Path) -> str:
    """A path relative to the checkout when it lies inside it."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def own_label_tables(out: list[str], scored: dict[str, Any]) -> None:
    """Components, flows and findings per labelled system, with the micro-averaged total."""
    systems = scored["systems"]
    cats = list(score.CATEGORIES)
    out.append("| system | " + " | ".join(score.CATEGORY_TITLES[c] for c in cats) + " |")
    out.append("|---" * (len(cats) + 1) + "|")
    for name, res in systems.items():
        out.append(f"| {name} | " + " | ".join(cell(res["categories"][c]) for c in cats) + " |")
    out.append("| **total** | " + " | ".join(cell(scored["total"]["categories"][c]) for c in cats) + " |")
    out += ["", "### Findings", ""]
    out.append(
        "| system | must recall | should recall | must_not reported | duplicates (rule+subjects+location) "
        "| duplicates (rule+line) | findings |"
    )
    out.append("|---|---|---|---|---|---|---|")
    rows = [(n, r["findings"]) for n, r in systems.items()]
    rows.append(("**total**", scored["total"]["findings"]))
    for name, f in rows:
        out.append(
            f"| {name} | {ratio(f['must'])} | {ratio(f['should'])} "
            f"| {f['must_not'][0]} of {f['must_not'][1]} "
            f"| {f['duplicates_same_subjects_location']} | {f['duplicates_same_line']} | {f['reported']} |"
        )


def render_section(section: str, scored: dict[str, Any], run_dir: Path) -> str:
    meta, systems = scored["meta"], scored["systems"]
    out = [f"## {section.capitalize()}", ""]
    out.append(f"- archconform commit measured: `{meta['analyzer_commit']}` ({meta['analyzer_root']})")
    out.append(
        f"- date: {meta['date']}; machine: {meta['machine']}; scans in parallel: {meta.get('jobs', 1)}"
    )
    shown = shorten(run_dir, score.HERE.parents[1])
    out.append(f"- run folder: `{shown}` (rescore: `python benchmarks/corpus/run.py --rescore {shown}`)")
    corpus = [o for o in meta["outcomes"] if o["group"] == "corpus"]
    unlabelled = [o["name"] for o in corpus if o["name"] not in systems]
    out += ["", "### Own labels", ""]
    if unlabelled:
        out += [f"Not scored (no labels yet): {', '.join(unlabelled)}.", ""]
    if systems:
        own_label_tables(out, scored)
    out += ["", "### Scans", ""]
    out.append(
        "| system | group | crash | exit | seconds | peak MB | findings | blobs missing from the mirror |"
    )
    out.append("|---|---|---|---|---|---|---|---|")
    for o in meta["outcomes"]:
        crash = o["error"] or (f"**{o['crash_reason']}**" if o["crash"] else "no")
        out.append(
            f"| {o['name']} | {o['group']} | {crash} | {o['exit_code']} | {o['seconds']} "
            f"| {o['peak_rss_mb']} "
            f"| {o['findings']} | {len(o['missing_blobs'])} |"
        )
    crashes = sum(bool(o["crash"] or o["error"]) for o in meta["outcomes"])
    secs = sum(o["seconds"] or 0 for o in meta["outcomes"])
    peak = max((o["peak_rss_mb"] or 0 for o in meta["outcomes"]), default=0)
    out += [
        "",
        f"{len(meta['outcomes'])} scans, {crashes} crashed or not scanned, {secs:.1f} s in all, "
        f"largest peak RSS {peak} MB.",
    ]
    msec = msecend_totals(run_dir, meta)
    if msec:
        n = sum(
            1
            for o in meta["outcomes"]
            if o["group"] == "msecend" and (run_dir / o["name"] / "msecend-score.json").is_file()
        )
        out += ["", f"### microSecEnD ({n} apps, micro-averaged)", ""]
        tiers = [t for t in ("all", "no-infra") if t in msec]
        out.append("| category | " + " | ".join(f"`{t}` P/R/F1 [GT]" for t in tiers) + " |")
        out.append("|---" * (len(tiers) + 1) + "|")
        for cat in (
            "services",
            "datastores",
            "brokers",
            "externals",
            "svc_svc",
            "svc_svc_directed",
            "svc_ds",
            "svc_broker",
        ):
            out.append(f"| {cat} | " + " | ".join(cell(msec[t][cat]) for t in tiers) + " |")
        summary = run_dir / "msecend-summary.md"
        if summary.is_file():
            out += [
                "",
                "<details><summary>per app, both tiers (msecend_score.py --sum --markdown)</summary>",
                "",
            ]
            out += [summary.read_text(encoding="utf-8").strip(), "", "</details>"]
    return "\n".join(out).rstrip() + "\n"


def write(section: str, text: str, numbers: dict[str, Any], md_path: Path, json_path: Path) -> None:
    """Replace (or add) the section in RESULTS.md and its figures in results.json; keep the others."""
    sections: dict[str, str] = {}
    if md_path.is_file():
        for m in re.finditer(r"<!-- section:(\S+) -->\n(.*?)<!-- /section:\1 -->", md_path.read_text(), re.S):
            sections[m.group(1)] = m.group(2)
    sections[section] = text
    names = [s for s in ORDER if s in sections] + sorted(s for s in sections if s not in ORDER)
    body = "".join(f"\n<!-- section:{s} -->\n{sections[s]}<!-- /section:{s} -->\n" for s in names)
    md_path.write_text(HEADER + body, encoding="utf-8")
    data = json.loads(json_path.read_text()) if json_path.is_file() else {}
    data[section] = numbers
    json_path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
