"""The extraction cache: per-file facts reused across scans (a CI job restores the folder).

An entry holds what one extractor said about one file. It is found by a key made of the file's
content hash, the extractor's name and version (a hash of the extractor code and the parser
versions) and what the extractor was told about the file (service, datastore technology); it is
*used* only when every other file the extractor read still has the hash it had, every folder it
listed still lists the same names, and every group it consulted (all kustomizations, the whole file
list) is unchanged. So an edit re-extracts the file itself and the files that read it, no more.

What an extractor read is recorded two ways: reads through :mod:`analyzer.extract.sidefiles` (the
Kubernetes extractor), and, for every extractor, Python's audit events for ``open`` and directory
listings (``sys.addaudithook``), which see the reads of extractors written without the index. A
probe for a file that does not exist leaves no trace, so an extractor not known to read only its
own file also depends on the whole file list: adding or removing a file re-extracts those.

The folder is safe to delete at any time (a missing or unreadable entry is a miss), is bounded in
size (the least recently used entries go first), and holds no code: entries are pickles read by an
unpickler that builds only the frozen fact types of :mod:`analyzer.extract.facts` and
:mod:`analyzer.model` (and plain containers); an entry naming anything else is a miss.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import enum
import hashlib
import io
import os
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import analyzer
from analyzer.extract import facts as facts_module
from analyzer.extract import sidefiles
from analyzer.extract.facts import ExtractResult, FileContext
from analyzer.model import location as location_module
from analyzer.model import vocabulary as vocabulary_module
from analyzer.pipeline.scancache import audited_path, digest

FORMAT = 2
DEFAULT_MAX_MB = 256
TREE = "@tree"  # the dependency group "the list of discovered files"
# Extractors that read nothing but their own file (checked at run time too: a recorded read
# still counts). Any other extractor, including new ones, also depends on the file list.
SELF_CONTAINED = frozenset(
    {
        "spring",
        "dotnet",
        "dotenv",
        "python",
        "javascript",
        "java",
        "golang",
        "csharp",
        "code-migrations",
        "prisma",
        "proto",
    }
)
_VERSIONED_DISTRIBUTIONS = (
    "sqlglot",
    "pyyaml",
    "tree-sitter",
    "tree-sitter-python",
    "tree-sitter-java",
    "tree-sitter-go",
    "tree-sitter-javascript",
    "tree-sitter-typescript",
    "tree-sitter-c-sharp",
)


def extractor_version() -> str:
    """A hash of the extraction code and the parser versions: any change invalidates every entry."""
    from importlib import metadata

    package = Path(analyzer.__file__).parent
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{FORMAT}:{analyzer.__version__}".encode())
    for name in _VERSIONED_DISTRIBUTIONS:
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{name}={metadata.version(name)}".encode())
    for folder in ("extract", "model"):
        for source in sorted((package / folder).rglob("*.py")):
            digest.update(source.relative_to(package).as_posix().encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()


# -- a safe encoding of facts --------------------------------------------------------------------


def _types() -> dict[tuple[str, str], type]:
    found: dict[tuple[str, str], type] = {}
    for module in (facts_module, location_module, vocabulary_module, sys.modules["analyzer.model"]):
        for value in vars(module).values():
            if isinstance(value, type) and (dataclasses.is_dataclass(value) or issubclass(value, enum.Enum)):
                found[(value.__module__, value.__qualname__)] = value
    return found


_TYPES = _types()
_ALLOWED: dict[tuple[str, str], Any] = {**_TYPES, ("copyreg", "__newobj__"): copyreg.__newobj__}  # type: ignore[attr-defined]


class _FactsUnpickler(pickle.Unpickler):
    """Builds nothing but the frozen fact types (and the containers pickle has opcodes for): an
    entry naming any other class or function is refused, so a tampered cache cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"not a fact type: {module}.{name}") from None


def _encode(value: Any) -> bytes:
    return pickle.dumps(value, protocol=5)


def _decode(data: bytes) -> Any:
    return _FactsUnpickler(io.BytesIO(data)).load()


# -- recording what an extractor read ------------------------------------------------------------

_recording: list[tuple[str, sidefiles.Deps]] = []  # (real root, deps) of the run in progress
_hook_installed = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _recording or event not in ("open", "os.listdir", "os.scandir"):
        return
    path = audited_path(args)
    if path is None:
        return
    root, deps = _recording[-1]
    try:
        rel = os.path.relpath(os.path.realpath(path), root)
    except ValueError:
        return
    if rel.startswith(".."):
        return
    rel = "" if rel == "." else rel.replace(os.sep, "/")
    if event == "open":
        deps.reads.add(rel)
    else:
        deps.listings.add(rel)


def extracting() -> bool:
    """Whether an extractor run is recording its reads right now (in this process)."""
    return bool(_recording)


@contextlib.contextmanager
def recording(root: str) -> Iterator[sidefiles.Deps]:
    """Record the files and folders the code inside reads under ``root`` (file index and audit)."""
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    deps = sidefiles.Deps()
    index = sidefiles.current()
    _recording.append((os.path.realpath(root), deps))
    try:
        if index is not None:
            with index.recording() as seen:
                yield deps
            deps.merge(seen)
        else:
            yield deps
    finally:
        _recording.pop()


# -- the cache -----------------------------------------------------------------------------------


class ExtractionCache:
    """Per-file extraction results in ``folder``, for one scan of ``root`` with its file list."""

    def __init__(self, folder: Path, index: sidefiles.FileIndex, max_mb: int | None = None) -> None:
        self.top = folder
        self.folder = folder / f"v{FORMAT}"
        self.root = Path(index.root)
        self.files = tuple(sorted(index.files))
        self.index = index
        self.max_bytes = (
            1024 * 1024 * (max_mb or int(os.environ.get("ARCHCONFORM_CACHE_MAX_MB", DEFAULT_MAX_MB)))
        )
        self.version = extractor_version()
        self._hashes: dict[str, str] = {}
        self._groups: dict[str, str] = {}
        self.hits = self.misses = self.stored = 0
        # (name, path, service, technology, profile, key, reads, groups) of every task looked up,
        # in order: what the scan cache needs to re-check a task later (see scancache).
        self.task_log: list[tuple[str, str, str, str, str, str, tuple[str, ...], tuple[str, ...]]] = []
        self._logged: dict[str, int] = {}
        self.listings: set[str] = set()  # folders extractors listed (hits and fresh runs)

    def content_hash(self, rel: str) -> str:
        """Hash of a file's bytes ('' when it cannot be read), computed once per scan."""
        if rel not in self._hashes:
            try:
                self._hashes[rel] = digest((self.root / rel).read_bytes())
            except OSError:
                self._hashes[rel] = ""
        return self._hashes[rel]

    def _group(self, name: str) -> str:
        if name not in self._groups:
            if name == TREE:
                self._groups[name] = digest("\n".join(self.files).encode())
            else:
                members = [p for p in self.files if sidefiles.in_group(name, p)]
                self._groups[name] = digest(
                    "\n".join(f"{p}\0{self.content_hash(p)}" for p in members).encode()
                )
        return self._groups[name]

    def _listing(self, folder: str) -> str:
        return digest(self.index.signature_of_listing(folder).encode())

    def _key(self, name: str, ctx: FileContext) -> str:
        # everything the extractor is told about the file (limits too) but where the checkout lies
        told = [repr(getattr(ctx, f.name)) for f in dataclasses.fields(ctx) if f.name != "root"]
        text = "\0".join((self.version, name, *told, self.content_hash(ctx.path)))
        return digest(text.encode())

    def _entry_path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.entry"

    def _log(self, name: str, ctx: FileContext, key: str, deps: dict[str, Any] | None) -> None:
        reads = tuple(sorted(deps["reads"])) if deps is not None else ()
        groups = tuple(sorted(deps["groups"])) if deps is not None else ()
        if deps is not None:
            self.listings.update(deps["listings"])
        item = (name, ctx.path, ctx.service, ctx.technology, ctx.profile, key, reads, groups)
        if key in self._logged:
            self.task_log[self._logged[key]] = item
        else:
            self._logged[key] = len(self.task_log)
            self.task_log.append(item)

    def load(self, key: str) -> ExtractResult | None:
        """The entry stored under ``key`` as it was stored (not checked against the tree)."""
        try:
            entry = _decode(self._entry_path(key).read_bytes())
            return ExtractResult(entry["facts"], entry["diagnostics"])
        except Exception:  # missing or damaged: nothing to compare with
            return None

    def lookup(self, name: str, ctx: FileContext) -> ExtractResult | None:
        """The cached result when it is still valid, else None."""
        key = self._key(name, ctx)
        path = self._entry_path(key)
        self._log(name, ctx, key, None)
        try:
            entry = _decode(path.read_bytes())
            if not self._valid(entry["deps"]):
                self.misses += 1
                return None
            result = ExtractResult(entry["facts"], entry["diagnostics"])
            self._log(name, ctx, key, entry["deps"])
        except Exception:  # a missing, damaged or refused entry is a miss, whatever went wrong
            self.misses += 1
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: evicted last
        self.hits += 1
        return result

    def _valid(self, deps: dict[str, dict[str, str]]) -> bool:
        return (
            all(self.content_hash(p) == h for p, h in deps["reads"].items())
            and all(self._listing(f) == h for f, h in deps["listings"].items())
            and all(self._group(g) == h for g, h in deps["groups"].items())
        )

    def store(self, name: str, ctx: FileContext, result: ExtractResult, deps: sidefiles.Deps) -> None:
        reads = deps.reads - {ctx.path}
        groups = set(deps.groups)
        if name not in SELF_CONTAINED or reads or deps.listings:
            groups.add(TREE)
        recorded = {
            "reads": {p: self.content_hash(p) for p in sorted(reads)},
            "listings": {f: self._listing(f) for f in sorted(deps.listings)},
            "groups": {g: self._group(g) for g in sorted(groups)},
        }
        key = self._key(name, ctx)
        self._log(name, ctx, key, recorded)
        try:
            data = _encode({"deps": recorded, "facts": result.facts, "diagnostics": result.diagnostics})
        except (pickle.PicklingError, TypeError, AttributeError):
            return  # a fact the cache cannot write: extracted again next time
        path = self._entry_path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, path)  # readers see the whole entry or none
            self.stored += 1
        except OSError:
            return

    def trim(self) -> None:
        """Remove the least recently used entries while the folder is over its size bound."""
        if self.stored:
            trim(self.top, self.max_bytes)


def max_bytes() -> int:
    """The cache folder's size bound (``ARCHCONFORM_CACHE_MAX_MB``, default 256 MB)."""
    return 1024 * 1024 * int(os.environ.get("ARCHCONFORM_CACHE_MAX_MB", DEFAULT_MAX_MB))


def trim(top: Path, limit: int) -> None:
    """Remove the least recently used files under the cache folder ``top`` (extraction entries,
    scan entries and their outputs alike) while it holds more than ``limit`` bytes."""
    entries: list[tuple[float, int, str]] = []
    for folder, _, names in os.walk(top):
        for name in names:
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                stat = os.stat(path)
                entries.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= limit:
            break
        with contextlib.suppress(OSError):
            os.remove(path)
            total -= size
