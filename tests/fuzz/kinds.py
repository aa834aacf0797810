"""The input kinds the fuzzers feed: where their seeds are, and how one input is read in-process.

A kind's runner calls archconform's own reader for that kind directly — the extractor function,
the trace reader, the rule parser, the config loader — *without* the pipeline's guard, so an
exception the reader lets escape is seen as what it is: a crash. The expected, user-facing
errors (``RuleError``, ``ConfigError``) are not crashes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from analyzer.config import ConfigError, load_config
from analyzer.engine.loader import RuleError, parse_rule
from analyzer.extract.facts import FileContext
from analyzer.extract.registry import extractors_for
from analyzer.extract.traces import read_trace_file
from analyzer.model.inputs import decode_bytes
from analyzer.model.limits import DEFAULT_LIMITS, using_limits

REPO = Path(__file__).resolve().parents[2]
# The default limits with the time budgets under the fuzzer's "slow" alarm (3 s): an input the
# budgets stop is handled; one that stays slow despite them is a crash.
FUZZ_LIMITS = dataclasses.replace(DEFAULT_LIMITS, query_max_millis=1500, sql_max_millis=1500)
FIXTURES = REPO / "fixtures"
REAL = REPO.parent / "shared" / "real-data"


@dataclass(frozen=True)
class Kind:
    """One input kind: a repo-relative file name its reader wants, seed globs, and a reader."""

    name: str
    path: str  # where the input is placed in a scanned tree (decides the extractor)
    seed_globs: tuple[str, ...]  # relative to fixtures/ or ../shared/real-data
    reader: str  # "extract" | "trace" | "rule" | "config"
    fallback_seed: bytes = b""
    split_documents: bool = False  # seed with each document of a multi-document YAML file

    def seeds(self) -> list[bytes]:
        return _seeds(self)


@cache
def _seeds(kind: Kind) -> list[bytes]:
    found: list[bytes] = [kind.fallback_seed] if kind.fallback_seed else []
    for pattern in kind.seed_globs:
        # "repo:<glob>" is relative to the checkout; other globs to fixtures/ and real-data.
        bases = [REPO] if pattern.startswith("repo:") else [FIXTURES, REAL]
        for base in (b for b in bases if b.is_dir()):
            for path in sorted(base.glob(pattern.removeprefix("repo:"))):
                if path.is_file() and path.stat().st_size < 512_000 and "hostile" not in path.parts:
                    found.extend(
                        _documents(path.read_bytes()) if kind.split_documents else [path.read_bytes()]
                    )
    # Several globs may find one file; smaller seeds first does not matter, but duplicates would.
    return list(dict.fromkeys(found)) or [b"\n"]


def _documents(data: bytes) -> list[bytes]:
    """A multi-document YAML stream as its documents (small seeds: ten times more inputs per
    second than mutating a 30 KB bundle, and every document is still a real one)."""
    parts = [p.strip(b"\n") for p in re.split(rb"(?m)^---[^\n]*$", data)]
    return [p + b"\n" for p in parts if p.strip()] or [data]


KINDS: tuple[Kind, ...] = (
    Kind("compose", "docker-compose.yml", ("**/docker-compose*.yml", "**/compose*.y*ml"), "extract"),
    Kind(
        "kubernetes",
        "k8s/deploy.yaml",
        ("manifests/**/k8s/*.yaml", "manifests/k8s/*.yaml"),
        "extract",
        split_documents=True,
    ),
    Kind(
        "helm",
        "charts/shop/templates/deployment.yaml",
        ("manifests/**/k8s/*.yaml",),
        "extract",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Values.name }}\n"
        b"spec:\n  template:\n    spec:\n      containers:\n        - name: app\n"
        b"          image: {{ .Values.image | quote }}\n{{- if .Values.db }}\n"
        b"          env: [{name: DB_URL, value: {{ .Values.db }}}]\n{{- end }}\n",
        split_documents=True,
    ),
    Kind("spring-yaml", "src/main/resources/application.yml", ("**/application*.yml",), "extract"),
    Kind("spring-properties", "src/main/resources/application.properties", ("**/*.properties",), "extract"),
    Kind("appsettings", "appsettings.json", ("**/appsettings*.json",), "extract"),
    Kind("dotenv", ".env", ("**/.env", "**/*.env", "manifests/compose/**/env/*"), "extract"),
    Kind("sql", "db/migration/V1__init.sql", ("sql/**/*.sql", "**/sql-migrations/**/*.sql"), "extract"),
    Kind("liquibase-xml", "src/main/resources/config/liquibase/master.xml", ("**/*.xml",), "extract"),
    Kind(
        "liquibase-yaml",
        "db/changelog/db.changelog-master.yaml",
        ("sql/liquibase/**/*.yaml", "sql/liquibase/**/*.yml"),
        "extract",
        b"databaseChangeLog:\n  - changeSet:\n      id: 1\n      author: a\n      changes:\n"
        b"        - createTable:\n            tableName: orders\n            columns:\n"
        b"              - column: {name: id, type: bigint}\n        - dropTable: {tableName: carts}\n",
    ),
    Kind("python", "services/orders/app/main.py", ("code/python/**/*.py", "systems/**/*.py"), "extract"),
    Kind("java", "services/orders/src/Main.java", ("code/java/**/*.java", "systems/**/*.java"), "extract"),
    Kind("go", "services/orders/main.go", ("code/go/**/*.go", "systems/**/*.go"), "extract"),
    Kind("javascript", "services/orders/src/index.js", ("code/js/**/*.js", "systems/**/*.js"), "extract"),
    Kind("typescript", "services/orders/src/index.ts", ("code/js/**/*.ts", "systems/**/*.ts"), "extract"),
    Kind("csharp", "services/orders/Program.cs", ("code/csharp/**/*.cs",), "extract"),
    Kind("proto", "proto/orders.proto", ("**/*.proto",), "extract"),
    Kind("prisma", "prisma/schema.prisma", ("**/*.prisma",), "extract"),
    Kind("otlp-json", "traces/otlp.json", ("traces/otlp*", "traces/cross-service-write.json"), "trace"),
    Kind("otlp-proto", "traces/otlp.pb", ("traces/otlp-proto/*.protobuf-bin",), "trace"),
    Kind("jaeger", "traces/jaeger.json", ("traces/jaeger/*.json", "traces/jaeger-*.json"), "trace"),
    Kind("zipkin", "traces/zipkin.json", ("traces/zipkin/*.json",), "trace"),
    Kind("rule-yaml", "rules/mine.yml", ("rule-examples/rules/*.yml", "repo:rules/*/*.yml"), "rule"),
    Kind("archconform-yml", "archconform.yml", ("**/archconform.yml",), "config"),
)
BY_NAME = {k.name: k for k in KINDS}


class Reader:
    """Reads inputs of one kind in-process. ``workdir`` holds the file for readers that want a
    path (traces, config) and is the empty repository root of extractors that read siblings."""

    def __init__(self, kind: Kind, workdir: Path | None = None) -> None:
        self.kind = kind
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix=f"fuzz-{kind.name}-"))
        self.file = self.workdir / kind.path
        self.file.parent.mkdir(parents=True, exist_ok=True)
        self.extractors = extractors_for(kind.path)
        self._read: Callable[[bytes], None] = getattr(self, f"_{kind.reader}")

    def __call__(self, data: bytes) -> None:
        """Read one input as the pipeline would (limits in force, time budgets started); an
        exception escaping here is a crash, except a :class:`LimitExceeded` doing its job."""
        with using_limits(FUZZ_LIMITS, one_file=True):
            self._read(data)

    def _extract(self, data: bytes) -> None:
        text = decode_bytes(data).text
        if text is None:
            return  # binary: the pipeline skips it before any extractor runs
        ctx = FileContext(self.kind.path, str(self.workdir), "orders")
        for extractor in self.extractors:
            extractor.extract(ctx, text)

    def _trace(self, data: bytes) -> None:
        self.file.write_bytes(data)
        read_trace_file(self.file, self.kind.path)

    def _rule(self, data: bytes) -> None:
        text = decode_bytes(data).text
        if text is None:
            return
        with contextlib.suppress(RuleError):  # a user error, reported with its line: not a crash
            parse_rule(text, self.kind.path)

    def _config(self, data: bytes) -> None:
        self.file.write_bytes(data)
        with contextlib.suppress(ConfigError):
            load_config(self.file, self.kind.path)
