"""``archconform.yml``: the optional project configuration at the repo root.

Errors name the file, the 1-based line and what was expected (:class:`ConfigError`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analyzer.model import Severity
from analyzer.model.inputs import (
    DEFAULT_INPUT_LIMITS,
    InputLimitExceeded,
    InputLimits,
    check_flow_depth,
    parse_input_limits,
)
from analyzer.model.schema import StringDatesLoader, schema_problem
from analyzer.resources import rules_dir

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
    traces: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()  # deployed profiles; empty = report all
    fail_on: str = ""
    source_url: str = ""  # where reports link evidence to: <url>/<path>#L<line>
    # Size, depth and time limits per repository file; set by `limits:` (see analyzer.model.inputs).
    input_limits: InputLimits = DEFAULT_INPUT_LIMITS
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
}


def _line_of(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _mapping_lines(node: yaml.Node) -> dict[str, yaml.Node]:
    """Key → value node for a YAML mapping node, for error lines."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def load_config(path: Path, display: str | None = None) -> Config:
    """Parse and validate a config file. Raises :class:`ConfigError` with file and line."""
    shown = display or path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
        check_flow_depth(text, DEFAULT_INPUT_LIMITS.json_max_depth)
        tree = yaml.compose(text)
        data = yaml.load(text, Loader=StringDatesLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise ConfigError(shown, line, f"invalid YAML: {getattr(exc, 'problem', exc)}") from None
    except (RecursionError, InputLimitExceeded):
        raise ConfigError(shown, 1, "nested too deeply to be a configuration") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(shown, 1, f"cannot read config: {exc}") from None
    if data is None:
        return Config(path=shown)
    if not isinstance(data, dict) or tree is None:
        raise ConfigError(shown, 1, "expected a mapping of settings at the top level")
    lines = _mapping_lines(tree)
    for key in data:  # an unknown setting first: its own message names the settings there are
        if key not in _TOP_KEYS:
            line = _line_of(lines.get(str(key)))
            raise ConfigError(
                shown, line, f"unknown setting '{key}'; expected one of {', '.join(sorted(_TOP_KEYS))}"
            )
    problem = schema_problem(data, tree, rules_dir() / "schema" / "config.schema.json")
    if problem is not None:
        raise ConfigError(shown, problem[0], problem[1])

    def fail(key: str, message: str, node: yaml.Node | None = None) -> ConfigError:
        return ConfigError(shown, _line_of(node if node is not None else lines.get(key)), message)

    for key in data:
        if key not in _TOP_KEYS:
            raise fail(str(key), f"unknown setting '{key}'; expected one of {', '.join(sorted(_TOP_KEYS))}")

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
            rules.append((str(name), RuleConfig(enabled=settings)))
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
            raise fail("rules", f"rule '{name}': unknown setting(s) {', '.join(sorted(unknown))}", node)
        rules.append(
            (
                str(name),
                RuleConfig(
                    enabled=bool(settings.get("enabled", True)),
                    severity=Severity(severity) if severity else None,
                    options=tuple(sorted(options.items())),
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
    source_url = data.get("source_url") or ""
    if not isinstance(source_url, str) or (source_url and not source_url.startswith(("https://", "http://"))):
        raise fail(
            "source_url",
            "'source_url' is the http(s) URL of the repository tree, e.g. https://github.com/org/repo/blob/main",
        )
    fail_on = str(data.get("fail_on") or "")
    if fail_on and fail_on not in {"error", "warning", "note", "never"}:
        raise fail("fail_on", "'fail_on' must be error, warning, note or never")
    values, problems = parse_input_limits(data.get("limits") or {})
    if problems:
        raise fail("limits", problems[0])
    return Config(
        input_limits=dataclasses.replace(DEFAULT_INPUT_LIMITS, **values),
        path=shown,
        services=tuple(services),
        aliases=aliases,
        ignore=str_list("ignore", data.get("ignore")),
        rules=tuple(rules),
        contexts=tuple(contexts),
        waivers=tuple(waivers),
        rule_paths=rule_paths,
        allow_python_rules=bool(data.get("allow_python_rules", False)),
        traces=str_list("traces", data.get("traces")),
        profiles=str_list("profiles", data.get("profiles")),
        fail_on=fail_on,
        source_url=source_url.rstrip("/"),
    )
