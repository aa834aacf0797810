"""Read trace exports given on the command line or by config globs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from analyzer.extract.facts import Fact
from analyzer.extract.traces import read_trace_file
from analyzer.model import Diagnostic, DiagnosticLevel
from analyzer.model.inputs import regular_file_problem
from analyzer.model.limits import DEFAULT_LIMITS, Limits, using_limits
from analyzer.pipeline.extraction import tool_origin

TRACE_SUFFIXES = (".json", ".jsonl", ".ndjson", ".pb", ".proto", ".bin", ".gz", ".txt", ".prom")


def display_path(root: Path, path: Path) -> str:
    """Repo-relative POSIX for files inside the repo, else relative to the working directory."""
    resolved = path.resolve()
    for base in (root, Path.cwd().resolve()):
        try:
            return resolved.relative_to(base).as_posix()
        except ValueError:
            continue
    return resolved.name


def expand(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(TRACE_SUFFIXES))
            )
        else:
            files.append(path)
    return files


def read_traces(
    root: Path, paths: Sequence[Path], limits: Limits = DEFAULT_LIMITS
) -> tuple[list[Fact], list[Diagnostic]]:
    """Facts from trace exports (streamed: only the size on disk is limited, by
    ``trace_max_bytes``); a file that cannot be read is a diagnostic naming it."""
    facts: list[Fact] = []
    diagnostics: list[Diagnostic] = []
    for path in expand(paths):
        shown = display_path(root, path)
        if not path.exists() and not path.is_symlink():
            diagnostics.append(Diagnostic(shown, 0, DiagnosticLevel.ERROR, "trace file not found"))
            continue
        problem = regular_file_problem(path, limits.trace_max_bytes, "trace_max_bytes")
        if problem:
            diagnostics.append(Diagnostic(shown, 0, DiagnosticLevel.WARNING, problem))
            continue
        try:
            with using_limits(limits):
                result = read_trace_file(path, shown)
        except Exception as exc:  # a reader bug must not end the scan
            message = f"internal error reading traces: {type(exc).__name__}: {str(exc)[:200]}"
            diagnostics.append(Diagnostic(shown, 0, DiagnosticLevel.ERROR, message, tool_origin(exc)))
            continue
        facts.extend(result.facts)
        diagnostics.extend(result.diagnostics)
    return facts, diagnostics
