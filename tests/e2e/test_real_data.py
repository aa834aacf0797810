"""The whole pipeline over the real-world samples in ../shared: no crash, no internal errors."""

from __future__ import annotations

import pytest

from analyzer.config import Config
from analyzer.pipeline import scan
from tests.conftest import SHARED

REAL = SHARED / "real-data"


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-data is not beside the checkout")
def test_scan_real_manifests_without_internal_errors() -> None:
    result = scan(REAL / "manifests", Config())
    internal = [d for d in result.diagnostics if "internal error" in d.message]
    assert internal == []
    assert len(list(result.graph.nodes())) > 20


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-data is not beside the checkout")
def test_scan_with_every_real_trace_file() -> None:
    traces = sorted(p for p in (REAL / "traces").rglob("*") if p.is_file() and p.name != "README.md")
    result = scan(REAL / "manifests", Config(), traces=traces)
    internal = [d for d in result.diagnostics if "internal error" in d.message]
    assert internal == []
    assert any(e.attrs.get("runtime") for e in result.graph.edges())
