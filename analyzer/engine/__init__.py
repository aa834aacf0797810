"""The rule engine: load rules, evaluate them over the graph, suppress and baseline findings.

Built-in rules are YAML files in ``rules/`` written in the same language users write. User rules
come from ``rule_paths`` in the config (YAML always; Python only when the trusted side allows it
and named the folder: see :func:`_python_rule_refusal`) and from installed packages (entry-point
group ``archconform.rules``, which the environment installed and is therefore trusted).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from analyzer.config import Config, ConfigError, did_you_mean
from analyzer.engine.advice import advise
from analyzer.engine.dedupe import FactKeys, drop_non_production, is_non_production, merge_duplicates
from analyzer.engine.index import GraphIndex
from analyzer.engine.loader import RuleError, load_entry_points, load_python_file, parse_rule, rule
from analyzer.engine.rules import Report, Rule
from analyzer.engine.suppress import (
    InlineSuppression,
    apply_baseline,
    apply_suppressions,
    create_baseline,
    parse_inline,
)
from analyzer.model import ArchGraph, Diagnostic, DiagnosticLevel, Finding
from analyzer.model.paths import is_inside
from analyzer.resources import rules_dir

__all__ = [
    "FactKeys",
    "InlineSuppression",
    "Report",
    "Rule",
    "RuleError",
    "advise",
    "apply_baseline",
    "apply_suppressions",
    "check_rule_config",
    "create_baseline",
    "drop_non_production",
    "evaluate",
    "is_non_production",
    "load_rule_file",
    "load_rules",
    "merge_duplicates",
    "parse_inline",
    "rule",
]

RULE_SUFFIXES = (".yml", ".yaml")


def _display(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.name


def load_rule_file(path: Path, display: str, validate: bool = True) -> Rule:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(display, 1, f"cannot read rule file: {exc}") from None
    try:
        return parse_rule(text, display, validate)
    except RuleError as exc:
        raise ConfigError(exc.path, exc.line, exc.message) from None
    except RecursionError:
        raise ConfigError(display, 1, "nested too deeply to be a rule") from None
    except Exception as exc:  # a shape the schema let through and the compiler did not expect
        raise ConfigError(display, 1, f"rule not understood ({type(exc).__name__}: {exc})") from None


def _yaml_rules(folder: Path, base: Path, contained: bool = False, builtin: bool = False) -> list[Rule]:
    """The YAML rules of a folder (or one file). ``contained``: a folder an untrusted config named,
    whose files must not lead out of it (a committed symlink to a file elsewhere is not read).
    ``builtin``: our own pack, schema-checked by the test suite rather than on every scan."""
    files = (
        [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.suffix in RULE_SUFFIXES)
    )
    if contained:
        files = [p for p in files if is_inside(p, folder)]
    return [
        load_rule_file(p, _display(p, base), validate=not builtin)
        for p in files
        if p.is_file() and "schema" not in p.parts
    ]


def _python_rule_refusal(config: Config, folder: str) -> str:
    """Why Python rules of ``folder`` are not loaded ('' if they are): they run code, so both the
    permission and the folder must come from the trusted side (SECURITY.md)."""
    if not config.allow_python_rules:
        return (
            "Python rule not loaded: Python rules run code; pass --allow-python-rules "
            "(or set 'allow_python_rules: true' in a --config file outside the scanned repository)"
        )
    if folder not in config.trusted_rule_paths:
        return (
            "Python rule not loaded: its rule path was named by configuration inside the scanned "
            "repository; name it in a --config file outside the repository"
        )
    return ""


def load_rules(config: Config) -> tuple[list[Rule], list[Diagnostic]]:
    """All rules: built-in, then user folders, then plugins. Raises ConfigError for a bad rule file."""
    builtin = rules_dir()
    rules: list[Rule] = _yaml_rules(builtin, builtin.parent, builtin=True)
    diagnostics: list[Diagnostic] = []
    config_dir = Path(config.path).parent if config.path else Path.cwd()
    for folder_name in config.rule_paths:
        folder = Path(folder_name)
        try:
            exists = folder.exists()
            if exists:
                contained = folder_name not in config.trusted_rule_paths
                rules.extend(_yaml_rules(folder, config_dir, contained=contained))
                py_files = (
                    [folder]
                    if folder.suffix == ".py"
                    else sorted(folder.rglob("*.py"))
                    if folder.is_dir()
                    else []
                )
        except OSError as exc:  # a name too long, a loop, no permission: the user's path, their error
            raise ConfigError(
                config.path or "archconform.yml",
                1,
                f"rule path {folder_name[:200]} cannot be read: {exc.strerror}",
            ) from None
        if not exists:
            raise ConfigError(config.path or "archconform.yml", 1, f"rule path {folder_name} does not exist")
        refusal = _python_rule_refusal(config, folder_name)
        for py in py_files:
            if refusal:
                diagnostics.append(Diagnostic(_display(py, config_dir), 1, DiagnosticLevel.WARNING, refusal))
                continue
            try:
                rules.extend(load_python_file(py))
            except Exception as exc:
                diagnostics.append(
                    Diagnostic(
                        _display(py, config_dir),
                        1,
                        DiagnosticLevel.ERROR,
                        f"Python rule failed to load: {exc}",
                    )
                )
    plugin_rules, diags = load_entry_points()
    rules.extend(plugin_rules)
    diagnostics.extend(diags)
    unique: dict[str, Rule] = {}
    for item in rules:
        if item.meta.name in unique:
            diagnostics.append(
                Diagnostic(
                    item.meta.source,
                    1,
                    DiagnosticLevel.ERROR,
                    f"rule name '{item.meta.name}' is already defined by "
                    f"{unique[item.meta.name].meta.source}",
                )
            )
            continue
        unique[item.meta.name] = item
    check_rule_config(config, list(unique.values()))
    return list(unique.values()), diagnostics


def check_rule_config(config: Config, rules: Sequence[Rule]) -> None:
    """Rule and option names under ``rules:`` in the config must exist: a typo that silently
    disables nothing is worse than an error. Raises :class:`ConfigError` with a "did you mean"."""
    by_name = {r.meta.name: r for r in rules}
    by_name.update({r.meta.id: r for r in rules})
    where = config.path or "archconform.yml"
    for name, settings in config.rules:
        found = by_name.get(name)
        if found is None:
            hint = did_you_mean(name, [r.meta.name for r in rules])
            raise ConfigError(where, settings.line or 1, f"unknown rule '{name}'{hint}")
        lines = dict(settings.option_lines)
        for option, _ in settings.options:
            if option not in found.options:
                hint = did_you_mean(option, found.options) or (
                    f"; '{name}' has options {', '.join(sorted(found.options))}"
                    if found.options
                    else f"; '{name}' has no options"
                )
                line = lines.get(option) or settings.line or 1
                raise ConfigError(where, line, f"rule '{name}': unknown option '{option}'{hint}")


def _enabled(rule_: Rule, config: Config) -> tuple[bool, dict[str, Any], Any]:
    configured = dict(config.rules)
    rc = configured.get(rule_.meta.name) or configured.get(rule_.meta.id)
    if rc is None:
        return rule_.default_enabled, dict(rule_.options), None
    return rc.enabled, {**rule_.options, **dict(rc.options)}, rc.severity


def evaluate(
    graph: ArchGraph, rules: Sequence[Rule], config: Config, failed: list[str] | None = None
) -> tuple[list[Finding], list[Diagnostic]]:
    """Run every enabled rule once over one shared index; findings sorted and de-duplicated.

    A rule that raises becomes an error diagnostic and its name is appended to ``failed`` (the
    scan then cannot claim it checked everything: exit code 3, SARIF executionSuccessful false)."""
    index = GraphIndex.build(graph)
    findings: dict[str, Finding] = {}
    diagnostics: list[Diagnostic] = []
    for item in sorted(rules, key=lambda r: r.meta.id):
        enabled, options, severity = _enabled(item, config)
        if not enabled:
            continue
        try:
            produced = item.evaluate(index, options)
        except Exception as exc:
            diagnostics.append(
                Diagnostic(
                    item.meta.source,
                    0,
                    DiagnosticLevel.ERROR,
                    f"rule '{item.meta.name}' failed to evaluate: {exc!r}",
                )
            )
            if failed is not None:
                failed.append(item.meta.name)
            continue
        for finding in produced:
            if severity is not None:
                finding = dataclasses.replace(finding, severity=severity)
            findings.setdefault(finding.fingerprint, finding)
    return sorted(findings.values(), key=lambda f: f.sort_key), diagnostics
