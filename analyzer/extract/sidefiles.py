"""The files of one scan, indexed once, for extractors that read beyond their own file.

A Kubernetes manifest is deployed with the manifests of its folder and the kustomizations near it.
Finding those by probing the disk and re-reading them for every manifest made a folder of N
manifests cost N² reads and YAML parses. Instead the pipeline installs one :class:`FileIndex` built
from the discovered file list: folder listings come from it, each side file is read once per
process, each YAML text is parsed once, and derived results (a kustomization's walk) are memoised.

Every read, listing and memoised group an extractor touches is *recorded*, so the extraction cache
(:mod:`analyzer.pipeline.cache`) knows which other files a result depended on. A memoised value
replays what it recorded into whoever uses it later, so memoisation never hides a dependency.

Paths are repo-relative POSIX ('' is the root). Nothing outside the root is read.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from analyzer.discovery import walk_files
from analyzer.extract.yamlsrc import YamlError, load_all

T = TypeVar("T")
MAX_SIDE_BYTES = 2_000_000
# YAML kept parsed per process, by the size of its text: the inventory's parses are handed to the
# extractors, so all of a scan's YAML should fit (a cap of 4,096 files made every manifest of a
# 2,000-service system parse twice: the extractors ask in the inventory's order, oldest first).
_PARSED_TEXT_LIMIT = 16 << 20


@dataclass(slots=True)
class Deps:
    """What one extractor run read besides its own file: files, folder listings, groups."""

    reads: set[str] = field(default_factory=set)
    listings: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)

    def merge(self, other: Deps) -> None:
        self.reads |= other.reads
        self.listings |= other.listings
        self.groups |= other.groups


class FileIndex:
    """The discovered files of a scan, with their folders, for lookups without probing the disk."""

    def __init__(self, root: str, files: Iterable[str]) -> None:
        self.root = os.path.realpath(root)
        self.files = frozenset(files)
        self.children: dict[str, set[str]] = {}  # folder -> names of files and folders in it
        self.folders: set[str] = {""}
        for path in self.files:
            parent, name = posixpath.split(path)
            self.children.setdefault(parent, set()).add(name)
            while parent and parent not in self.folders:
                self.folders.add(parent)
                grand, name = posixpath.split(parent)
                self.children.setdefault(grand, set()).add(name)
                parent = grand
        self._texts: dict[str, str | None] = {}
        self._listings: dict[str, list[str]] = {}
        self._memo: dict[Any, tuple[Any, Deps]] = {}
        self._frames: list[Deps] = []

    # -- recording -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def recording(self) -> Iterator[Deps]:
        """Collect what the code inside reads (nested frames pass theirs up)."""
        deps = Deps()
        self._frames.append(deps)
        try:
            yield deps
        finally:
            self._frames.pop()
            if self._frames:
                self._frames[-1].merge(deps)

    @contextlib.contextmanager
    def unrecorded(self) -> Iterator[None]:
        """Run the code inside without recording (its user records a group dependency instead)."""
        self._frames.append(Deps())
        try:
            yield
        finally:
            self._frames.pop()

    def _note(
        self, reads: Iterable[str] = (), listings: Iterable[str] = (), groups: Iterable[str] = ()
    ) -> None:
        if self._frames:
            top = self._frames[-1]
            top.reads.update(reads)
            top.listings.update(listings)
            top.groups.update(groups)

    def depends_on(self, reads: Iterable[str] = (), listings: Iterable[str] = ()) -> None:
        """Record files and folder listings a result depends on although this run did not open them
        (a process-wide memo answered): the cache must still see them as read."""
        self._note(reads, listings)

    def depends_on_group(self, name: str) -> None:
        """Record a dependency on a named group of files (the cache signs each group)."""
        self._note(groups=(name,))

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()`` once per index; later callers get the value and its recorded dependencies."""
        if key in self._memo:
            value, deps = self._memo[key]
            self._note(deps.reads, deps.listings, deps.groups)
            return value
        with self.recording() as deps:
            value = compute()
        self._memo[key] = (value, deps)
        return value

    # -- lookups ---------------------------------------------------------------------------------

    def inside(self, rel: str) -> bool:
        return rel != ".." and not rel.startswith("../") and not rel.startswith("/")

    def contained(self, rel: str) -> bool:
        """Whether ``rel`` stays under the root once every symlink is followed (discovered files
        and folders do: discovery does not follow links)."""
        if not self.inside(rel):
            return False
        if rel in self.files or rel in self.folders:
            return True
        real = os.path.realpath(os.path.join(self.root, rel))
        return real == self.root or real.startswith(self.root + os.sep)

    def is_dir(self, rel: str) -> bool:
        if rel in self.folders:
            return True
        if rel in self.files or not self.contained(rel):
            return False
        # NOTE: a folder the discovery skipped (vendor/, build/) may still be named by a kustomization.
        self._note(listings=(posixpath.dirname(rel),))
        return os.path.isdir(os.path.join(self.root, rel))

    def listing(self, folder: str) -> list[str]:
        """Sorted names of the files and folders directly in ``folder`` (recorded)."""
        self._note(listings=(folder,))
        if folder not in self._listings:
            self._listings[folder] = self._list(folder)
        return self._listings[folder]

    def _list(self, folder: str) -> list[str]:
        if folder in self.children:
            return sorted(self.children[folder])
        if folder in self.folders or not self.contained(folder):
            return []
        try:
            return sorted(os.listdir(os.path.join(self.root, folder)))
        except OSError:
            return []

    def signature_of_listing(self, folder: str) -> str:
        return "\n".join(self.listing(folder))

    def is_file(self, rel: str) -> bool:
        folder, name = posixpath.split(rel)
        self._note(listings=(folder,))
        return rel in self.files or (name in self.listing(folder) and not self.is_dir(rel))

    def text(self, rel: str) -> str | None:
        """The text of a side file (read once per process), None when missing, too big or outside."""
        self._note(reads=(rel,))
        if rel not in self._texts:
            self._texts[rel] = self._read(rel)
        return self._texts[rel]

    def _read(self, rel: str) -> str | None:
        if not self.contained(rel):
            return None
        full = os.path.join(self.root, rel)
        try:
            if not os.path.isfile(full) or os.path.getsize(full) >= MAX_SIDE_BYTES:
                return None
            with open(full, encoding="utf-8-sig", errors="replace") as handle:
                return handle.read()
        except OSError:
            return None


_groups: dict[str, Callable[[str], bool]] = {}


def register_group(name: str, member: Callable[[str], bool]) -> None:
    """Name a group of files (by a test on the path) that an extractor may depend on as a whole."""
    _groups[name] = member


def in_group(name: str, path: str) -> bool:
    test = _groups.get(name)
    return test(path) if test is not None else True  # an unknown group: every file, to be safe


_current: FileIndex | None = None
_parsed: dict[tuple[str, str], list[Any] | YamlError] = {}
_parsed_chars = 0  # the length of the texts in _parsed


def install(index: FileIndex | None) -> None:
    """Make ``index`` the one extractors use (None: none; extractors then index on demand). The
    parsed YAML is dropped when a scan ends, not when it installs its index: the inventory, which
    runs before, hands its parses of compose files and manifests over to the extractors."""
    global _current, _parsed_chars
    _current = index
    if index is None:
        _parsed.clear()
        _parsed_chars = 0


def current() -> FileIndex | None:
    return _current


def index_for(root: str) -> FileIndex:
    """The installed index when it covers ``root``; otherwise a fresh one from the disk (an
    extractor called on its own, as tests do)."""
    if _current is not None and _current.root == os.path.realpath(root):
        return _current
    return FileIndex(root, walk_files(Path(root)))


def load_all_once(text: str, path: str) -> list[Any]:
    """:func:`analyzer.extract.yamlsrc.load_all`, remembered per (path, text) so a manifest read as
    a neighbour of many others is parsed once. The documents are shared: read them, never change them."""
    global _parsed_chars
    key = (path, text)
    found = _parsed.get(key)
    if found is None:
        try:
            found = load_all(text, path)
        except YamlError as exc:
            found = exc
        _parsed[key] = found
        _parsed_chars += len(text)
        while _parsed_chars > _PARSED_TEXT_LIMIT and len(_parsed) > 1:  # the oldest go first
            oldest = next(iter(_parsed))
            del _parsed[oldest]
            _parsed_chars -= len(oldest[1])
    if isinstance(found, YamlError):
        raise found
    return found
