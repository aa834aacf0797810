""".NET API gateways from their configuration: Ocelot and YARP.

* Ocelot (``ocelot*.json``, also ``configuration*.json`` holding ``Routes``/``ReRoutes``): each route's
  ``DownstreamHostAndPorts`` host (or its ``ServiceName`` when a service-discovery provider resolves it)
  is routed to, with the ``UpstreamPathTemplate`` as its path.
* YARP (``appsettings*.json`` with a ``ReverseProxy`` section): each cluster destination's ``Address``
  is routed to, with the ``Match.Path`` of the routes using that cluster.

The file's service is the gateway (``gateway`` role); a file outside any service is named after the
product (``ocelot``, ``yarp``).
"""

from __future__ import annotations

import posixpath
from typing import Any

from analyzer.extract.facts import ExtractResult, FileContext, PlatformDecl, PlatformLink, Value
from analyzer.extract.yamlsrc import LineDict, LineList, YamlError, load_all
from analyzer.model import Evidence, Location, SourceKind

NAME = "dotnet-gateways"


def wants(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return name.endswith(".json") and name.startswith(("ocelot", "appsettings", "configuration"))


def _dict(node: Any) -> LineDict:
    return node if isinstance(node, LineDict) else LineDict()


def _items(node: Any) -> list[tuple[Any, int]]:
    if isinstance(node, LineList):
        return [(item, node.line_of(index)[1]) for index, item in enumerate(node)]
    if isinstance(node, LineDict):
        return [(node[key], node.line_of(key)[1]) for key in node]
    return []


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if "Routes" not in text and "ReverseProxy" not in text:
        return result
    try:
        docs = load_all(text, ctx.path)
    except YamlError:
        return result  # the JSON configuration readers report it
    doc = _dict(docs[0] if docs else None)
    name = posixpath.basename(ctx.path).lower()
    if not name.startswith("appsettings"):
        routes = doc.get("Routes") or doc.get("ReRoutes")
        if isinstance(routes, LineList):
            _ocelot(ctx, routes, result)
    if isinstance(doc.get("ReverseProxy"), LineDict):
        _yarp(ctx, doc["ReverseProxy"], result)
    return result


def _route(
    ctx: FileContext, owner: str, product: str, target: str, line: int, path: str, result: ExtractResult
) -> None:
    evidence = Evidence(SourceKind.CONFIG, Location(ctx.path, line), f"{product} route {path}".strip())
    if not any(isinstance(f, PlatformDecl) for f in result.facts):
        result.facts.append(PlatformDecl(owner, "gateway", evidence, product))
    result.facts.append(PlatformLink(owner, "routes_to", Value(target), evidence, path=path))


def _ocelot(ctx: FileContext, routes: LineList, result: ExtractResult) -> None:
    owner = ctx.service or "ocelot"
    for route, line in _items(routes):
        route = _dict(route)
        path = str(route.get("UpstreamPathTemplate") or "")
        scheme = str(route.get("DownstreamScheme") or "http")
        hosts = [(_dict(h), hl) for h, hl in _items(route.get("DownstreamHostAndPorts"))]
        for host, host_line in hosts:
            if host.get("Host"):
                port = f":{host['Port']}" if host.get("Port") else ""
                _route(ctx, owner, "ocelot", f"{scheme}://{host['Host']}{port}", host_line, path, result)
        if not hosts and route.get("ServiceName"):
            _route(ctx, owner, "ocelot", str(route["ServiceName"]), line, path, result)


def _yarp(ctx: FileContext, proxy: LineDict, result: ExtractResult) -> None:
    owner = ctx.service or "yarp"
    paths: dict[str, str] = {}
    for route, _ in _items(proxy.get("Routes")):
        route = _dict(route)
        cluster = str(route.get("ClusterId") or "")
        paths.setdefault(cluster, str(_dict(route.get("Match")).get("Path") or ""))
    clusters = _dict(proxy.get("Clusters"))
    for cluster in clusters:
        for destination, line in _items(_dict(clusters[cluster]).get("Destinations")):
            address = str(_dict(destination).get("Address") or "")
            if address:
                _route(ctx, owner, "yarp", address, line, paths.get(str(cluster), ""), result)
