"""Run extractors over discovered files: read safely, isolate failures, parallelise big scans.

Extractors are pure functions of one file, so files are farmed out to worker processes when a
scan is large enough to pay for them (tree-sitter holds the GIL: threads would not help).

One bad file never costs the others: every extractor runs under :func:`guarded`, which turns any
exception into a diagnostic naming the file (and the line when the error knows it) and, for
``--verbose``, the place in archconform where it happened. Reading goes through
:mod:`analyzer.model.inputs` (size limit per kind of file, binary detection, encodings, FIFOs).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from analyzer.extract import sidefiles
from analyzer.extract.facts import ExtractResult, Fact, FileContext
from analyzer.extract.registry import all_extractors
from analyzer.model import Diagnostic, DiagnosticLevel
from analyzer.model.inputs import read_text_file
from analyzer.model.limits import DEFAULT_LIMITS, LimitExceeded, using_limits
from analyzer.pipeline.cache import ExtractionCache, recording

# The largest file any extractor reads with the default limits (inline suppressions look no further).
MAX_FILE_BYTES = max(DEFAULT_LIMITS.max_bytes(kind) for kind in ("code", "config", "sql"))
PARALLEL_THRESHOLD = 200  # files; below this, process start-up costs more than it saves

# Manifests and configuration run first: they tell which datastore technology (SQL dialect)
# each service uses before SQL and code are read.
MANIFEST_EXTRACTORS = frozenset(
    {"compose", "k8s", "operators", "helm", "spring", "dotnet", "dotenv", "jsonconfig"}
)
SCHEMA_EXTRACTORS = frozenset({"sqlfiles", "liquibase", "prisma"})


def input_kind(extractor: str) -> str:
    """Which size limit applies to the files an extractor reads: config, sql or code."""
    if extractor in MANIFEST_EXTRACTORS:
        return "config"
    if extractor in SCHEMA_EXTRACTORS:
        return "sql"
    return "code"


def tool_origin(exc: BaseException) -> str:
    """The innermost place in archconform an exception passed through (``analyzer/x.py:12 in f``),
    for ``--verbose``: enough for a bug report, without a traceback in the user's face."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    ours = [f for f in frames if f"{os.sep}analyzer{os.sep}" in f.filename] or frames
    shown = _frame(ours[-1])
    if frames[-1] is not ours[-1]:  # raised in a library: say where too
        shown += f" → {_frame(frames[-1])}"
    return shown


def _frame(frame: traceback.FrameSummary) -> str:
    name = frame.filename
    cut = name.rfind(f"{os.sep}analyzer{os.sep}")
    shown = name[cut + 1 :] if cut >= 0 else os.path.basename(name)
    return f"{shown.replace(os.sep, '/')}:{frame.lineno} in {frame.name}"


def _error_line(exc: BaseException) -> int:
    """The input line an exception knows about (YAML marks, sqlglot, our own errors), or 0."""
    for attr in ("line", "lineno"):
        value = getattr(exc, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    mark = getattr(exc, "problem_mark", None)
    if mark is not None and isinstance(getattr(mark, "line", None), int):
        return int(mark.line) + 1
    return 0


def guarded(path: str, what: str, action: Callable[[], ExtractResult]) -> ExtractResult:
    """Run ``action`` (reading one file); any exception becomes a diagnostic at ``path``."""
    try:
        return action()
    except LimitExceeded as exc:  # a limit, not a bug: say which, and go on
        result = ExtractResult()
        message = f"{what}: file skipped: {exc}"
        result.diagnostics.append(Diagnostic(path, _error_line(exc), DiagnosticLevel.WARNING, message))
        return result
    except RecursionError as exc:
        problem, line, origin = (
            f"{what}: input nested too deeply to analyse; file skipped",
            0,
            tool_origin(exc),
        )
    except MemoryError as exc:
        problem, line, origin = f"{what}: input too large to analyse; file skipped", 0, tool_origin(exc)
    except Exception as exc:  # an extractor bug must not end the scan; report it with the file
        problem = f"internal error in {what}: {type(exc).__name__}: {_short(str(exc))}"
        line, origin = _error_line(exc), tool_origin(exc)
    result = ExtractResult()
    result.diagnostics.append(Diagnostic(path, line, DiagnosticLevel.ERROR, problem, origin))
    return result


def _short(text: str, limit: int = 200) -> str:
    """Messages quote repository text; keep them one short line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_one(task: tuple[str, FileContext]) -> ExtractResult:
    """Run the named extractor on one file. Never raises: failures become diagnostics."""
    name, ctx = task
    extractor = next(e for e in all_extractors() if e.name == name)
    limits = ctx.limits
    kind = input_kind(name)
    decoded = read_text_file(os.path.join(ctx.root, ctx.path), limits.max_bytes(kind), f"{kind}_max_bytes")
    result = ExtractResult()
    if decoded.text is None:
        level = DiagnosticLevel.INFO if decoded.note.startswith("binary") else DiagnosticLevel.WARNING
        result.diagnostics.append(Diagnostic(ctx.path, 0, level, decoded.note))
        return result
    if decoded.note:
        result.diagnostics.append(Diagnostic(ctx.path, decoded.line, DiagnosticLevel.WARNING, decoded.note))
    text = decoded.text

    def action() -> ExtractResult:
        with using_limits(limits, one_file=True):  # a worker process starts with the defaults
            return extractor.extract(ctx, text)

    result.extend(guarded(ctx.path, f"{name} extractor", action))
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
    with _collector_for_extraction():
        return _run_tasks(tasks, jobs, cache)


# Collector thresholds while extraction runs: most of what it allocates lives on (facts, parsed
# side files, SQL analyses), so the default 700 allocations between young collections made the
# collector walk the same survivors thousands of times (2,841 collections, 4.2 s CPU at 2,000
# services, even with the older objects frozen); 50,000 makes that 35 collections, 1 s.
EXTRACTION_GC_THRESHOLDS = (50_000, 50, 1_000)


@contextlib.contextmanager
def _collector_for_extraction() -> Iterator[None]:
    """Collect less often while extraction allocates, and keep the objects that exist before it
    (modules, grammars, the inventory, parsed side files) out of the collector's way. The command
    line has frozen its imports and raised the thresholds already (``cli._tune_gc``); a library
    caller or a test has not. Thresholds already higher than ours are kept and the old ones put
    back afterwards; objects are frozen (and handed back after, so cyclic garbage among them is
    still collected) only when nobody froze any before."""
    already = gc.get_freeze_count() > 0
    thresholds = gc.get_threshold()
    gc.set_threshold(*(max(old, new) for old, new in zip(thresholds, EXTRACTION_GC_THRESHOLDS, strict=True)))
    if not already:
        gc.freeze()
    try:
        yield
    finally:
        if not already:
            gc.unfreeze()
        gc.set_threshold(*thresholds)


def _run_tasks(
    tasks: Sequence[tuple[str, FileContext]], jobs: int | None, cache: ExtractionCache | None
) -> tuple[list[Fact], list[Diagnostic]]:
    cached = [cache.lookup(name, ctx) for name, ctx in tasks] if cache is not None else [None] * len(tasks)
    todo = [task for task, hit in zip(tasks, cached, strict=True) if hit is None]
    runner = run_one if cache is None else run_recorded
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    index = sidefiles.current()
    if workers > 1 and len(todo) >= PARALLEL_THRESHOLD:
        # A forked worker inherits the installed index with what it has parsed already (the
        # inventory's YAML); a spawned one starts from the file list.
        forked = multiprocessing.get_start_method() == "fork"
        start: tuple[Any, ...] = (index.root, sorted(index.files)) if index is not None and not forked else ()
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
