"""Deployments as the inventory needs them, before extraction: which containers a compose file
or a Kubernetes manifest runs, from which build folder or image, and which of them run a
datastore or broker (by image, or by the ``FROM`` of the Dockerfile they are built from).

A light read (names, build contexts, images, published ports); the compose and Kubernetes
extractors read everything else with lines.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from analyzer.discovery import is_compose_file
from analyzer.extract.compose import env_names, is_variant
from analyzer.extract.images import (
    technology_for_dockerfile,
    technology_for_environment,
    technology_for_image,
)
from analyzer.extract.sidefiles import load_all_once
from analyzer.extract.yamlsrc import YamlError
from analyzer.model import Diagnostic, DiagnosticLevel
from analyzer.model.limits import LimitExceeded
from analyzer.model.location import base_name, parent
from analyzer.model.paths import under_real_root

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "DeploymentConfig", "Rollout"})
DEFAULT_COMPOSE = frozenset({"docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"})


@dataclass(frozen=True, slots=True)
class Deployment:
    """One application container: ``root`` is its build folder ('' when it only names an image);
    ``primary`` marks the default compose file set."""

    name: str
    root: str
    image: str
    path: str
    ports: tuple[int, ...]
    primary: bool
    dockerfile: str = ""  # the Dockerfile it is built from (repo-relative), when built here
    client: bool = False  # runs tests or load against the system (a test build target, a test file)
    technology: str = ""  # the datastore or broker it runs, if it runs one


class RepoReader:
    """Reads repository files for the inventory: a file's text, or None when it is missing, too
    big, or leads outside the repository (``..``, an absolute path, a symlink out). The root is
    resolved once: the inventory reads thousands of files before extraction."""

    def __init__(self, root: Path | str, discovered: Collection[str] = ()) -> None:
        self.root = root
        self.base = os.path.realpath(root)
        self.discovered = frozenset(discovered)

    def text(self, path: str, limit: int = 1024 * 1024) -> str | None:
        """Absolute paths are refused, and so is a path that leads out of the root once resolved
        (:func:`analyzer.model.paths.under_real_root`). A file the discovery found is a regular
        file inside the root (discovery follows no link): it is read as it is, like the
        extractors read it."""
        if path in self.discovered:
            full: str | None = os.path.join(self.base, path)
        else:
            full = under_real_root(self.base, path)
        if full is None:
            return None
        try:
            if os.stat(full).st_size > limit:
                return None
            with open(full, encoding="utf-8-sig", errors="replace") as handle:
                return handle.read()
        except (OSError, ValueError):  # ValueError: a NUL in a name the repository wrote
            return None


def _compose_services(repo: RepoReader, path: str) -> list[tuple[str, dict[str, object]]]:
    text = repo.text(path)
    if text is None:
        return []
    try:  # parsed once per scan: the compose extractor gets the same documents (libyaml, lines)
        docs = load_all_once(text, path)
    except (YamlError, yaml.YAMLError, LimitExceeded, RecursionError):
        return []  # the compose extractor reports it with its line
    data = docs[0] if docs else None
    if not isinstance(data, dict):
        return []
    services = data.get("services")
    if services is None and "version" not in data:
        services = {k: v for k, v in data.items() if isinstance(v, dict) and ({"image", "build"} & set(v))}
    if not isinstance(services, dict):
        return []
    return [(str(k), v) for k, v in services.items() if isinstance(v, dict)]


def _dockerfile(path: str, spec: dict[str, object]) -> str:
    """The Dockerfile a compose service is built from: ``build.dockerfile`` in its context."""
    build = spec.get("build")
    context = build.get("context", ".") if isinstance(build, dict) else build
    if not isinstance(context, str) or "://" in context or "$" in context:
        return ""
    dockerfile = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
    if not isinstance(dockerfile, str) or "$" in dockerfile:
        return ""
    norm = os.path.normpath(f"{parent(path) or '.'}/{context}/{dockerfile}").replace("\\", "/")
    return "" if norm.startswith("..") else norm


_TEST_NAME = re.compile(r"(^|[-_.])(unit|functional|integration|e2e)?[-_]?tests?$", re.I)


def _runs_tests(path: str, name: str, spec: dict[str, object]) -> bool:
    """A compose service that runs a test suite: a test build target, a test-named service in a
    test compose file (``docker-compose-tests.yml``)."""
    build = spec.get("build")
    target = build.get("target") if isinstance(build, dict) else None
    if isinstance(target, str) and "test" in target.lower():
        return True
    return "test" in base_name(path).lower() and _TEST_NAME.search(name) is not None


def _compose_root(path: str, spec: dict[str, object]) -> str:
    build = spec.get("build")
    context = build.get("context", ".") if isinstance(build, dict) else build
    if not isinstance(context, str) or "://" in context or "$" in context:
        return ""
    dockerfile = build.get("dockerfile") if isinstance(build, dict) else None
    if isinstance(dockerfile, str) and "$" not in dockerfile and "/" in dockerfile:
        context = f"{context}/{PurePosixPath(dockerfile).parent.as_posix()}"
    norm = os.path.normpath(f"{parent(path) or '.'}/{context}").replace("\\", "/")
    return "" if norm == "." or norm.startswith("..") else norm


def _ports(spec: dict[str, object]) -> tuple[int, ...]:
    found: list[int] = []
    ports = spec.get("ports")
    for item in ports if isinstance(ports, list) else []:
        text = str(item.get("published", "")) if isinstance(item, dict) else str(item)
        host = text.split("/")[0].split(":")
        port = host[-2] if len(host) >= 2 else host[0]
        if port.isdigit():
            found.append(int(port))
    return tuple(found)


def deployments(
    repo: RepoReader, files: list[str], problems: list[Diagnostic] | None = None
) -> list[Deployment]:
    """The containers of compose files and Kubernetes workloads; those that run a datastore or
    broker (by image, Dockerfile ``FROM`` or initialisation variables) carry its technology.
    A file that cannot be read this way costs its own deployments only: the failure is a
    diagnostic naming it in ``problems`` (the extractors report the file's problems with lines)."""
    found: list[Deployment] = []
    for path in files:
        try:
            found.extend(_deployments_of(repo, path))
        except Exception as exc:  # one bad file never costs the others
            if problems is not None:
                message = f"internal error reading deployments: {type(exc).__name__}: {str(exc)[:200]}"
                problems.append(Diagnostic(path, 0, DiagnosticLevel.ERROR, message))
    return found


def _deployments_of(repo: RepoReader, path: str) -> list[Deployment]:
    found: list[Deployment] = []
    if not base_name(path).endswith((".yml", ".yaml")):
        return found  # neither a compose file nor a manifest
    if is_compose_file(path) and not is_variant(str(repo.root), path):
        default = base_name(path) in DEFAULT_COMPOSE
        for name, spec in _compose_services(repo, path):
            image = spec.get("image") if isinstance(spec.get("image"), str) else ""
            build_root = _compose_root(path, spec)
            dockerfile = _dockerfile(path, spec) if spec.get("build") is not None else ""
            tech = technology_for_image(str(image), spec.get("build") is None) if image else None
            if tech is None and dockerfile:
                text = repo.text(dockerfile)
                tech = technology_for_dockerfile(text) if text else None
            elif tech is None and image:
                tech = technology_for_environment(env_names(spec))
            if tech is not None:
                found.append(Deployment(name, "", str(image), path, (), default, technology=tech[0]))
                continue
            if not image and spec.get("build") is None:
                continue
            tests = _runs_tests(path, name, spec)
            found.append(
                Deployment(name, build_root, str(image), path, _ports(spec), default, dockerfile, tests)
            )
    elif path.endswith((".yml", ".yaml")) and "/templates/" not in f"/{path}":
        found.extend(_workloads(repo, path))
    return found


def _workloads(repo: RepoReader, path: str) -> list[Deployment]:
    text = repo.text(path)
    if text is None or "kind:" not in text or "containers:" not in text:
        return []
    out: list[Deployment] = []
    try:  # parsed once per scan: the Kubernetes extractor gets the same documents
        docs = load_all_once(text, path)
    except (YamlError, yaml.YAMLError, LimitExceeded, RecursionError):
        return []
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("kind") not in WORKLOAD_KINDS:
            continue
        meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        name = meta.get("name") if isinstance(meta, dict) else None
        spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
        template = spec.get("template") if isinstance(spec, dict) else None
        pod = template.get("spec") if isinstance(template, dict) else None
        containers = pod.get("containers") if isinstance(pod, dict) else None
        if not isinstance(name, str) or "{{" in name or not isinstance(containers, list):
            continue
        images = [
            c.get("image") for c in containers if isinstance(c, dict) and isinstance(c.get("image"), str)
        ]
        if not images:
            continue
        tech = technology_for_image(str(images[0]))
        out.append(Deployment(name, "", str(images[0]), path, (), False, technology=tech[0] if tech else ""))
    return out
