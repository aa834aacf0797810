"""Synthetic OTLP JSON Lines, shaped like the OpenTelemetry Collector file exporter's output.

Each line is one compact ``ExportTraceServiceRequest`` holding ``traces_per_line`` traces of 10 spans
over five services (HTTP and gRPC calls, a Postgres insert, a Redis write, a Kafka publish/consume),
grouped by resource as the collector batches them. The consumer's spans of each trace are written
one line later, as happens when a batch closes mid-trace, so readers must keep traces open across
lines. About 2% of the checkout calls fail. Deterministic for a given seed.

    python benchmarks/traces/generate_traces.py /tmp/traces.jsonl 1000000
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

SPANS_PER_TRACE = 10


def _attr(key: str, value: str | int) -> str:
    if isinstance(value, int):
        return f'{{"key":"{key}","value":{{"intValue":"{value}"}}}}'
    return f'{{"key":"{key}","value":{{"stringValue":"{value}"}}}}'


def _span(
    trace: str,
    span: str,
    parent: str,
    name: str,
    kind: int,
    start: int,
    ms: float,
    attrs: list[str],
    error: bool,
) -> str:
    end = start + int(ms * 1_000_000)
    status = '{"code":2,"message":"failed"}' if error else "{}"
    return (
        f'{{"traceId":"{trace}","spanId":"{span}","parentSpanId":"{parent}","flags":257,"name":"{name}",'
        f'"kind":{kind},"startTimeUnixNano":"{start}","endTimeUnixNano":"{end}",'
        f'"attributes":[{",".join(attrs)}],"status":{status}}}'
    )


# Attribute lists are constant per span role; built once.
_A = {
    "root": [
        _attr("http.request.method", "POST"),
        _attr("http.route", "/checkout"),
        _attr("url.scheme", "http"),
        _attr("http.response.status_code", 200),
    ],
    "to_orders": [
        _attr("http.request.method", "POST"),
        _attr("url.full", "http://orders:8080/orders"),
        _attr("server.address", "orders"),
        _attr("server.port", 8080),
    ],
    "orders_srv": [
        _attr("http.request.method", "POST"),
        _attr("http.route", "/orders"),
        _attr("http.response.status_code", 200),
        _attr("user_agent.original", "python-requests/2.32"),
    ],
    "insert": [
        _attr("db.system.name", "postgresql"),
        _attr("db.namespace", "orders"),
        _attr("db.operation.name", "INSERT"),
        _attr("db.query.text", "INSERT INTO orders (id, customer_id, total) VALUES ($1, $2, $3)"),
        _attr("server.address", "orders-db"),
        _attr("server.port", 5432),
    ],
    "to_inventory": [
        _attr("rpc.system", "grpc"),
        _attr("rpc.service", "shop.InventoryService"),
        _attr("rpc.method", "Reserve"),
        _attr("server.address", "inventory"),
    ],
    "inventory_srv": [
        _attr("rpc.system", "grpc"),
        _attr("rpc.service", "shop.InventoryService"),
        _attr("rpc.method", "Reserve"),
        _attr("rpc.grpc.status_code", 0),
    ],
    "hset": [
        _attr("db.system", "redis"),
        _attr("db.statement", "HSET stock:sku-1 reserved 1"),
        _attr("db.redis.database_index", 0),
        _attr("server.address", "inventory-redis"),
    ],
    "publish": [
        _attr("messaging.system", "kafka"),
        _attr("messaging.destination.name", "orders"),
        _attr("messaging.operation.type", "send"),
    ],
    "consume": [
        _attr("messaging.system", "kafka"),
        _attr("messaging.destination.name", "orders"),
        _attr("messaging.operation.type", "process"),
        _attr("messaging.kafka.consumer.group", "shipping"),
    ],
    "internal": [_attr("code.function", "schedule_shipment"), _attr("code.namespace", "shipping.jobs")],
}
_SERVICES = ("gateway", "orders", "inventory", "shipping")


def _resource(service: str, spans: list[str]) -> str:
    attrs = ",".join(
        [
            _attr("service.name", service),
            _attr("telemetry.sdk.language", "python"),
            _attr("host.name", "node-1"),
        ]
    )
    return (
        f'{{"resource":{{"attributes":[{attrs}]}},"scopeSpans":[{{"scope":{{"name":"opentelemetry.instrumentation",'
        f'"version":"0.48b0"}},"spans":[{",".join(spans)}]}}]}}'
    )


def _trace(rng: random.Random, start: int) -> dict[str, list[str]]:
    t = f"{rng.getrandbits(128):032x}"
    ids = [f"{rng.getrandbits(64):016x}" for _ in range(SPANS_PER_TRACE)]
    fail = rng.random() < 0.02
    ms = rng.uniform
    a = _A
    rpc = "shop.InventoryService/Reserve"
    s = _span
    return {
        "gateway": [
            s(t, ids[0], "", "POST /checkout", 2, start, ms(20, 80), a["root"], fail),
            s(t, ids[1], ids[0], "POST", 3, start + 1000, ms(15, 70), a["to_orders"], fail),
        ],
        "orders": [
            s(t, ids[2], ids[1], "POST /orders", 2, start + 2000, ms(10, 60), a["orders_srv"], fail),
            s(t, ids[3], ids[2], "INSERT orders", 3, start + 3000, ms(1, 8), a["insert"], False),
            s(t, ids[4], ids[2], rpc, 3, start + 4000, ms(2, 20), a["to_inventory"], False),
            s(t, ids[7], ids[2], "orders publish", 4, start + 5000, ms(0.2, 2), a["publish"], False),
        ],
        "inventory": [
            s(t, ids[5], ids[4], rpc, 2, start + 4500, ms(1, 15), a["inventory_srv"], False),
            s(t, ids[6], ids[5], "HSET", 3, start + 5000, ms(0.1, 2), a["hset"], False),
        ],
        "shipping": [
            s(t, ids[8], ids[7], "orders process", 5, start + 9000, ms(1, 10), a["consume"], False),
            s(t, ids[9], ids[8], "schedule", 1, start + 9500, ms(0.5, 5), a["internal"], False),
        ],
    }


def generate(path: Path, spans: int, traces_per_line: int = 10, seed: int = 7) -> int:
    """Write at least ``spans`` spans (whole traces) to ``path``; returns the exact span count."""
    rng = random.Random(seed)
    traces = -(-spans // SPANS_PER_TRACE)
    start = 1_780_000_000_000_000_000
    written = 0
    late: list[str] = []  # shipping spans of the previous line's traces
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        done = 0
        while done < traces or late:
            batch = min(traces_per_line, traces - done)
            by_service: dict[str, list[str]] = {name: [] for name in _SERVICES}
            by_service["shipping"].extend(late)
            late = []
            for _ in range(batch):
                start += 1_000_000
                trace = _trace(rng, start)
                for name in ("gateway", "orders", "inventory"):
                    by_service[name].extend(trace[name])
                late.extend(trace["shipping"])
            done += batch
            parts = [_resource(name, spans_) for name, spans_ in by_service.items() if spans_]
            written += sum(len(s) for s in by_service.values())
            out.write('{"resourceSpans":[' + ",".join(parts) + "]}\n")
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1])
    count = int(float(sys.argv[2])) if len(sys.argv) > 2 else 1_000_000
    print(f"wrote {generate(target, count)} spans to {target}")
