"""Walk a repository, find service roots, and map every file to its service by path.

A service root is, in order of authority: a folder named by ``archconform.yml`` ``services``,
a compose ``build.context``, or a folder holding a build marker (Dockerfile, pom.xml,
build.gradle, package.json, go.mod, pyproject.toml, *.csproj). A file belongs to the deepest
root that contains it. Paths are repo-relative POSIX throughout.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pathspec
import yaml

from analyzer.config import Config
from analyzer.model import Diagnostic, DiagnosticLevel
from analyzer.model.inputs import check_flow_depth, read_text_file
from analyzer.model.limits import DEFAULT_LIMITS, load_all_bounded
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
MARKER_FILES = frozenset(
    {"Dockerfile", "pom.xml", "build.gradle", "build.gradle.kts", "package.json", "go.mod", "pyproject.toml"}
)
COMPOSE_NAMES = frozenset({"docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"})


def is_compose_file(path: str) -> bool:
    name = PurePosixPath(path).name
    return name in COMPOSE_NAMES or (
        name.startswith(("docker-compose", "compose")) and name.endswith((".yml", ".yaml"))
    )


@dataclass(slots=True)
class Discovery:
    """The files of a scan and the service each belongs to."""

    root: Path
    files: list[str] = field(default_factory=list)
    service_roots: dict[str, str] = field(default_factory=dict)  # folder ('' = repo root) -> service
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def service_for(self, path: str) -> str:
        """The service owning ``path`` (deepest root containing it), or '' if none.

        >>> d = Discovery(Path("."), service_roots={"services/orders": "orders"})
        >>> d.service_for("services/orders/db/V1__init.sql")
        'orders'
        """
        parts = PurePosixPath(path).parts
        for depth in range(len(parts) - 1, -1, -1):
            folder = "/".join(parts[:depth])
            if folder in self.service_roots:
                return self.service_roots[folder]
        return ""


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


def unusable_name(name: str) -> bool:
    """A file or folder name no report can carry: bytes that are not UTF-8 (decoded by the OS
    layer as surrogates), a backslash (not a POSIX path separator anywhere else), or control
    characters (a newline in a name would forge lines in console and Markdown output).

    >>> unusable_name("orders.sql"), unusable_name("a\\b.sql"), unusable_name("x\udcff.sql")
    (False, True, True)
    """
    return any(ch == "\\" or ord(ch) < 32 or ord(ch) == 127 or "\ud800" <= ch <= "\udfff" for ch in name)


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
    """
    rules = IgnoreRules(ignore, gitignore)
    found: list[str] = []

    def unreadable(error: OSError) -> None:
        if problems is not None:
            where = _shown(Path(error.filename or "").relative_to(root).as_posix()) if error.filename else ""
            problems.append(
                Diagnostic("", 0, DiagnosticLevel.WARNING, f"folder '{where}' not read: {error.strerror}")
            )

    def skip_name(rel: str) -> bool:
        if not unusable_name(rel):
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
            try:
                if full.is_symlink() or not full.is_file() or rules.ignored(rel) or skip_name(rel):
                    continue
            except OSError:  # a name too long for stat, a file gone meanwhile
                continue
            found.append(rel)
    return sorted(found)


class _PlainLoader(yaml.SafeLoader):
    """Safe YAML where timestamps stay strings: discovery reads names and folders, and PyYAML's
    timestamp constructor raises on malformed dates (``2001-13-45``) a committer may write."""


_PlainLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),  # type: ignore[arg-type]
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


def _is_dir(root: Path, folder: str) -> bool:
    try:
        return plausible_folder(folder) and (root / folder).is_dir()
    except (OSError, ValueError):
        return False


def _compose_build_roots(root: Path, path: str) -> tuple[dict[str, str], list[Diagnostic]]:
    """Service name per build context folder of one compose file (a light read; the compose
    extractor does the full job and reports problems with their line)."""
    roots: dict[str, str] = {}
    decoded = read_text_file(root / path, DEFAULT_LIMITS.config_max_bytes)
    if decoded.text is None:
        return roots, []
    try:
        check_flow_depth(decoded.text, DEFAULT_LIMITS.json_max_depth)
        documents = load_all_bounded(decoded.text, _PlainLoader)  # alias bombs too
        data = documents[0] if documents else None
    except (yaml.YAMLError, RecursionError, ValueError):  # LimitExceeded is a ValueError
        return roots, []
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return roots, []
    base = PurePosixPath(path).parent
    claimed: dict[str, set[str]] = {}
    for name, spec in services.items():
        if not isinstance(spec, dict):
            continue
        build = spec.get("build")
        context = build.get("context", ".") if isinstance(build, dict) else build
        if not isinstance(context, str) or "://" in context or "$" in context:
            continue
        folder = base / context
        dockerfile = build.get("dockerfile") if isinstance(build, dict) else None
        # NOTE: eShopOnContainers-style builds share one context and pick a Dockerfile per service;
        # the Dockerfile's folder is then the service's root.
        if isinstance(dockerfile, str) and "$" not in dockerfile and "/" in dockerfile:
            folder = folder / PurePosixPath(dockerfile).parent
        norm = os.path.normpath(folder.as_posix()).replace("\\", "/")
        if (
            norm.startswith("..")
            or not plausible_folder("" if norm == "." else norm)
            or not is_inside(root / norm, root)  # /abs, a link out
        ):
            continue
        claimed.setdefault("" if norm == "." else str(norm), set()).add(str(name))
    for claimed_folder, names in claimed.items():
        if len(names) == 1:  # a context shared by several services maps files to none of them
            roots[claimed_folder] = next(iter(names))
    return roots, []


def _guarded_build_roots(root: Path, path: str) -> tuple[dict[str, str], list[Diagnostic]]:
    """:func:`_compose_build_roots`, with any failure a diagnostic at the file: one compose file
    discovery cannot read costs its build roots, never the scan."""
    try:
        return _compose_build_roots(root, path)
    except Exception as exc:
        message = f"internal error reading build contexts: {type(exc).__name__}: {str(exc)[:200]}"
        return {}, [Diagnostic(path, 0, DiagnosticLevel.ERROR, message)]


def discover(root: Path, config: Config) -> Discovery:
    """Find files and service roots under ``root``."""
    result = Discovery(root=root)
    result.files = walk_files(root, config.ignore, config.gitignore, result.diagnostics)
    marker_roots: dict[str, str] = {}
    compose_roots: dict[str, str] = {}
    named_by: dict[str, str] = {}  # root folder -> the compose file that named it (for diagnostics)
    for path in result.files:
        pure = PurePosixPath(path)
        folder = pure.parent.as_posix()
        folder = "" if folder == "." else folder
        # A marker at the repo root is a monorepo build file, not a service.
        if (pure.name in MARKER_FILES or pure.suffix == ".csproj") and folder:
            marker_roots.setdefault(folder, pure.parent.name)
        if is_compose_file(path):
            found, diags = _guarded_build_roots(root, path)
            compose_roots.update(found)
            named_by.update(dict.fromkeys(found, path))
            result.diagnostics.extend(diags)
    result.service_roots.update(marker_roots)
    result.service_roots.update(compose_roots)
    for svc in config.services:
        for folder in svc.paths:
            result.service_roots[folder.strip("/")] = svc.name
            named_by.pop(folder.strip("/"), None)
    for folder, name in list(result.service_roots.items()):
        if not _is_dir(root, folder):
            result.diagnostics.append(
                Diagnostic(
                    named_by.get(folder, config.path),
                    0,
                    DiagnosticLevel.WARNING,
                    f"service '{name}' root folder '{folder}' does not exist",
                )
            )
            del result.service_roots[folder]
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
