"""Prometheus text of the OpenTelemetry Collector ``servicegraph`` connector → aggregated edges.

Read series (any metric-name prefix, e.g. a namespace before ``traces_service_graph``):
``…_request_total{client, server, connection_type}`` (calls), ``…_request_failed_total`` (errors)
and ``…_request_client_seconds_bucket{le}`` (else ``…_server_seconds_bucket``) for p50/p95, taken
from the cumulative buckets (the upper bound of the bucket holding the quantile).
``connection_type="database"`` edges are connections to a datastore named ``server``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from analyzer.extract.traces.problems import Problems

_SAMPLE = re.compile(r"^(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)(?:\{(?P<labels>.*)\})?\s+(?P<value>\S+)")
_LABEL = re.compile(r'(?<!\w)(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"')  # (?<!\w): no restart mid-word


@dataclass(slots=True)
class GraphEdge:
    """One client→server pair; ``line`` is where its request counter was first read."""

    client: str
    server: str
    connection_type: str
    line: int
    count: int = 0
    errors: int = 0
    client_buckets: dict[float, float] = field(default_factory=dict)
    server_buckets: dict[float, float] = field(default_factory=dict)

    def quantile_ms(self, q: float) -> float | None:
        buckets = self.client_buckets or self.server_buckets
        if not buckets:
            return None
        bounds = sorted(buckets)
        total = buckets[bounds[-1]]
        if total <= 0:
            return None
        for bound in bounds:
            if buckets[bound] >= q * total:
                return None if bound == float("inf") else round(bound * 1000.0, 3)
        return None


def read_servicegraph(lines: Iterable[str], problems: Problems) -> list[GraphEdge]:
    """Edges in first-seen order. Malformed sample lines become diagnostics; the rest is read."""
    edges: dict[tuple[str, str, str], GraphEdge] = {}
    for number, raw in enumerate(lines, 1):
        text = raw.strip()
        if not text or text.startswith("#") or "service_graph" not in text:
            continue
        match = _SAMPLE.match(text)
        if match is None:
            problems.add(number, "unreadable servicegraph sample")
            continue
        name = match["name"]
        labels = dict(_LABEL.findall(match["labels"] or ""))
        try:
            value = float(match["value"])
        except ValueError:
            problems.add(number, f"servicegraph sample value {match['value']!r} is not a number")
            continue
        client, server = labels.get("client", ""), labels.get("server", "")
        if not client or not server:
            continue
        key = (client, server, labels.get("connection_type", ""))
        edge = edges.get(key)
        if edge is None:
            edge = edges[key] = GraphEdge(client, server, key[2], number)
        if name.endswith("_request_total"):
            edge.count += int(value)
        elif name.endswith("_request_failed_total"):
            edge.errors += int(value)
        elif name.endswith("_seconds_bucket") and "le" in labels:
            try:
                bound = float(labels["le"])  # float() reads "+Inf" too
            except ValueError:
                problems.add(number, f"servicegraph bucket bound {labels['le']!r} is not a number")
                continue
            side = edge.client_buckets if "_client_seconds" in name else edge.server_buckets
            side[bound] = side.get(bound, 0.0) + value
    return list(edges.values())
