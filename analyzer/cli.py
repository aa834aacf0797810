"""The ``archconform`` command line (the composition root).

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 usage or config error
(including a scan that finds no service, unless ``--allow-empty``); 3 an internal error or a rule
that failed to load or evaluate (the run did not check everything, so it cannot pass).
A user mistake never prints a traceback; an internal error prints one only with
``ARCHCONFORM_DEBUG=1``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import gc
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

import analyzer

if TYPE_CHECKING:
    from analyzer.config import Config
    from analyzer.model import Finding, ScanResult

# The pipeline, the reports, networkx, sqlglot, tree-sitter and Jinja2 are imported inside the
# commands that use them: `archconform --version` and `--help` would otherwise pay ~0.35 s of
# imports (benchmarks/README.md, tests/cli/test_startup.py).


def scan(*args: Any, **kwargs: Any) -> ScanResult:
    """:func:`analyzer.pipeline.scan`, imported on first use."""
    from analyzer.pipeline import scan as pipeline_scan

    return pipeline_scan(*args, **kwargs)


def _tool_origin(exc: BaseException) -> str:
    """Where in archconform ``exc`` was raised (:func:`analyzer.pipeline.extraction.tool_origin`)."""
    from analyzer.pipeline.extraction import tool_origin

    return tool_origin(exc)


FAIL_LEVELS = ("error", "warning", "note", "never")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str) -> None:
    click.echo(f"archconform: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _guard(command: F) -> F:
    """Exit 3 with one readable line for an internal error (the traceback only with
    ARCHCONFORM_DEBUG=1); user mistakes are handled before they get here and exit 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            config_module = sys.modules.get("analyzer.config")  # a ConfigError means it was imported
            if config_module is not None and isinstance(exc, config_module.ConfigError):
                _fail(str(exc))
            if os.environ.get("ARCHCONFORM_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"archconform: internal error: {exc!r} at {_tool_origin(exc)} — please report it "
                "(set ARCHCONFORM_DEBUG=1 for the traceback)",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


class _Progress:
    """A one-line "scanning… N s" on a terminal for scans that take more than a few seconds
    (stderr only, erased when done; nothing at all in CI logs or pipes)."""

    def __init__(self, label: str, enabled: bool, delay: float = 2.0) -> None:
        self.label = label
        self.enabled = enabled
        self.delay = delay
        self.start = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._shown = False

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        while not self._stop.is_set():
            seconds = time.monotonic() - self.start
            sys.stderr.write(f"\r\033[Karchconform: scanning {self.label}… {seconds:.0f} s")
            sys.stderr.flush()
            self._shown = True
            self._stop.wait(1.0)

    def __enter__(self) -> _Progress:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join()
            if self._shown:
                sys.stderr.write("\r\033[K")
                sys.stderr.flush()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start


def use_color(choice: str, stream_is_tty: bool, environ: dict[str, str] | os._Environ[str]) -> bool:
    """``--color always|never|auto``; auto means a terminal and no ``NO_COLOR`` (https://no-color.org)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    return stream_is_tty and not environ.get("NO_COLOR")


def _check_writable(path: Path) -> None:
    """Refuse an output path that cannot be written before a long scan, not after it."""
    if path.is_dir():
        _fail(f"cannot write {path}: it is a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror or exc}")
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        _fail(f"cannot write {path}: permission denied")


def _tune_gc() -> None:
    """A scan allocates millions of small objects that live until the end (facts, nodes, YAML
    mappings): with the default gen-0 threshold of 700 the collector took 17% of a scan's CPU time,
    3% with the imported modules' objects frozen and a threshold of 50,000 (200 services;
    benchmarks/README.md)."""
    gc.freeze()  # the objects made by imports are never garbage
    gc.set_threshold(50_000, 20, 100)


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror or exc}")


def _config(root: Path, config_path: Path | None, allow_python_rules: bool = False) -> Config:
    from analyzer.config import ConfigError
    from analyzer.pipeline import load_project_config

    try:
        return load_project_config(root, config_path, allow_python_rules=allow_python_rules)
    except ConfigError as exc:
        _fail(str(exc))
        raise  # unreachable


def _github_source_url() -> str:
    """In GitHub Actions: the tree of the commit being checked (from the runner's environment)."""
    server, repository, sha = (
        os.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA")
    )
    return f"{server or 'https://github.com'}/{repository}/blob/{sha}" if repository and sha else ""


def counts_toward_failure(finding: Finding, threshold: str, with_baseline: bool) -> bool:
    """Whether a finding fails the run: active, at/above the threshold, and new if a baseline is used."""
    if threshold == "never" or finding.suppressed:
        return False
    if with_baseline and finding.baseline_state != "new":
        return False
    from analyzer.model import Severity

    return finding.severity.weight >= Severity(threshold).weight


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(analyzer.__version__, prog_name="archconform")
def main() -> None:
    """Architecture conformance for microservice systems: data ownership, sagas, drift."""


@main.command("scan")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--traces",
    "traces",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Trace export file or folder (repeatable).",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write findings and graph as JSON.",
)
@click.option(
    "--sarif", "sarif_out", type=click.Path(dir_okay=False, path_type=Path), help="Write SARIF 2.1.0."
)
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the HTML architecture review.",
)
@click.option(
    "--markdown", "md_out", type=click.Path(dir_okay=False, path_type=Path), help="Write a Markdown summary."
)
@click.option(
    "--gitlab",
    "gitlab_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a GitLab Code Quality report (JSON).",
)
@click.option(
    "--junit", "junit_out", type=click.Path(dir_okay=False, path_type=Path), help="Write JUnit XML."
)
@click.option(
    "--baseline",
    "baseline",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Compare with a baseline file.",
)
@click.option("--baseline-ref", "baseline_ref", help="Build the baseline by scanning this git revision.")
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice(FAIL_LEVELS),
    default=None,
    help="Lowest severity that fails the run (default error).",
)
@click.option("--jobs", type=int, default=None, help="Worker processes for extraction.")
@click.option(
    "--cache-dir",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="ARCHCONFORM_CACHE_DIR",
    help="Reuse per-file extraction results kept in this folder (safe to delete; see README).",
)
@click.option(
    "--source-url",
    "source_url",
    default=None,
    help="URL of the repository tree that reports link evidence to (default: source_url in the config, "
    "or the GitHub Actions commit when run there).",
)
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
@click.option(
    "-v", "--verbose", is_flag=True, help="List every finding with its suggested change and every diagnostic."
)
@click.option(
    "--color",
    "color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    help="Colour the console output (auto: on a terminal unless NO_COLOR is set).",
)
@click.option(
    "--sarif-suppressed",
    "sarif_suppressed",
    is_flag=True,
    help="Keep suppressed findings in the SARIF file (with their justification); GitHub would show them.",
)
@click.option("--allow-empty", is_flag=True, help="Exit 0 even when no service is found (default: exit 2).")
@click.option(
    "--allow-python-rules",
    is_flag=True,
    help="Run Python rules from rule folders named by a --config file outside PATH (they run code; "
    "configuration inside PATH can never enable them).",
)
@_guard
def scan_command(
    path: Path,
    config_path: Path | None,
    traces: tuple[Path, ...],
    json_out: Path | None,
    sarif_out: Path | None,
    html_out: Path | None,
    md_out: Path | None,
    gitlab_out: Path | None,
    junit_out: Path | None,
    baseline: Path | None,
    baseline_ref: str | None,
    fail_on: str | None,
    jobs: int | None,
    cache_dir: Path | None,
    source_url: str | None,
    quiet: bool,
    verbose: bool,
    color: str,
    sarif_suppressed: bool,
    allow_empty: bool,
    allow_python_rules: bool,
) -> None:
    """Scan the repository at PATH and report findings."""
    from analyzer.config import ConfigError

    _tune_gc()
    config = _config(path, config_path, allow_python_rules)
    url = source_url or config.source_url or _github_source_url()
    if url:
        config = dataclasses.replace(config, source_url=url.rstrip("/"))
    if baseline and baseline_ref:
        _fail("use either --baseline or --baseline-ref, not both")
    outputs: list[tuple[Path | None, str]] = [
        (json_out, "json"),
        (sarif_out, "sarif-suppressed" if sarif_suppressed else "sarif"),
        (html_out, "html"),
        (md_out, "markdown"),
        (gitlab_out, "gitlab"),
        (junit_out, "junit"),
    ]
    for target, _ in outputs:
        if target is not None:
            _check_writable(target)
    painted = use_color(color, sys.stdout.isatty(), os.environ)
    wanted = [name for target, name in outputs if target is not None]
    if not quiet:
        wanted.append(f"console-{'color' if painted else 'plain'}{'-verbose' if verbose else ''}")
    today = dt.date.today()
    try:
        baseline_data: Path | dict[str, object] | None = baseline
        if baseline_ref:
            from analyzer.pipeline.gitref import baseline_from_revision

            baseline_data = baseline_from_revision(path, baseline_ref, config, traces, jobs)
        with _Progress(str(path), enabled=not quiet and sys.stderr.isatty()) as progress:
            texts, summary = _scan_outputs(
                path, config, traces, baseline_data, jobs, cache_dir, today, wanted
            )
    except ConfigError as exc:
        _fail(str(exc))
        return
    if not summary["services"] and not allow_empty:
        _fail(
            f"no service found under {path}: is it the repository root? "
            "(pass --allow-empty to accept an empty scan)"
        )
    for target, name in outputs:
        if target is not None:
            _write(target, texts[name])
    if not quiet:
        click.echo(f"{texts[wanted[-1]]}\ndone in {progress.elapsed:.1f} s", color=painted)
        if verbose:  # where in archconform a file's reader failed, for a bug report
            for line in summary["origins"]:
                click.echo(line)
        for target, _ in outputs:
            if target is not None:
                click.echo(f"wrote {target}")
    threshold = fail_on or config.fail_on or "error"
    failed_rules = summary["failed_rules"]
    if failed_rules:
        click.echo(
            f"archconform: {len(failed_rules)} rule(s) failed to load or evaluate: "
            f"{', '.join(failed_rules)}; the scan is incomplete",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_FINDINGS if summary["failing"][threshold] else EXIT_CLEAN)


def _render(name: str, result: ScanResult) -> str:
    """One output of a scan by name: a report, or the console summary (without the elapsed time)."""
    from analyzer import reporting

    if name.startswith("console-"):
        return reporting.render_console(result, color="-color" in name, verbose=name.endswith("-verbose"))
    if name.startswith("sarif"):
        return reporting.render_sarif(result, include_suppressed=name == "sarif-suppressed")
    renderers: dict[str, Callable[[ScanResult], str]] = {
        "json": reporting.render_json,
        "html": reporting.render_html,
        "markdown": reporting.render_markdown,
        "gitlab": reporting.render_gitlab,
        "junit": reporting.render_junit,
    }
    return renderers[name](result)


def _summary(result: ScanResult, with_baseline: bool) -> dict[str, Any]:
    """What the command needs of a result besides its outputs (the exit code, the empty check)."""
    return {
        "services": sum(1 for n in result.graph.nodes() if n.kind == "service"),
        "failing": {
            level: sum(1 for f in result.findings if counts_toward_failure(f, level, with_baseline))
            for level in FAIL_LEVELS
        },
        "failed_rules": list(result.failed_rules),
        "origins": [f"  {d.path}:{d.line}: failed at {d.origin}" for d in result.diagnostics if d.origin],
    }


def _scan_outputs(
    path: Path,
    config: Config,
    traces: tuple[Path, ...],
    baseline: Path | dict[str, object] | None,
    jobs: int | None,
    cache_dir: Path | None,
    today: dt.date,
    wanted: list[str],
) -> tuple[dict[str, str], dict[str, Any]]:
    """The outputs named ``wanted`` and the summary: from the scan cache when nothing the scan
    read has changed (or only what leaves its facts as they were), else from a scan."""
    if cache_dir is None:
        result = scan(path, config, traces=traces, baseline=baseline, jobs=jobs, today=today)
        return {name: _render(name, result) for name in wanted}, _summary(result, baseline is not None)
    from analyzer.pipeline import repository_prefix
    from analyzer.pipeline.scancache import FOLDER, FileHashes, ScanCache, ScanRecord, canonical, scan_key

    root = path.resolve()
    hashes = FileHashes(cache_dir / FOLDER)
    if isinstance(baseline, Path):
        try:
            baseline_bytes: bytes | None = baseline.read_bytes()
        except OSError:
            baseline_bytes = None  # the scan says why
    else:
        baseline_bytes = canonical(baseline).encode() if baseline is not None else None
    key = scan_key(
        root,
        config,
        hashes,
        traces=traces,
        baseline=baseline_bytes,
        today=today.isoformat(),
        repo_prefix=repository_prefix(root),
    )
    cache = ScanCache(cache_dir, root, key, hashes)
    hit = cache.lookup(wanted, config, jobs)
    if hit is not None:
        return hit.outputs, hit.summary
    record = ScanRecord(str(root))
    result = scan(
        path,
        config,
        traces=traces,
        baseline=baseline,
        jobs=jobs,
        today=today,
        cache_dir=cache_dir,
        record=record,
    )
    texts = {name: _render(name, result) for name in wanted}
    summary = _summary(result, baseline is not None)
    cache.store(record, texts, summary)
    return texts, summary


@main.command("graph")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "dot", "mermaid", "graphml"]), default="json")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--traces", "traces", multiple=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@_guard
def graph_command(
    path: Path, fmt: str, config_path: Path | None, traces: tuple[Path, ...], output: Path | None
) -> None:
    """Export the architecture graph of PATH."""
    from analyzer.pipeline import build_model
    from analyzer.reporting import export_graph

    config = _config(path, config_path)
    graph, _ = build_model(path, config, traces)
    text = export_graph(graph, fmt)
    if output:
        _write(output, text)
    else:
        click.echo(text)


@main.group("rules")
def rules_group() -> None:
    """List, show, document and test rules."""


def _loaded_rules(config_path: Path | None):  # type: ignore[no-untyped-def]
    from analyzer.config import ConfigError
    from analyzer.engine import load_rules

    config = _config(Path.cwd(), config_path)
    try:
        rules, diagnostics = load_rules(config)
    except ConfigError as exc:
        _fail(str(exc))
        raise  # unreachable
    for diag in diagnostics:
        click.echo(f"{diag.path}:{diag.line}: {diag.level}: {diag.message}", err=True)
    return rules


@rules_group.command("list")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_guard
def rules_list(config_path: Path | None) -> None:
    """One line per rule: id, name, severity, title."""
    for rule in sorted(_loaded_rules(config_path), key=lambda r: r.meta.id):
        meta = rule.meta
        click.echo(f"{meta.id:8} {meta.name:36} {meta.severity.value:8} {meta.title}")


@rules_group.command("show")
@click.argument("name")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_guard
def rules_show(name: str, config_path: Path | None) -> None:
    """Metadata and help of one rule (by name or id)."""
    for rule in _loaded_rules(config_path):
        meta = rule.meta
        if name in (meta.name, meta.id):
            click.echo(
                f"{meta.id} {meta.name} ({meta.severity.value})\n{meta.title}\nprinciple: {meta.principle}"
            )
            if meta.source:
                click.echo(f"source: {meta.source}")
            click.echo("\n" + meta.help.strip())
            return
    _fail(f"no rule named '{name}' (see 'archconform rules list')")


@rules_group.command("docs")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--split",
    "split",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one page per rule plus index.md into this folder (what SARIF helpUri links to).",
)
@_guard
def rules_docs(config_path: Path | None, output: Path | None, split: Path | None) -> None:
    """Markdown reference generated from rule metadata."""
    from analyzer.pipeline.rulesdoc import render_rule_pages, render_rules_docs

    metas = [r.meta for r in _loaded_rules(config_path)]
    if split is not None:
        for name, page in sorted(render_rule_pages(metas).items()):
            _write(split / name, page)
        click.echo(f"wrote {len(metas)} rule pages and index.md to {split}")
        return
    text = render_rules_docs(metas)
    if output:
        _write(output, text)
    else:
        click.echo(text)


@rules_group.command("test")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_guard
def rules_test(directory: Path, config_path: Path | None) -> None:
    """Run rule test cases (pass_*/fail_* folders with expected.yaml) under DIRECTORY."""
    from analyzer.pipeline.ruletest import run_rule_tests

    ok, report = run_rule_tests(directory, config_path)
    click.echo(report)
    sys.exit(0 if ok else 1)


@main.group("baseline")
def baseline_group() -> None:
    """Record today's findings so that only new ones fail pull requests."""


@baseline_group.command("create")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--traces", "traces", multiple=True, type=click.Path(exists=True, path_type=Path))
@_guard
def baseline_create(path: Path, output: Path, config_path: Path | None, traces: tuple[Path, ...]) -> None:
    """Scan PATH and write its findings as a baseline file."""
    from analyzer.config import ConfigError
    from analyzer.engine import create_baseline

    config = _config(path, config_path)
    try:
        result = scan(path, config, traces=traces)
    except ConfigError as exc:
        _fail(str(exc))
        return
    data = create_baseline(result.active_findings)
    _write(output, json.dumps(data, indent=2, sort_keys=True) + "\n")
    click.echo(f"wrote {output} ({len(result.active_findings)} findings)")
