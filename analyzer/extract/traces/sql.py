"""Tables read and written by one traced statement, via :mod:`analyzer.extract.sqltables`.

Traced statements repeat (parameterised SQL), so results are cached per (statement, technology)
in a bounded dict: parsing cost grows with distinct statements, not with spans.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

_CACHE_LIMIT = 4096
_cache: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {}
_api: tuple[Callable[..., Any], Callable[[str], str]] | None = None
_missing = False
_EMPTY: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


def _load_api() -> tuple[Callable[..., Any], Callable[[str], str]] | None:
    global _api, _missing
    if _api is None and not _missing:
        try:
            module = importlib.import_module("analyzer.extract.sqltables")
        except ImportError:  # being written alongside; without it traces still give connections
            _missing = True
            return None
        _api = (module.analyze_sql, module.dialect_for)
    return _api


def tables_of(statement: str, technology: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(reads, writes)`` table names as :func:`analyze_sql` spells them; empty on parse errors."""
    key = (statement, technology)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    api = _load_api()
    if api is None:
        return _EMPTY
    analyze_sql, dialect_for = api
    reads: set[str] = set()
    writes: set[str] = set()
    try:
        dialect = dialect_for(technology) if technology else ""
        for fact in analyze_sql(statement, dialect):
            if fact.error:
                continue
            reads.update(fact.reads)
            writes.update(fact.writes)
    except Exception:
        reads.clear()
        writes.clear()
    result = (tuple(sorted(reads - writes)), tuple(sorted(writes)))
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[key] = result
    return result
