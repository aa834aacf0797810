"""The extraction cache: a cached scan writes what a cold scan writes, an unchanged tree extracts
nothing again, and an edit re-extracts the edited file and the files that read it, no more."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.pipeline import extraction, scan
from analyzer.pipeline.cache import ExtractionCache, _decode, _encode
from analyzer.reporting import render_json, render_sarif
from tests.conftest import FIXTURES

SYSTEM = FIXTURES / "systems" / "ecommerce-violations"
KUSTOMIZE = FIXTURES / "manifests" / "shop-kustomize"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The e-commerce system plus a kustomize layout whose overlay reads an envs file."""
    root = tmp_path / "repo"
    shutil.copytree(SYSTEM, root)
    shutil.copytree(KUSTOMIZE / "k8s", root / "k8s")
    return root


@pytest.fixture
def extracted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(extractor, path) of every extractor run that was not answered by the cache."""
    runs: list[tuple[str, str]] = []
    real = extraction.run_one

    def counting(task: tuple[str, extraction.FileContext]) -> extraction.ExtractResult:
        runs.append((task[0], task[1].path))
        return real(task)

    monkeypatch.setattr(extraction, "run_one", counting)
    return runs


def outputs(root: Path, cache: Path | None) -> tuple[str, str]:
    result = scan(root, jobs=1, cache_dir=cache)
    return render_json(result), render_sarif(result)


def test_cached_scans_write_what_a_cold_scan_writes(
    tree: Path, tmp_path: Path, extracted: list[tuple[str, str]]
) -> None:
    cold = outputs(tree, None)
    cold_runs = len(extracted)
    assert cold_runs >= 20
    cache = tmp_path / "cache"
    assert outputs(tree, cache) == cold  # filling the cache
    extracted.clear()
    assert outputs(tree, cache) == cold  # from the cache
    assert extracted == []


def test_an_edit_reextracts_the_file_and_its_readers_only(
    tree: Path, tmp_path: Path, extracted: list[tuple[str, str]]
) -> None:
    cache = tmp_path / "cache"
    outputs(tree, cache)
    code = tree / "services" / "search-service" / "main.py"
    code.write_text(code.read_text() + "\n\ndef added():\n    return 1\n")
    extracted.clear()
    cached = outputs(tree, cache)
    rerun = sorted(extracted)
    assert cached == outputs(tree, None)
    assert {path for _, path in rerun} == {"services/search-service/main.py"}
    assert ("python", "services/search-service/main.py") in rerun


def test_an_envs_file_reextracts_the_manifests_whose_overlay_reads_it(
    tree: Path, tmp_path: Path, extracted: list[tuple[str, str]]
) -> None:
    cache = tmp_path / "cache"
    outputs(tree, cache)
    env = tree / "k8s" / "overlays" / "prod" / "db.env"
    env.write_text(env.read_text().replace("orders", "orders2"))
    extracted.clear()
    cached = outputs(tree, cache)
    rerun = sorted(extracted)
    assert cached == outputs(tree, None)
    assert rerun == [("k8s", "k8s/base/orders.yaml")]  # read by the prod overlay; nothing else


def test_a_new_file_reextracts_the_extractors_that_may_probe_for_it(
    tree: Path, tmp_path: Path, extracted: list[tuple[str, str]]
) -> None:
    cache = tmp_path / "cache"
    outputs(tree, cache)
    (tree / "k8s" / "base" / "extra.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  A: b\n"
    )
    extracted.clear()
    cached = outputs(tree, cache)
    rerun = {name for name, _ in extracted}
    assert cached == outputs(tree, None)
    assert "k8s" in rerun and "python" not in rerun and "java" not in rerun  # code reads only itself


def test_the_cache_folder_is_safe_to_delete_or_damage(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = outputs(tree, cache)
    for entry in list(cache.rglob("*.entry"))[::2]:
        entry.write_bytes(b"not json")
    assert outputs(tree, cache) == cold
    shutil.rmtree(cache)
    assert outputs(tree, cache) == cold


def test_the_cache_stays_within_its_bound(tree: Path, tmp_path: Path) -> None:
    from analyzer.discovery import walk_files
    from analyzer.extract import sidefiles

    cache = tmp_path / "cache"
    outputs(tree, cache)
    store = ExtractionCache(cache, sidefiles.FileIndex(str(tree), walk_files(tree)), max_mb=1)
    store.max_bytes = 2_000
    store.stored = 1
    store.trim()
    assert sum(p.stat().st_size for p in cache.rglob("*.entry")) <= 2_000


def test_entries_decode_only_into_fact_types() -> None:
    import pickle
    import subprocess

    from analyzer.model import Evidence, Location, SourceKind

    evidence = Evidence(SourceKind.CODE, Location("a.py", 3, 1))
    value = (evidence, [1, "x"], {"k": frozenset({"v"})})
    assert _decode(_encode(value)) == value
    with pytest.raises(pickle.UnpicklingError):
        _decode(pickle.dumps(subprocess.Popen))


def test_parallel_extraction_writes_what_serial_writes(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extraction, "PARALLEL_THRESHOLD", 1)
    serial = render_json(scan(tree, jobs=1)), render_sarif(scan(tree, jobs=1))
    parallel = scan(tree, jobs=2, cache_dir=tmp_path / "cache")
    assert (render_json(parallel), render_sarif(parallel)) == serial
    warm = scan(tree, jobs=2, cache_dir=tmp_path / "cache")  # entries written by the workers
    assert (render_json(warm), render_sarif(warm)) == serial


def test_an_earlier_migration_reextracts_the_later_ones_that_read_it(
    tree: Path, tmp_path: Path, extracted: list[tuple[str, str]]
) -> None:
    # V3 narrows a column only against the type V1 gave it: V3's facts depend on V1's text although
    # the folder history that reads V1 is memoized and opened once per process.
    folder = tree / "services" / "order-service" / "src" / "main" / "resources" / "db" / "migration"
    (folder / "V3__status_length.sql").write_text(
        "ALTER TABLE orders ALTER COLUMN status TYPE VARCHAR(16);\n"
    )
    cache = tmp_path / "cache"
    before = outputs(tree, cache)
    v1 = folder / "V1__create_orders.sql"
    v1.write_text(v1.read_text().replace("VARCHAR(32)", "VARCHAR(8)"))  # V3 now widens: no narrowing
    extracted.clear()
    cached = outputs(tree, cache)
    assert cached == outputs(tree, None)
    assert cached != before
    rerun = {path for _, path in extracted}
    assert f"{folder.relative_to(tree).as_posix()}/V3__status_length.sql" in rerun
