"""Reading files for extractors: bad input becomes a diagnostic, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.extract.facts import ExtractResult, FileContext, ServiceDecl
from analyzer.extract.registry import Extractor
from analyzer.model import DiagnosticLevel, Evidence, Location, SourceKind
from analyzer.model.inputs import Decoded, read_text_file
from analyzer.pipeline import extraction


def test_read_text_handles_bom_binary_bad_utf8_and_size(tmp_path: Path) -> None:
    (tmp_path / "bom.yml").write_bytes(b"\xef\xbb\xbfa: 1\n")
    (tmp_path / "bin.sql").write_bytes(b"\x00\x01\x02")
    (tmp_path / "latin.sql").write_bytes(b"SELECT 1;\nSELECT '\xe9';\n")
    (tmp_path / "big.sql").write_bytes(b"x" * 100)
    (tmp_path / "utf16.yml").write_bytes("a: é\n".encode("utf-16"))
    (tmp_path / "utf16-nobom.yml").write_bytes("a: 1\nb: 2\n".encode("utf-16-le"))
    assert read_text_file(tmp_path / "bom.yml", 1000) == Decoded("a: 1\n")
    assert read_text_file(tmp_path / "utf16.yml", 1000) == Decoded("a: é\n")
    assert read_text_file(tmp_path / "utf16-nobom.yml", 1000) == Decoded("a: 1\nb: 2\n")
    assert read_text_file(tmp_path / "bin.sql", 1000).text is None
    latin = read_text_file(tmp_path / "latin.sql", 1000)
    assert latin.text is not None and "SELECT 1;" in latin.text
    assert latin.line == 2 and "not valid UTF-8" in latin.note
    big = read_text_file(tmp_path / "big.sql", 10)
    assert big.text is None and "limit" in big.note
    missing = read_text_file(tmp_path / "missing.sql", 10)
    assert missing.text is None and "cannot read" in missing.note


def test_run_one_reports_unreadable_input_with_the_file(tmp_path: Path) -> None:
    (tmp_path / "bin.sql").write_bytes(b"\x00\x01\x02")
    (tmp_path / "latin.sql").write_bytes(b"SELECT 1;\nSELECT '\xe9';\n")
    binary = extraction.run_one(("sqlfiles", FileContext("bin.sql", str(tmp_path))))
    assert [(d.path, d.level) for d in binary.diagnostics] == [("bin.sql", DiagnosticLevel.INFO)]
    latin = extraction.run_one(("sqlfiles", FileContext("latin.sql", str(tmp_path))))
    assert ("latin.sql", 2, DiagnosticLevel.WARNING) in [(d.path, d.line, d.level) for d in latin.diagnostics]


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
    assert messages[0].startswith("deep extractor: input nested too deeply")
    assert messages[1] == "internal error in boom extractor: ValueError: unexpected shape"
    assert all(d.path == "a.txt" for d in diagnostics)
    boom = next(d for d in diagnostics if "boom" in d.message)
    assert boom.origin.startswith("analyzer/pipeline/extraction.py:")  # the innermost frame of ours
