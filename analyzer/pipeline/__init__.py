"""The scan pipeline: discover → extract → resolve → enrich → evaluate → suppress/baseline.

:func:`scan` is the one entry point the CLI, the rule test runner and the tests use.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import analyzer
from analyzer.config import Config, ConfigError, find_config, load_config
from analyzer.discovery import codeowners_for, discover, read_codeowners
from analyzer.engine import (
    InlineSuppression,
    apply_baseline,
    apply_suppressions,
    evaluate,
    load_rules,
    parse_inline,
)
from analyzer.enrich import enrich
from analyzer.enrich.contexts import apply_codeowners
from analyzer.extract.facts import Connection, Fact, FileContext
from analyzer.extract.registry import all_extractors
from analyzer.model import ArchGraph, Diagnostic, ScanResult
from analyzer.model.inputs import DEFAULT_INPUT_LIMITS
from analyzer.model.vocabulary import RELATIONAL_TECHNOLOGIES
from analyzer.pipeline.extraction import MANIFEST_EXTRACTORS, run_tasks
from analyzer.pipeline.traces import read_traces
from analyzer.resolve import build_graph, normalise

__all__ = ["ConfigError", "build_model", "load_project_config", "scan"]


def load_project_config(root: Path, config_path: Path | None = None) -> Config:
    """The config given, or ``archconform.yml`` at the repo root, or defaults."""
    path = config_path or find_config(root)
    if path is None:
        return Config()
    try:
        display = path.resolve().relative_to(root.resolve()).as_posix()
        inside = True
    except ValueError:
        display, inside = path.name, False
    config = load_config(path, display)
    if inside:
        # NOTE: a config inside the scanned tree is written by whoever wrote the pull request: it
        # may lower the input limits, never raise them (raising is for a --config from outside).
        config = dataclasses.replace(config, input_limits=DEFAULT_INPUT_LIMITS.lowered(config.input_limits))
    return config


def _service_technologies(facts: Sequence[Fact]) -> dict[str, str]:
    """Main datastore technology per service (relational first): the SQL dialect hint."""
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
) -> tuple[ArchGraph, list[Diagnostic]]:
    """Discover, extract, resolve and enrich: the architecture graph of ``root``."""
    graph, diagnostics, _ = _build(root, config, traces, jobs)
    return graph, diagnostics


def _build(
    root: Path, config: Config, traces: Sequence[Path], jobs: int | None
) -> tuple[ArchGraph, list[Diagnostic], tuple[str, ...]]:
    root = root.resolve()
    found = discover(root, config)
    diagnostics = list(found.diagnostics)
    extractors = all_extractors()
    phases: list[list[tuple[str, FileContext]]] = [[], []]
    for path in found.files:
        service = found.service_for(path)
        for extractor in extractors:
            if extractor.wants(path):
                phase = 0 if extractor.name in MANIFEST_EXTRACTORS else 1
                phases[phase].append(
                    (extractor.name, FileContext(path, str(root), service, input_limits=config.input_limits))
                )
    facts, diags = run_tasks(phases[0], jobs)
    diagnostics.extend(diags)
    technologies = _service_technologies(facts)
    second = [
        (name, dataclasses.replace(ctx, technology=technologies.get(normalise(ctx.service), "")))
        for name, ctx in phases[1]
    ]
    more, diags = run_tasks(second, jobs)
    facts.extend(more)
    diagnostics.extend(diags)
    trace_paths = [*traces, *_config_traces(root, config)]
    trace_facts, diags = read_traces(root, trace_paths, config.input_limits)
    facts.extend(trace_facts)
    diagnostics.extend(diags)
    graph, diags = build_graph(facts, config, found.service_roots)
    diagnostics.extend(diags)
    diagnostics.extend(enrich(graph, config))
    codeowners = read_codeowners(root)
    if codeowners:
        apply_codeowners(
            graph,
            {
                normalise(svc): codeowners_for(folder, codeowners)
                for folder, svc in found.service_roots.items()
            },
        )
    return graph, diagnostics, tuple(found.files)


INLINE_MARKER = b"archconform:"


def find_inline_suppressions(root: Path, files: Sequence[str]) -> list[InlineSuppression]:
    """Every ``archconform: ignore[...]`` comment in the scanned files, so that the ones that
    suppress nothing can be reported. Reads bytes and decodes only files that mention it."""
    found: list[InlineSuppression] = []
    for path in files:
        try:
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


def _config_traces(root: Path, config: Config) -> list[Path]:
    paths: list[Path] = []
    for pattern in config.traces:
        paths.extend(sorted(p for p in root.glob(pattern) if p.is_file()))
    return paths


class _LineReader:
    """Reads lines of scanned files for inline suppressions, caching each file once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[str, list[str]] = {}

    def __call__(self, path: str, line: int) -> str:
        if path not in self.cache:
            try:
                self.cache[path] = (
                    (self.root / path).read_text(encoding="utf-8-sig", errors="replace").splitlines()
                )
            except OSError:
                self.cache[path] = []
        lines = self.cache[path]
        return lines[line - 1] if 0 < line <= len(lines) else ""


def scan(
    root: Path,
    config: Config | None = None,
    *,
    config_path: Path | None = None,
    traces: Sequence[Path] = (),
    baseline: Path | dict[str, object] | None = None,
    jobs: int | None = None,
    today: dt.date | None = None,
) -> ScanResult:
    """Scan a repository and evaluate the rules. Raises :class:`ConfigError` for a bad config."""
    root = root.resolve()
    if config is None:
        config = load_project_config(root, config_path)
    graph, diagnostics, files = _build(root, config, traces, jobs)
    rules, diags = load_rules(config)
    diagnostics.extend(diags)
    findings, diags = evaluate(graph, rules, config)
    diagnostics.extend(diags)
    comments = find_inline_suppressions(root, files)
    findings, diags = apply_suppressions(
        findings, config, _LineReader(root), today or dt.date.today(), comments
    )
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
    )


def _read_baseline(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(path.name, 1, f"cannot read baseline: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(
            path.name, 1, "a baseline file is a JSON object written by 'archconform baseline create'"
        )
    return data
