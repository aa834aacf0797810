"""The scan cache: a whole scan's reports reused when nothing the scan read has changed.

Above the extraction cache (:mod:`analyzer.pipeline.cache`), which keeps per-file facts, this one
keeps the *rendered outputs* of a scan (JSON, SARIF, HTML, Markdown, GitLab, JUnit, the console
summary) and what the exit code needs, under a key made of everything a scan's result depends on
that is not a file in the tree: archconform's code and version, the installed libraries, the
effective configuration (its trust included), the options that change the result (traces,
baseline, the day, for expiring suppressions), the scanned folder and where it sits in its
repository. Next to the outputs it records what the scan read, by stage:

* the *inventory* stage (discovery and the inventory: folder listings, ``.gitignore`` files,
  manifests, build files, code the inventory looks into), and a digest of what it produced;
* every *extraction task* (extractor, file, service, technology) with the files it read besides
  its own, as the extraction cache records them;
* the *downstream* stages (traces, resolution, rules, ``CODEOWNERS``, rule files): any file read;
* the lines the reports quote (code excerpts, suppression checks) and the inline
  ``archconform: ignore`` comments of every file.

A rescan with the same key checks the recorded folder listings (an added or removed file is a
miss) and the content hash of every recorded file, through a stat index like git's (size, mtime,
inode, ctime → hash; a file whose mtime or ctime is within a second of its hashing is hashed again,
as is any file whose signature differs). Nothing changed: the outputs are written from the cache.
Some files changed (*early cutoff*): when none of them was read downstream, the quoted lines and
inline comments of each are the same, the inventory (re-run only if it read one of them) comes out
the same, and re-extracting the tasks that read them gives the same facts and diagnostics as
before, the result is the same too, so the cached outputs are still the outputs. Otherwise the scan
runs (extraction answered by the extraction cache) and its outputs replace the entry.

The folder is shared with the extraction cache and under the same size bound; entries are written
atomically (a temporary file renamed), a damaged or missing entry is a miss, and entries hold plain
data only (strings, numbers, containers: read by an unpickler that builds no object of any class).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import io
import os
import pickle
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

import analyzer

if TYPE_CHECKING:
    from analyzer.config import Config

FORMAT = 1
FOLDER = f"scan{FORMAT}"
HASH_INDEX = "hashes.index"
RACY_NS = 1_000_000_000  # a file changed within a second of its hashing may change unseen: hash again


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


# -- a canonical text of a value (the same on every run, whatever the hash seed) ---------------


def canonical(value: Any) -> str:
    """A deterministic text of ``value``: dataclasses by field, mappings and sets sorted."""
    parts: list[str] = []
    _canon(value, parts)
    return "".join(parts)


def _canon(value: Any, out: list[str]) -> None:
    if value is None or isinstance(value, bool | int | float | bytes):
        out.append(repr(value))
    elif isinstance(value, enum.Enum):
        out.append(f"{type(value).__qualname__}.{value.name}")
    elif isinstance(value, str):
        out.append(repr(value))
    elif isinstance(value, PurePath):
        out.append(f"P{str(value)!r}")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        out.append(f"{type(value).__qualname__}(")
        for f in dataclasses.fields(value):
            out.append(f"{f.name}=")
            _canon(getattr(value, f.name), out)
            out.append(",")
        out.append(")")
    elif isinstance(value, Mapping):
        items = sorted((canonical(k), canonical(v)) for k, v in value.items())
        out.append("{" + ",".join(f"{k}:{v}" for k, v in items) + "}")
    elif isinstance(value, set | frozenset):
        out.append("{" + ",".join(sorted(canonical(v) for v in value)) + "}")
    elif isinstance(value, list | tuple):
        out.append("[" if isinstance(value, list) else "(")
        for item in value:
            _canon(item, out)
            out.append(",")
        out.append("]" if isinstance(value, list) else ")")
    else:  # e.g. a compiled pattern; an object without a stable repr only costs a miss
        out.append(f"{type(value).__qualname__}:{value!r}")


# -- plain-data entries -------------------------------------------------------------------------


class _PlainUnpickler(pickle.Unpickler):
    """Builds strings, numbers and containers only: an entry naming any class is refused."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"not plain data: {module}.{name}")


def _load(path: Path) -> Any:
    return _PlainUnpickler(io.BytesIO(path.read_bytes())).load()


def write_atomically(path: Path, data: bytes) -> bool:
    """Write ``data`` so that readers see the whole file or none (concurrent scans are safe)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
        return True
    except OSError:
        return False


# -- content hashes behind a stat index -----------------------------------------------------------


class FileHashes:
    """Content hashes of files, kept across scans by their stat signature (git's index idea)."""

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / HASH_INDEX if folder is not None else None
        self.known: dict[str, tuple[int, int, int, int, int, str]] = {}
        self.changed = False
        if self.path is not None:
            with contextlib.suppress(Exception):  # a damaged index is an empty one
                known = _load(self.path)
                if isinstance(known, dict):
                    self.known = known

    def hash(self, path: str) -> str:
        """The content hash of ``path`` ('' when it is missing or unreadable)."""
        try:
            st = os.stat(path)
        except OSError:
            return ""
        old = self.known.get(path)
        if (
            old is not None
            and old[:4] == (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
            and max(st.st_mtime_ns, st.st_ctime_ns) < old[4] - RACY_NS
        ):
            return old[5]
        hashed_at = time.time_ns()
        try:
            with open(path, "rb") as handle:
                value = digest(handle.read())
        except OSError:
            return ""
        self.known[path] = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, hashed_at, value)
        self.changed = True
        return value

    def save(self) -> None:
        if self.path is not None and self.changed:
            write_atomically(self.path, pickle.dumps(self.known, protocol=5))
            self.changed = False


def listing_signature(folder: str) -> str:
    """The names in a folder with their kinds ('' when it cannot be listed)."""
    try:
        with os.scandir(folder) as entries:
            names = sorted(
                f"{e.name}/{'d' if e.is_dir(follow_symlinks=False) else 'l' if e.is_symlink() else 'f'}"
                for e in entries
            )
    except OSError:
        return ""
    return digest("\n".join(names).encode())


# -- recording what a scan read -------------------------------------------------------------------

INVENTORY, DOWNSTREAM = "inventory", "downstream"
_SKIP_MODES = frozenset("wax+")


@dataclasses.dataclass
class ScanRecord:
    """What one scan read and derived, filled in by :func:`analyzer.pipeline.scan`."""

    root: str
    files: tuple[str, ...] = ()
    inventory: str = ""  # digest of the discovered files and the inventory
    reads: dict[str, set[str]] = dataclasses.field(
        default_factory=lambda: {INVENTORY: set(), DOWNSTREAM: set()}
    )
    listings: set[str] = dataclasses.field(default_factory=set)
    # (extractor, path, service, technology, profile, extraction key, reads, groups) in run order;
    # None when a task's context cannot be rebuilt from the config (no early cutoff then).
    tasks: list[tuple[str, str, str, str, str, str, tuple[str, ...], tuple[str, ...]]] | None = None
    comments: dict[str, str] = dataclasses.field(default_factory=dict)  # path -> canonical comments
    lines: dict[str, dict[int, str]] = dataclasses.field(default_factory=dict)  # quoted lines
    stage: str = DOWNSTREAM
    paused: int = 0
    ignored: tuple[str, ...] = ()
    busy: Any = None  # a callable: an extraction is recording its own reads

    def note(self, event: str, path: str) -> None:
        real = os.path.realpath(path)
        inside = real == self.root or real.startswith(self.root + os.sep)
        if inside:
            name = os.path.relpath(real, self.root).replace(os.sep, "/")
            name = "" if name == "." else name
        else:
            if real.endswith(".pyc") or real.startswith(self.ignored):
                return
            name = real
        if event == "open":
            self.reads[self.stage].add(name)
        else:
            self.listings.add(name)

    @contextlib.contextmanager
    def in_stage(self, stage: str) -> Iterator[None]:
        before, self.stage = self.stage, stage
        try:
            yield
        finally:
            self.stage = before

    @contextlib.contextmanager
    def pause(self) -> Iterator[None]:
        self.paused += 1
        try:
            yield
        finally:
            self.paused -= 1

    def quoted(self, path: str, line: int, text: str) -> None:
        self.lines.setdefault(path, {})[line] = text


_active: list[ScanRecord] = []
_hook_installed = False


def audited_path(args: tuple[Any, ...]) -> str | None:
    """The path an ``open``, ``os.listdir`` or ``os.scandir`` audit event names, as text (None when
    it names a descriptor or nothing). Shared with the extraction cache's hook."""
    path = args[0] if args else None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    return path if isinstance(path, str) else None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _active or event not in ("open", "os.listdir", "os.scandir"):
        return
    record = _active[-1]
    if record.paused or (record.busy is not None and record.busy()):
        return
    path = audited_path(args)
    if path is None:
        return
    if event == "open" and len(args) > 2:
        mode, flags = args[1], args[2]
        if isinstance(mode, str) and _SKIP_MODES & set(mode):
            return
        if mode is None and isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR):
            return
    record.note(event, path)


@contextlib.contextmanager
def recording(record: ScanRecord | None, cache_dir: Path | None) -> Iterator[None]:
    """Record the files and folders the code inside reads (not extraction: that records its own)."""
    global _hook_installed
    if record is None:
        yield
        return
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    ignored = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(analyzer.__file__).parent)}
    if cache_dir is not None:
        ignored.add(os.path.realpath(cache_dir))
    record.ignored = tuple(sorted(os.path.realpath(p) + os.sep for p in ignored))
    _active.append(record)
    try:
        yield
    finally:
        _active.remove(record)


# -- the key: everything but the tree ---------------------------------------------------------------


def _tool_identity(hashes: FileHashes) -> str:
    """archconform's version and code (every extractor, rule and report), and installed libraries."""
    from analyzer.resources import reports_dir, rules_dir

    parts = [f"{FORMAT}:{analyzer.__version__}:{sys.version}"]
    # the code, the built-in rules and the report templates (beside the package in a checkout)
    for top in sorted({Path(analyzer.__file__).parent, Path(rules_dir()), Path(reports_dir())}):
        for folder, dirs, names in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                if not name.endswith((".pyc", ".tmp")):
                    path = os.path.join(folder, name)
                    parts.append(f"{path}={hashes.hash(path)}")
    for entry in sys.path:  # installed distributions by name and version (their dist-info folders)
        with contextlib.suppress(OSError, TypeError):
            parts.extend(
                sorted(n for n in os.listdir(entry or ".") if n.endswith((".dist-info", ".egg-info")))
            )
    return digest("\n".join(parts).encode())


def scan_key(
    root: Path,
    config: Config,
    hashes: FileHashes,
    *,
    traces: Sequence[Path] = (),
    baseline: bytes | None = None,
    today: str = "",
    repo_prefix: str = "",
) -> str:
    """The key of a scan's result before looking at the tree's files."""
    parts = {
        "tool": _tool_identity(hashes),
        "root": str(root),
        "repo_prefix": repo_prefix,
        "config": canonical(config),
        "traces": [str(Path(t).resolve()) for t in traces],
        "baseline": digest(baseline) if baseline is not None else "",
        "today": today,
    }
    return digest(canonical(parts).encode())


# -- the cache ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class Hit:
    """The cached outputs of a scan (by output name) and its summary (exit code, service count)."""

    outputs: dict[str, str]
    summary: dict[str, Any]
    cutoff: bool = False  # some files changed, their facts did not


class ScanCache:
    """Whole-scan outputs in ``cache_dir``, for scans of ``root`` with the given key."""

    def __init__(self, cache_dir: Path, root: Path, key: str, hashes: FileHashes) -> None:
        self.folder = cache_dir / FOLDER
        self.cache_dir = cache_dir
        self.root = os.path.realpath(root)
        self.key = key
        self.hashes = hashes
        self.entry_path = self.folder / key[:2] / f"{key}.scan"

    def _abs(self, name: str) -> str:
        return name if os.path.isabs(name) else os.path.join(self.root, name)

    def _blob(self, value: str) -> Path:
        return self.folder / "blobs" / f"{value}.out"

    def _read_blob(self, value: str) -> str:
        data = self._blob(value).read_bytes()
        if digest(data) != value:
            raise ValueError("damaged output")
        return data.decode("utf-8")

    def lookup(self, wanted: Iterable[str], config: Config, jobs: int | None) -> Hit | None:
        """The outputs named ``wanted`` when the scan would produce them again, else None."""
        try:
            entry = _load(self.entry_path)
            outputs = {name: entry["outputs"][name] for name in wanted}
            for folder, signature in entry["listings"].items():
                if listing_signature(self._abs(folder)) != signature:
                    return None
            changed: set[str] = set()
            for table in ("files", INVENTORY, DOWNSTREAM):
                for name, value in entry[table].items():
                    if self.hashes.hash(self._abs(name)) != value:
                        changed.add(name)
            if changed & set(entry[DOWNSTREAM]):
                return None
            if changed and not self._cut_off(entry, changed, config, jobs):
                return None
            texts = {name: self._read_blob(value) for name, value in outputs.items()}
        except Exception:  # a missing, damaged or refused entry is a miss, whatever went wrong
            return None
        if changed:  # the new hashes, so that the next scan is a plain hit
            for table in ("files", INVENTORY):
                for name in changed & set(entry[table]):
                    entry[table][name] = self.hashes.hash(self._abs(name))
            write_atomically(self.entry_path, pickle.dumps(entry, protocol=5))
        else:
            with contextlib.suppress(OSError):
                os.utime(self.entry_path)  # recently used: evicted last
        for value in outputs.values():
            with contextlib.suppress(OSError):
                os.utime(self._blob(value))
        self.hashes.save()
        return Hit(texts, entry["summary"], cutoff=bool(changed))

    def _cut_off(self, entry: dict[str, Any], changed: set[str], config: Config, jobs: int | None) -> bool:
        """Whether the changed files leave the scan's result as it was (see the module doc)."""
        from analyzer.pipeline import find_inline_suppressions, read_lines

        if entry["tasks"] is None:
            return False
        for name in sorted(changed):
            quoted = entry["lines"].get(name)
            if quoted:
                lines = read_lines(Path(self.root), name)
                if any((lines[n - 1] if 0 < n <= len(lines) else "") != text for n, text in quoted.items()):
                    return False
            if name in entry["files"]:  # inline comments count in scanned files only
                comments = canonical(find_inline_suppressions(Path(self.root), [name]))
                if comments != entry["comments"].get(name, canonical([])):
                    return False
        if (
            changed & set(entry[INVENTORY])
            and inventory_digest(Path(self.root), config) != entry["inventory_digest"]
        ):
            return False
        return self._same_facts(entry, changed, config)

    def _same_facts(self, entry: dict[str, Any], changed: set[str], config: Config) -> bool:
        from analyzer.extract import sidefiles
        from analyzer.extract.facts import FileContext
        from analyzer.extract.registry import all_extractors
        from analyzer.model.limits import using_limits
        from analyzer.pipeline.cache import ExtractionCache
        from analyzer.pipeline.extraction import run_recorded

        all_extractors()  # the extractors register the file groups they consult
        affected = [
            (i, task)
            for i, task in enumerate(entry["tasks"])
            if task[1] in changed
            or changed & set(task[6])
            or any(g != "@tree" and sidefiles.in_group(g, c) for g in task[7] for c in changed)
        ]
        index = sidefiles.FileIndex(self.root, list(entry["files"]))
        sidefiles.install(index)
        try:
            with using_limits(config.limits):
                cache = ExtractionCache(self.cache_dir, index)
                for i, (name, path, service, technology, profile, key, _, _) in affected:
                    old = cache.load(key)
                    if old is None:
                        return False
                    ctx = FileContext(path, self.root, service, technology, profile, limits=config.limits)
                    result, deps = run_recorded((name, ctx))
                    cache.store(name, ctx, result, deps)
                    if result.facts != old.facts or result.diagnostics != old.diagnostics:
                        return False
                    new_key, reads, groups = cache.task_log[-1][5:]
                    entry["tasks"][i] = (name, path, service, technology, profile, new_key, reads, groups)
        finally:
            sidefiles.install(None)
        return True

    def store(self, record: ScanRecord, outputs: Mapping[str, str], summary: Mapping[str, Any]) -> None:
        """Keep ``outputs`` (by name) of the scan ``record`` describes."""
        names: dict[str, str] = {}
        for name, text in outputs.items():
            data = text.encode("utf-8")
            value = digest(data)
            blob = self._blob(value)
            if not write_atomically(blob, data):
                return
            names[name] = value
        reads = record.reads
        entry = {
            "format": FORMAT,
            "outputs": names,
            "summary": dict(summary),
            "files": {name: self.hashes.hash(self._abs(name)) for name in record.files},
            INVENTORY: {name: self.hashes.hash(self._abs(name)) for name in sorted(reads[INVENTORY])},
            DOWNSTREAM: {name: self.hashes.hash(self._abs(name)) for name in sorted(reads[DOWNSTREAM])},
            "listings": {name: listing_signature(self._abs(name)) for name in sorted(record.listings)},
            "inventory_digest": record.inventory,
            "tasks": record.tasks,
            "comments": record.comments,
            "lines": record.lines,
        }
        write_atomically(self.entry_path, pickle.dumps(entry, protocol=5))
        self.hashes.save()
        from analyzer.pipeline.cache import max_bytes, trim

        trim(self.cache_dir, max_bytes())  # one bound for the whole folder, least recently used first


def inventory_digest(root: Path, config: Config, found: Any = None, inventory: Any = None) -> str:
    """A digest of what discovery and the inventory make of ``root`` (run here when not given)."""
    if found is None or inventory is None:
        from analyzer.discovery import discover
        from analyzer.model.limits import using_limits
        from analyzer.resolve.inventory import take_inventory

        with using_limits(config.limits):
            found = discover(root, config)
            inventory = take_inventory(root, found, config)
    text = canonical((found.files, found.diagnostics, inventory))
    return digest(text.encode())
