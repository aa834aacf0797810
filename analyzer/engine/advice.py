"""Evidence and a specific suggested change for each finding, built from the graph.

A finding whose claim has parts shows them: the writes and calls of a saga finding, the publish
and the write of a dual write, the connections of a shared database, the consumers of a
credential. Its suggestion names this system's services, tables, topics and files ("order-service
reads `inventory_items` (owned by inventory-service): call inventory-service's `GET /items/{id}`
…"), never only the rule's generic help. A :class:`~analyzer.model.TextEdit` is attached only
where the change is mechanical (a literal secret in a compose ``environment`` entry becomes a
``${NAME}`` reference).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence

from analyzer.model import (
    ArchGraph,
    Edge,
    EdgeKind,
    Evidence,
    Finding,
    Location,
    Node,
    NodeKind,
    RelatedLocation,
    RuleMeta,
    TextEdit,
)

MAX_PARTS = 12
# Data directories and health probes of common datastore images (their documented defaults).
DATA_DIRS = {
    "postgresql": "/var/lib/postgresql/data",
    "mysql": "/var/lib/mysql",
    "mariadb": "/var/lib/mysql",
    "mongodb": "/data/db",
    "redis": "/data",
    "elasticsearch": "/usr/share/elasticsearch/data",
    "neo4j": "/data",
    "cassandra": "/var/lib/cassandra",
    "rabbitmq": "/var/lib/rabbitmq",
    "kafka": "/bitnami/kafka",
    "sqlserver": "/var/opt/mssql",
}
HEALTH_PROBES = {
    "postgresql": "pg_isready",
    "mysql": "mysqladmin ping -h localhost",
    "mariadb": "healthcheck.sh --connect",
    "mongodb": "mongosh --quiet --eval 'db.adminCommand({ping: 1})'",
    "redis": "redis-cli ping",
    "elasticsearch": "curl -fs localhost:9200/_cluster/health",
    "neo4j": "wget -q --spider localhost:7474",
    "cassandra": "cqlsh -e 'describe keyspaces'",
    "rabbitmq": "rabbitmq-diagnostics -q ping",
}
ReadLine = Callable[[str, int], str]


def _name(graph: ArchGraph, nid: str) -> str:
    """A node's name; databases as ``server/database`` (a bare redis index '0' says nothing)."""
    if nid.startswith("database:"):
        return nid.split(":", 1)[1]
    return graph.node_name(nid) if nid in graph else nid.split(":", 1)[-1]


def _strings(value: object) -> list[str]:
    """An attribute that may be a tuple of names, one name or missing, as a list of names."""
    if isinstance(value, (tuple, list)):
        return [str(v) for v in value]
    return [value] if isinstance(value, str) and value else []


def _best(evidence: Iterable[Evidence]) -> Evidence | None:
    ordered = sorted(evidence, key=lambda e: e.rank)
    return ordered[0] if ordered else None


def _parts(edges: Iterable[Edge], label: Callable[[Edge], str]) -> list[RelatedLocation]:
    out: list[RelatedLocation] = []
    for edge in edges:
        ev = _best(edge.evidence)
        if ev is not None:
            out.append(RelatedLocation(ev.location, label(edge)))
    return out


def _first_of(finding: Finding, kind: str) -> str:
    return next((s for s in finding.subjects if s.startswith(kind + ":")), "")


def _service_of(graph: ArchGraph, op: Node) -> str:
    owners = graph.successors(op.id, EdgeKind.PART_OF)
    return owners[0] if owners else f"service:{op.attrs.get('service', '')}"


def _operations(graph: ArchGraph, service: str) -> list[Node]:
    return [graph.node(o) for o in graph.predecessors(service, EdgeKind.PART_OF) if o in graph]


def _api_of(graph: ArchGraph, service: str, method: str) -> str:
    """An entry point of ``service`` a caller could use instead of its data, e.g. ``GET /items/{id}``."""
    ops = sorted(o.name for o in _operations(graph, service) if o.kind == NodeKind.OPERATION)
    fitting = [o for o in ops if o.upper().startswith(method)]
    return (fitting or ops or [""])[0]


def _topics_of(graph: ArchGraph, service: str) -> list[str]:
    return sorted(_name(graph, t) for t in graph.successors(service, EdgeKind.PUBLISHES))


def _writes_of(graph: ArchGraph, service: str) -> list[Edge]:
    return [e for e in graph.out_edges(service, EdgeKind.WRITES)]


def _missing_saga(graph: ArchGraph, finding: Finding) -> tuple[str, list[RelatedLocation]]:
    op = graph.node(_first_of(finding, "operation"))
    service = _service_of(graph, op)
    svc = _name(graph, service)
    written = _strings(op.attrs.get("written_services"))
    others = [w for w in written if w != svc]
    parts: list[RelatedLocation] = []
    for other in others:
        target = f"service:{other}"
        calls = [e for e in graph.out_edges(service, EdgeKind.CALLS) if e.target == target]
        parts += _parts(calls, lambda e: f"step: {svc} calls {_name(graph, e.target)}")
        parts += _parts(
            _writes_of(graph, target)[:3],
            lambda e: f"write in {_name(graph, e.source)}: {_name(graph, e.target)}",
        )
    parts += _parts(_writes_of(graph, service)[:3], lambda e: f"write in {svc}: {_name(graph, e.target)}")
    undo = ", ".join(f"{o}'s step" for o in others) or "each remote step"
    topics = _topics_of(graph, service)
    via = f" on {topics[0]}" if topics else ""
    return (
        f"Make {svc}'s '{op.name}' a saga: give {undo} a compensating action that {svc} calls when a "
        f"later step fails, or let {', '.join(others) or 'the other services'} react to an event "
        f"{svc} publishes{via} (choreography) instead of being called inside the request.",
        parts,
    )


def _dual_write(graph: ArchGraph, finding: Finding) -> tuple[str, list[RelatedLocation]]:
    op = graph.node(_first_of(finding, "operation"))
    service = _service_of(graph, op)
    svc = _name(graph, service)
    topics = _strings(op.attrs.get("publishes"))
    publishes = [e for e in graph.out_edges(service, EdgeKind.PUBLISHES) if _name(graph, e.target) in topics]
    parts = _parts(publishes, lambda e: f"publish to {_name(graph, e.target)}")
    parts += _parts(_writes_of(graph, service)[:3], lambda e: f"database write: {_name(graph, e.target)}")
    return (
        f"In '{op.name}', insert the {', '.join(topics) or 'outgoing'} event into an outbox table of "
        f"{svc}'s database in the same transaction as the write, and relay it to the broker (a polling "
        "publisher or change data capture such as the Debezium outbox router).",
        parts,
    )


def _credential_detail(graph: ArchGraph, finding: Finding) -> str:
    for nid in finding.subjects:
        if nid not in graph:
            continue
        for ev in graph.node(nid).evidence:
            if ev.location == finding.location and ev.detail.startswith("plaintext credential "):
                return ev.detail.removeprefix("plaintext credential ")
    return ""


_ENV_ENTRY = re.compile(r"^(\s*-?\s*['\"]?)([A-Za-z_][A-Za-z0-9_.]*)(['\"]?\s*[:=]\s*)(.+?)\s*$")


def _secret_edit(finding: Finding, detail: str, read_line: ReadLine) -> tuple[TextEdit, ...]:
    """``KEY: literal`` in a compose or Kubernetes-free YAML env block → ``KEY: ${KEY}``: mechanical."""
    loc = finding.location
    if not loc.path.endswith((".yml", ".yaml")) or "/" in detail or " " in detail:
        return ()
    line = read_line(loc.path, loc.line)
    found = _ENV_ENTRY.match(line)
    if found is None or found.group(2) != detail or found.group(4).startswith(("${", "$")):
        return ()
    start = len(found.group(1)) + len(found.group(2)) + len(found.group(3)) + 1
    end = start + len(found.group(4))
    return (TextEdit(Location(loc.path, loc.line, start), end, "${" + detail + "}"),)


def _credentials(
    graph: ArchGraph, finding: Finding, read_line: ReadLine
) -> tuple[str, list[RelatedLocation], tuple[TextEdit, ...]]:
    detail = _credential_detail(graph, finding) or "the credential"
    # A credential place (``credential:`` node) names the services and stores that use it.
    subjects = [s for s in finding.subjects if not s.startswith("credential:")]
    for nid in finding.subjects:
        if nid.startswith("credential:") and nid in graph:
            consumers = graph.node_attrs(nid).get("consumer_ids")
            # ids as resolved: a consumer that became a platform component since is left out
            subjects += [c for c in consumers if c in graph] if isinstance(consumers, tuple) else []
    users = sorted(_name(graph, s) for s in subjects if s.startswith("service:"))
    stores = [s for s in subjects if s.startswith(("datastore:", "broker:"))]
    parts: list[RelatedLocation] = []
    for service in (s for s in subjects if s.startswith("service:")):
        connects = [
            e
            for e in graph.out_edges(service, EdgeKind.CONNECTS)
            if not stores
            or any(
                e.target == st or e.target.startswith(st.replace("datastore:", "database:") + "/")
                for st in stores
            )
        ]
        parts += _parts(
            connects[:2], lambda e: f"consumer: {_name(graph, e.source)} connects to {_name(graph, e.target)}"
        )
    edits = _secret_edit(finding, detail, read_line)
    where = f"{finding.location.path}:{finding.location.line}"
    ref = (
        f"Replace the literal at {where} with ${{{detail}}}, supplied by the deployment environment "
        "or a secret"
        if edits
        else f"Remove the literal at {where} and supply it from a secret store (a Docker secret with a "
        "*_FILE variable, a Kubernetes secretKeyRef, or the CI/deployment environment)"
    )
    who = f" (read by {', '.join(users)})" if users else ""
    return f"{ref}{who}; then rotate {detail}: it stays in the git history.", parts, edits


def _hardcoded(graph: ArchGraph, finding: Finding) -> tuple[str, list[RelatedLocation]]:
    services = [s for s in finding.subjects if s in graph]
    caller, target = [*services, "", ""][:2]
    for service in services:
        for edge in graph.out_edges(service, EdgeKind.CALLS):
            if edge.target in services and any(ev.location == finding.location for ev in edge.evidence):
                caller, target = edge.source, edge.target
    tname = _name(graph, target) if target else "the callee"
    var = re.sub(r"[^A-Z0-9]+", "_", tname.upper()).strip("_") + "_URL"
    parts: list[RelatedLocation] = []
    if target in graph:
        ev = _best(graph.node(target).evidence)
        if ev is not None:
            parts.append(RelatedLocation(ev.location, f"{tname} is declared here"))
    return (
        f"Read {tname}'s address from configuration (e.g. an environment variable {var} set where "
        f"{_name(graph, caller)} is deployed) instead of the literal in {finding.location.path}:"
        f"{finding.location.line}, or resolve it through service discovery.",
        parts,
    )


def _owned_tables(graph: ArchGraph, owner: str, db: str) -> list[str]:
    prefix = "table:" + db.split(":", 1)[1] + "/"
    return sorted(
        str(graph.node_attrs(e.target).get("table") or graph.node_name(e.target))
        for e in graph.out_edges(owner, EdgeKind.OWNS)
        if e.target.startswith(prefix)
    )


def _shared_database(graph: ArchGraph, finding: Finding) -> tuple[str, list[RelatedLocation]]:
    db = _first_of(finding, "database")
    if db not in graph:
        return "", []
    users = sorted(s for s in finding.subjects if s.startswith("service:"))
    owned = {u: _owned_tables(graph, u, db) for u in users}
    owners = [u for u in users if owned[u]]
    others = [_name(graph, u) for u in users if not owned[u]]
    dbname = _name(graph, db)
    if len(owners) >= 2:
        split = "; ".join(f"{_name(graph, o)}: {', '.join(owned[o][:4])}" for o in owners)
        rest = f" {', '.join(others)} then use their APIs or events." if others else ""
        return (
            f"Split '{dbname}' by owner into one database per service ({split}); a service reaches "
            f"another's tables only through that service's API or events.{rest}",
            [],
        )
    if owners:
        owner = owners[0]
        api = _api_of(graph, owner, "GET")
        via = f"its API (`{api}`)" if api else "its API"
        return (
            f"Keep '{dbname}' with {_name(graph, owner)}, which owns {', '.join(owned[owner][:4])}; give "
            f"{', '.join(others)} their own database and reach {_name(graph, owner)}'s data through "
            f"{via} or its events.",
            [],
        )
    return (
        f"Give each of {', '.join(_name(graph, u) for u in users)} its own database (or a schema with its "
        f"own credentials), move each table of '{dbname}' to the service that writes it, and let the "
        "others use that service's API or events.",
        [],
    )


def _cross_access(graph: ArchGraph, finding: Finding) -> tuple[str, list[RelatedLocation]]:
    service = _first_of(finding, "service")
    table = _first_of(finding, "table")
    if table not in graph:
        return "", []
    tname = graph.node_attrs(table).get("table") or graph.node_name(table)
    owners = graph.predecessors(table, EdgeKind.OWNS)
    parts = _parts(
        [e for o in owners for e in graph.out_edges(o, EdgeKind.OWNS) if e.target == table],
        lambda e: f"{_name(graph, e.source)} owns {tname}",
    )
    if not owners:
        return "", parts
    owner = owners[0]
    writes = any(e.target == table for e in graph.out_edges(service, EdgeKind.WRITES))
    api = _api_of(graph, owner, "POST" if writes else "GET")
    topics = _topics_of(graph, owner)
    ways = [f"call {_name(graph, owner)}'s {'`' + api + '`' if api else 'API'}"]
    if topics and not writes:
        ways.append(f"keep a local read model fed by its {topics[0]} events")
    verb = "writes" if writes else "reads"
    return (
        f"{_name(graph, service)} {verb} `{tname}` (owned by {_name(graph, owner)}): {' or '.join(ways)}.",
        parts,
    )


def _datastore(graph: ArchGraph, finding: Finding, rule: str) -> str:
    store = _first_of(finding, "datastore") or _first_of(finding, "broker")
    if store not in graph:
        return ""
    node = graph.node(store)
    tech = str(node.attrs.get("technology") or "")
    where = f"{finding.location.path}:{finding.location.line}"
    if rule == "datastore-without-persistent-storage":
        path = DATA_DIRS.get(tech, "its data directory")
        return (
            f"Mount a named volume at {path} for '{node.name}' ({where}), e.g. `volumes: "
            f"[{node.name}-data:{path}]`, or a PersistentVolumeClaim in Kubernetes."
        )
    probe = HEALTH_PROBES.get(tech)
    test = f'`healthcheck: {{test: ["CMD-SHELL", "{probe}"]}}`' if probe else "a health check"
    return f"Add {test} to '{node.name}' ({where}) and let its dependants wait for `service_healthy`."


def _generic(meta: RuleMeta | None, graph: ArchGraph, finding: Finding) -> str:
    if meta is None:
        return ""
    help_text = meta.help
    better = help_text[help_text.find("**Better.**") :] if "**Better.**" in help_text else ""
    better = " ".join(better.replace("**Better.**", "").split("\n\n")[0].split())
    names = ", ".join(sorted({_name(graph, s) for s in finding.subjects})[:6])
    return f"For {names}: {better}" if better and names else better


def advise(
    findings: Sequence[Finding], graph: ArchGraph, metas: Sequence[RuleMeta], read_line: ReadLine
) -> list[Finding]:
    """Findings with their parts as related locations, a suggestion, and mechanical fixes."""
    by_name = {m.name: m for m in metas}
    out: list[Finding] = []
    for finding in findings:
        parts: list[RelatedLocation] = []
        edits: tuple[TextEdit, ...] = ()
        text = ""
        try:
            if finding.rule == "missing-saga" and _first_of(finding, "operation") in graph:
                text, parts = _missing_saga(graph, finding)
            elif finding.rule == "dual-write-without-outbox" and _first_of(finding, "operation") in graph:
                text, parts = _dual_write(graph, finding)
            elif finding.rule == "plaintext-credentials":
                text, parts, edits = _credentials(graph, finding, read_line)
            elif finding.rule == "hardcoded-endpoint":
                text, parts = _hardcoded(graph, finding)
            elif finding.rule == "shared-database":
                text, parts = _shared_database(graph, finding)
            elif finding.rule == "cross-service-data-access":
                text, parts = _cross_access(graph, finding)
            elif finding.rule in ("datastore-without-persistent-storage", "datastore-without-healthcheck"):
                text = _datastore(graph, finding, finding.rule)
        except (KeyError, IndexError):  # a graph without the expected shape: fall back to the help
            text, parts, edits = "", [], ()
        text = text or _generic(by_name.get(finding.rule), graph, finding)
        seen = {finding.location, *(r.location for r in finding.related)}
        extra = []
        for part in parts[:MAX_PARTS]:
            if part.location not in seen:
                seen.add(part.location)
                extra.append(part)
        out.append(
            dataclasses.replace(finding, suggestion=text, fixes=edits, related=(*extra, *finding.related))
        )
    return out
