"""`archconform --version` and `--help` do not pay for the analysis: the heavy libraries are imported
inside the commands that use them (issue 14, start-up)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("networkx", "sqlglot", "tree_sitter", "jinja2", "analyzer.pipeline", "analyzer.reporting")

PROBE = """
import json, sys
from analyzer.cli import main
try:
    main([{arg!r}], standalone_mode=False)
finally:
    sys.stdout.flush()
    print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)
"""


def _loaded(arg: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(arg=arg, heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(done.stderr.strip().splitlines()[-1]))


def test_version_imports_no_heavy_library() -> None:
    assert _loaded("--version") == []


def test_help_imports_no_heavy_library() -> None:
    assert _loaded("--help") == []
