"""The parse floor: the scanned files read once and parsed once by the parsers archconform uses
(tree-sitter grammar plus one query pass for code, libyaml for YAML, sqlglot for SQL, orjson for
JSON), in one process, with no analysis. A scan is judged by its ratio to this, in the same run."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import orjson
import sqlglot
import sqlglot.errors
import yaml
from tree_sitter import Language, Parser, Query, QueryCursor

from analyzer.discovery import walk_files
from analyzer.extract.source.base import language

# One query per grammar: the calls and the string literals, which is what the extractors look at.
QUERIES = {
    "python": "(call) @call (string) @string",
    "java": "(method_invocation) @call (string_literal) @string",
    "go": "(call_expression) @call (interpreted_string_literal) @string",
    "javascript": "(call_expression) @call (string) @string",
    "typescript": "(call_expression) @call (string) @string",
    "tsx": "(call_expression) @call (string) @string",
    "csharp": "(invocation_expression) @call (string_literal) @string",
}
SUFFIXES = {
    ".py": "python",
    ".java": "java",
    ".go": "go",
    ".js": "javascript",
    ".mjs": "javascript",
    ".ts": "typescript",
    ".tsx": "tsx",
    ".cs": "csharp",
}


class _Grammars:
    def __init__(self) -> None:
        self.parsers: dict[str, tuple[Parser, Query]] = {}

    def get(self, name: str) -> tuple[Parser, Query]:
        if name not in self.parsers:
            grammar: Language = language(name)
            self.parsers[name] = (Parser(grammar), Query(grammar, QUERIES[name]))
        return self.parsers[name]


def parse_floor(root: Path) -> tuple[int, float]:
    """(files, seconds) to read and parse every file a scan of ``root`` discovers."""
    grammars = _Grammars()
    start = time.perf_counter()
    files = walk_files(root)
    for rel in files:
        data = (root / rel).read_bytes()
        suffix = Path(rel).suffix
        # a file its parser rejects still cost its parse (a Helm template, a broken fixture)
        with contextlib.suppress(yaml.YAMLError, sqlglot.errors.SqlglotError, orjson.JSONDecodeError):
            _parse(grammars, suffix, data)
    return len(files), time.perf_counter() - start


def _parse(grammars: _Grammars, suffix: str, data: bytes) -> Any:
    if suffix in SUFFIXES:
        parser, query = grammars.get(SUFFIXES[suffix])
        return QueryCursor(query).captures(parser.parse(data).root_node)
    elif suffix in (".yaml", ".yml"):
        return list(yaml.load_all(data, Loader=yaml.CSafeLoader))
    elif suffix == ".sql":
        return sqlglot.parse(data.decode("utf-8", "replace"), read="postgres")
    elif suffix == ".json":
        return orjson.loads(data.decode("utf-8-sig", "replace"))  # .NET writes a BOM
    return data.decode("utf-8", "replace")
