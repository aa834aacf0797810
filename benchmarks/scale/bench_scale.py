"""Scale benchmark (``make bench``): realistic synthetic systems and the same-folder-manifests case.

For each workload it prints files, the parse floor (same run, same parsers), the whole scan
(``--json --sarif --html``) cold with ``--jobs 1``, cold with ``--jobs 2``, warm (cached, nothing
changed), after editing one file (a comment: same facts; a new query and HTTP call: new facts, on
a copy edited in place), the ratios, and the scan's peak RSS. Runs are interleaved and the
median of ``ARCHCONFORM_BENCH_REPEATS`` (default 3) is shown, because the machine is shared.

Corpus systems: ``ARCHCONFORM_BENCH_CORPUS``, a comma-separated list of checked-out trees (for
example the corpus mirrors of benchmarks/corpus/corpus.yaml exported at their labelled commits).
Sizes: ``ARCHCONFORM_BENCH_SERVICES`` (default ``50,500,2000``) and ``ARCHCONFORM_BENCH_MANIFESTS``
(default ``50,100,200,400``).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cpu import describe  # noqa: E402
from floor import parse_floor  # noqa: E402
from generate_system import generate, same_folder  # noqa: E402


def _sizes(variable: str, default: str) -> list[int]:
    return [int(s) for s in os.environ.get(variable, default).split(",") if s.strip()]


def _child_env() -> dict[str, str]:
    """The scan's environment: bytecode cached (as an installed package has it) outside the tree."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "archconform-bench-pycache"))
    return env


def run_scan(root: Path, out: Path, jobs: int, cache: Path | None) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MB) of one scan in a child process (CPU includes
    its worker processes; it is what a shared machine cannot inflate)."""
    args = [sys.executable, "-m", "analyzer", "scan", str(root), "--fail-on", "never", "--quiet"]
    args += ["--json", str(out / "r.json"), "--sarif", str(out / "r.sarif"), "--html", str(out / "r.html")]
    args += ["--jobs", str(jobs)]
    if cache is not None:
        args += ["--cache-dir", str(cache)]
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, env=_child_env())
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"scan failed with status {status}: {' '.join(args)}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def supports_cache() -> bool:
    help_text = subprocess.run(
        [sys.executable, "-m", "analyzer", "scan", "--help"], capture_output=True, text=True, check=False
    ).stdout
    return "--cache-dir" in help_text


def _edit_target(root: Path) -> Path:
    found = sorted(root.rglob("repository.py")) or sorted(
        p for suffix in ("*.py", "*.java", "*.go", "*.cs", "*.ts", "*.js") for p in root.rglob(suffix)
    )
    return found[0]


def _edit_comment(root: Path) -> Path:
    """Edit one source file the way many pull requests do without changing what it does: a
    review comment added at its end (the facts stay; the scan cache's early cutoff applies)."""
    target = _edit_target(root)
    mark = "#" if target.suffix == ".py" else "//"
    target.write_text(target.read_text(errors="replace") + f"\n{mark} reviewed: keep the query indexed\n")
    return target


def _edit_fact(root: Path) -> Path:
    """Edit one source file so that it says something new: a new function with a new SQL query
    and a new HTTP call (new facts: resolution, rules and reports run again)."""
    target = _edit_target(root)
    if target.suffix == ".py":
        added = (
            "\n\ndef audit(conn, client, item_id):\n"
            '    conn.execute("INSERT INTO audit_log (item_id) VALUES (%s)", (item_id,))\n'
            '    return client.get("http://audit-service/api/audit")\n'
        )
    else:  # other languages: a new constant URL the extractors read as an HTTP endpoint
        added = (
            '\n// edited\nclass EditedAudit { static final String URL = "http://audit-service/api/audit"; }\n'
        )
    target.write_text(target.read_text(errors="replace") + added)
    return target


def _line(key: str, wall: float, cpu: float, floor: tuple[float, float], cold: tuple[float, float]) -> str:
    return (
        f"  {key:<16} {wall:8.2f} s {cpu:8.2f} s  {wall / floor[0]:6.2f}x {cpu / floor[1]:6.2f}x"
        f"  {wall / cold[0]:5.2f}x {cpu / cold[1]:5.2f}x"
    )


def bench_system(label: str, root: Path, repeats: int, cached: bool) -> None:
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    rss: dict[str, float] = {}
    files = 0

    def record(key: str, sample: tuple[float, float, float]) -> None:
        wall.setdefault(key, []).append(sample[0])
        cpu.setdefault(key, []).append(sample[1])
        rss[key] = max(rss.get(key, 0.0), sample[2])

    with tempfile.TemporaryDirectory(prefix="archconform-out-") as tmp:
        out = Path(tmp)
        for _ in range(repeats):
            start = time.process_time()
            files, floor_wall = parse_floor(root)
            record("floor", (floor_wall, time.process_time() - start, 0.0))
            for key, jobs in (("cold --jobs 1", 1), ("cold --jobs 2", 2)):
                record(key, run_scan(root, out, jobs, None))
            if cached:
                cache = out / "cache"
                shutil.rmtree(cache, ignore_errors=True)
                for key in ("cache fill", "warm"):
                    record(key, run_scan(root, out, 1, cache))
                work = out / "work"  # a checkout of its own, edited in place as a pull request would
                shutil.rmtree(work, ignore_errors=True)
                shutil.copytree(root, work)
                record("fill (copy)", run_scan(work, out, 1, cache))
                for key, edit in (("edit: comment", _edit_comment), ("edit: new query", _edit_fact)):
                    target = edit(work)
                    record(key, run_scan(work, out, 1, cache))
                    shutil.copy2(root / target.relative_to(work), target)
                    run_scan(work, out, 1, cache)  # back to the cached state
    med_wall = {key: statistics.median(values) for key, values in wall.items()}
    med_cpu = {key: statistics.median(values) for key, values in cpu.items()}
    floor = (med_wall["floor"], med_cpu["floor"])
    cold = (med_wall["cold --jobs 1"], med_cpu["cold --jobs 1"])
    print(f"{label}: {files} files; medians of {repeats}")
    print(f"  {'':<16} {'wall':>8}   {'CPU':>8}    ×floor wall/CPU  ×cold wall/CPU  peak RSS")
    for key in med_wall:
        peak = f"  {rss[key]:5.0f} MB" if key != "floor" else ""
        print(_line(key, med_wall[key], med_cpu[key], floor, cold) + peak)
    speedup = cold[0] / med_wall["cold --jobs 2"]
    print(f"  --jobs 2 speed-up vs --jobs 1 (wall): {speedup:.2f}x ({describe()})", flush=True)


def bench_same_folder(counts: list[int], repeats: int) -> None:
    print("same-folder manifests (cold --jobs 1; linear: CPU per manifest flat once start-up is paid)")
    previous: tuple[int, float] | None = None
    for count in counts:
        with tempfile.TemporaryDirectory(prefix="archconform-bench-") as tmp:
            root = Path(tmp) / "repo"
            files = same_folder(root, count)
            walls, cpus, floors, peak = [], [], [], 0.0
            for _ in range(repeats):
                floors.append(parse_floor(root)[1])
                seconds, used, rss = run_scan(root, Path(tmp), 1, None)
                walls.append(seconds)
                cpus.append(used)
                peak = max(peak, rss)
        seconds, used, floor = statistics.median(walls), statistics.median(cpus), statistics.median(floors)
        growth = ""
        if previous:
            growth = f"  CPU +{used - previous[1]:.2f} s for +{count - previous[0]} manifests"
        print(
            f"  {count:4d} manifests ({files} files): wall {seconds:6.2f} s, CPU {used:6.2f} s, "
            f"floor {floor:5.3f} s, RSS {peak:4.0f} MB{growth}",
            flush=True,
        )
        previous = (count, used)


def main() -> None:
    repeats = int(os.environ.get("ARCHCONFORM_BENCH_REPEATS", "3"))
    print(f"machine: {describe()}; python {sys.version.split()[0]}", flush=True)
    cached = supports_cache()
    subprocess.run([sys.executable, "-m", "analyzer", "--version"], env=_child_env(), check=False)  # bytecode
    bench_same_folder(_sizes("ARCHCONFORM_BENCH_MANIFESTS", "50,100,200,400"), repeats)
    for services in _sizes("ARCHCONFORM_BENCH_SERVICES", "50,500,2000"):
        with tempfile.TemporaryDirectory(prefix="archconform-bench-") as tmp:
            root = Path(tmp) / f"system-{services}"
            generate(root, services)
            bench_system(f"realistic system, {services} services", root, repeats, cached)
    for folder in os.environ.get("ARCHCONFORM_BENCH_CORPUS", "").split(","):
        if folder.strip():
            root = Path(folder.strip())
            bench_system(f"corpus system {root.name}", root, repeats, cached)
    print(f"machine after: {describe()}")


if __name__ == "__main__":
    main()
