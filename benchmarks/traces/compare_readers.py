"""Differential check of the trace readers: two checkouts must read the same inputs into the same facts.

Inputs: every file of the shared real-data traces folder, ``fixtures/traces``, a slice of the synthetic
benchmark input, the real OTLP JSON traces re-encoded as OTLP protobuf, and ``--mutants`` mutated
copies of the OTLP JSON, Jaeger and Zipkin inputs (keys dropped, values of the wrong type, odd
``AnyValue`` shapes, enum names, upper-case ids ...), so that the diagnostics of the skip paths are
compared too. Each checkout reads every input in its own subprocess and writes the ``repr`` of the facts
and diagnostics; the two dumps must be equal.

    python benchmarks/traces/compare_readers.py /work/main .            # baseline checkout, candidate
    python benchmarks/traces/compare_readers.py /work/main . --mutants 2000
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
REAL = REPO.parent / "shared" / "real-data" / "traces"
_FALLBACK_REAL = Path("/work/shared/real-data/traces")


def _dump(checkout: str, out: str, files: list[str]) -> None:
    """Child: read each file with the checkout's reader, write one block per file."""
    sys.path.insert(0, checkout)
    from analyzer.extract.traces import read_trace_file

    with open(out, "w", encoding="utf-8") as stream:
        for name in files:
            stream.write(f"== {Path(name).name}\n")
            try:
                result = read_trace_file(Path(name), Path(name).name)
            except Exception as exc:
                stream.write(f"raised {type(exc).__name__}: {exc}\n")
                continue
            for fact in result.facts:
                stream.write(f"{fact!r}\n")
            for diagnostic in result.diagnostics:
                stream.write(f"! {diagnostic!r}\n")


# -- mutations ---------------------------------------------------------------------------------

_ODD_VALUES: list[Any] = [
    None,
    0,
    1,
    True,
    -1,
    7,
    "",
    "2",
    "SPAN_KIND_CLIENT",
    "server",
    "ABCDEF0123456789",
    "x",
    1.5,
    [],
    [1],
    {},
    {"stringValue": "a", "intValue": "1"},
    {"intValue": "5"},
    {"boolValue": True},
    {"arrayValue": {"values": [{"stringValue": "a"}]}},
    {"kvlistValue": {"values": []}},
    {"key": "db.system", "value": {"stringValue": "redis"}},
    "1780000000001000000",
    1780000000001000000,
]


def _nodes(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out.extend(_nodes(value, (*path, key)))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            out.extend(_nodes(value, (*path, index)))
    return out


def _mutate(doc: Any, rng: random.Random) -> Any:
    """One to three random edits of a deep copy of ``doc``."""
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _nodes(doc) if p]
        if not paths:
            break
        path = rng.choice(paths)
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        action = rng.random()
        if action < 0.3 and isinstance(parent, dict):
            del parent[last]
        elif action < 0.4 and isinstance(parent[last], str):
            parent[last] = parent[last].upper()
        elif action < 0.5 and isinstance(parent, list):
            parent.insert(last, copy.deepcopy(parent[last]))  # duplicate (attributes, spans)
        else:
            parent[last] = copy.deepcopy(rng.choice(_ODD_VALUES))
    return doc


def _inputs(folder: Path, mutants: int, seed: int) -> list[Path]:
    real = REAL if REAL.is_dir() else _FALLBACK_REAL
    files = sorted(p for p in real.rglob("*") if p.is_file() and p.name != "README.md")
    files += sorted(p for p in (REPO / "fixtures" / "traces").iterdir() if p.is_file())
    sys.path.insert(0, str(HERE))
    from generate_traces import generate

    synthetic = folder / "synthetic.jsonl"
    generate(synthetic, 20_000)
    files.append(synthetic)
    files += _protobuf_copies(folder, [p for p in files if "otlp-json" in str(p)])
    docs = [
        (p, json.loads(p.read_text())) for p in files if p.suffix == ".json" and p.parent.name != "traces"
    ]
    docs += [(synthetic, json.loads(synthetic.read_text().splitlines()[0]))]
    rng = random.Random(seed)
    for number in range(mutants):
        source, doc = docs[number % len(docs)]
        target = folder / f"mutant-{number:05d}-{source.stem[-20:]}.json"
        target.write_text(json.dumps(_mutate(doc, rng)))
        files.append(target)
    return files


def _protobuf_copies(folder: Path, sources: list[Path]) -> list[Path]:
    """The OTLP JSON inputs as binary protobuf (ids hex-decoded, as the OTLP JSON mapping says)."""
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    out: list[Path] = []
    for source in sources:
        doc = json.loads(source.read_text())
        for rs in doc.get("resourceSpans", []):
            for scope in rs.get("scopeSpans", []):
                for span in scope.get("spans", []):
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if span.get(key):
                            span[key] = _b64(span[key])
                    for link in span.get("links", []):
                        for key in ("traceId", "spanId"):
                            if link.get(key):
                                link[key] = _b64(link[key])
        request = ExportTraceServiceRequest()
        json_format.ParseDict(doc, request, ignore_unknown_fields=True)
        target = folder / f"{source.stem}.protobuf-bin"
        target.write_bytes(request.SerializeToString())
        out.append(target)
    return out


def _b64(hex_id: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_id)).decode()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--dump"]:
        _dump(argv[1], argv[2], argv[3:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline")
    parser.add_argument("candidate")
    parser.add_argument("--mutants", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="a folder to write both dumps to when they differ")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="compare-readers-") as tmp:
        folder = Path(tmp)
        files = [str(p) for p in _inputs(folder, args.mutants, args.seed)]
        dumps = []
        for label, checkout in (("baseline", args.baseline), ("candidate", args.candidate)):
            out = folder / f"{label}.txt"
            env = {**os.environ, "PYTHONPATH": str(Path(checkout).resolve())}
            command = [sys.executable, __file__, "--dump", str(Path(checkout).resolve()), str(out), *files]
            subprocess.run(command, check=True, env=env)
            dumps.append(out.read_text().split("\n== "))
        different = [a.split("\n", 1)[0] for a, b in zip(*dumps, strict=True) if a != b]
        lines = "\n".join(dumps[0]).splitlines()
        facts = sum(1 for line in lines if line[:1].isupper())
        diagnostics = sum(1 for line in lines if line.startswith("! "))
        raised = sum(1 for line in lines if line.startswith("raised "))
        print(
            f"{len(files)} inputs: {facts} facts, {diagnostics} diagnostics, {raised} inputs raised; "
            f"{len(different)} inputs differ"
        )
        for name in different[:20]:
            print(f"  differs: {name}")
        if different and args.keep:
            Path(args.keep).mkdir(parents=True, exist_ok=True)
            for label, blocks in (("baseline", dumps[0]), ("candidate", dumps[1])):
                (Path(args.keep) / f"{label}.txt").write_text("\n== ".join(blocks), encoding="utf-8")
            print(f"  both dumps written to {args.keep}")
        return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
