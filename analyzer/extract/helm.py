"""Helm charts: rendered with their ``values.yaml``, then read as Kubernetes manifests.

A chart is the folder of a ``Chart.yaml``. Its templates (``templates/**/*.yaml|yml``, helpers from
``*.tpl``) are rendered as one release whose name is then dropped from compound names
(``<release>-config-server`` is ``config-server``; see :func:`unrelease`); where the release name is
a whole name, the chart's folder stands in (``src/catalog/chart`` → ``catalog``: a generic folder
name such as ``chart`` or ``helm`` gives way to its parent). The
``helm`` binary renders when it is on PATH (``helm template``, offline: never ``dependency update``);
otherwise :mod:`analyzer.extract.helmtpl` renders the common subset. A template that cannot be
rendered is a diagnostic naming the template and line; the others are still read. Every fact's
evidence points at the template line that produced it (with the built-in renderer; with the binary,
at the template file).

Subcharts under ``charts/`` are rendered as charts of their own with their own values; values a parent
sets for them are not applied.
"""

from __future__ import annotations

import base64
import dataclasses
import fnmatch
import posixpath
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from analyzer.extract import kubernetes
from analyzer.extract.facts import ExtractResult, FileContext
from analyzer.extract.helmtpl import Renderer, RenderError, line_map
from analyzer.extract.platform.ingress import routes
from analyzer.extract.yamlsrc import LineDict, YamlError, load_all
from analyzer.model import Diagnostic, DiagnosticLevel, Evidence, Location

NAME = "helm"
RENDERED = "(rendered)"


def wants(path: str) -> bool:
    return posixpath.basename(path) == "Chart.yaml"


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _capitalised(chart: dict[str, Any]) -> dict[str, Any]:
    return {key[:1].upper() + key[1:]: value for key, value in chart.items()}


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    root = Path(ctx.root)
    folder = posixpath.dirname(ctx.path)
    chart_dir = root / folder
    try:
        chart = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        result.diagnostics.append(Diagnostic(ctx.path, 1, DiagnosticLevel.ERROR, f"Chart.yaml: {exc}"))
        return result
    if not isinstance(chart, dict):
        return result
    values: dict[str, Any] = {}
    values_file = chart_dir / "values.yaml"
    if values_file.is_file() and _inside(root, values_file):
        try:
            loaded = yaml.safe_load(values_file.read_text(encoding="utf-8-sig"))
            values = loaded if isinstance(loaded, dict) else {}
        except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
            result.diagnostics.append(
                Diagnostic(
                    f"{folder}/values.yaml".lstrip("/"), 1, DiagnosticLevel.ERROR, f"values.yaml: {exc}"
                )
            )
    name = release_name(folder, chart)
    if shutil.which("helm"):
        rendered = _helm_binary(chart_dir, name, folder, result)
    else:
        rendered = _builtin(root, chart_dir, folder, name, chart, values, result)
    if not rendered:
        return result
    pieces: list[str] = []
    where: list[tuple[str, int]] = []
    for path, body, lines in rendered:
        if pieces:
            pieces.append("---\n")
            where.append((path, 1))
        text = body if body.endswith("\n") else body + "\n"
        pieces.append(text)
        count = text.count("\n")
        where.extend((path, line) for line in lines[:count])
        where.extend((path, lines[-1] if lines else 1) for _ in range(count - len(lines)))
    # NOTE: a folder that does not exist, so the Kubernetes reader finds no unrendered siblings there
    pseudo = f"{folder}/{RENDERED}/manifests.yaml".lstrip("/")
    inner = kubernetes.extract(
        FileContext(pseudo, ctx.root, "", ctx.technology, ctx.profile), "".join(pieces)
    )

    def moved(evidence: Evidence) -> Evidence:
        if evidence.location.path != pseudo:
            return evidence
        index = evidence.location.line - 1
        path, line = where[index] if 0 <= index < len(where) else (pseudo, evidence.location.line)
        return dataclasses.replace(evidence, location=Location(path, line, evidence.location.column))

    try:
        docs = [d for d in load_all("".join(pieces), pseudo) if isinstance(d, LineDict)]
    except YamlError:
        docs = []  # the Kubernetes reader has said why
    inner.facts.extend(routes(pseudo, docs))
    for fact in inner.facts:
        result.facts.append(dataclasses.replace(fact, evidence=moved(fact.evidence)))
    for diagnostic in inner.diagnostics:
        if diagnostic.path == pseudo:
            index = diagnostic.line - 1
            path, line = where[index] if 0 <= index < len(where) else (pseudo, diagnostic.line)
            diagnostic = dataclasses.replace(diagnostic, path=path, line=line)
        result.diagnostics.append(diagnostic)
    return result


GENERIC_FOLDERS = frozenset({"chart", "charts", "helm", "deploy", "deployment", "k8s", "kubernetes", "src"})


def release_name(folder: str, chart: dict[str, Any]) -> str:
    """The release a chart is installed as: its folder's name, or the nearest enclosing folder's
    when the chart sits in a generic one (``src/catalog/chart`` → ``catalog``), else the chart's name."""
    parts = [p for p in folder.split("/") if p]
    while parts and parts[-1].lower() in GENERIC_FOLDERS:
        parts.pop()
    return parts[-1] if parts else str(chart.get("name") or "chart")


# NOTE: the release name is chosen at install time, not by the repository. Rendering with a sentinel
# and dropping it where it prefixes or suffixes a name gives resources the component names they are
# known by (`<release>-config-server` → `config-server`, also inside URLs and env values); where the
# release name is the whole name, the chart's folder name stands in.
SENTINEL = "archconform-release"


def unrelease(text: str, name: str) -> str:
    """``text`` with the sentinel release name dropped from compound names and replaced elsewhere.

    >>> unrelease("http://archconform-release-orders:80 archconform-release", "shop")
    'http://orders:80 shop'
    """
    text = re.sub(rf"{SENTINEL}-(?=[A-Za-z0-9])", "", text)
    text = re.sub(rf"(?<=[A-Za-z0-9])-{SENTINEL}", "", text)
    return text.replace(SENTINEL, name)


def _templates(root: Path, chart_dir: Path) -> list[Path]:
    folder = chart_dir / "templates"
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in (".yaml", ".yml", ".tpl") and _inside(root, p) and not p.is_symlink()
    )


def _builtin(
    root: Path,
    chart_dir: Path,
    folder: str,
    name: str,
    chart: dict[str, Any],
    values: dict[str, Any],
    result: ExtractResult,
) -> list[tuple[str, str, list[int]]]:
    renderer = Renderer()
    loaded: list[tuple[str, Any]] = []
    for template in _templates(root, chart_dir):
        rel = template.relative_to(root).as_posix()
        try:
            source = template.read_text(encoding="utf-8-sig")
            nodes = renderer.load(source, rel)
        except (OSError, UnicodeDecodeError) as exc:
            result.diagnostics.append(
                Diagnostic(rel, 1, DiagnosticLevel.WARNING, f"cannot read template: {exc}")
            )
            continue
        except RenderError as exc:
            result.diagnostics.append(_problem(exc))
            continue
        if template.suffix != ".tpl" and not template.name.startswith("_") and "/tests/" not in f"/{rel}":
            loaded.append((rel, nodes))

    def get_file(path: str) -> str:
        target = chart_dir / path
        if not _inside(chart_dir, target) or not target.is_file():
            return ""
        try:
            return target.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return ""

    def glob_files(pattern: str) -> dict[str, str]:
        """``.Files.Glob``: what ``.AsConfig`` / ``.AsSecrets`` of the matching chart files render."""
        found = {
            p.relative_to(chart_dir).as_posix(): get_file(p.relative_to(chart_dir).as_posix())
            for p in sorted(chart_dir.rglob("*"))
            if p.is_file() and fnmatch.fnmatch(p.relative_to(chart_dir).as_posix(), pattern)
        }
        by_name = {posixpath.basename(k): v for k, v in found.items()}
        secrets = {k: base64.b64encode(v.encode()).decode() for k, v in by_name.items()}
        return {"AsConfig": _yaml_block(by_name), "AsSecrets": _yaml_block(secrets)}

    rendered: list[tuple[str, str, list[int]]] = []
    for rel, nodes in loaded:
        dot = {
            "Values": values,
            "Release": {
                "Name": SENTINEL,
                "Namespace": "default",
                "Service": "Helm",
                "IsInstall": True,
                "Revision": 1,
            },
            "Chart": _capitalised(chart),
            "Capabilities": {
                "KubeVersion": {"Version": "v1.29.0", "GitVersion": "v1.29.0", "Major": "1", "Minor": "29"},
                "APIVersions": {"Has": lambda _api: True},
            },
            "Template": {"Name": rel, "BasePath": f"{folder}/templates".lstrip("/")},
            "Files": {"Get": get_file, "Glob": glob_files},
        }
        try:
            text, lines = line_map(renderer.render(nodes, dot, rel))
        except RenderError as exc:
            result.diagnostics.append(_problem(exc))
            continue
        except RecursionError:
            result.diagnostics.append(
                Diagnostic(rel, 1, DiagnosticLevel.WARNING, "template nests too deeply")
            )
            continue
        if text.strip():
            rendered.append((rel, unrelease(text, name), lines))
    return rendered


def _yaml_block(mapping: dict[str, str]) -> str:
    return yaml.safe_dump(mapping, default_flow_style=False, sort_keys=True).rstrip("\n") if mapping else ""


def _problem(exc: RenderError) -> Diagnostic:
    return Diagnostic(
        exc.template, exc.line, DiagnosticLevel.WARNING, f"Helm template not rendered: {exc.message}"
    )


def _helm_binary(
    chart_dir: Path, name: str, folder: str, result: ExtractResult
) -> list[tuple[str, str, list[int]]]:
    """``helm template`` output split by its ``# Source:`` comments (evidence at the template file)."""
    try:
        done = subprocess.run(
            ["helm", "template", SENTINEL, str(chart_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        result.diagnostics.append(
            Diagnostic(f"{folder}/Chart.yaml", 1, DiagnosticLevel.WARNING, f"helm: {exc}")
        )
        return []
    if done.returncode != 0:
        result.diagnostics.append(
            Diagnostic(
                f"{folder}/Chart.yaml".lstrip("/"),
                1,
                DiagnosticLevel.WARNING,
                f"helm template failed: {done.stderr.strip()[:300]}",
            )
        )
        return []
    out: list[tuple[str, str, list[int]]] = []
    for document in done.stdout.split("\n---"):
        source = next(
            (line[10:].strip() for line in document.splitlines() if line.startswith("# Source: ")), ""
        )
        if not source:
            continue
        # `# Source: <chart>/templates/x.yaml`: the chart's folder replaces its name
        path = posixpath.join(folder, source.split("/", 1)[1]) if "/" in source else source
        body = unrelease(document.lstrip("-\n"), name)
        out.append((path, body, [1] * (body.count("\n") + 1)))
    return out
