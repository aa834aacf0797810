"""``archconform.yml``: the optional project configuration at the repo root.

Errors name the file, the 1-based line and what was expected (:class:`ConfigError`).

NOTE: the trust boundary (SECURITY.md). A config file inside the scanned tree is written by whoever
wrote the pull request, so it is *untrusted*: it may tune rules, severities, ignores and waivers,
but it cannot enable Python rules, name rule folders or trace files outside the tree, or raise a
limit. Such a setting is dropped and reported as a diagnostic (:attr:`Config.refused`). A config
given with ``--config`` from outside the scanned tree is trusted, as are the command line and the
environment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analyzer.model import Diagnostic, DiagnosticLevel, Severity
from analyzer.model.inputs import check_flow_depth
from analyzer.model.limits import (
    DEFAULT_LIMITS,
    LIMIT_NAMES,
    LimitExceeded,
    Limits,
    compose_bounded,
    load_all_bounded,
)
from analyzer.model.paths import is_inside
from analyzer.model.schema import StringDatesLoader, schema_problem
from analyzer.resources import rules_dir

PYTHON_RULES_ENV = "ARCHCONFORM_ALLOW_PYTHON_RULES"

CONFIG_NAMES = ("archconform.yml", "archconform.yaml", ".archconform.yml")


class ConfigError(Exception):
    """A user mistake in a config or rule file: where and what was expected."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """An explicit service: its name, repo-relative folders, and other names it answers to."""

    name: str
    paths: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleConfig:
    enabled: bool = True
    severity: Severity | None = None
    options: tuple[tuple[str, Any], ...] = ()
    line: int = 0  # where the rule is named in the config, for "unknown rule" errors
    option_lines: tuple[tuple[str, int], ...] = ()

    def option(self, name: str, default: Any = None) -> Any:
        return dict(self.options).get(name, default)


@dataclass(frozen=True, slots=True)
class ContextConfig:
    """A declared bounded context: its services, the datastores it may own, and its team."""

    name: str
    services: tuple[str, ...] = ()
    team: str = ""


@dataclass(frozen=True, slots=True)
class Waiver:
    """Suppress ``rule`` for findings whose subjects include all of ``subjects`` (node ids or names)."""

    rule: str
    reason: str
    subjects: tuple[str, ...] = ()
    until: dt.date | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration; defaults mean "no config file"."""

    path: str = ""
    services: tuple[ServiceConfig, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()  # other name -> canonical service/datastore name
    ignore: tuple[str, ...] = ()
    rules: tuple[tuple[str, RuleConfig], ...] = ()
    contexts: tuple[ContextConfig, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    rule_paths: tuple[str, ...] = ()  # absolute, resolved against the config file's folder
    allow_python_rules: bool = False
    # Rule folders the trusted side named: the only places Python rules are loaded from.
    trusted_rule_paths: tuple[str, ...] = ()
    trusted: bool = True  # False: the file lies inside the scanned tree
    limits: Limits = DEFAULT_LIMITS
    refused: tuple[Diagnostic, ...] = ()  # untrusted settings that were not applied, and why
    traces: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()  # deployed profiles; empty = report all
    fail_on: str = ""
    source_url: str = ""  # where reports link evidence to: <url>/<path>#L<line>
    include_tests: bool = False  # read test sources and report findings in them, generated code, examples
    gitignore: bool = True  # honour the repository's .gitignore files
    automation_id: str = ""  # SARIF automationDetails.id (default: archconform/<scanned path>/)
    raw: tuple[tuple[str, Any], ...] = field(default=())

    def rule(self, name: str) -> RuleConfig:
        return dict(self.rules).get(name, RuleConfig())


def find_config(root: Path) -> Path | None:
    for name in CONFIG_NAMES:
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


_TOP_KEYS = {
    "limits",
    "services",
    "aliases",
    "ignore",
    "rules",
    "contexts",
    "waivers",
    "rule_paths",
    "allow_python_rules",
    "traces",
    "profiles",
    "fail_on",
    "source_url",
    "include_tests",
    "gitignore",
    "automation_id",
}


def did_you_mean(name: str, known: Any) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or nothing.

    >>> did_you_mean("shared-databse", ["shared-database", "missing-saga"])
    " (did you mean 'shared-database'?)"
    """
    close = difflib.get_close_matches(str(name), sorted(str(k) for k in known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _line_of(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _mapping_lines(node: yaml.Node | None) -> dict[str, yaml.Node]:
    """Key → value node for a YAML mapping node, for error lines."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def python_rules_allowed_by_environment() -> bool:
    """``ARCHCONFORM_ALLOW_PYTHON_RULES=1`` (the CI's environment is on the trusted side)."""
    return os.environ.get(PYTHON_RULES_ENV, "").strip().lower() in {"1", "true", "yes"}


def load_config(path: Path, display: str | None = None, *, scanned_root: Path | None = None) -> Config:
    """Parse and validate a config file. Raises :class:`ConfigError` with file and line.

    With ``scanned_root``, a file inside that tree is untrusted (see the module docstring): its
    settings that only the trusted side may make are dropped and listed in ``Config.refused``.
    Without it, the caller vouches for the file (an explicit API or test call).
    """
    shown = display or path.name
    trusted = scanned_root is None or not lies_within(path, scanned_root)
    refused: list[Diagnostic] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
        check_flow_depth(text, DEFAULT_LIMITS.json_max_depth)  # before PyYAML's quadratic scanner
        tree = compose_bounded(text)
        # Timestamps stay strings: the schema says string, and PyYAML raises on `2001-13-45`.
        documents = load_all_bounded(text, StringDatesLoader)
        data = documents[0] if documents else None
    except LimitExceeded as exc:
        raise ConfigError(shown, 1, f"config not read: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise ConfigError(shown, line, f"invalid YAML: {getattr(exc, 'problem', exc)}") from None
    except RecursionError:
        raise ConfigError(shown, 1, "nested too deeply to be a configuration") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(shown, 1, f"cannot read config: {exc}") from None
    if data is None:
        return Config(path=shown, trusted=trusted)
    if not isinstance(data, dict) or tree is None:
        raise ConfigError(shown, 1, "expected a mapping of settings at the top level")
    lines = _mapping_lines(tree)

    def fail(key: str, message: str, node: yaml.Node | None = None) -> ConfigError:
        return ConfigError(shown, _line_of(node if node is not None else lines.get(key)), message)

    def refuse(key: str, message: str) -> None:
        refused.append(
            Diagnostic(
                shown,
                _line_of(lines.get(key)),
                DiagnosticLevel.WARNING,
                f"{message}; configuration inside the scanned repository cannot do this "
                "(pass a --config file from outside it, see SECURITY.md)",
            )
        )

    for key in data:
        if key not in _TOP_KEYS:
            hint = did_you_mean(str(key), _TOP_KEYS) or f"; expected one of {', '.join(sorted(_TOP_KEYS))}"
            key_node = next((k for k, _ in tree.value if getattr(k, "value", None) == key), None)
            raise fail(str(key), f"unknown setting '{key}'{hint}", key_node)
    # The published schema decides every shape before the settings are read: a mapping where a
    # list belongs is one error at its line, not a TypeError further down.
    problem = schema_problem(data, tree, rules_dir() / "schema" / "config.schema.json")
    if problem is not None:
        raise ConfigError(shown, problem[0], problem[1])

    def str_list(key: str, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(key, f"'{key}' must be a list of strings")
        return tuple(value)

    services: list[ServiceConfig] = []
    raw_services = data.get("services") or []
    if not isinstance(raw_services, list):
        raise fail("services", "'services' must be a list of {name, paths, aliases}")
    svc_nodes = lines.get("services")
    for index, item in enumerate(raw_services):
        item_node = svc_nodes.value[index] if isinstance(svc_nodes, yaml.SequenceNode) else None
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise fail("services", "each service needs a 'name' (string)", item_node)
        services.append(
            ServiceConfig(
                item["name"],
                str_list("services", item.get("paths") or item.get("path")),
                str_list("services", item.get("aliases")),
            )
        )

    aliases_raw = data.get("aliases") or {}
    if not isinstance(aliases_raw, dict):
        raise fail("aliases", "'aliases' must map another name to a canonical name")
    aliases = tuple(sorted((str(k), str(v)) for k, v in aliases_raw.items()))
    for svc in services:
        aliases += tuple((a, svc.name) for a in svc.aliases)

    rules: list[tuple[str, RuleConfig]] = []
    rules_raw = data.get("rules") or {}
    if not isinstance(rules_raw, dict):
        raise fail("rules", "'rules' must map rule names to settings")
    rule_lines = _mapping_lines(lines["rules"]) if "rules" in lines else {}
    for name, settings in rules_raw.items():
        node = rule_lines.get(str(name))
        if isinstance(settings, bool):
            rules.append((str(name), RuleConfig(enabled=settings, line=_line_of(node))))
            continue
        if settings is None:
            settings = {}
        if not isinstance(settings, dict):
            raise fail("rules", f"rule '{name}': expected a mapping (enabled, severity, options)", node)
        severity = settings.get("severity")
        if severity is not None and severity not in {s.value for s in Severity}:
            raise fail("rules", f"rule '{name}': severity must be error, warning or note", node)
        options = settings.get("options") or {}
        if not isinstance(options, dict):
            raise fail("rules", f"rule '{name}': options must be a mapping", node)
        unknown = set(settings) - {"enabled", "severity", "options"}
        if unknown:
            first = sorted(unknown)[0]
            hint = did_you_mean(first, {"enabled", "severity", "options"})
            raise fail("rules", f"rule '{name}': unknown setting '{first}'{hint}", node)
        option_nodes = _mapping_lines(_mapping_lines(node).get("options")) if node is not None else {}
        rules.append(
            (
                str(name),
                RuleConfig(
                    enabled=bool(settings.get("enabled", True)),
                    severity=Severity(severity) if severity else None,
                    options=tuple(sorted(options.items())),
                    line=_line_of(node),
                    option_lines=tuple(sorted((k, _line_of(v)) for k, v in option_nodes.items())),
                ),
            )
        )

    contexts: list[ContextConfig] = []
    ctx_raw = data.get("contexts") or {}
    if not isinstance(ctx_raw, dict):
        raise fail("contexts", "'contexts' must map context names to {services, team}")
    for name, spec in ctx_raw.items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise fail("contexts", f"context '{name}': expected a mapping with 'services' and 'team'")
        contexts.append(
            ContextConfig(str(name), str_list("contexts", spec.get("services")), str(spec.get("team") or ""))
        )

    waivers: list[Waiver] = []
    waivers_raw = data.get("waivers") or []
    if not isinstance(waivers_raw, list):
        raise fail("waivers", "'waivers' must be a list of {rule, subjects, reason, until}")
    w_nodes = lines.get("waivers")
    for index, item in enumerate(waivers_raw):
        node = w_nodes.value[index] if isinstance(w_nodes, yaml.SequenceNode) else None
        if not isinstance(item, dict) or "rule" not in item:
            raise fail("waivers", "each waiver needs 'rule' and 'reason'", node)
        if not item.get("reason"):
            raise fail("waivers", f"waiver for '{item['rule']}' needs a 'reason'", node)
        until = item.get("until")
        if until is not None and not isinstance(until, dt.date):
            try:
                until = dt.date.fromisoformat(str(until))
            except ValueError:
                raise fail(
                    "waivers", f"waiver 'until' must be a date YYYY-MM-DD, got {until!r}", node
                ) from None
        waivers.append(
            Waiver(
                str(item["rule"]),
                str(item["reason"]),
                str_list("waivers", item.get("subjects")),
                until,
                _line_of(node),
            )
        )

    base = path.parent
    rule_paths = tuple(str((base / p).resolve()) for p in str_list("rule_paths", data.get("rule_paths")))
    allow_python_rules = bool(data.get("allow_python_rules", False))
    traces = str_list("traces", data.get("traces"))
    limits = _limits(data.get("limits"), lambda message: fail("limits", message))
    if not trusted:
        assert scanned_root is not None
        for folder in rule_paths:
            if not is_inside(Path(folder), scanned_root):
                refuse("rule_paths", f"rule path '{folder}' is outside the scanned repository; not read")
        rule_paths = tuple(p for p in rule_paths if is_inside(Path(p), scanned_root))
        if allow_python_rules:
            refuse("allow_python_rules", "'allow_python_rules: true' ignored: Python rules run code")
            allow_python_rules = False
        for pattern in traces:
            if _leaves_root(pattern):
                refuse("traces", f"trace pattern '{pattern}' leads outside the scanned repository; not read")
        traces = tuple(p for p in traces if not _leaves_root(p))
        raised = [name for name in LIMIT_NAMES if getattr(limits, name) > getattr(DEFAULT_LIMITS, name)]
        if raised:
            refuse("limits", f"limits can only be lowered here; not raised: {', '.join(raised)}")
        limits = DEFAULT_LIMITS.lowered(limits)
    source_url = data.get("source_url") or ""
    if not isinstance(source_url, str) or (source_url and not source_url.startswith(("https://", "http://"))):
        raise fail(
            "source_url",
            "'source_url' is the http(s) URL of the repository tree, e.g. https://github.com/org/repo/blob/main",
        )
    fail_on = str(data.get("fail_on") or "")
    if fail_on and fail_on not in {"error", "warning", "note", "never"}:
        raise fail("fail_on", "'fail_on' must be error, warning, note or never")
    return Config(
        path=shown,
        services=tuple(services),
        aliases=aliases,
        ignore=str_list("ignore", data.get("ignore")),
        rules=tuple(rules),
        contexts=tuple(contexts),
        waivers=tuple(waivers),
        rule_paths=rule_paths,
        allow_python_rules=allow_python_rules,
        trusted_rule_paths=rule_paths if trusted else (),
        trusted=trusted,
        limits=limits,
        refused=tuple(refused),
        traces=traces,
        profiles=str_list("profiles", data.get("profiles")),
        fail_on=fail_on,
        source_url=source_url.rstrip("/"),
        include_tests=bool(data.get("include_tests", False)),
        gitignore=bool(data.get("gitignore", True)),
        automation_id=str(data.get("automation_id") or ""),
    )


def _leaves_root(pattern: str) -> bool:
    """A glob that is absolute or climbs with ``..`` (the matches are checked again when read)."""
    parts = pattern.replace("\\", "/").split("/")
    return pattern.startswith(("/", "\\", "~")) or ".." in parts or (len(pattern) > 1 and pattern[1] == ":")


def _limits(raw: object, fail: Callable[[str], ConfigError]) -> Limits:
    """The ``limits:`` mapping (names of :class:`Limits` → positive integers) over the defaults."""
    if raw is None:
        return DEFAULT_LIMITS
    if not isinstance(raw, dict):
        raise fail(f"'limits' maps limit names to positive integers ({', '.join(LIMIT_NAMES)})")
    values: dict[str, int] = {}
    for name, value in raw.items():
        if name not in LIMIT_NAMES:
            raise fail(f"unknown limit '{name}'; expected one of {', '.join(LIMIT_NAMES)}")
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise fail(f"limit '{name}' must be a positive integer")
        values[str(name)] = value
    return dataclasses.replace(DEFAULT_LIMITS, **values)


def lies_within(path: Path, root: Path) -> bool:
    """Whether ``path`` is in the tree at ``root`` as written *or* once symlinks are followed: a
    config reached through the tree is the tree's, wherever a link sends it."""
    written = Path(os.path.abspath(path))
    for base in {Path(os.path.abspath(root)), root.resolve()}:
        if written == base or base in written.parents:
            return True
    return is_inside(path, root)
