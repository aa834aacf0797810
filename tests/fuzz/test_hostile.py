"""``fixtures/hostile/`` scans to completion within the limits, beside a good system whose findings
do not change; user files that crashed the loaders get exit-2 errors with file and line.

The tree gets what cannot be committed at test time: a file over the size limit, a symlink loop,
symlinks out of the repository, a FIFO where a config file would be.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from analyzer.config import Config
from analyzer.model.limits import DEFAULT_LIMITS
from analyzer.pipeline import scan
from tests.conftest import FIXTURES, SHARED

HOSTILE = FIXTURES / "hostile"
USER_FILES = HOSTILE / "inputs" / "user-files"

# (path, fragment of the diagnostic that must name it)
EXPECTED_DIAGNOSTICS = (
    ("inputs/appsettings-deep/appsettings.json", "limit json_max_depth"),
    ("inputs/compose-deep/docker-compose.yml", "limit json_max_depth"),
    ("inputs/binary/src/Main.java", "binary file"),
    ("inputs/binary/db/migration/V1__blob.sql", "binary file"),
    ("inputs/code-deep/src/deep.py", "limit code_max_depth"),
    ("inputs/code-deep-blocks/main.go", "limit code_max_depth"),
    ("inputs/code-concat/src/Concat.java", "limit code_max_depth"),
    ("inputs/code-concat/src/concat.js", "limit code_max_depth"),
    ("inputs/latin1/src/main/resources/application.properties", "not valid UTF-8"),
    ("inputs/large/src/main/resources/application.yml", "byte limit"),
    ("inputs/compose-deep-block/docker-compose.yml", "limit yaml_max_depth"),
    ("", "'inputs/names/db/migration/V2__\\xff.sql' not read"),
    ("", "'inputs/names/db/migration/V3__a\\b.sql' not read"),
    ("", "'inputs/names/db/migration/V4__new\\nline.sql' not read"),
)


# System-wide aggregates legitimately count what the other files declare (datastore technologies).
SYSTEM_WIDE = frozenset({"polyglot-persistence-sprawl"})


def _findings(result_json: dict[str, object], prefix: str = "") -> set[tuple[object, ...]]:
    found = set()
    for item in result_json["findings"]:  # type: ignore[attr-defined]
        path = item["location"]["path"]
        if path.startswith(prefix) and item["rule"] not in SYSTEM_WIDE:
            found.add(
                (
                    item["rule"],
                    path[len(prefix) :],
                    item["location"]["line"],
                    item["message"],
                    item["fingerprint"],
                )
            )
    return found


@pytest.fixture(scope="module")
def hostile_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("hostile") / "repo"
    shutil.copytree(HOSTILE, tree, ignore=shutil.ignore_patterns("fuzz", "README.md"))
    large = tree / "inputs" / "large" / "src" / "main" / "resources" / "application.yml"
    large.parent.mkdir(parents=True)
    line = b"spring.datasource.url: jdbc:postgresql://large-db:5432/large\n"
    with large.open("wb") as handle:
        for _ in range(DEFAULT_LIMITS.config_max_bytes // len(line) + 10):
            handle.write(line)
    (tree / "inputs" / "large" / "Dockerfile").write_text("FROM scratch\n")
    loop = tree / "inputs" / "loop"
    loop.mkdir()
    (loop / "again").symlink_to("..", target_is_directory=True)
    (loop / "self").symlink_to("self")
    (tree / "inputs" / "outside").symlink_to("/etc", target_is_directory=True)
    secrets = tree / "inputs" / "secrets" / "src" / "main" / "resources"
    secrets.mkdir(parents=True)
    (secrets / "application.properties").symlink_to("/etc/passwd")
    names = tree / "inputs" / "names" / "db" / "migration"
    names.mkdir(parents=True)
    (names.parent.parent / "Dockerfile").write_text("FROM scratch\n")
    for raw in (b"V2__\xff.sql", b"V3__a\\b.sql", b"V4__new\nline.sql", b"V5__<script>alert(4).sql"):
        with open(os.path.join(os.fsencode(names), raw), "wb") as handle:
            handle.write(b"CREATE TABLE odd (id int);\n")
    fifo = tree / "inputs" / "fifo" / "src" / "main" / "resources"
    fifo.mkdir(parents=True)
    os.mkfifo(fifo / "application.properties")
    return tree


@pytest.fixture(scope="module")
def hostile_scan(hostile_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float, int]:
    out = tmp_path_factory.mktemp("hostile-out")
    args = [sys.executable, "-m", "analyzer", "scan", str(hostile_tree), "--fail-on", "never", "--quiet"]
    for name, suffix in (("json", "json"), ("sarif", "sarif"), ("html", "html"), ("markdown", "md")):
        args += [f"--{name}", str(out / f"report.{suffix}")]
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    return out, time.perf_counter() - start, done.returncode


def test_the_hostile_tree_scans_to_completion_within_the_limits(
    hostile_scan: tuple[Path, float, int],
) -> None:
    out, seconds, code = hostile_scan
    assert code == 0
    assert seconds < 120, f"the hostile tree took {seconds:.0f} s"
    data = json.loads((out / "report.json").read_text())
    schema = json.loads((SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft7Validator(schema).validate(json.loads((out / "report.sarif").read_text()))
    diagnostics = [(d["path"], d["message"]) for d in data["diagnostics"]]
    for path, fragment in EXPECTED_DIAGNOSTICS:
        assert any(p == path and fragment in m for p, m in diagnostics), (path, fragment, diagnostics)
    assert not [d for d in data["diagnostics"] if "internal error" in d["message"]]
    read = {e["path"] for n in data["graph"]["nodes"] for e in n["evidence"]}
    assert not [
        p for p in read if p.startswith(("inputs/outside", "inputs/secrets", "inputs/loop", "inputs/fifo"))
    ]


def test_the_good_system_keeps_its_findings(hostile_scan: tuple[Path, float, int]) -> None:
    out, _, _ = hostile_scan
    from analyzer.reporting import render_json

    alone = json.loads(render_json(scan(HOSTILE / "good", Config())))
    beside = json.loads((out / "report.json").read_text())
    assert _findings(alone)
    assert _findings(beside, "good/") == _findings(alone)


def test_hostile_names_are_escaped_in_every_output(hostile_scan: tuple[Path, float, int]) -> None:
    out, _, _ = hostile_scan
    html = (out / "report.html").read_text()
    markdown = (out / "report.md").read_text()
    for raw in ("<img src=x onerror=alert(1)>", "<script>alert(2)</script>", "<b>x</b>", "<script>alert(4)"):
        assert raw not in html
    prose = re.sub(r"(?ms)^```.*?^```", "", markdown)  # Mermaid blocks have their own escaping
    assert not re.search(r"(?<!\\)<(img|script|b>)", prose)
    assert "](javascript:" not in prose.replace("\\]", "")
    json.loads((out / "report.sarif").read_text())  # JSON escapes the rest


@pytest.mark.parametrize(
    ("name", "line", "fragment"),
    [
        ("rule-mapping-for-list.yml", 10, "match.edges: expected a list"),
        ("rule-deep.yml", 1, "nested deeper than 200"),
    ],
)
def test_crashing_rule_files_are_user_errors(tmp_path: Path, name: str, line: int, fragment: str) -> None:
    rules = tmp_path / "team-rules"
    rules.mkdir()
    shutil.copy(USER_FILES / name, rules / name)
    (tmp_path / "archconform.yml").write_text("rule_paths: [team-rules]\n")
    code, err = _cli_scan(tmp_path)
    assert code == 2 and "Traceback" not in err
    assert f"{name}:{line}:" in err and fragment in err, err


@pytest.mark.parametrize(
    ("name", "line", "fragment"),
    [
        ("archconform-long-rule-path.yml", 1, "rule_paths[0]"),
        ("archconform-mutated.yml", 2, "rules.shared-database: expected"),
    ],
)
def test_crashing_config_files_are_user_errors(tmp_path: Path, name: str, line: int, fragment: str) -> None:
    shutil.copy(USER_FILES / name, tmp_path / "archconform.yml")
    code, err = _cli_scan(tmp_path)
    assert code == 2 and "Traceback" not in err
    assert f"archconform.yml:{line}:" in err and fragment in err, err


def _cli_scan(tree: Path) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "analyzer", "scan", str(tree), "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stderr
