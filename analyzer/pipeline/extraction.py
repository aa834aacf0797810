"""Run extractors over discovered files: read safely, isolate failures, parallelise big scans.

Extractors are pure functions of one file, so files are farmed out to worker processes when a
scan is large enough to pay for them (tree-sitter holds the GIL: threads would not help).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from analyzer.extract import sidefiles
from analyzer.extract.facts import ExtractResult, Fact, FileContext
from analyzer.extract.registry import all_extractors
from analyzer.model import Diagnostic, DiagnosticLevel
from analyzer.model.limits import LimitExceeded, using_limits
from analyzer.pipeline.cache import ExtractionCache, recording

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


def run_recorded(task: tuple[str, FileContext]) -> tuple[ExtractResult, sidefiles.Deps]:
    """:func:`run_one`, with what the extractor read besides its file (for the cache)."""
    with recording(task[1].root) as deps:
        result = run_one(task)
    return result, deps


def _start_worker(root: str, files: list[str]) -> None:
    sidefiles.install(sidefiles.FileIndex(root, files))


def run_tasks(
    tasks: Sequence[tuple[str, FileContext]], jobs: int | None = None, cache: ExtractionCache | None = None
) -> tuple[list[Fact], list[Diagnostic]]:
    cached = [cache.lookup(name, ctx) for name, ctx in tasks] if cache is not None else [None] * len(tasks)
    todo = [task for task, hit in zip(tasks, cached, strict=True) if hit is None]
    runner = run_one if cache is None else run_recorded
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    index = sidefiles.current()
    if workers > 1 and len(todo) >= PARALLEL_THRESHOLD:
        start: tuple[Any, ...] = (index.root, sorted(index.files)) if index is not None else ()
        initializer: Any = _start_worker if start else None
        with ProcessPoolExecutor(max_workers=workers, initializer=initializer, initargs=start) as pool:
            done: list[Any] = list(pool.map(runner, todo, chunksize=16))
    else:
        done = [runner(t) for t in todo]
    fresh = iter(done)
    facts: list[Fact] = []
    diagnostics: list[Diagnostic] = []
    for (name, ctx), hit in zip(tasks, cached, strict=True):  # task order, cached or not: same output
        if hit is None:
            if cache is None:
                hit = next(fresh)
            else:
                hit, deps = next(fresh)
                cache.store(name, ctx, hit, deps)
        facts.extend(hit.facts)
        diagnostics.extend(hit.diagnostics)
    return facts, diagnostics
