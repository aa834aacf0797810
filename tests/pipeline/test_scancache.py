"""The scan cache: a rescan writes the bytes a cold scan writes, reuses the outputs when nothing
the scan read changed (or only what leaves the facts as they were), and runs again otherwise."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.pipeline import scancache
from tests.conftest import FIXTURES

SYSTEM = FIXTURES / "systems" / "ecommerce-violations"
REPORTS = ("json", "sarif", "html", "markdown")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(SYSTEM, root)
    return root


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """'hit', 'cutoff' or 'miss' for every scan-cache lookup."""
    seen: list[str] = []
    real = scancache.ScanCache.lookup

    def counting(self: scancache.ScanCache, *args: object, **kwargs: object) -> scancache.Hit | None:
        hit = real(self, *args, **kwargs)  # type: ignore[arg-type]
        seen.append("miss" if hit is None else "cutoff" if hit.cutoff else "hit")
        return hit

    monkeypatch.setattr(scancache.ScanCache, "lookup", counting)
    return seen


def run(root: Path, out: Path, cache: Path | None, *extra: str) -> dict[str, bytes]:
    """Scan ``root`` writing the four reports to ``out``; their bytes by report."""
    out.mkdir(parents=True, exist_ok=True)
    args = ["scan", str(root), "--jobs", "1", "--quiet", "--fail-on", "never", *extra]
    for name in REPORTS:
        args += [f"--{name}", str(out / name)]
    if cache is not None:
        args += ["--cache-dir", str(cache)]
    with pytest.raises(SystemExit) as ended:
        main(args)
    assert ended.value.code == 0
    return {name: (out / name).read_bytes() for name in REPORTS}


def test_a_warm_scan_writes_the_bytes_of_a_cold_scan(tree: Path, tmp_path: Path, lookups: list[str]) -> None:
    cold = run(tree, tmp_path / "cold", None)
    cache = tmp_path / "cache"
    assert run(tree, tmp_path / "fill", cache) == cold
    assert run(tree, tmp_path / "warm", cache) == cold
    assert lookups == ["miss", "hit"]


def test_a_touched_but_unchanged_file_is_a_hit(tree: Path, tmp_path: Path, lookups: list[str]) -> None:
    cache = tmp_path / "cache"
    cold = run(tree, tmp_path / "fill", cache)
    for path in sorted(tree.rglob("*.py"))[:3]:
        os.utime(path, ns=(path.stat().st_mtime_ns + 5_000_000_000,) * 2)
    assert run(tree, tmp_path / "warm", cache) == cold
    assert lookups == ["miss", "hit"]


def _code_file(root: Path) -> Path:
    return sorted(root.rglob("*.py"))[0]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # a comment line added at the end: same facts, nothing quoted changes: the outputs stand
        (lambda p: p.write_text(p.read_text() + "\n# reviewed\n"), "cutoff"),
        # a new query: new facts, resolution and rules run again
        (
            lambda p: p.write_text(
                p.read_text() + '\n\ndef added(db):\n    db.execute("SELECT id FROM audit_log_entries")\n'
            ),
            "miss",
        ),
        # a suppression comment: the facts stand, the findings do not
        (
            lambda p: p.write_text(p.read_text() + "\n# archconform: ignore[shared-database] reviewed\n"),
            "miss",
        ),
    ],
)
def test_an_edited_file_gives_what_a_cold_scan_of_the_edited_tree_gives(
    tree: Path, tmp_path: Path, lookups: list[str], edit: object, expected: str
) -> None:
    cache = tmp_path / "cache"
    run(tree, tmp_path / "fill", cache)
    edit(_code_file(tree))  # type: ignore[operator]
    warm = run(tree, tmp_path / "warm", cache)
    assert warm == run(tree, tmp_path / "cold", None)
    assert lookups == ["miss", expected]
    assert run(tree, tmp_path / "again", cache) == warm
    assert lookups[-1] == "hit"


def test_the_config_rules_and_traces_invalidate(tree: Path, tmp_path: Path, lookups: list[str]) -> None:
    cache = tmp_path / "cache"
    run(tree, tmp_path / "fill", cache)
    config = tree / "archconform.yml"
    config.write_text(config.read_text() + "\ninclude_tests: true\n")
    assert run(tree, tmp_path / "config", cache) == run(tree, tmp_path / "cold-config", None)
    assert lookups[-1] == "miss"
    # a user rule folder named by a config outside the tree: editing a rule file invalidates
    rules = tmp_path / "rules"
    rules.mkdir()
    built_in = next(Path(__file__).resolve().parents[2].glob("rules/*/shared-database.yml")).read_text()
    rule = rules / "shared-database-copy.yml"
    rule.write_text(built_in.replace("id: AC101", "id: XX101").replace("name: shared-database", "name: copy"))
    outside = tmp_path / "outside.yml"
    outside.write_text(f"rule_paths: [{rules}]\n")
    first = run(tree, tmp_path / "rules1", cache, "--config", str(outside))
    assert first == run(tree, tmp_path / "rules1-cold", None, "--config", str(outside))
    rule.write_text(rule.read_text().replace("severity: error", "severity: warning"))
    edited = run(tree, tmp_path / "rules2", cache, "--config", str(outside))
    assert edited == run(tree, tmp_path / "rules2-cold", None, "--config", str(outside))
    assert edited != first
    assert lookups[-2:] == ["miss", "miss"]


def test_a_trace_file_invalidates(tree: Path, tmp_path: Path, lookups: list[str]) -> None:
    trace = tmp_path / "trace.json"
    shutil.copy(FIXTURES / "traces" / "jaeger-dependencies.json", trace)
    cache = tmp_path / "cache"
    run(tree, tmp_path / "fill", cache, "--traces", str(trace))
    trace.write_text(trace.read_text().replace("checkout", "basket"))  # other dependencies
    assert run(tree, tmp_path / "warm", cache, "--traces", str(trace)) == run(
        tree, tmp_path / "cold", None, "--traces", str(trace)
    )
    assert lookups == ["miss", "miss"]


def test_an_added_file_or_codeowners_invalidates(tree: Path, tmp_path: Path, lookups: list[str]) -> None:
    cache = tmp_path / "cache"
    run(tree, tmp_path / "fill", cache)
    (tree / ".github").mkdir(exist_ok=True)
    (tree / ".github" / "CODEOWNERS").write_text("* @acme/platform\n")
    assert run(tree, tmp_path / "owners", cache) == run(tree, tmp_path / "owners-cold", None)
    assert lookups[-1] == "miss"
    (tree / "notes.txt").write_text("a new file\n")
    assert run(tree, tmp_path / "added", cache) == run(tree, tmp_path / "added-cold", None)
    assert lookups[-1] == "miss"


def test_a_corrupt_entry_is_ignored_and_rebuilt(tree: Path, tmp_path: Path, lookups: list[str]) -> None:
    cache = tmp_path / "cache"
    cold = run(tree, tmp_path / "fill", cache)
    for path in (cache / scancache.FOLDER).rglob("*"):
        if path.is_file():
            path.write_bytes(b"\x80\x05garbage")
    assert run(tree, tmp_path / "damaged", cache) == cold
    assert run(tree, tmp_path / "rebuilt", cache) == cold
    assert lookups == ["miss", "miss", "hit"]


def test_the_scan_cache_is_safe_to_delete(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = run(tree, tmp_path / "fill", cache)
    shutil.rmtree(cache / scancache.FOLDER)
    assert run(tree, tmp_path / "again", cache) == cold


def test_entries_hold_plain_data_only(tmp_path: Path) -> None:
    path = tmp_path / "entry"
    import pickle

    path.write_bytes(pickle.dumps({"a": [1, "b", (2.0, None)]}))
    assert scancache._load(path) == {"a": [1, "b", (2.0, None)]}
    path.write_bytes(pickle.dumps(Path("x")))
    with pytest.raises(pickle.UnpicklingError):
        scancache._load(path)


def test_the_stat_index_hashes_a_racy_file_again(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"one")
    hashes = scancache.FileHashes(tmp_path)
    first = hashes.hash(str(path))
    stat = path.stat()
    path.write_bytes(b"two")  # same size, and within the same second as the hashing
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert hashes.hash(str(path)) != first


def test_canonical_text_ignores_set_order() -> None:
    assert scancache.canonical({"b", "a"}) == scancache.canonical({"a", "b"})
    assert scancache.canonical({"x": 1, "y": 2}) == scancache.canonical({"y": 2, "x": 1})


def test_the_whole_folder_stays_within_its_bound(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCHCONFORM_CACHE_MAX_MB", "1")
    cache = tmp_path / "cache"
    config = tree / "archconform.yml"
    original = config.read_text()
    cold = run(tree, tmp_path / "fill", cache)
    for variant in range(4):  # other configurations: other entries, each with its own reports
        config.write_text(original + f"\nsource_url: https://example.com/shop/{variant}\n")
        run(tree, tmp_path / f"variant{variant}", cache)
    assert sum(p.stat().st_size for p in cache.rglob("*") if p.is_file()) <= 1024 * 1024
    config.write_text(original)
    assert run(tree, tmp_path / "again", cache) == cold
