"""The faster walk, splitter, YAML check and path checks of issue 14 give what the simple ones gave.

Each test keeps the simple version as the reference and compares on small or random inputs.
"""

from __future__ import annotations

import itertools
import os
import random
import re
from pathlib import Path, PurePosixPath

import pytest
import yaml

from analyzer.discovery import (
    SKIP_DIRS,
    IgnoreRules,
    _shown,
    is_compose_file,
    is_test_path,
    unusable_name,
    walk_files,
)
from analyzer.extract import yamlsrc
from analyzer.extract.sqltables import split_statements
from analyzer.model import Diagnostic, DiagnosticLevel
from analyzer.model.limits import LimitExceeded, Limits, _check_shared, check_yaml_node, load_all_bounded
from analyzer.model.paths import OutsideRoot, is_inside, resolve_inside

# -- discovery -----------------------------------------------------------------------------------


def _reference_walk(root: Path, problems: list[Diagnostic]) -> list[str]:
    """walk_files as it was: os.walk, a stat per file, the whole path checked for bad names."""
    rules = IgnoreRules()
    found: list[str] = []

    def unreadable(error: OSError) -> None:
        where = _shown(Path(error.filename or "").relative_to(root).as_posix()) if error.filename else ""
        problems.append(
            Diagnostic("", 0, DiagnosticLevel.WARNING, f"folder '{where}' not read: {error.strerror}")
        )

    def skip_name(rel: str) -> bool:
        if not any(ch == "\\" or ord(ch) < 32 or ord(ch) == 127 or "\ud800" <= ch <= "\udfff" for ch in rel):
            return False
        problems.append(
            Diagnostic(
                "",
                0,
                DiagnosticLevel.WARNING,
                f"'{_shown(rel)}' not read: its name has bytes that are not UTF-8, a backslash "
                "or a control character",
            )
        )
        return True

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        rules.enter(root, rel_dir)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS
            and not d.endswith(".egg-info")
            and not rules.ignored(f"{rel_dir}/{d}".lstrip("/"), is_dir=True)
            and not skip_name(f"{rel_dir}/{d}".lstrip("/"))
        )
        for name in filenames:
            rel = f"{rel_dir}/{name}".lstrip("/")
            full = Path(dirpath) / name
            if full.is_symlink() or not full.is_file() or rules.ignored(rel) or skip_name(rel):
                continue
            found.append(rel)
    return sorted(found)


def _awkward_tree(root: Path) -> None:
    for rel in (
        "a/b/c.py",
        "a/b/d.sql",
        "a/node_modules/x.js",
        "a/pkg.egg-info/PKG-INFO",
        "z/ignored.log",
        "z/kept.txt",
        "z/deep/er/than/this/file.yaml",
        "bad\\name/inner.txt",
        "tab\tname.txt",
        "nested/.gitignore",
        "nested/x.tmp",
        "nested/y.txt",
        "docker-compose.yml",
    ):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")
    (root / ".gitignore").write_text("*.log\n")
    (root / "nested" / ".gitignore").write_text("*.tmp\n")
    os.symlink(root / "a", root / "link-to-dir")
    os.symlink(root / "a" / "b" / "c.py", root / "link-to-file.py")
    os.symlink(root / "missing", root / "dangling")
    os.symlink(root / "loop", root / "loop")
    os.symlink(root / "a", root / "bad\nlink")
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "z" / "pipe")


def test_walk_matches_the_os_walk_reference(tmp_path: Path) -> None:
    _awkward_tree(tmp_path)
    expected: list[Diagnostic] = []
    got: list[Diagnostic] = []
    assert walk_files(tmp_path, problems=got) == _reference_walk(tmp_path, expected)
    assert got == expected
    assert "a/b/c.py" in walk_files(tmp_path) and "z/ignored.log" not in walk_files(tmp_path)


def test_walk_reports_a_folder_it_cannot_list(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root lists every folder")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "x.py").write_text("")
    (tmp_path / "locked").chmod(0)
    try:
        expected: list[Diagnostic] = []
        got: list[Diagnostic] = []
        assert walk_files(tmp_path, problems=got) == _reference_walk(tmp_path, expected)
        assert got == expected and got
    finally:
        (tmp_path / "locked").chmod(0o755)


def test_walk_has_no_depth_limit(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["d"] * 60)
    deep.mkdir(parents=True)
    (deep / "leaf.go").write_text("package x\n")
    assert walk_files(tmp_path) == ["/".join(["d"] * 60) + "/leaf.go"]


@pytest.mark.parametrize(
    "path",
    [
        "", ".", "./a", "a/", "a//b", "/abs/docker-compose.yml", "a/./b", "a/..", "..", "x/.",
        "svc/src/test/java/A.java", "svc/src/it/B.java", "Tests/x.py", "e2e/login.spec.ts",
        "deploy/docker-compose-tests.yml", "compose.yaml", "a/compose.override.yml", "a/b/conftest.py",
        "docker-compose.yml/", "a//test//x.go", "handler_test.go",
    ],
)  # fmt: skip
def test_path_kinds_match_purepath(path: str) -> None:
    from analyzer.discovery import _TEST_COMPOSE, _TEST_FILE_SUFFIXES, COMPOSE_NAMES, TEST_SEGMENTS

    pure = PurePosixPath(path)
    name = pure.name
    compose = name in COMPOSE_NAMES or (
        name.startswith(("docker-compose", "compose")) and name.endswith((".yml", ".yaml"))
    )
    lowered = [p.lower() for p in pure.parts[:-1]]
    low = name.lower()
    test = (
        any(p in TEST_SEGMENTS for p in lowered)
        or any(a == "src" and b == "it" for a, b in itertools.pairwise(lowered))
        or (compose and bool(_TEST_COMPOSE.search(low)))
        or low.endswith(_TEST_FILE_SUFFIXES)
        or (
            low.endswith(".py")
            and (low.startswith("test_") or low.endswith("_test.py") or low == "conftest.py")
        )
    )
    assert is_compose_file(path) == compose
    assert is_test_path(path) == test


def test_unusable_name_matches_its_definition() -> None:
    def reference(name: str) -> bool:
        return any(ch == "\\" or ord(ch) < 32 or ord(ch) == 127 or "\ud800" <= ch <= "\udfff" for ch in name)

    for code in [*range(0, 256), 0x7FF, 0xD7FF, 0xD800, 0xDABC, 0xDFFF, 0xE000, 0xFFFF, 0x10FFFF]:
        name = f"a{chr(code)}b"
        assert unusable_name(name) == reference(name), code


# -- SQL statements ------------------------------------------------------------------------------


def _reference_split(sql: str) -> list[tuple[int, str]]:
    """split_statements as it was: one character at a time."""
    go_line = re.compile(r"[ \t]*go[ \t]*(?:--[^\n]*)?(?:\r?\n|$)", re.I)
    dollar = re.compile(r"\$[A-Za-z_]*\$")

    def first_on_line(i: int) -> bool:
        j = i - 1
        while j >= 0 and sql[j] in " \t":
            j -= 1
        return j < 0 or sql[j] == "\n"

    out: list[tuple[int, str]] = []
    i, n, start, line = 0, len(sql), 0, 1
    start_line: int | None = None
    while i < n:
        ch = sql[i]
        if ch == "\n":
            line += 1
            i += 1
            continue
        if ch in " \t\r":
            i += 1
            continue
        if ch in "gG" and first_on_line(i) and go_line.match(sql, i):
            if start_line is not None and sql[start:i].strip():
                out.append((start_line, sql[start:i].strip()))
            start_line = None
            end = sql.find("\n", i)
            i = n if end < 0 else end
            continue
        if sql.startswith("--", i) or (ch == "#" and start_line is None):
            end = sql.find("\n", i)
            i = n if end < 0 else end
            continue
        if sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += sql.count("\n", i, end)
            i = end
            continue
        if start_line is None:
            start_line, start = line, i
        if ch in ("'", '"', "`"):
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:
                        j += 2
                        continue
                    break
                if sql[j] == "\\" and ch == "'":
                    j += 1
                j += 1
            line += sql.count("\n", i, j)
            i = j + 1
            continue
        if ch == "$":
            tag = dollar.match(sql, i)
            if tag:
                end = sql.find(tag.group(0), i + len(tag.group(0)))
                end = n if end < 0 else end + len(tag.group(0))
                line += sql.count("\n", i, end)
                i = end
                continue
        if ch == ";":
            text = sql[start:i].strip()
            if text:
                out.append((start_line, text))
            start_line = None
            i += 1
            continue
        i += 1
    if start_line is not None:
        text = sql[start:].strip()
        if text and not re.fullmatch(r"(?i)go", text):
            out.append((start_line, text))
    return [(ln, t) for ln, t in out if not re.fullmatch(r"(?i)go", t)]


def test_split_statements_matches_the_character_loop() -> None:
    pieces = [
        "select", " ", "\n", "\t", "\r", "g", "G", "go", "GO", "\ngo\n", "-", "--", "#", "/", "/*", "*/",
        "'", '"', "`", "$", "$$", "$x$", ";", "\\", "a", "x", "'it''s'", "insert into t values (1)",
    ]  # fmt: skip
    rng = random.Random(14)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        assert split_statements(text) == _reference_split(text), repr(text)


# -- YAML limits ---------------------------------------------------------------------------------


def _verdict(node: yaml.Node, limits: Limits) -> str:
    try:
        check_yaml_node(node, limits)
    except LimitExceeded as exc:
        return str(exc)
    return "ok"


def _exact(node: yaml.Node, limits: Limits) -> str:
    try:
        _check_shared(node, limits)
    except LimitExceeded as exc:
        return str(exc)
    return "ok"


@pytest.mark.parametrize(
    "text",
    [
        "a: 1",
        "a: [1, 2, {b: [3, 4]}]",
        "base: &b {x: 1, y: [1, 2]}\nuse: *b\nmore: [*b, *b]",
        "a: &a [1, 2]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n",
        "- - - - - - - - x",
        "m: &m {k: v}\nn:\n  <<: *m\n  o: 1",
    ],
)
@pytest.mark.parametrize("max_nodes,max_depth", [(1_000_000, 100), (12, 100), (5, 3), (30, 6), (1, 1)])
def test_the_cheap_yaml_check_gives_the_exact_verdict(text: str, max_nodes: int, max_depth: int) -> None:
    limits = Limits(yaml_max_nodes=max_nodes, yaml_max_depth=max_depth)
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    assert node is not None
    assert _verdict(node, limits) == _exact(node, limits)


def test_recursive_alias_and_bomb_are_still_refused() -> None:
    with pytest.raises(LimitExceeded, match="recursive alias"):
        load_all_bounded("a: &a [*a]\n")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(7)
    )
    with pytest.raises(LimitExceeded, match="more than"):
        load_all_bounded(bomb)
    with pytest.raises(yamlsrc.YamlError, match="not read"):
        yamlsrc.load_all(bomb, "bomb.yaml")


def test_line_loader_keeps_lines_and_types() -> None:
    text = "a: 1\nb: text\nc: [x, 2, true, null]\nd: &d {e: 2001-13-45}\nf: *d\n"
    doc = yamlsrc.load(text, "x.yaml")
    assert doc == {
        "a": 1,
        "b": "text",
        "c": ["x", 2, True, None],
        "d": {"e": "2001-13-45"},
        "f": {"e": "2001-13-45"},
    }
    assert doc.line_of("c") == ("x.yaml", 3) and doc["c"].line_of(2) == ("x.yaml", 3)
    assert doc["f"].origin == ("x.yaml", 4)


# -- paths ---------------------------------------------------------------------------------------


def _reference_inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def test_is_inside_matches_path_resolve(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "a" / "b").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", root / "out")
    os.symlink(root / "a", root / "in")
    os.symlink(root / "loop", root / "loop")
    os.symlink("../../outside", root / "a" / "rel-out")
    for rel in [
        "",
        "a",
        "a/b",
        "a/b/../..",
        "a/../..",
        "out",
        "out/x",
        "in/b",
        "loop",
        "loop/x",
        "a/rel-out",
        "nope/x",
    ]:
        assert is_inside(root / rel, root) == _reference_inside(root / rel, root), rel
        assert is_inside(str(root / rel), str(root)) == _reference_inside(root / rel, root), rel
    assert is_inside(Path("/"), Path("/")) and is_inside(Path("/etc"), Path("/"))
    assert resolve_inside(root, "in/b") == (root / "a" / "b").resolve()
    for bad in ("out/x", "/etc", "\\etc", "a/../.."):
        with pytest.raises(OutsideRoot):
            resolve_inside(root, bad)


# -- the collector during extraction ---------------------------------------------------------------


def test_extraction_puts_the_collector_back() -> None:
    import gc

    from analyzer.pipeline import extraction

    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    seen: list[tuple[int, ...]] = []
    with extraction._collector_for_extraction():
        seen.append(gc.get_threshold())
        assert gc.get_freeze_count() >= frozen
    assert seen[0][0] >= extraction.EXTRACTION_GC_THRESHOLDS[0]
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen
    assert extraction.run_tasks([], jobs=1) == ([], [])
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen
