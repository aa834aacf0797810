"""Which other manifests a Kubernetes manifest is deployed with, so ConfigMap / Secret references
resolve: the YAML files of its folder, the ``resources`` of the kustomizations that list it (in its
folder or in an overlay folder near it, e.g. ``overlays/prod`` listing ``../../base``), followed
into resource directories, and the ConfigMaps / Secrets that ``configMapGenerator`` and
``secretGenerator`` build from ``literals`` and ``envs`` files.

Reads stay under the repository root, follow at most a few levels of kustomizations and skip large
files. Generated objects are mappings with lines (the ``literals`` item or the ``envs`` file line),
shaped like the ConfigMap / Secret they stand for (``data`` for ConfigMaps, ``stringData`` for
Secrets, since generator literals are not base64).
"""

from __future__ import annotations

import contextlib
import posixpath
from dataclasses import dataclass
from pathlib import Path

from analyzer.extract.interpolate import parse_env_entries
from analyzer.extract.yamlsrc import LineDict, LineList, YamlError, load_all
from analyzer.model.paths import is_inside

_KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_MAX_BYTES = 2_000_000
_MAX_DEPTH = 4


def _read(path: Path, root: Path, refused: set[str] | None = None) -> str | None:
    """The text of a file the kustomization names, only if it lies inside ``root`` once every
    symlink is followed; a file outside is added to ``refused`` and never opened."""
    if not is_inside(path, root):
        if refused is not None:
            refused.add(path.name if path.is_absolute() else str(path))
        return None
    try:
        if path.is_file() and path.stat().st_size < _MAX_BYTES:
            return path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return None
    return None


def _inside(root: Path, path: Path) -> bool:
    return is_inside(path, root)


def _kustomization_in(folder: Path) -> Path | None:
    for name in _KUSTOMIZATIONS:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def _load(path: Path, root: Path, refused: set[str]) -> LineDict | None:
    text = _read(path, root, refused)
    if text is None:
        return None
    try:
        docs = load_all(text, path.name)
    except YamlError:
        return None
    return docs[0] if docs and isinstance(docs[0], LineDict) else None


class _Walk:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: set[Path] = set()
        self.generated: list[tuple[Path, LineDict]] = []
        self.seen: set[Path] = set()
        self.first: LineDict | None = None  # the kustomization the walk started from
        self.refused: set[str] = set()  # names of files that lead outside the repository

    def kustomization(self, path: Path, depth: int = 0) -> None:
        """Every resource of a kustomization (files, and directories with their own)."""
        if path in self.seen or depth > _MAX_DEPTH:
            return
        self.seen.add(path)
        doc = _load(path, self.root, self.refused)
        if doc is None:
            return
        if depth == 0:
            self.first = doc
        folder = path.parent
        for key in ("resources", "bases", "components"):
            items = doc.get(key)
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, str) or "://" in item:
                    continue
                target = (folder / item).resolve()
                if not _inside(self.root, target):
                    self.refused.add(item)
                    continue
                if target.is_dir():
                    inner = _kustomization_in(target)
                    if inner is not None:
                        self.kustomization(inner, depth + 1)
                    else:
                        self.files.update(p.resolve() for p in target.glob("*.y*ml") if p.is_file())
                elif target.suffix in (".yaml", ".yml"):
                    self.files.add(target)
        for key, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
            items = doc.get(key)
            for item in items if isinstance(items, list) else []:
                if isinstance(item, LineDict):
                    self.generated.append((path, self._generated(path, item, kind)))

    def _generated(self, path: Path, item: LineDict, kind: str) -> LineDict:
        rel = self.rel(path)
        data = LineDict()
        data.src, data.origin = {}, (rel, item.origin[1])
        literals = item.get("literals")
        if isinstance(literals, LineList):
            for index, literal in enumerate(literals):
                key, sep, value = str(literal).partition("=")
                if sep:
                    data[key.strip()] = value.strip().strip("'\"")
                    data.src[key.strip()] = (rel, literals.line_of(index)[1])
        envs = item.get("envs") or ([item["env"]] if isinstance(item.get("env"), str) else [])
        for env in envs if isinstance(envs, list) else []:
            target = (path.parent / str(env)).resolve()
            text = _read(target, self.root, self.refused)
            for entry in parse_env_entries(text or ""):
                data[entry.key] = entry.value
                data.src[entry.key] = (self.rel(target), entry.line)
        doc = LineDict()
        doc.src, doc.origin = {}, (rel, item.origin[1])
        doc["kind"] = kind
        doc["metadata"] = {"name": str(item.get("name") or "")}
        doc["data" if kind == "ConfigMap" else "stringData"] = data
        return doc

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() if _inside(self.root, path) else path.name


@dataclass(frozen=True, slots=True)
class Variant:
    """One way the file is deployed. ``profile`` is the overlay's kustomization file (repo-relative,
    like a compose file-set name: a deployment variant, not a Spring profile) when overlays deploy
    the file, '' otherwise; ``namespace`` is the kustomization's ``namespace``."""

    profile: str
    files: tuple[tuple[str, str], ...]  # (repo-relative path, text) of the manifests beside it
    generated: tuple[tuple[str, LineDict], ...]  # (kustomization path, generated ConfigMap/Secret)
    namespace: str = ""
    refused: tuple[str, ...] = ()  # paths the kustomizations name that lead outside the repository


def _texts(walk: _Walk, files: set[Path], me: Path) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for file in sorted(files):
        if file == me or file.name in _KUSTOMIZATIONS:
            continue
        text = _read(file, walk.root, walk.refused)
        if text is not None:
            out.append((walk.rel(file), text))
    return tuple(out)


def _nearby_kustomizations(root: Path, folder: Path) -> list[Path]:
    """Kustomizations in the folder, its two parents, and their children and grandchildren."""
    found: list[Path] = []
    for ancestor in [folder, *folder.parents][:3]:
        if not _inside(root, ancestor):
            break
        try:
            children = [c for c in sorted(ancestor.iterdir())[:50] if c.is_dir()]
            grandchildren = [g for c in children for g in sorted(c.iterdir())[:20] if g.is_dir()]
        except OSError:
            continue
        for place in (ancestor, *children, *grandchildren):
            kustomization = _kustomization_in(place)
            if kustomization is not None:
                found.append(kustomization)
    return list(dict.fromkeys(found))


def variants(root_dir: str, path: str) -> list[Variant]:
    """How ``path`` is deployed: one variant per overlay kustomization that includes it (each with
    the manifests and generated objects it brings), or one plain variant of its folder."""
    root = Path(root_dir).resolve()
    me = (root / path).resolve()
    folder = me.parent
    beside: set[Path] = set()
    with contextlib.suppress(OSError):
        beside = {p.resolve() for p in folder.glob("*.y*ml") if p.is_file()}
    own = _Walk(root)
    overlays: list[tuple[Path, _Walk]] = []
    for kustomization in _nearby_kustomizations(root, folder):
        walk = _Walk(root)
        walk.kustomization(kustomization)
        if kustomization.parent == folder:
            own = walk
        elif me in walk.files:
            overlays.append((kustomization, walk))
    if not overlays:
        files = beside | own.files
        texts = _texts(own, files, me)
        return [Variant("", texts, _generated(own), _namespace(own.first), tuple(sorted(own.refused)))]
    return [
        Variant(
            own.rel(kustomization),
            _texts(walk, beside | own.files | walk.files, me),
            _generated(own) + _generated(walk),
            _namespace(walk.first),
            tuple(sorted(own.refused | walk.refused)),
        )
        for kustomization, walk in overlays
    ]


def _generated(walk: _Walk) -> tuple[tuple[str, LineDict], ...]:
    return tuple((walk.rel(path), doc) for path, doc in walk.generated)


def _namespace(doc: LineDict | None) -> str:
    value = doc.get("namespace") if doc is not None else None
    return value if isinstance(value, str) else ""


def is_kustomization(path: str) -> bool:
    return posixpath.basename(path) in _KUSTOMIZATIONS
