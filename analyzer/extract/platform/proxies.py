"""Reverse proxies and scrapers from their own configuration files.

* Apache httpd (``*.conf`` with ``ProxyPass`` / ``ProxyPassMatch`` / ``BalancerMember`` / ``RewriteRule
  ... [P]``): the service the file belongs to is a ``web_server`` routing to each backend URL.
* nginx (``nginx.conf``, ``*.conf`` with ``proxy_pass``): ``proxy_pass http://name`` routes to the
  ``upstream name { server host:port; }`` members, or to the host itself.
* Envoy (``envoy.yaml``): each cluster endpoint's ``socket_address.address`` is a route of a ``gateway``;
  a route rewritten onto a Dapr sidecar (``/v1.0/invoke/<app-id>/method``) reaches that app.
* Prometheus (``prometheus.yml``): a ``reports_to`` edge from the Prometheus to each ``static_configs``
  target it scrapes (the scraper reaches out; unknown hosts are a diagnostic, never new nodes).
* Logstash pipelines (``*.conf``, ``logstash.config`` with an ``output`` section): the Elasticsearch of
  an ``elasticsearch { hosts => ... }`` output is where the logstash writes.

A file in a Helm chart belongs to the chart's release (``deploy/helm/apigw/envoy.yaml`` → ``apigw``); any
other file that belongs to no service is named by its product (``apache``, ``nginx``, ``envoy``,
``prometheus``). Placeholders (``${VAR}``) in a route path are kept as written; a backend URL with one
is a diagnostic of the resolver, not a guess. ``ProxyPassReverse`` rewrites response headers and is
not a route.
"""

from __future__ import annotations

import os
import posixpath
import re

from analyzer.extract.facts import (
    Connection,
    ConnectionInfo,
    ExtractResult,
    FileContext,
    PlatformDecl,
    PlatformLink,
    Value,
)
from analyzer.extract.helm import release_name
from analyzer.extract.yamlsrc import LineDict, LineList, YamlError, load_all
from analyzer.model import Evidence, Location, SourceKind

NAME = "proxies"

_APACHE = re.compile(
    r"^[ \t]*(?:ProxyPass|ProxyPassMatch)[ \t]+\"?(?P<path>[^\s\"]+)\"?[ \t]+\"?(?P<url>(?:https?|ajp|balancer)://[^\s\"]+)"
    r"|^[ \t]*BalancerMember[ \t]+\"?(?P<member>https?://[^\s\"]+)"
    r"|^[ \t]*RewriteRule[ \t]+\S+[ \t]+\"?(?P<rewrite>https?://[^\s\"]+)\"?[ \t]+\[[^\]]*\bP\b",
    re.M | re.I,
)
_NGINX_UPSTREAM = re.compile(r"^[ \t]*upstream[ \t]+(?P<name>[\w.-]+)[ \t]*\{(?P<body>[^}]*)\}", re.M)
_NGINX_SERVER = re.compile(r"^[ \t]*server[ \t]+(?P<host>[^\s;]+)", re.M)
_NGINX_SET = re.compile(r"^[ \t]*set[ \t]+\$(?P<name>\w+)[ \t]+[\"']?(?P<value>[^\"';\s]+)", re.M)
_NGINX_PASS = re.compile(r"^[ \t]*proxy_pass[ \t]+(?P<url>https?://[^\s;]+)", re.M)
_NGINX_LOCATION = re.compile(r"^[ \t]*location[ \t]+(?:[=~^*]+[ \t]+)?(?P<path>\S+)[ \t]*\{", re.M)


def wants(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return (
        name.endswith((".conf", ".conf.template"))
        or name in ("logstash.config", "logstash.cfg")
        or name in ("envoy.yaml", "envoy.yml", "prometheus.yml", "prometheus.yaml")
    )


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _chart_release(ctx: FileContext) -> str:
    """The release of the Helm chart a file lies in (its configuration is the chart's workload's)."""
    folder = posixpath.dirname(ctx.path)
    while folder:
        if os.path.isfile(os.path.join(ctx.root, folder, "Chart.yaml")):
            return release_name(folder, {})
        folder = posixpath.dirname(folder)
    return ""


def extract(ctx: FileContext, text: str) -> ExtractResult:
    if not ctx.service:
        release = _chart_release(ctx)
        if release:
            ctx = FileContext(ctx.path, ctx.root, release, ctx.technology, ctx.profile)
    name = posixpath.basename(ctx.path).lower()
    if name.startswith("envoy."):
        return _envoy(ctx, text)
    if name.startswith("prometheus."):
        return _prometheus(ctx, text)
    if "proxy_pass" in text:
        return _nginx(ctx, text)
    if re.search(r"^\s*output\s*\{", text, re.M):
        return _logstash(ctx, text)
    return _apache(ctx, text)


_LOGSTASH_ES = re.compile(
    r"elasticsearch\s*\{[^}]*?\bhosts\s*=>\s*(?P<hosts>\[[^\]]*\]|\"[^\"]*\"|'[^']*')", re.S
)


def _logstash(ctx: FileContext, text: str) -> ExtractResult:
    """A logstash pipeline's ``output { elasticsearch { hosts => ... } }``: the logstash (the file's
    service, else ``logstash``) writes to that Elasticsearch."""
    result = ExtractResult()
    owner = ctx.service or "logstash"
    output = re.search(r"^\s*output\s*\{", text, re.M)
    for match in _LOGSTASH_ES.finditer(text, output.start() if output else 0):
        first = re.findall(r"[\"']([^\"']+)[\"']", match.group("hosts"))
        if not first:
            continue
        host = first[0].split("://", 1)[-1].split("/")[0]
        name, _, port = host.partition(":")
        evidence = Evidence(
            SourceKind.CONFIG, Location(ctx.path, _line(text, match.start("hosts"))), "logstash output"
        )
        info = ConnectionInfo(
            "elasticsearch", (name,), int(port) if port.isdigit() else None, raw_scheme="logstash"
        )
        result.facts.append(PlatformDecl(owner, "logging_server", evidence, "logstash"))
        result.facts.append(Connection(owner, info, evidence, "literal"))
    return result


def _apache(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    owner = ctx.service or "apache"
    for match in _APACHE.finditer(text):
        url = match.group("url") or match.group("member") or match.group("rewrite")
        if url.lower().startswith("balancer://"):
            continue  # its BalancerMember lines are the routes
        evidence = Evidence(SourceKind.CONFIG, Location(ctx.path, _line(text, match.start())), "apache route")
        if not result.facts:
            result.facts.append(PlatformDecl(owner, "web_server", evidence, "apache"))
        path = match.group("path") or ""
        result.facts.append(PlatformLink(owner, "routes_to", Value(url), evidence, path=path))
    return result


def _nginx(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    owner = ctx.service or "nginx"
    upstreams = {
        m.group("name"): [
            (s.group("host"), m.start("body") + s.start()) for s in _NGINX_SERVER.finditer(m.group("body"))
        ]
        for m in _NGINX_UPSTREAM.finditer(text)
    }
    locations = [(m.start(), m.group("path")) for m in _NGINX_LOCATION.finditer(text)]
    variables = {m.group("name"): m.group("value") for m in _NGINX_SET.finditer(text)}
    for match in _NGINX_PASS.finditer(text):
        url = re.sub(r"\$(\w+)", lambda v: variables.get(v.group(1), v.group(0)), match.group("url"))
        path = next((p for start, p in reversed(locations) if start < match.start()), "")
        host = re.sub(r"^https?://", "", url).split("/")[0].split(":")[0]
        backends = upstreams.get(host) or [(url, match.start())]
        for backend, offset in backends:
            evidence = Evidence(SourceKind.CONFIG, Location(ctx.path, _line(text, offset)), "nginx route")
            if not result.facts:
                result.facts.append(PlatformDecl(owner, "web_server", evidence, "nginx"))
            target = backend if "://" in backend else "http://" + backend
            result.facts.append(PlatformLink(owner, "routes_to", Value(target), evidence, path=path))
    return result


def _walk(node: object, key: str) -> list[tuple[object, int]]:
    """Every value under ``key`` anywhere in a YAML tree, with its line."""
    found: list[tuple[object, int]] = []
    if isinstance(node, LineDict):
        for k, v in node.items():
            if k == key:
                found.append((v, node.line_of(k)[1]))
            found.extend(_walk(v, key))
    elif isinstance(node, LineList):
        for item in node:
            found.extend(_walk(item, key))
    return found


_DAPR_INVOKE = re.compile(r"/v1\.0/invoke/(?P<app>[\w.-]+)/method")


def _envoy(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    owner = ctx.service or "envoy"
    # Routes rewritten onto the Dapr sidecar's invoke API name the app they reach.
    for match in _DAPR_INVOKE.finditer(text):
        evidence = Evidence(
            SourceKind.CONFIG, Location(ctx.path, _line(text, match.start())), "envoy dapr route"
        )
        if not result.facts:
            result.facts.append(PlatformDecl(owner, "gateway", evidence, "envoy"))
        result.facts.append(PlatformLink(owner, "routes_to", Value(match.group("app")), evidence))
    try:
        docs = load_all(text, ctx.path)
    except YamlError:
        return result
    for doc in docs:
        for address, line in _walk(doc, "socket_address"):
            if not isinstance(address, LineDict) or not isinstance(address.get("address"), str):
                continue
            host = str(address["address"])
            if host in ("0.0.0.0", "::", "127.0.0.1"):
                continue  # a listener, not a backend
            evidence = Evidence(SourceKind.CONFIG, Location(ctx.path, line), "envoy cluster")
            if not result.facts:
                result.facts.append(PlatformDecl(owner, "gateway", evidence, "envoy"))
            port = address.get("port_value")
            target = f"http://{host}:{port}" if port else f"http://{host}"
            result.facts.append(PlatformLink(owner, "routes_to", Value(target), evidence))
    return result


def _prometheus(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    owner = ctx.service or "prometheus"
    try:
        docs = load_all(text, ctx.path)
    except YamlError:
        return result
    for doc in docs:
        if not isinstance(doc, LineDict) or "scrape_configs" not in doc:
            continue
        for targets, _line_no in _walk(doc, "targets"):
            if not isinstance(targets, LineList):
                continue
            for index, target in enumerate(targets):
                host = str(target).split(":")[0]
                line = targets.line_of(index)[1]
                evidence = Evidence(SourceKind.CONFIG, Location(ctx.path, line), "prometheus scrape target")
                if not result.facts:
                    result.facts.append(PlatformDecl(owner, "metrics_server", evidence, "prometheus"))
                if host in ("localhost", "127.0.0.1", owner):
                    continue
                # NOTE: scraping is drawn from the scraper to its target (the metrics flow the other
                # way, but the scraper is the one that reaches out)
                result.facts.append(PlatformLink(owner, "reports_to", Value(f"http://{target}"), evidence))
    return result
