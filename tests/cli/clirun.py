"""Running the CLI in-process for tests."""

from __future__ import annotations

from click.testing import CliRunner

from analyzer.cli import main
from tests.conftest import FIXTURES

VIOLATIONS = FIXTURES / "systems" / "ecommerce-violations"


def run(*args: str) -> tuple[int, str]:
    """``archconform ARGS`` → (exit code, output)."""
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output
