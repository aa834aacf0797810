"""Source extraction throughput, against tree-sitter parsing alone measured in the same run.

For each language, the fixture service file is repeated to a ~1 MB file set; the benchmark times
(a) parsing it with tree-sitter and nothing else (the floor) and (b) the full extractor (parse, one
walk, value resolution, SQL analysis, operations). It prints MB/s for both and their ratio.

Usage: ``python benchmarks/code/bench_code.py [--mb 1.0]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from analyzer.extract.facts import FileContext  # noqa: E402
from analyzer.extract.source import csharp, golang, java, javascript, python  # noqa: E402
from analyzer.extract.source.base import parse  # noqa: E402

SAMPLES = [
    ("python", python, "fixtures/code/python/billing/app/api.py"),
    ("typescript", javascript, "fixtures/code/js/notifications/src/server.ts"),
    ("java", java, "fixtures/code/java/shipping/src/main/java/com/acme/shipping/ShipmentController.java"),
    ("go", golang, "fixtures/code/go/payments/main.go"),
    ("csharp", csharp, "fixtures/code/csharp/Ordering/Controllers/OrdersController.cs"),
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=1.0, help="megabytes of source per language")
    args = parser.parse_args()
    print(f"{'language':11} {'parse only':>12} {'extract':>12} {'ratio':>7}  facts")
    for grammar, module, rel in SAMPLES:
        text = (ROOT / rel).read_text()
        copies = max(1, int(args.mb * 1_000_000 / len(text.encode())))
        size_mb = copies * len(text.encode()) / 1_000_000
        start = time.perf_counter()
        for _ in range(copies):
            parse(grammar, text)
        parse_s = time.perf_counter() - start
        start = time.perf_counter()
        facts = 0
        for i in range(copies):
            context = FileContext(f"svc/f{i}{Path(rel).suffix}", str(ROOT), "svc", "postgresql")
            result = module.extract(context, text)
            facts += len(result.facts)
        extract_s = time.perf_counter() - start
        print(
            f"{grammar:11} {size_mb / parse_s:8.1f} MB/s {size_mb / extract_s:8.1f} MB/s "
            f"{extract_s / parse_s:6.1f}x  {facts}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
