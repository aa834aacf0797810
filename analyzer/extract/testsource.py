"""Which source files are tests: a module of its own, so that resolution can ask without importing
tree-sitter and sqlglot with the extractors (start-up of a scan, benchmarks/README.md)."""

from __future__ import annotations


def is_test_source(path: str) -> bool:
    """Test code and resources (``src/test/``, ``src/it/``, ``tests/``, ``*_test.go``, ``*.spec.ts``,
    ``*.Tests/``): their calls reach test doubles and local servers, not the deployed system."""
    lowered = path.lower()
    parts = lowered.split("/")
    name = parts[-1]
    return (
        any(f"/src/{d}/" in f"/{lowered}" for d in ("test", "it", "integrationtest", "testfixtures", "e2e"))
        or any(p in ("test", "tests", "__tests__", "testing", "e2e", "integration-tests") for p in parts[:-1])
        or any(
            p.endswith((".tests", ".unittests", ".functionaltests", ".integrationtests")) for p in parts[:-1]
        )
        or name.startswith("test_")
        or name.endswith(("_test.go", "_test.py", "tests.cs", "test.java", "it.java"))
        or ".test." in name
        or ".spec." in name
    )
