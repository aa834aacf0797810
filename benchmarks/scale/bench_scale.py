"""Scale benchmark (``make bench``): realistic synthetic systems and the same-folder-manifests case.

For each workload it prints files, the parse floor (same run, same parsers), the whole scan
(``--json --sarif --html``) cold with ``--jobs 1``, cold with ``--jobs 2``, warm (cached, nothing
changed), after editing one file, the ratios, and the scan's peak RSS. Runs are interleaved and the
median of ``ARCHCONFORM_BENCH_REPEATS`` (default 3) is shown, because the machine is shared.

Sizes: ``ARCHCONFORM_BENCH_SERVICES`` (default ``50,500,2000``) and ``ARCHCONFORM_BENCH_MANIFESTS``
(default ``50,100,200``).
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


def run_scan(root: Path, out: Path, jobs: int, cache: Path | None) -> tuple[float, float]:
    """(seconds, peak RSS MB) of one scan in a child process."""
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
    return elapsed, usage.ru_maxrss / 1024


def supports_cache() -> bool:
    help_text = subprocess.run(
        [sys.executable, "-m", "analyzer", "scan", "--help"], capture_output=True, text=True, check=False
    ).stdout
    return "--cache-dir" in help_text


def _touch_one(root: Path) -> None:
    """Edit one source file the way a pull request would (a new line in a function)."""
    target = next(p for p in sorted(root.rglob("*.py")) if p.name == "repository.py")
    target.write_text(target.read_text() + "\n\ndef added():\n    return 1\n")


def bench_system(label: str, root: Path, repeats: int, cached: bool) -> None:
    samples: dict[str, list[float]] = {}
    rss: dict[str, float] = {}
    files = 0
    with tempfile.TemporaryDirectory(prefix="archconform-out-") as tmp:
        out = Path(tmp)
        for _ in range(repeats):
            files, floor = parse_floor(root)
            samples.setdefault("floor", []).append(floor)
            for key, jobs in (("cold --jobs 1", 1), ("cold --jobs 2", 2)):
                seconds, peak = run_scan(root, out, jobs, None)
                samples.setdefault(key, []).append(seconds)
                rss[key] = max(rss.get(key, 0.0), peak)
            if cached:
                cache = out / "cache"
                shutil.rmtree(cache, ignore_errors=True)
                for key in ("cache fill", "warm"):
                    seconds, peak = run_scan(root, out, 1, cache)
                    samples.setdefault(key, []).append(seconds)
                    rss[key] = max(rss.get(key, 0.0), peak)
                edited = out / "edited"
                shutil.rmtree(edited, ignore_errors=True)
                shutil.copytree(root, edited)
                _touch_one(edited)
                seconds, peak = run_scan(edited, out, 1, cache)
                samples.setdefault("one file edited", []).append(seconds)
                rss["one file edited"] = peak
    median = {key: statistics.median(values) for key, values in samples.items()}
    floor, cold = median["floor"], median["cold --jobs 1"]
    print(f"{label}: {files} files; medians of {repeats}")
    print(f"  parse floor      {floor:8.2f} s")
    for key, seconds in median.items():
        if key == "floor":
            continue
        extra = f"  {seconds / floor:5.2f}x floor  {seconds / cold:5.2f}x cold  RSS {rss[key]:5.0f} MB"
        print(f"  {key:<16} {seconds:8.2f} s{extra}")
    print(f"  --jobs 2 speed-up vs --jobs 1: {cold / median['cold --jobs 2']:.2f}x", flush=True)


def bench_same_folder(counts: list[int], repeats: int) -> None:
    print("same-folder manifests (cold --jobs 1; linear means time/manifest stays flat)")
    previous: tuple[int, float] | None = None
    for count in counts:
        with tempfile.TemporaryDirectory(prefix="archconform-bench-") as tmp:
            root = Path(tmp) / "repo"
            files = same_folder(root, count)
            times, floors, peak = [], [], 0.0
            for _ in range(repeats):
                floors.append(parse_floor(root)[1])
                seconds, rss = run_scan(root, Path(tmp), 1, None)
                times.append(seconds)
                peak = max(peak, rss)
        seconds, floor = statistics.median(times), statistics.median(floors)
        growth = (
            f"  ×{seconds / previous[1]:.2f} for ×{count / previous[0]:.1f} manifests" if previous else ""
        )
        print(
            f"  {count:4d} manifests ({files} files): scan {seconds:6.2f} s, floor {floor:5.3f} s, "
            f"{1000 * seconds / count:6.1f} ms/manifest, RSS {peak:4.0f} MB{growth}",
            flush=True,
        )
        previous = (count, seconds)


def main() -> None:
    repeats = int(os.environ.get("ARCHCONFORM_BENCH_REPEATS", "3"))
    print(f"machine: {describe()}; python {sys.version.split()[0]}", flush=True)
    cached = supports_cache()
    subprocess.run([sys.executable, "-m", "analyzer", "--version"], env=_child_env(), check=False)  # bytecode
    bench_same_folder(_sizes("ARCHCONFORM_BENCH_MANIFESTS", "50,100,200"), repeats)
    for services in _sizes("ARCHCONFORM_BENCH_SERVICES", "50,500,2000"):
        with tempfile.TemporaryDirectory(prefix="archconform-bench-") as tmp:
            root = Path(tmp) / f"system-{services}"
            generate(root, services)
            bench_system(f"realistic system, {services} services", root, repeats, cached)
    print(f"machine after: {describe()}")


if __name__ == "__main__":
    main()
