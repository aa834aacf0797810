"""Shared test helpers: repo paths and the real-data folder beside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
# The real-data folder sits beside the main checkout; a git worktree one level deeper finds it
# in the nearest ancestor that has one.
SHARED = next(
    (p / "shared" for p in REPO.parents if (p / "shared" / "schemas").is_dir()), REPO.parent / "shared"
)


@pytest.fixture
def repo_root() -> Path:
    return REPO
