"""Byte-identical reports: two scans of one tree under different hash seeds, file-system orders and
--jobs give the same JSON, SARIF, HTML and Markdown.

Each fixture system and three real-data samples (with real trace exports) are scanned twice in
separate processes (``PYTHONHASHSEED`` differs; set iteration order of strings follows it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.config import Config
from analyzer.pipeline import extraction, scan
from analyzer.reporting import render_json, render_sarif
from tests.conftest import FIXTURES, SHARED

REAL = SHARED / "real-data"
COMPOSE = REAL / "manifests" / "compose"
TRACES = REAL / "traces"
SYSTEMS = sorted(p for p in (FIXTURES / "systems").iterdir() if p.is_dir())
SAMPLES = [
    (COMPOSE / "netbox-community__netbox-docker", TRACES / "zipkin"),
    (COMPOSE / "delimitrou__DeathStarBench", TRACES / "otlp-json"),
    (COMPOSE / "dotnet-architecture__eShopOnContainers", TRACES / "jaeger"),
]
OUTPUTS = ("json", "sarif", "html", "markdown")


def _scan_outputs(tree: Path, out: Path, seed: str, traces: Path | None) -> dict[str, bytes]:
    out.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "analyzer", "scan", str(tree), "--quiet", "--fail-on", "never"]
    for name in OUTPUTS:
        args += [f"--{name}", str(out / f"report.{name}")]
    if traces is not None:
        args += ["--traces", str(traces)]
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return {name: (out / f"report.{name}").read_bytes() for name in OUTPUTS}


def _assert_identical(tree: Path, tmp_path: Path, traces: Path | None = None) -> None:
    first = _scan_outputs(tree, tmp_path / "a", "1", traces)
    second = _scan_outputs(tree, tmp_path / "b", "4242", traces)
    for name in OUTPUTS:
        assert first[name] == second[name], f"{tree.name}: {name} differs between hash seeds"


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda p: p.name)
def test_fixture_systems_report_byte_identical(system: Path, tmp_path: Path) -> None:
    _assert_identical(system, tmp_path, FIXTURES / "traces" / "cross-service-write.json")


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-data is not beside the checkout")
@pytest.mark.parametrize(("sample", "traces"), SAMPLES, ids=lambda p: p.name)
def test_real_data_samples_report_byte_identical(sample: Path, traces: Path, tmp_path: Path) -> None:
    _assert_identical(sample, tmp_path, traces)


def test_file_system_order_and_jobs_do_not_change_the_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same tree copied in reverse creation order, scanned in one process and in two."""
    source = FIXTURES / "systems" / "ecommerce-violations"
    forward, backward = tmp_path / "forward" / source.name, tmp_path / "backward" / source.name
    shutil.copytree(source, forward)
    files = sorted(p for p in source.rglob("*") if p.is_file())
    for path in reversed(files):
        target = backward / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    one = scan(forward, Config(), jobs=1)
    monkeypatch.setattr(extraction, "PARALLEL_THRESHOLD", 1)  # worker processes even for a small tree
    two = scan(backward, Config(), jobs=2)
    assert render_json(one) == render_json(two)
    assert render_sarif(one) == render_sarif(two)
