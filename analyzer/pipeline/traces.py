"""Read trace exports given on the command line or by config globs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from analyzer.extract.facts import Fact
from analyzer.extract.traces import read_trace_file
from analyzer.model import Diagnostic, DiagnosticLevel

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


def read_traces(root: Path, paths: Sequence[Path]) -> tuple[list[Fact], list[Diagnostic]]:
    facts: list[Fact] = []
    diagnostics: list[Diagnostic] = []
    for path in expand(paths):
        shown = display_path(root, path)
        if not path.is_file():
            diagnostics.append(Diagnostic(shown, 0, DiagnosticLevel.ERROR, "trace file not found"))
            continue
        try:
            result = read_trace_file(path, shown)
        except Exception as exc:  # a reader bug must not end the scan
            diagnostics.append(
                Diagnostic(shown, 0, DiagnosticLevel.ERROR, f"internal error reading traces: {exc}")
            )
            continue
        facts.extend(result.facts)
        diagnostics.extend(result.diagnostics)
    return facts, diagnostics
