"""Reading files for extractors: bad input becomes a diagnostic, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.extract.facts import ExtractResult, FileContext, ServiceDecl
from analyzer.extract.registry import Extractor
from analyzer.model import DiagnosticLevel, Evidence, Location, SourceKind
from analyzer.pipeline import extraction


def test_read_text_handles_bom_binary_bad_utf8_and_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bom.yml").write_bytes(b"\xef\xbb\xbfa: 1\n")
    (tmp_path / "bin.sql").write_bytes(b"\x00\x01\x02")
    (tmp_path / "latin.sql").write_bytes(b"SELECT 1;\nSELECT '\xe9';\n")
    (tmp_path / "big.sql").write_bytes(b"x" * 100)
    assert extraction.read_text(tmp_path, "bom.yml") == ("a: 1\n", None)
    assert extraction.read_text(tmp_path, "bin.sql") == (None, None)
    text, problem = extraction.read_text(tmp_path, "latin.sql")
    assert text is not None and "SELECT 1;" in text
    assert problem is not None and problem.line == 2 and problem.level == DiagnosticLevel.WARNING
    monkeypatch.setattr(extraction, "MAX_FILE_BYTES", 10)
    text, problem = extraction.read_text(tmp_path, "big.sql")
    assert text is None and problem is not None and "limit" in problem.message
    text, problem = extraction.read_text(tmp_path, "missing.sql")
    assert text is None and problem is not None and problem.level == DiagnosticLevel.ERROR


def _boom(ctx: FileContext, text: str) -> ExtractResult:
    raise ValueError("unexpected shape")


def _deep(ctx: FileContext, text: str) -> ExtractResult:
    raise RecursionError


def _ok(ctx: FileContext, text: str) -> ExtractResult:
    return ExtractResult(facts=[ServiceDecl("a", Evidence(SourceKind.COMPOSE, Location(ctx.path)))])


def test_extractor_failures_become_diagnostics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text("hello")
    fakes = (
        Extractor("boom", lambda p: True, _boom),
        Extractor("deep", lambda p: True, _deep),
        Extractor("ok", lambda p: True, _ok),
    )
    monkeypatch.setattr(extraction, "all_extractors", lambda: fakes)
    ctx = FileContext("a.txt", str(tmp_path))
    facts, diagnostics = extraction.run_tasks([("boom", ctx), ("deep", ctx), ("ok", ctx)], jobs=1)
    assert [type(f).__name__ for f in facts] == ["ServiceDecl"]
    messages = sorted(d.message for d in diagnostics)
    assert messages[0].startswith("deep: input nested too deeply")
    assert messages[1] == "internal error in boom extractor: ValueError: unexpected shape"
    assert all(d.path == "a.txt" for d in diagnostics)
