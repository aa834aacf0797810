"""Hostile repository content that once cost gigabytes or minutes (issue #15, hole 4), generated
rather than committed. Each writer puts one bomb into a repository folder and returns the
repo-relative path the scan must report it at.

Measure before/after by hand: ``python -m tests.security.bombs [NAME ...]`` scans each bomb in a
child process capped at 1.5 GB of address space and prints wall time and peak RSS.
"""

from __future__ import annotations

import gzip
import itertools
import sys
import zlib
from collections.abc import Callable
from pathlib import Path


def _with_services(repo: Path) -> None:
    """Two services built from folders, so that per-service extractors read the bombs."""
    compose = repo / "docker-compose.yml"
    if not compose.exists():
        compose.write_text("services:\n  orders:\n    build: ./orders\n  billing:\n    build: ./Billing\n")


def _alias_levels(levels: int = 9, width: int = 9) -> list[str]:
    """Lines of a YAML alias bomb: each level is ``width`` copies of the one before."""
    names = [f"l{i}" for i in range(levels + 1)]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(["lol"] * width) + "]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * width) + "]")
    return lines


def spring_yaml_alias(repo: Path) -> str:
    _with_services(repo)
    path = "orders/src/main/resources/application.yml"
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("spring:\n  application:\n    name: orders\n" + "\n".join(_alias_levels()) + "\n")
    return path


def appsettings_alias(repo: Path) -> str:
    """JSON is read as YAML, so a ``.json`` file can carry anchors too."""
    _with_services(repo)
    path = "Billing/appsettings.json"
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    body = ",\n".join("  " + line.replace(": ", '": ', 1).replace("l", '"l', 1) for line in _alias_levels())
    target.write_text("{\n" + body + "\n}\n")
    return path


def liquibase_entities(repo: Path) -> str:
    _with_services(repo)
    path = "orders/src/main/resources/db/changelog/db.changelog-master.xml"
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    entities = ['<!ENTITY e0 "lollollollollollollollollollol">']
    entities += [f'<!ENTITY e{i} "{("&e" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    target.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE databaseChangeLog [\n'
        + "\n".join(entities)
        + "\n]>\n<databaseChangeLog>\n <changeSet id='1' author='x'>\n"
        + "  <sql>&e9;</sql>\n </changeSet>\n</databaseChangeLog>\n"
    )
    return path


def gzip_trace(repo: Path, gigabytes: float = 1.0) -> str:
    """A gzipped "JSON" trace of about a megabyte that inflates to ``gigabytes`` of one line."""
    _with_services(repo)
    path = "traces/bomb.json.gz"
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    chunk = b" " * (1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    with open(target, "wb") as out:
        out.write(packer.compress(b'{"resourceSpans": ['))
        for _ in range(int(gigabytes * 1024)):
            out.write(packer.compress(chunk))
        out.write(packer.compress(b"]}"))
        out.write(packer.flush())
    (repo / "archconform.yml").write_text("traces: ['traces/*.gz']\n")
    with gzip.open(target) as check:
        assert check.read(19) == b'{"resourceSpans": ['
    return path


def properties_backslashes(repo: Path) -> str:
    """One 44-byte line of backslashes: the old key/value regex backtracked exponentially."""
    _with_services(repo)
    path = "orders/src/main/resources/application.properties"
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("spring.application.name=orders\n" + "\\" * 44 + "!\n")
    return path


def tree_sitter_parens(repo: Path, size: int = 100_000) -> str:
    """One line of ``(``: every unfinished call nests in the next."""
    _with_services(repo)
    path = "orders/app.py"
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("import requests\n" + "(" * size + "\n")
    return path


BOMBS: dict[str, Callable[[Path], str]] = {
    "spring-yaml-alias": spring_yaml_alias,
    "appsettings-alias": appsettings_alias,
    "liquibase-entities": liquibase_entities,
    "gzip-trace": gzip_trace,
    "properties-backslashes": properties_backslashes,
    "tree-sitter-parens": tree_sitter_parens,
}


def _measure(names: list[str]) -> None:
    import tempfile

    from tests.security.conftest import scan_measured

    for name in names or list(BOMBS):
        with tempfile.TemporaryDirectory() as tmp:
            repo = Path(tmp) / "repo"
            repo.mkdir()
            path = BOMBS[name](repo)
            try:
                out = scan_measured(repo, timeout=150)
            except Exception as exc:  # the "before" numbers: MemoryError or a timeout
                print(f"{name:24} FAILED: {type(exc).__name__}: {str(exc)[-300:]}")
                continue
            notes = [d["message"] for d in out["diagnostics"] if d["path"] == path]
            print(f"{name:24} {out['seconds']:7.2f} s  {out['max_rss_mb']:7.0f} MB  {notes[:1]}")


if __name__ == "__main__":
    _measure(sys.argv[1:])
