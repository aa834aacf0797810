"""Helpers for the attacker's-eye tests: an audit hook that records every file the scan opens
or lists, and a way to run a scan in a child process with its memory and time measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_RECORDING: list[list[str]] = []


_SPAWNS: list[list[list[str]]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _SPAWNS and event == "subprocess.Popen" and len(args) > 1:
        _SPAWNS[-1].append([os.fsdecode(a) for a in args[1] or ()])
    if not _RECORDING or event not in ("open", "os.listdir", "os.scandir"):
        return
    target = args[0] if args else None
    if isinstance(target, (str, bytes, os.PathLike)):
        _RECORDING[-1].append(os.fsdecode(target))


sys.addaudithook(_audit)  # audit hooks cannot be removed: this one records only inside `opened`


@pytest.fixture
def opened() -> Iterator[list[str]]:
    """Every path opened or listed while the test runs (as given to open/scandir)."""
    seen: list[str] = []
    _RECORDING.append(seen)
    try:
        yield seen
    finally:
        _RECORDING.remove(seen)


@pytest.fixture
def spawned() -> Iterator[list[list[str]]]:
    """The argv of every process started while the test runs."""
    seen: list[list[str]] = []
    _SPAWNS.append(seen)
    try:
        yield seen
    finally:
        _SPAWNS.remove(seen)


def touched_under(seen: list[str], folder: Path) -> list[str]:
    """The recorded paths that are ``folder`` or lie under it, symlinks resolved."""
    real = folder.resolve()
    hits = []
    for item in seen:
        try:
            resolved = Path(item).resolve()
        except (OSError, RuntimeError):
            continue
        if resolved == real or real in resolved.parents:
            hits.append(item)
    return hits


_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
    from analyzer.pipeline import scan
    start = time.perf_counter()
    result = scan(Path(sys.argv[1]), jobs=1)
    print(json.dumps({
        "seconds": time.perf_counter() - start,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "diagnostics": [d.to_json() for d in result.diagnostics],
    }))
    """
)


def scan_measured(root: Path, *, memory_mb: int = 1500, timeout: float = 120) -> dict[str, Any]:
    """Scan ``root`` in a child process capped at ``memory_mb`` of address space; returns its wall
    time, peak RSS and diagnostics. A bomb that escapes its limit fails here instead of taking the
    machine down (MemoryError or the timeout)."""
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(root), str(memory_mb * 1024 * 1024)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=root,  # analyzer comes from the installed package (or PYTHONPATH), not the cwd
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])
