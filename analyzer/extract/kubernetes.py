"""Kubernetes manifests: workloads, Services, ConfigMaps, Secrets, volumes, kustomizations.

Multi-document YAML is read with lines. Workloads (Deployment, StatefulSet, DaemonSet, Job,
CronJob, ReplicaSet, Pod) become a :class:`ServiceDecl`, or a :class:`DatastoreDecl` when the first
container's image is a datastore or broker (persistent when it has a volumeClaimTemplate or a
PersistentVolumeClaim volume; health-checked when it has a readiness or liveness probe). A Service
gives the workloads it selects their DNS names (``name``, ``name.ns``, ``name.ns.svc``,
``name.ns.svc.cluster.local``). Container ``env`` values, ``valueFrom.configMapKeyRef`` /
``secretKeyRef`` and ``envFrom`` are resolved against ConfigMaps and Secrets (``data`` base64,
``stringData``) of the same file, of the other manifests in the same folder, and of the resources
and generators of the kustomizations that deploy the file (:mod:`analyzer.extract.kustomize`);
the resulting variables are classified like compose environment (connections, calls, credentials).
A literal password in a committed Secret is a plaintext credential (base64 is an encoding, not a
protection), credited to the Secret line, whether or not a workload reads it
(:mod:`analyzer.extract.k8ssecrets`; SealedSecrets, ExternalSecrets and SOPS files are not plaintext).

Helm chart templates are not YAML: templates of a chart (a ``Chart.yaml`` above them) are rendered by
:mod:`analyzer.extract.helm`, which feeds the output back here; other files with ``{{ }}`` under a
``templates/`` folder are skipped with a diagnostic.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import os
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from analyzer.extract.envfacts import classify
from analyzer.extract.facts import DatastoreDecl, EnvVar, ExtractResult, FileContext, ServiceDecl
from analyzer.extract.images import technology_for_image
from analyzer.extract.k8ssecrets import committed_secrets
from analyzer.extract.kustomize import Variant, variants
from analyzer.extract.secrets import is_plaintext_secret
from analyzer.extract.sidefiles import load_all_once
from analyzer.extract.yamlsrc import LineDict, LineList, YamlError
from analyzer.model import Diagnostic, DiagnosticLevel, Evidence, Location, SourceKind

NAME = "k8s"
WORKLOADS = {
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicaSet",
    "Pod",
    "DeploymentConfig",
}
_KIND = re.compile(r"^kind:\s*\S+", re.M)
_API = re.compile(r"^apiVersion:\s*\S+", re.M)


def _map(value: object) -> dict[Any, Any]:
    """``value`` if it is a mapping, else an empty one: a manifest may hold anything anywhere."""
    return value if isinstance(value, dict) else {}


def wants(path: str) -> bool:
    name = posixpath.basename(path).lower()
    if not name.endswith((".yaml", ".yml")) or name.startswith(
        ("docker-compose", "compose", "application", "bootstrap")
    ):
        return False
    return not name.startswith(("kustomization", "chart", "values"))


@dataclass(slots=True)
class _Config:
    """A ConfigMap or Secret: key → (value, path, line)."""

    name: str
    secret: bool
    data: dict[str, tuple[str, str, int]] = field(default_factory=dict)


@dataclass(slots=True)
class _Docs:
    docs: list[tuple[str, LineDict]] = field(default_factory=list)  # (path, document)
    configs: Mapping[tuple[str, str], _Config] = field(default_factory=dict)  # (kind, name)
    stores: Mapping[str, str] = field(default_factory=dict)  # datastore workload name -> technology
    diagnostics: list[Diagnostic] = field(default_factory=list)
    profile: str = ""  # the overlay deploying the file, when several do
    namespace: str = ""  # the kustomization's namespace, for objects without one


def _read_docs(path: str, text: str, into: _Docs, primary: bool) -> None:
    found = _documents(path, text)
    if isinstance(found, YamlError):
        if primary:
            into.diagnostics.append(Diagnostic(path, found.line, DiagnosticLevel.ERROR, str(found)))
        return
    into.docs.extend(found)


# NOTE: a manifest is read as a neighbour by every manifest of its folder and overlays; what is
# derived from one file or one document is remembered so a folder of N manifests costs O(N) work.
_MEMO_LIMIT = 8192
_documents_memo: dict[tuple[str, str], list[tuple[str, LineDict]] | YamlError] = {}
_config_memo: dict[int, tuple[LineDict, tuple[tuple[str, str], _Config, list[Diagnostic]] | None]] = {}
_store_memo: dict[int, tuple[LineDict, str | None]] = {}


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memo) >= _MEMO_LIMIT:
        memo.pop(next(iter(memo)))
    memo[key] = value


def _documents(path: str, text: str) -> list[tuple[str, LineDict]] | YamlError:
    """The Kubernetes documents of one file (List items flattened), computed once per text."""
    key = (path, text)
    if key in _documents_memo:
        return _documents_memo[key]
    docs: list[tuple[str, LineDict]] | YamlError = []
    if _KIND.search(text) and _API.search(text):
        try:
            loaded = load_all_once(text, path)
        except YamlError as exc:
            loaded, docs = [], exc
        for doc in loaded:
            if isinstance(doc, LineDict) and isinstance(doc.get("kind"), str) and isinstance(docs, list):
                docs.append((path, doc))
                if doc.get("kind") == "List" and isinstance(doc.get("items"), list):
                    docs.extend((path, item) for item in doc["items"] if isinstance(item, LineDict))
    _remember(_documents_memo, key, docs)
    return docs


def _configs(docs: _Docs) -> None:
    configs = dict(docs.configs)
    for path, doc in docs.docs:
        found = _config_cached(path, doc)
        if found is not None:
            key, config, diagnostics = found
            docs.diagnostics.extend(diagnostics)
            configs[key] = config
    docs.configs = configs


def _config_cached(path: str, doc: LineDict) -> tuple[tuple[str, str], _Config, list[Diagnostic]] | None:
    """:func:`_config_of`, remembered per document (a neighbour's ConfigMap is read by many manifests)."""
    remembered = _config_memo.get(id(doc))
    if remembered is None or remembered[0] is not doc:
        remembered = (doc, _config_of(path, doc))
        _remember(_config_memo, id(doc), remembered)
    return remembered[1]


def _config_of(path: str, doc: LineDict) -> tuple[tuple[str, str], _Config, list[Diagnostic]] | None:
    """A ConfigMap or Secret document as a :class:`_Config` (None for other kinds), with the
    diagnostics about its values. Shared between manifests: never changed after this."""
    diagnostics: list[Diagnostic] = []
    kind = doc.get("kind")
    if kind not in ("ConfigMap", "Secret") or "sops" in doc:  # SOPS: ENC[...] values, not readable
        return None
    name = str(_map(doc.get("metadata")).get("name") or "")
    config = _Config(name, kind == "Secret")
    for section in ("data", "stringData"):
        data = doc.get(section)
        if not isinstance(data, LineDict):
            continue
        for key, raw in data.items():
            if raw is None:
                continue
            value = str(raw)
            if kind == "Secret" and section == "data":
                try:
                    value = base64.b64decode(value, validate=True).decode("utf-8")
                except UnicodeDecodeError:
                    diagnostics.append(
                        Diagnostic(
                            path,
                            data.line_of(key)[1],
                            DiagnosticLevel.INFO,
                            f"Secret {name}: {key} is binary data, not text: not read",
                        )
                    )
                    continue
                except (binascii.Error, ValueError):
                    diagnostics.append(
                        Diagnostic(
                            path,
                            data.line_of(key)[1],
                            DiagnosticLevel.WARNING,
                            f"Secret {name}: {key} is not base64 text",
                        )
                    )
                    continue
            where = data.line_of(key)  # a generator's envs file has its own path
            config.data[str(key)] = (value, where[0] or path, where[1])
    return (str(kind), name), config, diagnostics


def _labels(meta: Any) -> dict[str, str]:
    labels = meta.get("labels") if isinstance(meta, dict) else None
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _pod(doc: LineDict) -> LineDict | None:
    spec = doc.get("spec")
    if doc.get("kind") == "Pod":
        return spec if isinstance(spec, LineDict) else None
    if doc.get("kind") == "CronJob" and isinstance(spec, dict):
        spec = _map(spec.get("jobTemplate")).get("spec") or {}
    template = spec.get("template") if isinstance(spec, dict) else None
    pod = template.get("spec") if isinstance(template, dict) else None
    return pod if isinstance(pod, LineDict) else None


def _template_labels(doc: LineDict) -> dict[str, str]:
    spec = doc.get("spec")
    if doc.get("kind") == "Pod":
        return _labels(doc.get("metadata"))
    template = spec.get("template") if isinstance(spec, dict) else None
    return _labels(template.get("metadata")) if isinstance(template, dict) else {}


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if "{{" in text and re.search(r"\{\{-?\s*(\.|include|template|if|range|toYaml)", text):
        if _in_chart(ctx):
            return result  # the Helm extractor renders it (analyzer.extract.helm)
        if "/templates/" in f"/{ctx.path}" or _KIND.search(text):
            result.diagnostics.append(
                Diagnostic(
                    ctx.path,
                    1,
                    DiagnosticLevel.INFO,
                    "Helm template skipped: scan the output of 'helm template' instead",
                )
            )
        return result
    docs = _Docs()
    _read_docs(ctx.path, text, docs, primary=True)
    result.diagnostics.extend(docs.diagnostics)
    own = list(docs.docs)
    result.facts.extend(committed_secrets(ctx.path, own))  # read or not, a committed secret is one
    if not any(doc.get("kind") in WORKLOADS for _, doc in own):
        _configs(docs)  # a ConfigMap / Secret file alone: still say which values are unreadable
        result.diagnostics.extend(d for d in docs.diagnostics if d not in result.diagnostics)
        return result
    for variant in variants(ctx.root, ctx.path):
        _deployed(ctx, text, own, variant, result)
        for name in variant.refused:
            outside = Diagnostic(
                ctx.path,
                0,
                DiagnosticLevel.WARNING,
                f"kustomize: '{name}' leads outside the repository; not read",
            )
            if outside not in result.diagnostics:
                result.diagnostics.append(outside)
    return result


def _in_chart(ctx: FileContext) -> bool:
    """Whether the file lies in a Helm chart (a ``Chart.yaml`` in one of its folders)."""
    folder = posixpath.dirname(ctx.path)
    while folder:
        if os.path.isfile(os.path.join(ctx.root, folder, "Chart.yaml")):
            return True
        folder = posixpath.dirname(folder)
    return False


class _Latest(Mapping[Any, Any]):
    """A folder's mapping (config or store name -> value, later files winning) as one manifest sees
    it: its own documents come first, so any other file's value wins over its own."""

    __slots__ = ("_final", "_me", "_other")

    def __init__(self, final: dict[Any, tuple[str, Any]], other: dict[Any, tuple[str, Any]], me: str) -> None:
        self._final, self._other, self._me = final, other, me

    def __getitem__(self, key: Any) -> Any:
        path, value = self._final[key]
        if path == self._me and key in self._other:
            return self._other[key][1]
        return value

    def __iter__(self) -> Iterator[Any]:
        return iter(self._final)

    def __len__(self) -> int:
        return len(self._final)


def _put(
    final: dict[Any, tuple[str, Any]], other: dict[Any, tuple[str, Any]], key: Any, item: tuple[str, Any]
) -> None:
    """Record ``item`` (path, value) as the latest for ``key``; ``other`` keeps the latest from a
    different file than the latest's, for the manifest whose own value that is."""
    before = final.get(key)
    if before is not None and before[0] != item[0]:
        other[key] = before
    final[key] = item


@dataclass(slots=True)
class _Hood:
    """What every manifest of one folder (one variant) reads from all of them, computed once."""

    docs: list[tuple[str, LineDict]]
    configs: dict[tuple[str, str], tuple[str, _Config]]
    configs_other: dict[tuple[str, str], tuple[str, _Config]]
    stores: dict[str, tuple[str, str]]
    stores_other: dict[str, tuple[str, str]]
    names: set[str]
    diagnostics: dict[str, list[Diagnostic]]  # by the diagnostic's path
    selectors: dict[frozenset[tuple[str, str]], list[LineDict]]  # Service selector -> Services
    max_selector: int


_hood_memo: dict[Any, tuple[Any, _Hood]] = {}


def _neighbourhood(path: str, text: str, variant: Variant) -> _Hood:
    """The documents of the manifest and its neighbours in ``variant`` with their ConfigMaps,
    datastores, names and Services indexed: once per folder, so N manifests beside each other cost
    O(N) in all instead of O(N) each (benchmarks/README.md, same-folder manifests)."""
    files = frozenset((*variant.files, (path, text)))
    generated = tuple((p, id(doc)) for p, doc in variant.generated)
    key = (variant.profile, variant.namespace, files, generated)
    found = _hood_memo.get(key)
    if found is not None:
        return found[1]
    docs: list[tuple[str, LineDict]] = []
    for rel, other in sorted(files):
        found_docs = _documents(rel, other)
        if not isinstance(found_docs, YamlError):
            docs.extend(found_docs)
    docs.extend(variant.generated)
    hood = _Hood(docs, {}, {}, {}, {}, set(), {}, {}, 0)
    for rel, doc in docs:
        own_config = _config_cached(rel, doc)
        if own_config is not None:
            config_key, config, diagnostics = own_config
            for diagnostic in diagnostics:
                hood.diagnostics.setdefault(diagnostic.path, []).append(diagnostic)
            _put(hood.configs, hood.configs_other, config_key, (rel, config))
        name = str(_map(doc.get("metadata")).get("name") or "").lower()
        hood.names.add(name)
        stored = _store_memo.get(id(doc))
        if stored is None or stored[0] is not doc:
            stored = (doc, _store_technology(doc))
            _remember(_store_memo, id(doc), stored)
        if stored[1] is not None:
            _put(hood.stores, hood.stores_other, name, (rel, stored[1]))
        if doc.get("kind") == "Service":
            spec = doc.get("spec")
            selector = spec.get("selector") if isinstance(spec, dict) else None
            if isinstance(selector, dict) and selector:
                items = frozenset((str(k), str(v)) for k, v in selector.items())
                hood.selectors.setdefault(items, []).append(doc)
                hood.max_selector = max(hood.max_selector, len(selector))
    _remember(_hood_memo, key, (variant, hood))  # the variant keeps the generated documents alive
    return hood


def _matching_services(hood: _Hood, labels: dict[str, str]) -> list[LineDict]:
    """The Services whose selector every label of ``labels`` satisfies (a subset of its items)."""
    items = sorted(labels.items())
    if len(items) > 10:  # too many subsets to enumerate: test each selector
        return [svc for selector, svcs in hood.selectors.items() if selector <= set(items) for svc in svcs]
    out: list[LineDict] = []
    for size in range(1, min(len(items), hood.max_selector) + 1):
        for subset in itertools.combinations(items, size):
            out.extend(hood.selectors.get(frozenset(subset), ()))
    return out


def _deployed(
    ctx: FileContext, text: str, own: list[tuple[str, LineDict]], variant: Variant, result: ExtractResult
) -> None:
    """The file's workloads as one kustomization (or its plain folder) deploys them."""
    hood = _neighbourhood(ctx.path, text, variant)
    docs = _Docs(
        docs=hood.docs,
        configs=_Latest(hood.configs, hood.configs_other, ctx.path),
        stores=_Latest(hood.stores, hood.stores_other, ctx.path),
        profile=variant.profile,
        namespace=variant.namespace,
    )
    result.diagnostics.extend(d for d in hood.diagnostics.get(ctx.path, ()) if d not in result.diagnostics)
    workloads = [(path, doc) for path, doc in own if doc.get("kind") in WORKLOADS]
    for _, doc in workloads:
        try:
            services = _matching_services(hood, _template_labels(doc))
            _workload(ctx, doc, services, docs, hood.names, result)
        except (TypeError, ValueError, AttributeError) as exc:
            line = doc.origin[1]
            diagnostic = Diagnostic(
                ctx.path, line, DiagnosticLevel.WARNING, f"workload could not be read: {exc}"
            )
            if diagnostic not in result.diagnostics:
                result.diagnostics.append(diagnostic)


def _store_technology(doc: LineDict) -> str | None:
    """The datastore technology of a workload document whose first container is one."""
    pod = _pod(doc) if doc.get("kind") in WORKLOADS else None
    containers = [c for c in (pod.get("containers") or []) if isinstance(c, dict)] if pod else []
    found = technology_for_image(str(containers[0].get("image") or "")) if containers else None
    return found[0] if found is not None else None


def _workload(
    ctx: FileContext,
    doc: LineDict,
    services: list[LineDict],
    docs: _Docs,
    names: set[str],
    result: ExtractResult,
) -> None:
    meta = _map(doc.get("metadata"))
    name = str(meta.get("name") or "")
    namespace = str(meta.get("namespace") or docs.namespace)
    pod = _pod(doc)
    if not name or pod is None:
        return
    containers = [c for c in (pod.get("containers") or []) if isinstance(c, LineDict)]
    if not containers:
        return
    aliases: set[str] = set()
    for svc in services:  # the Services whose selector the pod's labels satisfy
        svc_meta = _map(svc.get("metadata"))
        svc_name = str(svc_meta.get("name") or "")
        svc_ns = str(svc_meta.get("namespace") or namespace)
        if svc_name:
            aliases.add(svc_name)
            if svc_ns:
                aliases.update(
                    {
                        f"{svc_name}.{svc_ns}",
                        f"{svc_name}.{svc_ns}.svc",
                        f"{svc_name}.{svc_ns}.svc.cluster.local",
                    }
                )
    aliases.discard(name)
    evidence = Evidence(
        SourceKind.K8S, Location(ctx.path, doc.origin[1]), f"{doc.get('kind')} {name}", 1, docs.profile
    )
    first = containers[0]
    image = str(first.get("image") or "")
    tech = technology_for_image(image)
    if tech is not None:
        claims = (
            bool(_map(doc.get("spec")).get("volumeClaimTemplates"))
            if isinstance(doc.get("spec"), dict)
            else False
        )
        claims = claims or any(
            isinstance(v, dict) and "persistentVolumeClaim" in v for v in pod.get("volumes") or []
        )
        probes = any("readinessProbe" in c or "livenessProbe" in c or "startupProbe" in c for c in containers)
        result.facts.append(
            DatastoreDecl(name, tech[0], evidence, tech[1], image, tuple(sorted(aliases)), claims, probes)
        )
        _env(ctx, name, containers, docs, names, result, store=True)
        return
    result.facts.append(ServiceDecl(name, evidence, "", image, tuple(sorted(aliases))))
    _env(ctx, name, containers, docs, names, result, store=False)


def _env(
    ctx: FileContext,
    owner: str,
    containers: list[LineDict],
    docs: _Docs,
    names: set[str],
    result: ExtractResult,
    store: bool,
) -> None:
    entries: list[tuple[str, str, str, int, bool, bool]] = []  # key, value, path, line, secret, literal
    for container in containers:
        for ref in container.get("envFrom") or []:
            if not isinstance(ref, dict):
                continue
            for kind, field_name in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                target = ref.get(field_name)
                if isinstance(target, dict):
                    config = docs.configs.get((kind, str(target.get("name") or "")))
                    prefix = str(ref.get("prefix") or "")
                    for key, (value, path, line) in sorted((config.data if config else {}).items()):
                        entries.append((prefix + key, value, path, line, kind == "Secret", True))
        env = container.get("env")
        if not isinstance(env, LineList):
            continue
        for index, item in enumerate(env):
            if not isinstance(item, dict) or not item.get("name"):
                continue
            key = str(item["name"])
            line = env.line_of(index)[1]
            if "value" in item and item["value"] is not None:
                entries.append((key, str(item["value"]), ctx.path, line, False, True))
                continue
            source = item.get("valueFrom")
            if not isinstance(source, dict):
                continue
            for kind, field_name in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                ref = source.get(field_name)
                if isinstance(ref, dict):
                    config = docs.configs.get((kind, str(ref.get("name") or "")))
                    found = config.data.get(str(ref.get("key") or "")) if config else None
                    if found is not None:
                        entries.append((key, found[0], found[1], found[2], kind == "Secret", True))
                    else:
                        entries.append((key, "", ctx.path, line, kind == "Secret", False))
    siblings = {re.sub(r"[^A-Za-z0-9]+", "_", k).upper(): v for k, v, *_ in entries}
    for key, value, path, line, secret, literal in entries:
        evidence = Evidence(SourceKind.K8S, Location(path, max(line, 1)), f"env {key}", 1, docs.profile)
        if store:
            upper = key.upper()
            if (
                re.search(r"(PASSWORD|PASSWD|_PWD|_PASS)$", upper)
                and literal
                and is_plaintext_secret(value)
                and not upper.endswith("_FILE")
            ):
                from analyzer.extract.facts import Credential

                result.facts.append(Credential(owner, key, evidence))
            continue
        result.facts.append(EnvVar(owner, key, value, evidence, secret=secret))
        result.facts.extend(
            classify(owner, key, value, evidence, siblings, names, literal, stores=docs.stores)
        )
