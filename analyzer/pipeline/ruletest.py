"""``archconform rules test DIR``: rule test cases are small repositories.

A case is a folder named ``pass_*`` or ``fail_*`` holding a tiny repo and ``expected.yaml``::

    rule: shared-database          # the rule under test (default: the case's parent folder name)
    findings:                      # fail_* cases: exactly these findings of that rule
      - path: docker-compose.yml
        line: 12
        message: "2 services share ..."   # optional: compared exactly when given

A ``pass_*`` case must produce no finding of the rule; a ``fail_*`` case exactly the listed
(path, line[, message]) set. Other rules may fire in a case repo; only the rule under test counts.
Cases may carry their own ``archconform.yml``; ``--config`` adds its ``rule_paths`` (and its
Python opt-in) to every case, so a team tests its own rules with the same harness we use.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.config import Config, ConfigError
from analyzer.model.limits import safe_load_bounded
from analyzer.pipeline import load_project_config, scan


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: str
    rule: str
    ok: bool
    problems: tuple[str, ...]


def find_cases(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.rglob("*")
        if p.is_dir() and p.name.startswith(("pass_", "fail_")) and (p / "expected.yaml").is_file()
    )


def _expected(case: Path) -> tuple[str, list[dict[str, Any]]]:
    data = safe_load_bounded((case / "expected.yaml").read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{case.name}/expected.yaml", 1, "expected.yaml is a mapping with 'rule' and 'findings'"
        )
    rule = str(data.get("rule") or case.parent.name)
    findings = data.get("findings") or []
    if not isinstance(findings, list) or not all(
        isinstance(f, dict) and "path" in f and "line" in f for f in findings
    ):
        raise ConfigError(f"{case.name}/expected.yaml", 1, "each expected finding needs 'path' and 'line'")
    return rule, findings


def run_case(case: Path, extra: Config | None = None) -> CaseResult:
    label = case.as_posix()
    try:
        rule, expected = _expected(case)
        config = load_project_config(case)
        if extra is not None:
            config = dataclasses.replace(
                config,
                rule_paths=(*config.rule_paths, *extra.rule_paths),
                trusted_rule_paths=(*config.trusted_rule_paths, *extra.trusted_rule_paths),
                allow_python_rules=config.allow_python_rules or extra.allow_python_rules,
            )
        result = scan(case, config, jobs=1)
    except ConfigError as exc:
        return CaseResult(label, "?", False, (f"config error: {exc}",))
    if not any(meta.name == rule or meta.id == rule for meta in result.rules):
        return CaseResult(label, rule, False, (f"no rule named '{rule}' is loaded",))
    got = [f for f in result.active_findings if rule in (f.rule, f.rule_id)]
    problems: list[str] = []
    if case.name.startswith("pass_"):
        problems.extend(f"unexpected finding {f.location}: {f.message}" for f in got)
    else:
        if not expected:
            problems.append("a fail_* case must list at least one expected finding")
        got_keys = {(f.location.path, f.location.line): f for f in got}
        want_keys = {(str(e["path"]), int(e["line"])): e for e in expected}
        for key in sorted(want_keys.keys() - got_keys.keys()):
            problems.append(f"missing finding at {key[0]}:{key[1]}")
        for key in sorted(got_keys.keys() - want_keys.keys()):
            problems.append(f"unexpected finding at {key[0]}:{key[1]}: {got_keys[key].message}")
        for key in sorted(want_keys.keys() & got_keys.keys()):
            message = want_keys[key].get("message")
            if message is not None and message != got_keys[key].message:
                problems.append(
                    f"message at {key[0]}:{key[1]}: expected {message!r}, got {got_keys[key].message!r}"
                )
    crashes = [d for d in result.diagnostics if "failed" in d.message and d.level == "error"]
    problems.extend(f"diagnostic: {d.path}:{d.line}: {d.message}" for d in crashes)
    return CaseResult(label, rule, not problems, tuple(problems))


def run_rule_tests(directory: Path, config_path: Path | None = None) -> tuple[bool, str]:
    """Run every case under ``directory``; returns (all passed, a human-readable report)."""
    # The cases are the scanned trees: a --config beside them (not inside the case folders) is the
    # trusted side, so its Python rule folders load when it allows them.
    extra = load_project_config(directory, config_path) if config_path else None
    cases = find_cases(directory)
    if not cases:
        return False, f"no pass_*/fail_* cases with expected.yaml under {directory}"
    results = [run_case(case, extra) for case in cases]
    lines = []
    for res in results:
        lines.append(f"{'ok  ' if res.ok else 'FAIL'} {res.rule:34} {res.case}")
        lines.extend(f"       {p}" for p in res.problems)
    failed = sum(not r.ok for r in results)
    lines.append(f"{len(results) - failed} passed, {failed} failed")
    return failed == 0, "\n".join(lines)
