"""The platform, resolved: which nodes are platform components, and the typed edges to them.

A service becomes a ``platform`` node (same name, ``role`` attribute) when its own code or
configuration says what it is (:class:`PlatformDecl`: ``@EnableEurekaServer``, a config-server
dependency, Apache ``ProxyPass`` lines), when it runs a platform image (``keycloak``, ``openzipkin/zipkin``),
or when clients point a platform link at it (a Eureka ``defaultZone`` naming host ``registry`` makes
``registry`` the service registry). Links (:class:`PlatformLink`) become ``configured_by``,
``registers_with``, ``routes_to`` and ``reports_to`` edges; a route is also a ``calls`` edge, so the
sync-call rules see the gateway. A link whose target cannot be resolved (``localhost``, a variable
set nowhere) goes to the only platform component of the role it names, when there is exactly one;
otherwise it is a diagnostic.

Calls from a service to a platform component that is not a gateway, proxy or identity provider are
really the typed link (a Zipkin URL read as an HTTP call is ``reports_to``), so they are retyped. A
datastore that only platform components use (Elasticsearch behind logstash and Kibana) is the
platform's search engine, not a datastore of the system.

The graph is rebuilt once at the end with service ids of platform components renamed
(``service:eureka`` → ``platform:eureka``); nothing else moves.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from analyzer.extract.facts import PlatformDecl, PlatformLink
from analyzer.extract.platform.images import platform_for_image
from analyzer.model import ArchGraph, Diagnostic, DiagnosticLevel, EdgeKind, Evidence, NodeKind
from analyzer.resolve.names import LOCAL_HOSTS, host_key, normalise

if TYPE_CHECKING:
    from analyzer.resolve.build import Resolver

LINK_KINDS = {
    "configured_by": EdgeKind.CONFIGURED_BY,
    "registers_with": EdgeKind.REGISTERS_WITH,
    "routes_to": EdgeKind.ROUTES_TO,
    "reports_to": EdgeKind.REPORTS_TO,
}
ROUTERS = frozenset({"gateway", "web_server"})
LOG_PIPELINE = frozenset({"logging_server", "monitoring_dashboard"})
# Roles whose incoming calls are real calls (requests through a gateway, token requests).
CALLED_ROLES = frozenset({"gateway", "web_server", "authorization_server"})
ROLE_LINK = {"configuration_server": EdgeKind.CONFIGURED_BY, "service_discovery": EdgeKind.REGISTERS_WITH}
# The role a link's target plays, when the link kind says it.
# Links another component's configuration draws from a named application (Turbine's app list).
SCRAPERS = frozenset({"monitoring_server"})
TARGET_ROLE = {"configured_by": "configuration_server", "registers_with": "service_discovery"}


@dataclass(slots=True)
class _Platform:
    roles: dict[str, dict[str, Evidence | None]] = field(default_factory=lambda: defaultdict(dict))
    products: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, name: str, role: str, product: str = "", evidence: Evidence | None = None) -> None:
        if role not in self.roles[name] or self.roles[name][role] is None:
            self.roles[name][role] = evidence
        if product:
            self.products[name].add(product)

    def of_role(self, role: str) -> list[str]:
        return sorted(n for n, roles in self.roles.items() if role in roles)


def _target_name(r: Resolver, link: PlatformLink) -> tuple[str, str, str]:
    """(kind 'service'|'store'|'' , canonical name or host, path) of a link's target."""
    text, _ = r.resolve_value(link.service, link.target)
    text = text.strip().split(",")[0].strip()
    if not text or "${" in text:
        return "", "", ""
    candidate = text if "://" in text else "http://" + text
    try:
        parts = urlsplit(candidate)
        host = parts.hostname or ""
    except ValueError:
        return "", "", ""
    if not host or host.lower() in LOCAL_HOSTS or host_key(host) in LOCAL_HOSTS:
        return "", "", parts.path
    service = r.services.lookup(host)
    if service is not None:
        return "service", service, parts.path
    store = r.stores.lookup(host)
    if store is not None:
        return "store", store, parts.path
    return "host", host_key(host), parts.path


# Names a proxy, scraper or log-pipeline file outside any service gets from its product
# (analyzer.extract.platform.proxies).
STAND_INS = frozenset({"apache", "nginx", "envoy", "prometheus", "logstash"})


def _without_stand_ins(
    r: Resolver, decls: Sequence[PlatformDecl], links: Sequence[PlatformLink]
) -> tuple[list[PlatformDecl], list[PlatformLink]]:
    """A configuration file read once on its own (owner named after its product, a name nothing
    deploys) and once as the configuration a container mounts keeps only the container as its owner."""
    owners: dict[str, set[str]] = defaultdict(set)
    for decl in decls:
        owners[decl.evidence.location.path].add(decl.name)
    dropped = {
        (path, name)
        for path, names in owners.items()
        for name in names
        if name in STAND_INS and len(names) > 1 and r.services.lookup(name) is None
    }
    return (
        [d for d in decls if (d.evidence.location.path, d.name) not in dropped],
        [k for k in links if (k.evidence.location.path, k.service) not in dropped],
    )


def _collect(
    r: Resolver, graph: ArchGraph, decls: Sequence[PlatformDecl], links: Sequence[PlatformLink]
) -> _Platform:
    found = _Platform()
    for decl in decls:
        if r.stores.lookup(decl.name) is not None and host_key(decl.name) not in r.services.canonical:
            continue  # a datastore or broker container, not a service near its name
        name = r.service_name(decl.name)
        found.add(name, decl.role, decl.product, decl.evidence)
    for node in graph.nodes(NodeKind.SERVICE):
        match = platform_for_image(str(node.attrs.get("image") or ""))
        if match is not None and not node.attrs.get("root"):
            found.add(node.name, match[0], match[1])
    for link in links:
        role = link.role or TARGET_ROLE.get(link.kind, "")
        if not role or link.kind == "routes_to":
            continue
        kind, name, _ = _target_name(r, link)
        if kind == "service":
            found.add(name, role)
    return found


def apply_platform(r: Resolver, decls: Sequence[PlatformDecl], links: Sequence[PlatformLink]) -> ArchGraph:
    """Draw the platform links, then return the graph with platform components as ``platform`` nodes."""
    graph = r.graph
    decls, links = _without_stand_ins(r, decls, links)
    found = _collect(r, graph, decls, links)
    for link in links:
        if not link.clients_of:
            _link(r, found, link)
    for link in links:
        if link.clients_of:
            server = r.service_node(link.clients_of)
            for client in r.graph.predecessors(server, EdgeKind.CONFIGURED_BY):
                _link(r, found, dataclasses.replace(link, service=r.graph.node_name(client), clients_of=""))
    _registry_routes(r, found, decls)
    _dashboards(r, found, decls)
    return _rebuild(graph, found)


def _dashboards(r: Resolver, found: _Platform, decls: Sequence[PlatformDecl]) -> None:
    """A Hystrix dashboard shows the stream of the system's Turbine (its address is typed into the
    dashboard at run time): with exactly one Turbine, the Turbine reports to the dashboard."""
    turbines = sorted({r.service_name(d.name) for d in decls if d.product == "turbine"})
    if len(turbines) != 1:
        return
    turbine = r.service_node(turbines[0])
    for decl in decls:
        if decl.product == "hystrix" and r.service_name(decl.name) != turbines[0]:
            dashboard = r.service_node(decl.name)
            r.graph.add_edge(EdgeKind.REPORTS_TO, turbine, dashboard, evidence=[decl.evidence])


# Gateways that, by default, route to every service registered with their registry.
REGISTRY_ROUTERS = frozenset({"zuul", "discovery-locator"})


def _registry_routes(r: Resolver, found: _Platform, decls: Sequence[PlatformDecl]) -> None:
    """Zuul (and Spring Cloud Gateway's discovery locator) route ``/<service>/**`` to every service
    registered with the registry the gateway uses; with explicit routes Zuul users ignore the rest
    (``ignored-services: '*'``), so only a gateway without explicit routes gets them."""
    graph = r.graph
    for decl in decls:
        if decl.product not in REGISTRY_ROUTERS:
            continue
        gateway = r.service_node(decl.name)
        if graph.out_edges(gateway, EdgeKind.ROUTES_TO):
            continue
        registries = set(graph.successors(gateway, EdgeKind.REGISTERS_WITH))
        for registry in sorted(registries):
            for client in graph.predecessors(registry, EdgeKind.REGISTERS_WITH):
                if client == gateway or graph.node_name(client) in found.roles:
                    continue
                attrs = {"via": ("registry",)}
                graph.add_edge(EdgeKind.ROUTES_TO, gateway, client, attrs=attrs, evidence=[decl.evidence])
                graph.add_edge(
                    EdgeKind.CALLS,
                    gateway,
                    client,
                    attrs={"protocol": "http", "endpoint_origin": ("discovery",)},
                    evidence=[decl.evidence],
                )


def _link(r: Resolver, found: _Platform, link: PlatformLink) -> None:
    graph = r.graph
    role = link.role or TARGET_ROLE.get(link.kind, "")
    if role in SCRAPERS and r.services.lookup(link.service) is None:
        return  # an aggregated host the system does not deploy (Turbine's app list names it)
    source = r.service_node(link.service)
    kind, name, path = _target_name(r, link)
    target = ""
    if kind == "service":
        target = r.service_node(name)
    elif kind == "store":
        target = r.store_node(name)
    elif kind == "host" and link.kind == "routes_to":
        target = graph.add_node(NodeKind.EXTERNAL, name, attrs={"host": name})
    elif role and len(found.of_role(role)) == 1:
        target = r.service_node(found.of_role(role)[0])
    if not target:
        r.diagnostics.append(
            Diagnostic(
                link.evidence.location.path,
                link.evidence.location.line,
                DiagnosticLevel.INFO,
                f"{link.kind.replace('_', ' ')} target '{link.target.text or link.target.variable}' of "
                f"{normalise(link.service)} not resolved"
                + (f" and the system has {len(found.of_role(role))} {role} components" if role else ""),
            )
        )
        return
    if target == source:
        return
    route_path = link.path or (path if path not in ("", "/") else "")
    attrs = {"paths": (route_path,) if route_path and link.kind == "routes_to" else None}
    if link.target.text.startswith("lb:"):
        attrs["via"] = ("lb",)
    graph.add_edge(LINK_KINDS[link.kind], source, target, attrs=attrs, evidence=[link.evidence])
    if link.kind == "routes_to":
        graph.add_edge(
            EdgeKind.CALLS,
            source,
            target,
            attrs={"protocol": "http", "paths": attrs["paths"], "endpoint_origin": ("config",)},
            evidence=[link.evidence],
        )


def _rebuild(graph: ArchGraph, found: _Platform) -> ArchGraph:
    ids: dict[str, str] = {}
    roles: dict[str, dict[str, Evidence | None]] = dict(found.roles)
    for node in graph.nodes(NodeKind.SERVICE):
        if node.name in roles:
            ids[node.id] = f"{NodeKind.PLATFORM.value}:{node.name}"
    _search_engines(graph, ids, roles)
    merged = _other_names(graph)
    if not ids and not merged:
        return graph
    for old, owner in merged.items():
        ids[old] = ids.get(owner, owner)
    out = ArchGraph()
    for node in graph.nodes():
        if node.id in merged:
            continue
        if node.id in ids:
            attrs = dict(node.attrs)
            names = sorted(roles.get(node.name, {}))
            attrs["role"] = names[0] if len(names) == 1 else _main_role(names)
            attrs["roles"] = tuple(names) if len(names) > 1 else None
            products = sorted(found.products.get(node.name, ()))
            attrs["product"] = products[0] if products else None
            proof = [e for e in roles.get(node.name, {}).values() if e is not None]
            out.add_node(NodeKind.PLATFORM, node.name, attrs=attrs, evidence=[*node.evidence, *proof])
        elif node.kind == NodeKind.DATABASE and str(node.attrs.get("datastore")) in _dropped(ids):
            continue
        else:
            parts = node.id.split(":", 1)[1].split("/") if node.kind != NodeKind.SERVICE else [node.name]
            out.add_node(node.kind, *parts, name=node.name, attrs=dict(node.attrs), evidence=node.evidence)
    for old in sorted(merged):
        out.update_node(ids[old], evidence=graph.node(old).evidence)
    for edge in graph.edges():
        source = ids.get(edge.source, edge.source)
        target = ids.get(edge.target, edge.target)
        kind = edge.kind
        if target not in out:  # a database of a store that became a platform search engine
            parent = graph.parent(edge.target)
            if parent is None or parent not in ids:
                continue
            target = ids[parent]
        if source not in out or source == target:
            continue
        if kind == EdgeKind.CALLS and edge.target in ids and edge.source not in ids:
            kind = _retyped_call(roles.get(graph.node_name(edge.target), {}))
        out.add_edge(kind, source, target, key=edge.key, attrs=dict(edge.attrs), evidence=edge.evidence)
    return out


def _other_names(graph: ArchGraph) -> dict[str, str]:
    """Service nodes that are only another name of one other service (a Dapr sidecar declared as a
    compose service of its own before the app named it an alias): node id → the owner's id."""
    owners: dict[str, set[str]] = defaultdict(set)
    for node in graph.nodes(NodeKind.SERVICE):
        aliases = node.attrs.get("aliases")
        for alias in aliases if isinstance(aliases, tuple) else ():
            owners[alias].add(node.id)
    merged: dict[str, str] = {}
    for node in graph.nodes(NodeKind.SERVICE):
        others = owners.get(node.name, set()) - {node.id}
        if len(others) == 1 and not node.attrs.get("root"):
            merged[node.id] = next(iter(others))
    return {old: new for old, new in merged.items() if new not in merged}


def _dropped(ids: dict[str, str]) -> set[str]:
    return {old.split(":", 1)[1] for old in ids if old.startswith("datastore:")}


def _main_role(names: list[str]) -> str:
    for preferred in ("gateway", "configuration_server", "service_discovery", "authorization_server"):
        if preferred in names:
            return preferred
    return names[0]


def _retyped_call(roles: dict[str, Evidence | None]) -> EdgeKind:
    if not roles or set(roles) & CALLED_ROLES:
        return EdgeKind.CALLS
    for role, kind in ROLE_LINK.items():
        if role in roles:
            return kind
    return EdgeKind.REPORTS_TO


def _search_engines(
    graph: ArchGraph, ids: dict[str, str], roles: dict[str, dict[str, Evidence | None]]
) -> None:
    """A search datastore that only the log pipeline uses (logstash, fluentd, Kibana) is the
    platform's log store. Routes to it from a gateway or proxy say nothing either way."""
    for store in graph.nodes(NodeKind.DATASTORE):
        if store.attrs.get("technology") not in ("elasticsearch", "opensearch"):
            continue
        users = {
            edge.source
            for db in [store.id, *graph.successors(store.id, EdgeKind.CONTAINS)]
            for edge in graph.in_edges(db)
            if edge.kind in (EdgeKind.CONNECTS, EdgeKind.CALLS, EdgeKind.DEPENDS_ON)
            and not set(roles.get(graph.node_name(edge.source), ())) & ROUTERS
        }
        pipeline = {
            user for user in users if set(roles.get(graph.node_name(user), ())) & LOG_PIPELINE and user in ids
        }
        if pipeline and users <= set(ids):
            ids[store.id] = f"{NodeKind.PLATFORM.value}:{store.name}"
            roles.setdefault(store.name, {})["search_engine"] = None
