"""Scan every corpus system and every microSecEnD app, then score them (`make corpus MIRRORS=DIR`).

For each system of `corpus.yaml` and each app of `../shared/corpus/msecend-dev.yaml`: find its bare mirror,
export the pinned commit (export.py), run the whole job of an archconform checkout on it
(`python -m analyzer scan TREE --json --sarif --html --fail-on never`) and record wall seconds, the child's
peak RSS, its exit code and whether it crashed. The outputs stay in `OUT/<name>/` (`report.json`,
`report.sarif`, `report.html`, `stderr.txt`, `run.json`), so a run can be rescored later without rescanning
(`--rescore`). The microSecEnD apps are scored with `msecend_score.py` (both tiers); the labelled systems
with score.py, which writes the run's section of RESULTS.md.

    python benchmarks/corpus/run.py --mirrors /work/.mirror                      # the "latest" section
    python benchmarks/corpus/run.py --mirrors M --python B/.venv/bin/python --analyzer-root B \\
        --section baseline --out build/corpus/baseline                            # another checkout
    python benchmarks/corpus/run.py --rescore build/corpus/baseline --section baseline
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import export  # noqa: E402
import score  # noqa: E402

FINDINGS_EXIT = 1  # `scan` exits 1 when findings reach --fail-on; with `never` it should not, but is no crash


@dataclass
class Target:
    """One thing to scan: a labelled system or a microSecEnD app."""

    name: str
    group: str  # "corpus" | "msecend"
    source: str  # owner/name
    commit: str
    subdir: str = ""
    gt_file: str = ""
    trace_file: str = ""


@dataclass
class Outcome:
    name: str
    group: str
    source: str
    commit: str
    subdir: str
    tree: str = ""
    missing_blobs: list[str] = field(default_factory=list)
    refused_members: list[list[str]] = field(default_factory=list)
    error: str = ""  # the mirror or the export failed: nothing was scanned
    exit_code: int | None = None
    crash: bool = False
    crash_reason: str = ""
    seconds: float | None = None
    peak_rss_mb: float | None = None
    findings: int | None = None


def find_shared(start: Path) -> Path:
    """`../shared/corpus` seen from the checkout (or from a worktree one level deeper)."""
    for parent in (start, *start.parents):
        cand = parent.parent / "shared" / "corpus"
        if (cand / "msecend_score.py").is_file():
            return cand
    raise SystemExit("cannot find ../shared/corpus/msecend_score.py; give --shared")


def find_mirror(mirrors: Path, source: str) -> Path | None:
    """The mirror of `owner/name`: MIRRORS/owner+name/repo, MIRRORS/owner/name.git or MIRRORS/name.git."""
    owner, name = source.removeprefix("github:").split("/", 1)
    for cand in (
        mirrors / f"{owner}+{name}" / "repo",
        mirrors / owner / f"{name}.git",
        mirrors / f"{name}.git",
    ):
        if (export.git_dir(cand) / "objects").is_dir():
            return cand
    return None


def load_targets(shared: Path) -> tuple[list[Target], dict[str, str]]:
    corpus = yaml.safe_load((HERE / "corpus.yaml").read_text(encoding="utf-8"))
    targets = [
        Target(s["name"], "corpus", s["source"], s["commit"], s.get("subdir") or "")
        for s in corpus["systems"]
    ]
    msec = yaml.safe_load((shared / "msecend-dev.yaml").read_text(encoding="utf-8"))
    for app in msec["apps"]:
        targets.append(
            Target(
                app["name"],
                "msecend",
                app["source"].removeprefix("github:"),
                app["commit"],
                gt_file=app["gt_file"],
                trace_file=app["trace_file"],
            )
        )
    head = msec["microsecend"]
    return targets, {"source": head["source"].removeprefix("github:"), "commit": head["commit"]}


def export_tree(target: Target, mirrors: Path, trees: Path, done: dict[tuple[str, str], Path]) -> Outcome:
    """Export the target's commit once per (source, commit); reuse a complete earlier export."""
    out = Outcome(target.name, target.group, target.source, target.commit, target.subdir)
    mirror = find_mirror(mirrors, target.source)
    if mirror is None:
        out.error = f"no mirror of {target.source} under {mirrors}"
        return out
    key = (target.source, target.commit)
    tree = done.get(key) or trees / target.name
    stamp = tree.with_name(tree.name + ".export.json")
    try:
        if key not in done:
            saved = json.loads(stamp.read_text()) if stamp.is_file() else {}
            if saved.get("commit") != target.commit or not tree.is_dir():
                stamp.unlink(missing_ok=True)
                ex = export.export(mirror, target.commit, tree)
                saved = {"commit": target.commit, "missing_blobs": ex.missing_blobs, "refused": ex.refused}
                stamp.write_text(json.dumps(saved, indent=1) + "\n")
            done[key] = tree
        saved = json.loads(stamp.read_text())
    except (RuntimeError, ValueError, OSError) as exc:
        out.error = str(exc)
        return out
    out.tree = str(tree)
    out.missing_blobs = saved["missing_blobs"]
    out.refused_members = saved["refused"]
    return out


def scan(out: Outcome, python: str, analyzer_root: Path, dest: Path, timeout: float) -> None:
    """Run the whole job on the tree; wall seconds and the child's own peak RSS (wait4 rusage)."""
    dest.mkdir(parents=True, exist_ok=True)
    target = Path(out.tree) / out.subdir if out.subdir else Path(out.tree)
    cmd = [python, "-m", "analyzer", "scan", str(target), "--fail-on", "never", "--quiet"]
    cmd += ["--json", str(dest / "report.json"), "--sarif", str(dest / "report.sarif")]
    cmd += ["--html", str(dest / "report.html")]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # the measured checkout may be someone else's: leave it as it is
    with (dest / "stderr.txt").open("wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=analyzer_root, stdout=subprocess.DEVNULL, stderr=err, env=env)
        status, usage = wait_with_timeout(proc, timeout)
        out.seconds = round(time.monotonic() - start, 2)
    out.peak_rss_mb = round(usage.ru_maxrss / 1024, 1)  # Linux reports kilobytes
    out.exit_code = os.waitstatus_to_exitcode(status) if status is not None else None
    stderr = (dest / "stderr.txt").read_text(encoding="utf-8", errors="replace")
    if status is None:
        out.crash, out.crash_reason = True, f"timeout after {timeout:.0f} s"
    elif out.exit_code not in (0, FINDINGS_EXIT):
        out.crash, out.crash_reason = True, f"exit code {out.exit_code}"
    elif "Traceback (most recent call last)" in stderr:
        out.crash, out.crash_reason = True, "traceback on stderr"
    if out.crash:
        tail = [line for line in stderr.strip().splitlines() if line.strip()][-1:]
        out.crash_reason += f": {tail[0][:200]}" if tail else ""
    try:
        out.findings = len(json.loads((dest / "report.json").read_text(encoding="utf-8"))["findings"])
    except (OSError, ValueError, KeyError):
        out.findings = None


def wait_with_timeout(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int | None, os.struct_rusage]:
    """os.wait4 on this child only, polling so a hung scan can be killed; returns (status, rusage)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status, usage
        if time.monotonic() > deadline:
            proc.kill()
            _pid, _status, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            return None, usage
        time.sleep(0.05)


def _embedded_stores(graph: dict) -> set[str]:
    """Ids of embedded datastores (``attrs.embedded``) and of the databases and tables they contain."""
    found = {
        n["id"]
        for n in graph.get("nodes", [])
        if n.get("kind") == "datastore" and (n.get("attrs") or {}).get("embedded")
    }
    contains: dict[str, list[str]] = {}
    for e in graph.get("edges", []):
        if e.get("kind") == "contains":
            contains.setdefault(e["source"], []).append(e["target"])
    todo = list(found)
    while todo:
        for child in contains.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def msecend_input(report: Path, dest: Path) -> None:
    """The JSON msecend_score.py reads: platform nodes as services (role attrs kept), platform edge kinds as
    calls, clients and embedded (in-process) stores dropped. The GT draws config servers, registries and
    gateways as services, and never an in-process database."""
    data = json.loads(report.read_text(encoding="utf-8"))
    graph = data.get("graph") or {}
    clients = {n["id"] for n in graph.get("nodes", []) if n.get("kind") == "client"}
    # NOTE: an embedded store (H2, HSQLDB, SQLite in the service's own process) is part of its service in
    # the ground truth's data-flow diagrams, which never draw one; fold it (and what it contains) away.
    clients |= _embedded_stores(graph)
    nodes = []
    for n in graph.get("nodes", []):
        if n["id"] in clients:
            continue
        if n.get("kind") == "platform":
            n = {**n, "kind": "service", "attrs": {**(n.get("attrs") or {}), "platform": True}}
        nodes.append(n)
    edges = []
    for e in graph.get("edges", []):
        if e.get("source") in clients or e.get("target") in clients:
            continue
        if e.get("kind") in score.PLATFORM_EDGE_KINDS:
            e = {**e, "kind": "calls", "attrs": {**(e.get("attrs") or {}), "platform_kind": e["kind"]}}
        edges.append(e)
    dest.write_text(json.dumps({**data, "graph": {"nodes": nodes, "edges": edges}}) + "\n", encoding="utf-8")


def score_msecend(
    out: Outcome, run_dir: Path, shared: Path, msec_mirror: Path | None, msec_commit: str, target: Target
) -> str:
    """Score one app against its ground truth; returns an error message or ''."""
    dest = run_dir / out.name
    report = dest / "report.json"
    if msec_mirror is None:
        return "no mirror of microSecEnD"
    if not report.is_file() or not out.tree:
        return "no report to score"
    try:
        (dest / "gt.json").write_bytes(export.show(msec_mirror, msec_commit, target.gt_file))
        (dest / "trace.json").write_bytes(export.show(msec_mirror, msec_commit, target.trace_file))
        msecend_input(report, dest / "msecend-input.json")
    except (RuntimeError, OSError, ValueError) as exc:
        return str(exc)
    cmd = [
        sys.executable,
        str(shared / "msecend_score.py"),
        str(dest / "gt.json"),
        str(dest / "msecend-input.json"),
    ]
    cmd += [
        "--trace",
        str(dest / "trace.json"),
        "--tree",
        out.tree,
        "--json",
        str(dest / "msecend-score.json"),
    ]
    cmd += ["--app", out.name, "--verbose"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    (dest / "msecend-score.txt").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    return "" if proc.returncode == 0 else f"msecend_score.py failed: {proc.stderr.strip()[-300:]}"


def sum_msecend(run_dir: Path, shared: Path, names: list[str]) -> None:
    scores = [
        str(run_dir / n / "msecend-score.json")
        for n in names
        if (run_dir / n / "msecend-score.json").is_file()
    ]
    if not scores:
        return
    cmd = [sys.executable, str(shared / "msecend_score.py"), "--sum", *scores, "--markdown"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    (run_dir / "msecend-summary.md").write_text(proc.stdout + proc.stderr, encoding="utf-8")


def analyzer_commit(root: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "analyzer",
                "rules",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirrors", type=Path, help="folder of bare mirrors (MIRRORS/<owner>+<name>/repo)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="only these systems / apps")
    ap.add_argument("--jobs", type=int, default=1, help="scans run in parallel (default 1)")
    ap.add_argument("--python", default=sys.executable, help="python of the archconform checkout to measure")
    ap.add_argument("--analyzer-root", type=Path, default=ROOT, help="that checkout (default: this one)")
    ap.add_argument("--out", type=Path, help="run folder (default build/corpus/<section>)")
    ap.add_argument("--trees", type=Path, default=ROOT / "build" / "corpus" / "trees", help="export folder")
    ap.add_argument("--shared", type=Path, help="folder holding msecend-dev.yaml and msecend_score.py")
    ap.add_argument("--section", help="RESULTS.md section: latest (default) or baseline")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds before a scan is killed")
    ap.add_argument("--rescore", type=Path, metavar="RUN_DIR", help="score a saved run again, no scanning")
    ap.add_argument("--no-results", action="store_true", help="do not touch RESULTS.md")
    ap.add_argument("--verbose", "-v", action="store_true", help="score.py lists every missed and false item")
    ap.add_argument(
        "--labels", type=Path, action="append", help="label folder(s) for score.py (default labels/)"
    )
    args = ap.parse_args(argv)

    shared = (args.shared or find_shared(ROOT)).resolve()
    targets, msec = load_targets(shared)
    if args.only:
        unknown = set(args.only) - {t.name for t in targets}
        if unknown:
            ap.error(f"unknown system(s): {', '.join(sorted(unknown))}")
        targets = [t for t in targets if t.name in args.only]

    if args.rescore:
        run_dir = args.rescore.resolve()
        meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        mirrors = Path(meta["mirrors"]) if args.mirrors is None else args.mirrors.resolve()
        outcomes = {o["name"]: Outcome(**o) for o in meta["outcomes"]}
        targets = [t for t in targets if t.name in outcomes]
    else:
        if args.mirrors is None or not args.mirrors.is_dir():
            ap.error(f"--mirrors: no such folder: {args.mirrors} (see benchmarks/corpus/README.md)")
        mirrors = args.mirrors.resolve()
        section = args.section or "latest"
        run_dir = (args.out or ROOT / "build" / "corpus" / section).resolve()
        run_dir.mkdir(parents=True, exist_ok=True)
        trees = args.trees.resolve()
        trees.mkdir(parents=True, exist_ok=True)
        root = args.analyzer_root.resolve()
        # Absolute but not resolved: a venv's python is a symlink whose target has no venv.
        python = os.path.abspath(args.python) if os.sep in args.python else args.python
        meta = {
            "section": section,
            "analyzer_root": str(root),
            "analyzer_commit": analyzer_commit(root),
            "python": python,
            "mirrors": str(mirrors),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()}",
            "jobs": args.jobs,
        }
        done: dict[tuple[str, str], Path] = {}
        outcomes = {}
        for t in targets:
            print(f"export {t.name} ({t.source}@{t.commit[:10]})", flush=True)
            outcomes[t.name] = export_tree(t, mirrors, trees, done)

        def one(t: Target) -> None:
            o = outcomes[t.name]
            if o.error:
                print(f"  {t.name}: {o.error}", flush=True)
                return
            scan(o, python, root, run_dir / t.name, args.timeout)
            (run_dir / t.name / "run.json").write_text(
                json.dumps(asdict(o), indent=1) + "\n", encoding="utf-8"
            )
            flag = f"  CRASH {o.crash_reason}" if o.crash else ""
            print(f"  {t.name}: {o.seconds} s, {o.peak_rss_mb} MB, {o.findings} findings{flag}", flush=True)

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            list(pool.map(one, targets))

    msec_mirror = find_mirror(mirrors, msec["source"])
    apps = [t for t in targets if t.group == "msecend"]
    for t in apps:
        err = score_msecend(outcomes[t.name], run_dir, shared, msec_mirror, msec["commit"], t)
        if err:
            print(f"  {t.name}: not scored: {err}", flush=True)
    sum_msecend(run_dir, shared, [t.name for t in apps])

    if not args.rescore:
        earlier = run_dir / "run.json"
        kept = []
        if args.only and earlier.is_file():  # a partial run keeps the other systems' earlier outcomes
            kept = [o for o in json.loads(earlier.read_text())["outcomes"] if o["name"] not in outcomes]
        meta["outcomes"] = kept + [asdict(outcomes[t.name]) for t in targets]
        (run_dir / "run.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    score_args = ["--run", str(run_dir), "--section", args.section or meta["section"]]
    if args.no_results:
        score_args.append("--no-results")
    if args.verbose:
        score_args.append("--verbose")
    for labels in args.labels or []:
        score_args += ["--labels", str(labels)]
    return score.main(score_args)


if __name__ == "__main__":
    sys.exit(main())
