"""Walk a repository: the files to scan, which of them are tests, and CODEOWNERS.

Which files belong to which service is decided by the inventory
(:mod:`analyzer.resolve.inventory`). Paths are repo-relative POSIX throughout.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pathspec

from analyzer.config import Config
from analyzer.model import Diagnostic, DiagnosticLevel
from analyzer.model.inputs import read_text_file
from analyzer.model.limits import DEFAULT_LIMITS
from analyzer.model.location import base_name, path_parts
from analyzer.model.paths import is_inside

# NOTE: `dist/` and `out/` are not skipped: release manifests live there (dist/kubernetes/deploy.yaml);
# the code extractors skip bundled JavaScript in them instead.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".yarn",  # Yarn Berry's own release, plugins and cache: the package manager, not service code
        "vendor",
        "build",
        "target",
        "bin",
        "obj",
        ".venv",
        "venv",
        "__pycache__",
        ".idea",
        ".vscode",
        ".gradle",
        ".mvn",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".next",
        "coverage",
    }
)
# Build files the inventory reads (analyzer.extract.buildfiles), besides *.csproj.
MARKER_FILES = frozenset(
    {
        "Dockerfile",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
        "settings.gradle",
        "settings.gradle.kts",
        "package.json",
        "go.mod",
        "pyproject.toml",
        "requirements.txt",
    }
)
COMPOSE_NAMES = frozenset({"docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"})


# Test source sets: code there tests the service, it is not the service.
TEST_SEGMENTS = frozenset(
    {
        "test",
        "tests",
        "__tests__",
        "integrationtest",
        "integration-test",
        "integration-tests",
        "testfixtures",
        "e2e",
        "e2e-tests",
        "end-to-end-tests",
        "functionaltest",
        "functional-tests",
    }
)
_TEST_COMPOSE = re.compile(r"[-_.](tests?|e2e|it)[-_.]")
_TEST_FILE_SUFFIXES = ("_test.go", ".test.js", ".test.ts", ".spec.js", ".spec.ts", ".test.tsx", ".spec.tsx")


def is_test_path(path: str) -> bool:
    """Whether a file lies in a test source set or is a test file by its language's convention.

    >>> is_test_path("orders/src/test/java/OrdersTest.java"), is_test_path("orders/src/main/App.java")
    (True, False)
    """
    parts = path_parts(path)
    lowered = [p.lower() for p in parts[:-1]]
    if any(p in TEST_SEGMENTS for p in lowered) or any(
        a == "src" and b == "it" for a, b in itertools.pairwise(lowered)
    ):
        return True  # (src/it: Maven Failsafe's integration tests)
    name = (parts[-1] if parts else "").lower()
    if is_compose_file(path) and _TEST_COMPOSE.search(name):
        return True  # a test harness deployment (docker-compose-tests.yml): runners and fixtures
    return name.endswith(_TEST_FILE_SUFFIXES) or (
        name.endswith(".py")
        and (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py")
    )


DESCRIPTOR_FOLDERS = frozenset({"build", "deploy"})


def is_compose_file(path: str) -> bool:
    name = base_name(path)
    return name in COMPOSE_NAMES or (
        name.startswith(("docker-compose", "compose")) and name.endswith((".yml", ".yaml"))
    )


@dataclass(slots=True)
class Discovery:
    """The files of a scan (repo-relative POSIX paths, sorted)."""

    root: Path
    files: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


class IgnoreRules:
    """Which paths a scan leaves out, with gitignore semantics (``pathspec``): the config's
    ``ignore`` patterns from the scan root, and every ``.gitignore`` in the tree, each relative to
    its own folder. A path is left out when any of them ignores it (a ``!`` re-include works within
    its own file).

    >>> rules = IgnoreRules(("**/testdata/**", "legacy/"))
    >>> rules.ignored("testdata/app.env"), rules.ignored("legacy", True), rules.ignored("app/main.py")
    (True, True, False)
    """

    def __init__(self, patterns: tuple[str, ...] = (), gitignore: bool = True) -> None:
        self.config = pathspec.GitIgnoreSpec.from_lines(patterns)
        self.gitignore = gitignore
        self.nested: list[tuple[str, pathspec.GitIgnoreSpec]] = []  # (folder, its .gitignore)

    def enter(self, root: Path, rel_dir: str) -> None:
        """Read the ``.gitignore`` of a folder as the walk enters it."""
        if not self.gitignore:
            return
        path = root / rel_dir / ".gitignore"
        if path.is_file() and not path.is_symlink():
            text = read_text_file(path, DEFAULT_LIMITS.config_max_bytes).text
            if text is None:
                return
            try:
                spec = pathspec.GitIgnoreSpec.from_lines(text.splitlines())
            except Exception:  # a pattern pathspec rejects: git would skip that line, we skip the file
                return
            self.nested.append((rel_dir, spec))

    def ignored(self, rel: str, is_dir: bool = False) -> bool:
        probe = rel + "/" if is_dir else rel
        if self.config.match_file(probe):
            return True
        for folder, spec in self.nested:
            if not folder:
                if spec.match_file(probe):
                    return True
            elif probe.startswith(folder + "/") and spec.match_file(probe[len(folder) + 1 :]):
                return True
        return False


_UNUSABLE = re.compile(r"[\\\x00-\x1f\x7f\ud800-\udfff]")  # see unusable_name


def unusable_name(name: str) -> bool:
    """A file or folder name no report can carry: bytes that are not UTF-8 (decoded by the OS
    layer as surrogates), a backslash (not a POSIX path separator anywhere else), or control
    characters (a newline in a name would forge lines in console and Markdown output).

    >>> unusable_name("orders.sql"), unusable_name("a\\b.sql"), unusable_name("x\udcff.sql")
    (False, True, True)
    """
    return _UNUSABLE.search(name) is not None


def _shown(path: str) -> str:
    """A path with an unusable name, written so that it can be printed."""
    text = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def walk_files(
    root: Path,
    ignore: tuple[str, ...] = (),
    gitignore: bool = True,
    problems: list[Diagnostic] | None = None,
) -> list[str]:
    """Repo-relative POSIX paths of regular files, sorted. ``ignore`` and the tree's
    ``.gitignore`` files (unless ``gitignore`` is false) leave paths out. Symlinks are never
    followed (so they can neither leave the tree nor loop); FIFOs, sockets and devices are not
    files; folders that cannot be listed and names no report can carry are left out, with a
    diagnostic in ``problems``.

    Folders are visited top-down, each one's sub-folders in name order (as ``os.walk`` with
    sorted ``dirnames`` would), listed once with :func:`os.scandir`, whose entries know their
    type without a ``stat`` per file; no recursion, so no depth of folders is too deep.
    """
    rules = IgnoreRules(ignore, gitignore)
    found: list[str] = []

    def unreadable(rel_dir: str, error: OSError) -> None:
        if problems is not None:
            where = _shown(rel_dir or ".") if error.filename else ""
            problems.append(
                Diagnostic("", 0, DiagnosticLevel.WARNING, f"folder '{where}' not read: {error.strerror}")
            )

    def skip_name(rel: str, name: str) -> bool:
        # Only the last name needs checking: the folders above were checked on the way in.
        if not unusable_name(name):
            return False
        if problems is not None:
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

    pending: list[tuple[str, str]] = [(os.fspath(root), "")]  # (folder, repo-relative), a stack
    while pending:
        folder, rel_dir = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as error:
            unreadable(rel_dir, error)
            continue
        if any(entry.name == ".gitignore" for entry in entries):
            rules.enter(root, rel_dir)
        prefix = f"{rel_dir}/" if rel_dir else ""
        folders: list[os.DirEntry[str]] = []
        files: list[os.DirEntry[str]] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()  # follows a symlink, as os.walk does: listed, never entered
            except OSError:
                is_dir = False
            (folders if is_dir else files).append(entry)
        kept = sorted(
            (entry for entry in folders if _keep_folder(entry.name, prefix, rules, skip_name)),
            key=lambda entry: entry.name,
        )
        for entry in files:
            rel = prefix + entry.name
            try:
                if entry.is_symlink() or not entry.is_file():
                    continue
                if rules.ignored(rel) or skip_name(rel, entry.name):
                    continue
            except OSError:  # a name too long for stat, a file gone meanwhile
                continue
            found.append(rel)
        for entry in reversed(kept):  # a stack: the first folder is visited next
            try:
                if entry.is_symlink():
                    continue
            except OSError:
                continue
            pending.append((entry.path, prefix + entry.name))
    return sorted(found)


def _keep_folder(name: str, prefix: str, rules: IgnoreRules, skip_name: Callable[[str, str], bool]) -> bool:
    return (
        name not in SKIP_DIRS
        and not name.endswith(".egg-info")
        and not rules.ignored(prefix + name, is_dir=True)
        and not skip_name(prefix + name, name)
    )


# A folder a YAML value names is used as a path only if it is a plausible one.
MAX_PATH_CHARS = 1024
MAX_NAME_CHARS = 255


def plausible_folder(folder: str) -> bool:
    """Whether a repo-relative folder named by repository data may be looked up on disk: no NUL,
    not absolute, not climbing out, no part longer than file systems allow.

    >>> plausible_folder("services/orders"), plausible_folder("../etc"), plausible_folder("a" * 300)
    (True, False, False)
    """
    if not folder:
        return True
    if "\x00" in folder or len(folder) > MAX_PATH_CHARS or folder.startswith(("/", "..")):
        return False
    return all(len(part.encode("utf-8", "surrogatepass")) <= MAX_NAME_CHARS for part in folder.split("/"))


def is_folder(root: Path, folder: str) -> bool:
    """``root / folder`` is a folder, for a ``folder`` repository data named: never raises (a
    name longer than the OS allows was an ``OSError`` that ended the scan)."""
    try:
        return plausible_folder(folder) and (root / folder).is_dir()
    except (OSError, ValueError):
        return False


def _descriptor_folder_files(root: Path, ignore: tuple[str, ...], gitignore: bool) -> list[str]:
    """Compose files inside `build/` or `deploy/` folders (which the walk skips as build output)."""
    found: list[str] = []
    for dirpath, dirnames, _files in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS or d in DESCRIPTOR_FOLDERS]
        rel = Path(dirpath).relative_to(root).as_posix()
        if rel.count("/") > 3:
            dirnames[:] = []
        if PurePosixPath(rel).name in DESCRIPTOR_FOLDERS:
            found.extend(
                f"{rel}/{path}"
                for path in walk_files(Path(dirpath), ignore, gitignore)
                if is_compose_file(path)
            )
            dirnames[:] = []
    return found


def discover(root: Path, config: Config) -> Discovery:
    """Find the files to scan under ``root`` (which of them belong to which service is the
    inventory's job: :mod:`analyzer.resolve.inventory`)."""
    result = Discovery(root=root)
    result.files = walk_files(root, config.ignore, config.gitignore, result.diagnostics)
    if not any(is_compose_file(f) for f in result.files):
        # NOTE: `build/` is skipped as a build output, but some repositories keep their only
        # deployment descriptors there: read its compose files (never its other files) then.
        extra = _descriptor_folder_files(root, config.ignore, config.gitignore)
        result.files = sorted({*result.files, *extra})
    return result


CODEOWNERS_PLACES = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")


def read_codeowners(root: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(pattern, owners) rules of the repository's CODEOWNERS file, in file order."""
    for place in CODEOWNERS_PLACES:
        path = root / place
        if path.is_file() and is_inside(path, root):  # a committed link to a file elsewhere: not read
            try:
                lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
            except OSError:
                return []
            rules: list[tuple[str, tuple[str, ...]]] = []
            for line in lines:
                parts = line.split("#", 1)[0].split()
                if len(parts) >= 2 and not parts[0].startswith("["):
                    rules.append((parts[0], tuple(parts[1:])))
            return rules
    return []


def codeowners_for(folder: str, rules: list[tuple[str, tuple[str, ...]]]) -> tuple[str, ...]:
    """Owners of a folder by CODEOWNERS semantics (the last matching pattern wins).

    >>> codeowners_for("services/orders", [("*", ("@all",)), ("/services/orders/", ("@checkout",))])
    ('@checkout',)
    """
    owners: tuple[str, ...] = ()
    probe = folder.strip("/") + "/"
    for pattern, who in rules:
        anchored = pattern.startswith("/")
        pat = pattern.strip("/")
        if (
            pattern == "*"
            or (anchored and (probe.startswith(pat + "/") or fnmatch.fnmatch(probe.rstrip("/"), pat)))
            or (
                not anchored
                and (f"/{pat}/" in f"/{probe}" or fnmatch.fnmatch(PurePosixPath(probe).name, pat))
            )
        ):
            owners = who
    return owners
