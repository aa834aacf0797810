"""Run extractors over discovered files: read safely, isolate failures, parallelise big scans.

Extractors are pure functions of one file, so files are farmed out to worker processes when a
scan is large enough to pay for them (tree-sitter holds the GIL: threads would not help).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from analyzer.extract.facts import ExtractResult, Fact, FileContext
from analyzer.extract.registry import all_extractors
from analyzer.model import Diagnostic, DiagnosticLevel
from analyzer.model.limits import LimitExceeded, using_limits

MAX_FILE_BYTES = 4 * 1024 * 1024
PARALLEL_THRESHOLD = 200  # files; below this, process start-up costs more than it saves

# Manifests and configuration run first: they tell which datastore technology (SQL dialect)
# each service uses before SQL and code are read.
MANIFEST_EXTRACTORS = frozenset(
    {"compose", "k8s", "operators", "helm", "spring", "dotnet", "dotenv", "jsonconfig"}
)


def read_text(root: Path, path: str) -> tuple[str | None, Diagnostic | None]:
    """The file's text, or a diagnostic saying why it cannot be read (binary files are skipped)."""
    full = root / path
    try:
        size = full.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, Diagnostic(
                path,
                0,
                DiagnosticLevel.WARNING,
                f"skipped: {size} bytes is over the {MAX_FILE_BYTES} byte limit",
            )
        data = full.read_bytes()
    except OSError as exc:
        return None, Diagnostic(path, 0, DiagnosticLevel.ERROR, f"cannot read file: {exc.strerror or exc}")
    if b"\x00" in data[:8192]:
        return None, None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        text = data.decode("utf-8", errors="replace")
        return text, Diagnostic(
            path, line, DiagnosticLevel.WARNING, "file is not valid UTF-8; undecodable bytes replaced"
        )


def run_one(task: tuple[str, FileContext]) -> ExtractResult:
    """Run the named extractor on one file. Never raises: failures become diagnostics."""
    name, ctx = task
    extractor = next(e for e in all_extractors() if e.name == name)
    text, problem = read_text(Path(ctx.root), ctx.path)
    result = ExtractResult()
    if problem is not None:
        result.diagnostics.append(problem)
    if text is None:
        return result
    try:
        with using_limits(ctx.limits, one_file=True):  # a worker process starts with the defaults
            result.extend(extractor.extract(ctx, text))
    except LimitExceeded as exc:  # an extractor that does not report its own limit
        result.diagnostics.append(Diagnostic(ctx.path, 0, DiagnosticLevel.ERROR, f"{name}: not read: {exc}"))
    except RecursionError:
        result.diagnostics.append(
            Diagnostic(
                ctx.path,
                0,
                DiagnosticLevel.ERROR,
                f"{name}: input nested too deeply to analyse; file skipped",
            )
        )
    except Exception as exc:  # an extractor bug must not end the scan; report it with the file
        result.diagnostics.append(
            Diagnostic(
                ctx.path,
                0,
                DiagnosticLevel.ERROR,
                f"internal error in {name} extractor: {type(exc).__name__}: {exc}",
            )
        )
    return result


def run_tasks(
    tasks: Sequence[tuple[str, FileContext]], jobs: int | None = None
) -> tuple[list[Fact], list[Diagnostic]]:
    facts: list[Fact] = []
    diagnostics: list[Diagnostic] = []
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    if workers > 1 and len(tasks) >= PARALLEL_THRESHOLD:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(run_one, tasks, chunksize=16))
    else:
        results = [run_one(t) for t in tasks]
    for res in results:
        facts.extend(res.facts)
        diagnostics.extend(res.diagnostics)
    return facts, diagnostics
