"""Shared by the CLI tests: a writable copy of the violations fixture system."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.clirun import VIOLATIONS


@pytest.fixture()
def shop(tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(VIOLATIONS, target)
    return target
