"""Scan another git revision of the same repository (for ``scan --baseline-ref``).

The revision is exported with ``git archive`` into a temporary folder, so the working tree is
never touched. Only git itself runs; nothing from the repository is executed.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from analyzer.config import Config, ConfigError
from analyzer.engine import create_baseline


def export_revision(repo: Path, ref: str, into: Path) -> Path:
    """Extract ``ref``'s tree of the folder ``repo`` (inside its git work tree) into ``into``."""
    try:
        top = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        archive = subprocess.run(
            ["git", "-C", top, "archive", "--format=tar", ref], capture_output=True, check=True
        ).stdout
    except FileNotFoundError:
        raise ConfigError("--baseline-ref", 0, "git is not installed") from None
    except subprocess.CalledProcessError as exc:
        message = (exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr or "").strip()
        raise ConfigError("--baseline-ref", 0, f"cannot read revision '{ref}': {message}") from None
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    sub = repo.resolve().relative_to(Path(top).resolve())
    return into / sub


def temporary_folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="archconform-ref-")


def baseline_from_revision(
    root: Path, ref: str, config: Config, traces: Sequence[Path] = (), jobs: int | None = None
) -> dict[str, Any]:
    """The baseline of git revision ``ref`` of the repository at ``root``: that tree, exported to a
    temporary folder and scanned with the same configuration (only the code may differ)."""
    from analyzer.pipeline import scan  # the package imports this module: import at call time

    with temporary_folder() as tmp:
        old = scan(export_revision(root, ref, Path(tmp)), config, traces=traces, jobs=jobs)
        return create_baseline(old.active_findings)
