"""The scan pipeline: discover → extract → resolve → enrich → evaluate → suppress/baseline.

:func:`scan` is the one entry point the CLI, the rule test runner and the tests use.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import analyzer
from analyzer.config import ConfigError

if TYPE_CHECKING:
    from analyzer.config import Config
    from analyzer.engine import InlineSuppression
    from analyzer.extract.facts import Fact
    from analyzer.model import ArchGraph, Diagnostic, ScanResult
    from analyzer.pipeline.scancache import ScanRecord

# The stages are imported when a scan runs (networkx, sqlglot, tree-sitter, the rule engine): a
# scan answered by the scan cache, and an empty scan, do not pay for what they do not run.

__all__ = ["ConfigError", "build_model", "load_project_config", "scan"]


def load_project_config(
    root: Path, config_path: Path | None = None, *, allow_python_rules: bool = False
) -> Config:
    """The config given, or ``archconform.yml`` at the repo root, or defaults.

    A file inside ``root`` is untrusted (see :mod:`analyzer.config`). ``allow_python_rules`` (the
    command line) or ``ARCHCONFORM_ALLOW_PYTHON_RULES=1`` lets Python rules run — still only
    from rule folders a trusted config named.
    """
    from analyzer.config import (
        Config,
        find_config,
        load_config,
        python_rules_allowed_by_environment,
    )
    from analyzer.model import Diagnostic, DiagnosticLevel
    from analyzer.model.paths import is_inside

    path = config_path or find_config(root)
    config = Config()
    if path is not None and config_path is None and not is_inside(path, root):
        # A committed archconform.yml that is a symlink to a file elsewhere: not the tree's to name.
        refusal = Diagnostic(
            path.name, 0, DiagnosticLevel.WARNING, "config is a link out of the repository; not read"
        )
        config = Config(refused=(refusal,))
        path = None
    if path is not None:
        try:
            display = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            display = path.name
        config = load_config(path, display, scanned_root=root)
    if allow_python_rules or python_rules_allowed_by_environment():
        config = dataclasses.replace(config, allow_python_rules=True)
    return config


def _service_technologies(facts: Sequence[Fact]) -> dict[str, str]:
    """Main datastore technology per service (relational first): the SQL dialect hint."""
    from analyzer.extract.facts import Connection
    from analyzer.model.vocabulary import RELATIONAL_TECHNOLOGIES
    from analyzer.resolve import normalise

    votes: dict[str, Counter[str]] = {}
    for fact in facts:
        if isinstance(fact, Connection) and fact.info.technology:
            votes.setdefault(normalise(fact.service), Counter())[fact.info.technology] += 1
    chosen: dict[str, str] = {}
    for service, counter in votes.items():
        relational = [t for t, _ in counter.most_common() if t in RELATIONAL_TECHNOLOGIES]
        chosen[service] = relational[0] if relational else counter.most_common(1)[0][0]
    return chosen


def build_model(
    root: Path,
    config: Config,
    traces: Sequence[Path] = (),
    jobs: int | None = None,
    cache_dir: Path | None = None,
) -> tuple[ArchGraph, list[Diagnostic]]:
    """Discover, extract, resolve and enrich: the architecture graph of ``root``."""
    graph, diagnostics, _ = _build(root, config, traces, jobs, cache_dir)
    return graph, diagnostics


def _build(
    root: Path,
    config: Config,
    traces: Sequence[Path],
    jobs: int | None,
    cache_dir: Path | None = None,
    record: ScanRecord | None = None,
) -> tuple[ArchGraph, list[Diagnostic], tuple[str, ...]]:
    """The graph under the config's limits, with the untrusted settings it refused reported."""
    from analyzer.model.limits import using_limits

    with using_limits(config.limits):
        graph, diagnostics, files = _build_graph(root, config, traces, jobs, cache_dir, record)
    return graph, [*config.refused, *diagnostics], files


def _build_graph(
    root: Path,
    config: Config,
    traces: Sequence[Path],
    jobs: int | None,
    cache_dir: Path | None = None,
    record: ScanRecord | None = None,
) -> tuple[ArchGraph, list[Diagnostic], tuple[str, ...]]:
    import contextlib

    from analyzer.discovery import codeowners_for, discover, is_compose_file, is_test_path, read_codeowners
    from analyzer.enrich import enrich
    from analyzer.enrich.contexts import apply_codeowners
    from analyzer.extract import sidefiles
    from analyzer.extract.facts import FileContext
    from analyzer.extract.registry import all_extractors
    from analyzer.pipeline.cache import ExtractionCache
    from analyzer.pipeline.extraction import MANIFEST_EXTRACTORS, run_tasks
    from analyzer.pipeline.scancache import INVENTORY, inventory_digest
    from analyzer.resolve import build_graph, normalise
    from analyzer.resolve.inventory import take_inventory

    root = root.resolve()
    with record.in_stage(INVENTORY) if record is not None else contextlib.nullcontext():
        found = discover(root, config)
        inventory = take_inventory(root, found, config)
    if record is not None:
        record.files = tuple(found.files)
        record.inventory = inventory_digest(root, config, found, inventory)
    diagnostics = [*found.diagnostics, *inventory.diagnostics]
    extractors = all_extractors() if found.files else ()  # importing them costs (sqlglot, tree-sitter)
    phases: list[list[tuple[str, FileContext]]] = [[], []]
    for path in found.files:
        if not config.include_tests and (
            inventory.is_excluded(path) or (is_compose_file(path) and is_test_path(path))
        ):
            # NOTE: test projects and test-harness compose files are no part of the system's
            # graph; test source sets inside a service are read, their findings left out later.
            continue
        wanted = [e for e in extractors if e.wants(path)]
        # NOTE: a library's files are credited to every service that builds it in.
        for service in inventory.services_for(path) or ("",):
            for extractor in wanted:
                phase = 0 if extractor.name in MANIFEST_EXTRACTORS else 1
                phases[phase].append(
                    (extractor.name, FileContext(path, str(root), service, limits=config.limits))
                )
    index = sidefiles.FileIndex(str(root), found.files)  # cross-file lookups, built once
    sidefiles.install(index)
    cache = ExtractionCache(cache_dir, index) if cache_dir is not None else None
    try:
        # what extraction reads, the extraction cache records task by task
        with record.pause() if record is not None else contextlib.nullcontext():
            facts, diags = run_tasks(phases[0], jobs, cache)
            diagnostics.extend(diags)
            technologies = _service_technologies(facts)
            second = [
                (name, dataclasses.replace(ctx, technology=technologies.get(normalise(ctx.service), "")))
                for name, ctx in phases[1]
            ]
            more, diags = run_tasks(second, jobs, cache)
            if cache is not None:
                cache.trim()
    finally:
        sidefiles.install(None)
    if record is not None and cache is not None:
        rebuilt = all(ctx.limits == config.limits and ctx.root == str(root) for _, ctx in phases[0])
        record.tasks = list(cache.task_log) if rebuilt else None
        record.listings.update(cache.listings)
    facts.extend(more)
    diagnostics.extend(diags)
    configured, diags = _config_traces(root, config)
    diagnostics.extend(diags)
    trace_paths = [*traces, *configured]
    if trace_paths:  # the trace readers are imported only for traces
        from analyzer.pipeline.traces import read_traces

        trace_facts, diags = read_traces(root, trace_paths, config.limits)
        facts.extend(trace_facts)
        diagnostics.extend(diags)
    graph, diags = build_graph(facts, config, inventory.units, inventory.stores, inventory.store_aliases)
    diagnostics.extend(diags)
    diagnostics.extend(enrich(graph, config))
    if record is not None:  # a CODEOWNERS file added where discovery does not look is seen too
        from analyzer.discovery import CODEOWNERS_PLACES
        from analyzer.pipeline.scancache import DOWNSTREAM

        record.reads[DOWNSTREAM].update(CODEOWNERS_PLACES)
    codeowners = read_codeowners(root)
    if codeowners:
        apply_codeowners(
            graph,
            {
                normalise(svc): codeowners_for(folder, codeowners)
                for folder, svc in inventory.service_roots.items()
            },
        )
    return graph, diagnostics, tuple(found.files)


INLINE_MARKER = b"archconform:"


def find_inline_suppressions(root: Path, files: Sequence[str]) -> list[InlineSuppression]:
    """Every ``archconform: ignore[...]`` comment in the scanned files, so that the ones that
    suppress nothing can be reported. Reads bytes and decodes only files that mention it."""
    from analyzer.engine import InlineSuppression, parse_inline
    from analyzer.pipeline.extraction import MAX_FILE_BYTES

    found: list[InlineSuppression] = []
    for path in files:
        try:
            if (root / path).stat().st_size > MAX_FILE_BYTES:  # not extracted either: no evidence
                continue
            data = (root / path).read_bytes()
        except OSError:
            continue
        if INLINE_MARKER not in data:
            continue
        for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
            parsed = parse_inline(line)
            if parsed is not None:
                found.append(InlineSuppression(path, number, parsed[0], parsed[1]))
    return found


def _config_traces(root: Path, config: Config) -> tuple[list[Path], list[Diagnostic]]:
    """Trace files the config's globs name, relative to the scanned root. A match that leads
    outside the root (``..``, or a committed symlink) is a diagnostic and is not read."""
    from analyzer.model import Diagnostic, DiagnosticLevel
    from analyzer.model.paths import is_inside

    paths: list[Path] = []
    diagnostics: list[Diagnostic] = []
    where = config.path or "archconform.yml"
    for pattern in config.traces:
        try:
            matches = sorted(root.glob(pattern))
        except (ValueError, NotImplementedError, OSError) as exc:
            diagnostics.append(
                Diagnostic(where, 0, DiagnosticLevel.ERROR, f"trace pattern '{pattern}': {exc}")
            )
            continue
        for match in matches:
            if not is_inside(match, root):
                shown = match.relative_to(root).as_posix() if match.is_relative_to(root) else match.name
                diagnostics.append(
                    Diagnostic(
                        where,
                        0,
                        DiagnosticLevel.WARNING,
                        f"trace file '{shown}' (pattern '{pattern}') leads outside the repository; not read",
                    )
                )
            elif match.is_file():
                paths.append(match)
    return paths, diagnostics


def read_lines(root: Path, path: str) -> list[str]:
    """The lines of a scanned file as reports quote them ([] when it cannot be read)."""
    try:
        return (root / path).read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError:
        return []


class _LineReader:
    """Reads lines of scanned files for inline suppressions, caching each file once. With a
    scan record, the lines read are recorded (a later edit elsewhere in the file changes nothing)."""

    def __init__(self, root: Path, record: ScanRecord | None = None) -> None:
        self.root = root
        self.cache: dict[str, list[str]] = {}
        self.record = record

    def __call__(self, path: str, line: int) -> str:
        if path not in self.cache:
            if self.record is not None:
                with self.record.pause():
                    self.cache[path] = read_lines(self.root, path)
            else:
                self.cache[path] = read_lines(self.root, path)
        lines = self.cache[path]
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        if self.record is not None:
            self.record.quoted(path, line, text)
        return text


def scan(
    root: Path,
    config: Config | None = None,
    *,
    config_path: Path | None = None,
    traces: Sequence[Path] = (),
    baseline: Path | dict[str, object] | None = None,
    jobs: int | None = None,
    today: dt.date | None = None,
    cache_dir: Path | None = None,
    record: ScanRecord | None = None,
) -> ScanResult:
    """Scan a repository and evaluate the rules. Raises :class:`ConfigError` for a bad config.

    With ``record`` (and ``cache_dir``), what the scan read is recorded for the scan cache
    (:mod:`analyzer.pipeline.scancache`)."""
    from analyzer.pipeline.scancache import recording

    root = root.resolve()
    if config is None:
        config = load_project_config(root, config_path)
    with recording(record, cache_dir):
        return _scan(root, config, traces, baseline, jobs, today, cache_dir, record)


def _scan(
    root: Path,
    config: Config,
    traces: Sequence[Path],
    baseline: Path | dict[str, object] | None,
    jobs: int | None,
    today: dt.date | None,
    cache_dir: Path | None,
    record: ScanRecord | None,
) -> ScanResult:
    from analyzer.engine import (
        FactKeys,
        advise,
        apply_baseline,
        apply_suppressions,
        drop_non_production,
        evaluate,
        is_non_production,
        load_rules,
        merge_duplicates,
    )
    from analyzer.model import ScanResult
    from analyzer.pipeline.coverage import excerpts

    if record is not None:
        from analyzer.pipeline import cache

        record.busy = cache.extracting
    graph, diagnostics, files = _build(root, config, traces, jobs, cache_dir, record)
    rules, diags = load_rules(config)
    diagnostics.extend(diags)
    failed = [d.path or d.message for d in diags if d.level == "error" and "failed to load" in d.message]
    findings, diags = evaluate(graph, rules, config, failed)
    diagnostics.extend(diags)
    hidden = 0
    if not config.include_tests:
        findings, hidden = drop_non_production(findings)
    findings, merged = merge_duplicates(findings, FactKeys.from_rules(rules))
    read_line = _LineReader(root, record)
    findings = advise(findings, graph, [r.meta for r in rules], read_line)
    if record is not None:
        with record.pause():
            comments = find_inline_suppressions(root, files)
        _note_comments(record, comments)
    else:
        comments = find_inline_suppressions(root, files)
    if not config.include_tests:  # their findings are left out, so their suppressions are not unused
        comments = [c for c in comments if not is_non_production(c.path)]
    findings, diags = apply_suppressions(findings, config, read_line, today or dt.date.today(), comments)
    diagnostics.extend(diags)
    absent: list[dict[str, str]] = []
    if baseline is not None:
        data = baseline if isinstance(baseline, dict) else _read_baseline(baseline)
        findings, absent = apply_baseline(findings, data)
    return ScanResult(
        graph=graph,
        findings=findings,
        diagnostics=sorted(set(diagnostics)),
        rules=sorted((r.meta for r in rules), key=lambda m: m.id),
        tool_version=analyzer.__version__,
        root_name=root.name,
        source_url=config.source_url,
        absent=absent,
        failed_rules=tuple(sorted(set(failed))),
        config_path=config.path,
        hidden_test_findings=hidden,
        repo_prefix=repository_prefix(root),
        excerpts=excerpts(findings, read_line),
        not_read=_not_read(files),
        automation_id=config.automation_id,
        merged_duplicates=merged,
    )


def _note_comments(record: ScanRecord, comments: Sequence[InlineSuppression]) -> None:
    from analyzer.pipeline.scancache import canonical

    by_path: dict[str, list[InlineSuppression]] = {}
    for comment in comments:
        by_path.setdefault(comment.path, []).append(comment)
    record.comments = {path: canonical(found) for path, found in by_path.items()}


def _not_read(files: Sequence[str]) -> tuple[tuple[str, int], ...]:
    """Files no extractor reads (build markers discovery reads count as read)."""
    if not files:
        return ()  # importing the extractors costs (sqlglot, tree-sitter)
    from analyzer.discovery import MARKER_FILES
    from analyzer.extract.registry import all_extractors
    from analyzer.pipeline.coverage import not_read

    extractors = all_extractors()
    return not_read(
        files,
        lambda path: Path(path).name in MARKER_FILES or any(e.wants(path) for e in extractors),
    )


def repository_prefix(root: Path) -> str:
    """Where ``root`` sits inside its git repository (``services/shop``), or '' at the top or
    outside git: SARIF URIs and source links are relative to the repository, not the scan."""
    for parent in [root, *root.parents]:
        if (parent / ".git").exists():
            rel = root.relative_to(parent).as_posix()
            return "" if rel == "." else rel
    return ""


def _read_baseline(path: Path) -> dict[str, object]:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(path.name, 1, f"cannot read baseline: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(
            path.name, 1, "a baseline file is a JSON object written by 'archconform baseline create'"
        )
    return data
