"""Which extractor reads which file.

Each extractor module exposes ``NAME``, ``wants(path: str) -> bool`` (path repo-relative POSIX)
and ``extract(ctx: FileContext, text: str) -> ExtractResult``. Add a module here to register it.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from analyzer.extract.facts import ExtractResult, FileContext

EXTRACTOR_MODULES: tuple[str, ...] = (
    "analyzer.extract.compose",
    "analyzer.extract.sqlfiles",
    "analyzer.extract.liquibase",
    "analyzer.extract.kubernetes",
    "analyzer.extract.operators",
    "analyzer.extract.helm",
    "analyzer.extract.spring",
    "analyzer.extract.dotnet",
    "analyzer.extract.dotenv",
    "analyzer.extract.jsonconfig",
    "analyzer.extract.connectors",
    "analyzer.extract.persistencexml",
    "analyzer.extract.buildlibs",
    "analyzer.extract.source.python",
    "analyzer.extract.source.javascript",
    "analyzer.extract.source.java",
    "analyzer.extract.source.golang",
    "analyzer.extract.source.csharp",
    "analyzer.extract.source.migrations",
    "analyzer.extract.prisma",
    "analyzer.extract.proto",
    "analyzer.extract.platform.spring_cloud",
    "analyzer.extract.platform.proxies",
    "analyzer.extract.platform.containers",
    "analyzer.extract.platform.ingress",
    "analyzer.extract.platform.dotnet_gateways",
    "analyzer.extract.aspire",
    "analyzer.extract.dapr",
)


@dataclass(frozen=True, slots=True)
class Extractor:
    name: str
    wants: Callable[[str], bool]
    extract: Callable[[FileContext, str], ExtractResult]


def _load(module: ModuleType) -> Extractor:
    def extract(ctx: FileContext, text: str) -> ExtractResult:
        # Looked up at each call: the table is built once, a module's function may be replaced
        # later (tests put a failing extractor in its place).
        result: ExtractResult = module.extract(ctx, text)
        return result

    return Extractor(module.NAME, module.wants, extract)


@functools.cache
def all_extractors() -> tuple[Extractor, ...]:
    """The registered extractors, in registration order (imported and built once: the pipeline
    asks once per file and task, 11,800 times at 500 services)."""
    return tuple(_load(importlib.import_module(name)) for name in EXTRACTOR_MODULES)


def extractors_for(path: str) -> tuple[Extractor, ...]:
    return tuple(e for e in all_extractors() if e.wants(path))
