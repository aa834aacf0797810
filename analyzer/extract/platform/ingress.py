"""Kubernetes routing resources: Ingress, Gateway API ``HTTPRoute``, Istio ``VirtualService``.

The router is the component that serves them: an Ingress's controller (``ingressClassName`` or the
``kubernetes.io/ingress.class`` annotation: ``ingress-nginx``; ``ingress`` when none is named), the
``Gateway`` an HTTPRoute's ``parentRefs`` name, the mesh's ``istio-ingressgateway`` for a VirtualService
bound to a gateway (one bound only to ``mesh`` routes between services and is not an entry point).
Each backend Service (an Ingress path's ``backend.service.name`` or the older ``serviceName``, an
HTTPRoute ``backendRefs`` name, a VirtualService ``destination.host``) is a route of that gateway, with
its path when the resource says.

:func:`routes` is also applied by :mod:`analyzer.extract.helm` to rendered chart templates.
"""

from __future__ import annotations

import posixpath
from typing import Any

from analyzer.extract.facts import ExtractResult, Fact, FileContext, PlatformDecl, PlatformLink, Value
from analyzer.extract.yamlsrc import LineDict, LineList, YamlError, load_all
from analyzer.model import Evidence, Location, SourceKind

NAME = "ingress"
KINDS = ("Ingress", "HTTPRoute", "VirtualService")


def wants(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return name.endswith((".yaml", ".yml")) and not name.startswith(
        ("docker-compose", "compose", "values", "chart")
    )


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if not any(f"kind: {kind}" in text for kind in KINDS) or "{{" in text:
        return result
    try:
        docs = load_all(text, ctx.path)
    except YamlError:
        return result  # the Kubernetes reader reports it
    result.facts.extend(routes(ctx.path, [d for d in docs if isinstance(d, LineDict)]))
    return result


def _list(node: Any) -> list[tuple[Any, int]]:
    """Items of a YAML list with their lines (empty for anything else)."""
    if not isinstance(node, LineList):
        return []
    return [(item, node.line_of(index)[1]) for index, item in enumerate(node)]


def _dict(node: Any) -> LineDict:
    return node if isinstance(node, LineDict) else LineDict()


Route = tuple[str, str, str, int, str]  # (router, product, backend, line, path)


def routes(path: str, docs: list[LineDict]) -> list[Fact]:
    """Gateway declarations and routes of the routing resources among ``docs``."""
    facts: list[Fact] = []
    for doc in docs:
        spec = doc.get("spec")
        if not isinstance(spec, LineDict):
            continue
        found: list[Route] = []
        if doc.get("kind") == "Ingress":
            found = _ingress(_dict(doc.get("metadata")), spec)
        elif doc.get("kind") == "HTTPRoute":
            found = _http_route(spec)
        elif doc.get("kind") == "VirtualService":
            found = _virtual_service(spec)
        for router, product, backend, line, route_path in found:
            if not backend:
                continue
            evidence = Evidence(SourceKind.K8S, Location(path, line), f"route {route_path}".strip())
            facts.append(PlatformDecl(router, "gateway", evidence, product))
            facts.append(PlatformLink(router, "routes_to", Value(backend), evidence, path=route_path))
    return facts


def _ingress(metadata: LineDict, spec: LineDict) -> list[Route]:
    annotations = _dict(metadata.get("annotations"))
    klass = str(spec.get("ingressClassName") or annotations.get("kubernetes.io/ingress.class") or "")
    router = f"ingress-{klass}" if klass else "ingress"
    product = klass or "ingress"
    found: list[Route] = []
    for key in ("defaultBackend", "backend"):
        if isinstance(spec.get(key), LineDict):
            found.append((router, product, _backend(spec[key]), spec.line_of(key)[1], ""))
    for rule, _ in _list(spec.get("rules")):
        for item, line in _list(_dict(_dict(rule).get("http")).get("paths")):
            backend = _dict(item).get("backend")
            if isinstance(backend, LineDict):
                found.append((router, product, _backend(backend), line, str(_dict(item).get("path") or "")))
    return found


def _http_route(spec: LineDict) -> list[Route]:
    parents = [_dict(p).get("name") for p, _ in _list(spec.get("parentRefs"))]
    router = str(parents[0]) if parents and parents[0] else "gateway"
    found: list[Route] = []
    for rule, _ in _list(spec.get("rules")):
        match_path = ""
        for match, _ in _list(_dict(rule).get("matches")):
            match_path = str(_dict(_dict(match).get("path")).get("value") or match_path)
        for ref, line in _list(_dict(rule).get("backendRefs")):
            found.append((router, "gateway-api", str(_dict(ref).get("name") or ""), line, match_path))
    return found


def _virtual_service(spec: LineDict) -> list[Route]:
    gateways = [str(g) for g, _ in _list(spec.get("gateways")) if str(g) != "mesh"]
    if not gateways:
        return []  # mesh-internal routing between services, not an entry point
    # NOTE: a Gateway resource is configuration of the mesh's ingress gateway workload, which is the
    # component that routes (and is usually installed with the mesh, outside the repository).
    router = "istio-ingressgateway"
    found: list[Route] = []
    for http, _ in _list(spec.get("http")):
        prefix = ""
        for match, _ in _list(_dict(http).get("match")):
            uri = _dict(_dict(match).get("uri"))
            prefix = str(uri.get("prefix") or uri.get("exact") or prefix)
        for item, line in _list(_dict(http).get("route")):
            host = str(_dict(_dict(item).get("destination")).get("host") or "")
            found.append((router, "istio", host, line, prefix))
    return found


def _backend(backend: LineDict) -> str:
    service = backend.get("service")
    if isinstance(service, LineDict):
        return str(service.get("name") or "")
    return str(backend.get("serviceName") or "")
