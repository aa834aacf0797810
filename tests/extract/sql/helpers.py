"""Shared helpers: run one extractor on a fixture file and project its facts to comparable sets."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from analyzer.extract.facts import ExtractResult, FileContext, Marker, Migration, TableAccess

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sql"


def run(module: ModuleType, root: Path, rel: str, service: str, technology: str = "") -> ExtractResult:
    ctx = FileContext(rel, str(root), service, technology)
    assert module.wants(rel), rel
    return module.extract(ctx, (root / rel).read_text(encoding="utf-8"))


def accesses(result: ExtractResult) -> set[tuple[str, str, int]]:
    """(table, action, line) of every TableAccess."""
    return {(f.table, f.action, f.evidence.location.line) for f in result.facts if isinstance(f, TableAccess)}


def migrations(result: ExtractResult) -> set[tuple[str, str, str, int]]:
    """(table, change, column, line) of every Migration."""
    return {
        (f.table, f.change, f.column, f.evidence.location.line)
        for f in result.facts
        if isinstance(f, Migration)
    }


def markers(result: ExtractResult) -> set[tuple[str, str, str]]:
    return {(f.subject, f.key, f.value) for f in result.facts if isinstance(f, Marker)}
