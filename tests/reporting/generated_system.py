"""A generated system like the public ones we measured, for layout tests and benchmarks."""

from __future__ import annotations

import random

from analyzer.model import ArchGraph, EdgeKind, Evidence, Location, NodeKind, SourceKind


def system_graph(services: int = 60, seed: int = 7, platform: bool = False) -> ArchGraph:
    """A generated system of ``services`` services in bounded contexts (deterministic); with
    ``platform``, a gateway routing to some services, and a config server, a registry and a
    telemetry backend every service uses (as in the Spring Cloud systems)."""
    rng = random.Random(seed)
    graph = ArchGraph()
    ev = [Evidence(SourceKind.COMPOSE, Location("docker-compose.yml", 1))]
    names: list[str] = []
    contexts: list[list[str]] = []
    while len(names) < services:
        ctx = f"ctx{len(contexts)}"
        members = []
        for _ in range(min(rng.randint(4, 9), services - len(names))):
            name = f"{ctx}-service-{len(names):02d}"
            graph.add_node(NodeKind.SERVICE, name, attrs={"context": ctx}, evidence=ev)
            names.append(name)
            members.append(name)
        contexts.append(members)
    ids = [f"service:{n}" for n in names]
    for members in contexts:
        for i, name in enumerate(members[1:], 1):  # a tree of calls inside the context
            caller = members[rng.randrange(0, i)]
            graph.add_edge(EdgeKind.CALLS, f"service:{caller}", f"service:{name}", evidence=ev)
    for _ in range(services // 2):  # cross-context calls
        a, b = rng.sample(ids, 2)
        graph.add_edge(EdgeKind.CALLS, a, b, evidence=ev)
    for _ in range(max(1, services // 20)):  # back-calls make cycles
        a, b = rng.sample(ids, 2)
        graph.add_edge(EdgeKind.CALLS, b, a, evidence=ev)
    stores = []
    for i, sid in enumerate(ids):
        if rng.random() < 0.7:
            store = graph.add_node(
                NodeKind.DATASTORE, f"db-{i:02d}", attrs={"technology": "postgresql"}, evidence=ev
            )
            stores.append(store)
            graph.add_edge(EdgeKind.CONNECTS, sid, store, evidence=ev)
    for _ in range(services // 10):  # shared databases
        graph.add_edge(EdgeKind.CONNECTS, rng.choice(ids), rng.choice(stores), evidence=ev)
    for b in ("kafka", "rabbitmq"):
        broker = graph.add_node(NodeKind.BROKER, b, attrs={"technology": b}, evidence=ev)
        for sid in rng.sample(ids, services // 4):
            graph.add_edge(rng.choice([EdgeKind.PUBLISHES, EdgeKind.CONSUMES]), sid, broker, evidence=ev)
    if platform:
        kinds = {"gateway": EdgeKind.ROUTES_TO, "config-server": EdgeKind.CONFIGURED_BY,
                 "registry": EdgeKind.REGISTERS_WITH, "telemetry": EdgeKind.REPORTS_TO}  # fmt: skip
        for name, kind in kinds.items():
            node = graph.add_node(NodeKind.PLATFORM, name, attrs={"role": name}, evidence=ev)
            if kind == EdgeKind.ROUTES_TO:
                for sid in rng.sample(ids, max(1, services // 6)):
                    graph.add_edge(kind, node, sid, evidence=ev)
            else:
                for sid in ids:
                    graph.add_edge(kind, sid, node, evidence=ev)
    return graph
