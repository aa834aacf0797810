"""Helpers for the real-data manifest tests: restore ../shared/real-data/manifests items to their
repository layout and run every registered extractor that wants each file (as the pipeline would,
but without resolution, so the assertions are about facts and their lines)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from analyzer.extract.facts import Call, Connection, Fact, FileContext
from analyzer.extract.registry import extractors_for
from analyzer.model import Diagnostic
from tests.conftest import SHARED

REAL = SHARED / "real-data" / "manifests"
T = TypeVar("T")


def original_path(item: str) -> str:
    """``<kind>/<owner>__<repo>__<path with / as __>`` → the path inside its repository."""
    _, _, rest = item.partition("/")
    return rest.split("__", 2)[2].replace("__", "/")


def restore(dest: Path, *items: str) -> Path:
    for item in items:
        source = REAL / item
        if source.is_dir():  # a set keeps its repo-relative paths inside its folder
            shutil.copytree(source, dest, dirs_exist_ok=True)
        else:
            target = dest / original_path(item)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    return dest


@dataclass
class Run:
    facts: list[Fact] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def of(self, kind: type[T]) -> list[T]:
        return [f for f in self.facts if isinstance(f, kind)]

    def where(self, fact: Any) -> tuple[str, int]:
        return fact.evidence.location.path, fact.evidence.location.line

    def connections(self) -> set[tuple[str, str, str]]:
        """(service, technology, first host) of every Connection."""
        return {(c.service, c.info.technology, c.info.hosts[0]) for c in self.of(Connection) if c.info.hosts}

    def calls(self) -> set[tuple[str, str]]:
        return {(c.service, c.target.text) for c in self.of(Call)}


def extract_tree(root: Path, service: str = "") -> Run:
    """Every file under ``root`` through every extractor that wants it; ``service`` as ctx.service."""
    run = Run()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        text = path.read_bytes().decode("utf-8", errors="replace")
        for extractor in extractors_for(rel):
            result = extractor.extract(FileContext(rel, str(root), service=service), text)
            run.facts.extend(result.facts)
            run.diagnostics.extend(result.diagnostics)
    return run
