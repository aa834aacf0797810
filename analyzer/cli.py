"""The ``archconform`` command line (the composition root).

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 usage or config error;
3 an internal failure outside any one file (a failure reading one file is a diagnostic instead).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

import click

import analyzer
from analyzer.config import Config, ConfigError
from analyzer.engine import create_baseline, load_rules
from analyzer.model import Finding, Severity
from analyzer.pipeline import build_model, load_project_config, scan
from analyzer.pipeline.extraction import tool_origin
from analyzer.pipeline.gitref import baseline_from_revision
from analyzer.pipeline.rulesdoc import render_rules_docs
from analyzer.pipeline.ruletest import run_rule_tests
from analyzer.reporting import (
    export_graph,
    render_console,
    render_html,
    render_json,
    render_markdown,
    render_sarif,
)

FAIL_LEVELS = ("error", "warning", "note", "never")


def _fail(message: str) -> None:
    click.echo(f"archconform: {message}", err=True)
    sys.exit(2)


INTERNAL_ERROR_EXIT = 3


def _internal_failure(exc: Exception, verbose: bool) -> None:
    """A failure outside any one file (the file-level ones are diagnostics): a short message and
    exit 3; with --verbose, where in archconform it happened."""
    message = " ".join(str(exc).split())[:300]
    click.echo(f"archconform: internal error: {type(exc).__name__}: {message}", err=True)
    if verbose:
        click.echo(f"  at {tool_origin(exc)}", err=True)
    else:
        click.echo("  (run with --verbose to see where; please report it)", err=True)
    sys.exit(INTERNAL_ERROR_EXIT)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _config(root: Path, config_path: Path | None) -> Config:
    try:
        return load_project_config(root, config_path)
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
    "--source-url",
    "source_url",
    default=None,
    help="URL of the repository tree that reports link evidence to (default: source_url in the config, "
    "or the GitHub Actions commit when run there).",
)
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--verbose", is_flag=True, help="Say where in archconform an internal error happened.")
def scan_command(
    path: Path,
    config_path: Path | None,
    traces: tuple[Path, ...],
    json_out: Path | None,
    sarif_out: Path | None,
    html_out: Path | None,
    md_out: Path | None,
    baseline: Path | None,
    baseline_ref: str | None,
    fail_on: str | None,
    jobs: int | None,
    source_url: str | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Scan the repository at PATH and report findings."""
    config = _config(path, config_path)
    url = source_url or config.source_url or _github_source_url()
    if url:
        config = dataclasses.replace(config, source_url=url.rstrip("/"))
    if baseline and baseline_ref:
        _fail("use either --baseline or --baseline-ref, not both")
    try:
        baseline_data: Path | dict[str, object] | None = baseline
        if baseline_ref:
            baseline_data = baseline_from_revision(path, baseline_ref, config, traces, jobs)
        result = scan(path, config, traces=traces, baseline=baseline_data, jobs=jobs)
    except ConfigError as exc:
        _fail(str(exc))
        return
    except Exception as exc:
        _internal_failure(exc, verbose)
        return
    outputs = [
        (json_out, render_json),
        (sarif_out, render_sarif),
        (html_out, render_html),
        (md_out, render_markdown),
    ]
    try:
        for target, render in outputs:
            if target is not None:
                _write(target, render(result))
    except OSError as exc:  # the output path: the user's to fix
        _fail(f"cannot write {exc.filename}: {exc.strerror}")
    except Exception as exc:
        _internal_failure(exc, verbose)
    if not quiet:
        click.echo(render_console(result, color=sys.stdout.isatty()))
        if verbose:
            for diag in result.diagnostics:
                if diag.origin:
                    click.echo(f"  {diag.path}:{diag.line}: failed at {diag.origin}")
        for target, _ in outputs:
            if target is not None:
                click.echo(f"wrote {target}")
    threshold = fail_on or config.fail_on or "error"
    failing = [f for f in result.findings if counts_toward_failure(f, threshold, baseline_data is not None)]
    sys.exit(1 if failing else 0)


@main.command("graph")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "dot", "mermaid", "graphml"]), default="json")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--traces", "traces", multiple=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def graph_command(
    path: Path, fmt: str, config_path: Path | None, traces: tuple[Path, ...], output: Path | None
) -> None:
    """Export the architecture graph of PATH."""
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
    config = _config(Path.cwd(), config_path)
    rules, diagnostics = load_rules(config)
    for diag in diagnostics:
        click.echo(f"{diag.path}:{diag.line}: {diag.level}: {diag.message}", err=True)
    return rules


@rules_group.command("list")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rules_list(config_path: Path | None) -> None:
    """One line per rule: id, name, severity, title."""
    for rule in sorted(_loaded_rules(config_path), key=lambda r: r.meta.id):
        meta = rule.meta
        click.echo(f"{meta.id:8} {meta.name:36} {meta.severity.value:8} {meta.title}")


@rules_group.command("show")
@click.argument("name")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
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
def rules_docs(config_path: Path | None, output: Path | None) -> None:
    """Markdown reference generated from rule metadata."""
    text = render_rules_docs([r.meta for r in _loaded_rules(config_path)])
    if output:
        _write(output, text)
    else:
        click.echo(text)


@rules_group.command("test")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rules_test(directory: Path, config_path: Path | None) -> None:
    """Run rule test cases (pass_*/fail_* folders with expected.yaml) under DIRECTORY."""
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
def baseline_create(path: Path, output: Path, config_path: Path | None, traces: tuple[Path, ...]) -> None:
    """Scan PATH and write its findings as a baseline file."""
    config = _config(path, config_path)
    try:
        result = scan(path, config, traces=traces)
    except ConfigError as exc:
        _fail(str(exc))
        return
    data = create_baseline(result.active_findings)
    _write(output, json.dumps(data, indent=2, sort_keys=True) + "\n")
    click.echo(f"wrote {output} ({len(result.active_findings)} findings)")
