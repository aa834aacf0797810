"""Which other manifests a Kubernetes manifest is deployed with, so ConfigMap / Secret references
resolve: the YAML files of its folder, the ``resources`` of the kustomizations that list it (in its
folder or in an overlay folder near it, e.g. ``overlays/prod`` listing ``../../base``), followed
into resource directories, and the ConfigMaps / Secrets that ``configMapGenerator`` and
``secretGenerator`` build from ``literals`` and ``envs`` files.

Reads stay under the repository root once every symlink is followed (a name that leads outside is
reported in ``Variant.refused`` and never opened), follow at most a few levels of kustomizations
and skip large files. Generated objects are mappings with lines (the ``literals`` item or the
``envs`` file line), shaped like the ConfigMap / Secret they stand for (``data`` for ConfigMaps,
``stringData`` for Secrets, since generator literals are not base64).
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Set
from dataclasses import dataclass

from analyzer.extract.interpolate import parse_env_entries
from analyzer.extract.sidefiles import FileIndex, index_for, load_all_once, register_group
from analyzer.extract.yamlsrc import LineDict, LineList, YamlError

_KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_MAX_DEPTH = 4
_NEAR = "kustomizations"  # the dependency group: every kustomization file of the scan


def _join(folder: str, item: str) -> str:
    """``item`` relative to ``folder``, normalised ('' for the root, '../x' when it leaves it)."""
    joined = posixpath.normpath(posixpath.join(folder, item))
    return "" if joined == "." else joined


def _kustomization_in(index: FileIndex, folder: str) -> str | None:
    names = index.listing(folder)
    for name in _KUSTOMIZATIONS:
        if name in names:
            return posixpath.join(folder, name) if folder else name
    return None


def _load(index: FileIndex, path: str) -> LineDict | None:
    text = index.text(path)
    if text is None:
        return None
    try:
        docs = load_all_once(text, path)
    except YamlError:
        return None
    return docs[0] if docs and isinstance(docs[0], LineDict) else None


def _yaml_files(index: FileIndex, folder: str) -> frozenset[str]:
    """The YAML files directly in ``folder`` (once per folder and scan)."""

    def compute() -> frozenset[str]:
        return frozenset(
            posixpath.join(folder, name) if folder else name
            for name in index.listing(folder)
            if fnmatch.fnmatchcase(name, "*.y*ml") and not index.is_dir(_join(folder, name))
        )

    return index.memo(("yaml-files", folder), compute)


class _Walk:
    """A kustomization followed through its resources (computed once per scan, then shared)."""

    def __init__(self, index: FileIndex) -> None:
        self.index = index
        self.files: set[str] = set()
        self.generated: list[tuple[str, LineDict]] = []
        self.seen: set[str] = set()
        self.first: LineDict | None = None  # the kustomization the walk started from
        self.refused: set[str] = set()  # names of files that lead outside the repository

    def kustomization(self, path: str, depth: int = 0) -> None:
        """Every resource of a kustomization (files, and directories with their own)."""
        if path in self.seen or depth > _MAX_DEPTH:
            return
        self.seen.add(path)
        doc = _load(self.index, path)
        if doc is None:
            return
        if depth == 0:
            self.first = doc
        folder = posixpath.dirname(path)
        for key in ("resources", "bases", "components"):
            items = doc.get(key)
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, str) or "://" in item:
                    continue
                target = _join(folder, item)
                if not self.index.contained(target):
                    self.refused.add(item)
                    continue
                if self.index.is_dir(target):
                    inner = _kustomization_in(self.index, target)
                    if inner is not None:
                        self.kustomization(inner, depth + 1)
                    else:
                        self.files.update(_yaml_files(self.index, target))
                elif target.endswith((".yaml", ".yml")):
                    self.files.add(target)
        for key, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
            items = doc.get(key)
            for item in items if isinstance(items, list) else []:
                if isinstance(item, LineDict):
                    self.generated.append((path, self._generated(path, item, kind)))

    def _generated(self, path: str, item: LineDict, kind: str) -> LineDict:
        data = LineDict()
        data.src, data.origin = {}, (path, item.origin[1])
        literals = item.get("literals")
        if isinstance(literals, LineList):
            for index, literal in enumerate(literals):
                key, sep, value = str(literal).partition("=")
                if sep:
                    data[key.strip()] = value.strip().strip("'\"")
                    data.src[key.strip()] = (path, literals.line_of(index)[1])
        envs = item.get("envs") or ([item["env"]] if isinstance(item.get("env"), str) else [])
        for env in envs if isinstance(envs, list) else []:
            target = _join(posixpath.dirname(path), str(env))
            text = self.index.text(target) if self.index.contained(target) else None
            if text is None and not self.index.contained(target):
                self.refused.add(posixpath.basename(target))
            for entry in parse_env_entries(text or ""):
                data[entry.key] = entry.value
                data.src[entry.key] = (target, entry.line)
        doc = LineDict()
        doc.src, doc.origin = {}, (path, item.origin[1])
        doc["kind"] = kind
        doc["metadata"] = {"name": str(item.get("name") or "")}
        doc["data" if kind == "ConfigMap" else "stringData"] = data
        return doc


def _walk(index: FileIndex, kustomization: str) -> _Walk:
    def compute() -> _Walk:
        walk = _Walk(index)
        walk.kustomization(kustomization)
        return walk

    return index.memo(("kustomize-walk", kustomization), compute)


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


def _texts(index: FileIndex, files: Set[str], me: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for file in sorted(files):
        if file == me or posixpath.basename(file) in _KUSTOMIZATIONS:
            continue
        text = index.text(file)
        if text is not None:
            out.append((file, text))
    return tuple(out)


def _including(index: FileIndex) -> dict[str, list[str]]:
    """Manifest path -> the kustomizations whose walk includes it, for the whole scan (built once;
    users depend on the group of all kustomization files instead of on every walk)."""

    def compute() -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for path in sorted(index.files):
            if posixpath.basename(path) in _KUSTOMIZATIONS:
                for file in _walk(index, path).files:
                    found.setdefault(file, []).append(path)
        return found

    with index.unrecorded():
        return index.memo("kustomize-including", compute)


def _nearness(folder: str, kustomization: str) -> tuple[int, int, tuple[str, ...]] | None:
    """Where ``kustomization`` sits for a manifest in ``folder``: in the folder, one of its two
    parents, or their children and grandchildren (None when farther). Smaller is nearer."""
    place = posixpath.dirname(kustomization)
    ancestor = folder
    for step in range(3):
        below = place == ancestor or not ancestor or place.startswith(ancestor + "/")
        if below:
            rest = place[len(ancestor) :].strip("/")
            parts = tuple(rest.split("/")) if rest else ()
            if len(parts) <= 2:
                return step, len(parts), parts
        if not ancestor:
            return None
        ancestor = posixpath.dirname(ancestor)
    return None


def variants(root_dir: str, path: str) -> list[Variant]:
    """How ``path`` is deployed: one variant per overlay kustomization near it that includes it
    (each with the manifests and generated objects it brings), or one plain variant of its folder."""
    index = index_for(root_dir)
    me = posixpath.normpath(path)
    folder = posixpath.dirname(me)
    beside = _yaml_files(index, folder)
    own_path = _kustomization_in(index, folder)
    own = _walk(index, own_path) if own_path is not None else _Walk(index)
    index.depends_on_group(_NEAR)
    candidates = [k for k in _including(index).get(me, ()) if posixpath.dirname(k) != folder]
    near = sorted((n, k) for k in candidates if (n := _nearness(folder, k)) is not None)
    overlays = [(k, _walk(index, k)) for _, k in near]
    if not overlays:
        files = beside | own.files
        texts = _texts(index, files, me)
        return [Variant("", texts, _generated(own), _namespace(own.first), tuple(sorted(own.refused)))]
    return [
        Variant(
            kustomization,
            _texts(index, beside | own.files | walk.files, me),
            _generated(own) + _generated(walk),
            _namespace(walk.first),
            tuple(sorted(own.refused | walk.refused)),
        )
        for kustomization, walk in overlays
    ]


def _generated(walk: _Walk) -> tuple[tuple[str, LineDict], ...]:
    return tuple(walk.generated)


def _namespace(doc: LineDict | None) -> str:
    value = doc.get("namespace") if doc is not None else None
    return value if isinstance(value, str) else ""


def is_kustomization(path: str) -> bool:
    return posixpath.basename(path) in _KUSTOMIZATIONS


register_group(_NEAR, is_kustomization)
