"""The quick fuzz profile of ``make test``: every kind, mutated and generated, plus the regression
inputs ``make fuzz`` saved; and one scan full of mutated files beside a good system.

A crash is an exception escaping a kind's own reader (the pipeline would have turned it into a
diagnostic, but a reader that needs the guard has a bug). ``make fuzz`` runs the same readers on
≥ 10,000 mutated inputs per kind (``tests/fuzz/run.py``; figures in ``tests/fuzz/README.md``).
"""

from __future__ import annotations

import contextlib
import json
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from analyzer.config import Config
from analyzer.model.limits import LimitExceeded
from analyzer.pipeline import scan
from analyzer.reporting import render_json, render_sarif
from tests.conftest import FIXTURES
from tests.fuzz import strategies
from tests.fuzz.kinds import BY_NAME, KINDS, Reader
from tests.fuzz.mutate import mutate

QUICK_INPUTS = 25  # per kind; make fuzz runs 10,000
REGRESSIONS = sorted((FIXTURES / "hostile" / "fuzz").glob("*.bin"))
GOOD = FIXTURES / "hostile" / "good"
SYSTEM_WIDE = frozenset({"polyglot-persistence-sprawl"})  # counts what the other files declare


def _read(reader: Reader, data: bytes) -> None:
    with contextlib.suppress(LimitExceeded):  # a limit doing its job
        reader(data)


@pytest.mark.parametrize("kind", [k.name for k in KINDS])
def test_mutated_inputs_do_not_crash_the_reader(kind: str, tmp_path: Path) -> None:
    spec = BY_NAME[kind]
    reader, seeds, rng = Reader(spec, tmp_path), spec.seeds(), random.Random(f"quick:{kind}")
    for _ in range(QUICK_INPUTS):
        _read(reader, mutate(rng, seeds, max_bytes=64_000))


@pytest.mark.parametrize("kind", [k.name for k in KINDS])
def test_generated_inputs_do_not_crash_the_reader(kind: str, tmp_path: Path) -> None:
    reader = Reader(BY_NAME[kind], tmp_path)

    @settings(
        max_examples=8,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategies.for_kind(kind))
    def check(data: bytes) -> None:
        _read(reader, data)

    check()


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda p: p.name)
def test_inputs_that_once_crashed_are_read(path: Path, tmp_path: Path) -> None:
    kind = path.name.split("--", 1)[0]
    _read(Reader(BY_NAME[kind], tmp_path), path.read_bytes())


def test_a_scan_full_of_mutated_files_keeps_the_good_findings(tmp_path: Path) -> None:
    """One mutated file of every kind in one repository beside the good system: the scan ends, its
    reports are valid, every error names a file, and the good system's findings are unchanged."""
    tree = tmp_path / "repo"
    shutil.copytree(GOOD, tree / "good")
    rng = random.Random("scan")
    placed = []
    for spec in KINDS:
        if spec.reader != "extract":
            continue
        target = tree / "mutated" / spec.name / spec.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(mutate(rng, spec.seeds(), max_bytes=64_000))
        placed.append(target.relative_to(tree).as_posix())
    result = scan(tree, Config(), jobs=1)
    report = json.loads(render_json(result))
    json.loads(render_sarif(result))
    for diagnostic in report["diagnostics"]:
        if diagnostic["level"] == "error":
            assert diagnostic["path"], diagnostic
    alone = json.loads(render_json(scan(GOOD, Config(), jobs=1)))

    def good(data: dict[str, object], prefix: str) -> set[tuple[object, ...]]:
        return {
            (f["rule"], f["location"]["path"].removeprefix(prefix), f["location"]["line"], f["message"])
            for f in data["findings"]  # type: ignore[attr-defined]
            if f["location"]["path"].startswith(prefix) and f["rule"] not in SYSTEM_WIDE
        }

    assert good(report, "good/") == good(alone, "")
    assert placed
