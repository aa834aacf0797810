"""Export one commit of a bare git mirror into a folder, safely, leaving out blobs the mirror lacks.

The mirrors are partial at times (a blob filtered out, an LFS object never fetched): `git archive` stops at
the first missing blob, so the tree is listed first (`git ls-tree -r -z`), every blob is tested in one
`git cat-file --batch-check`, and the missing paths are excluded from the archive and reported.

The repositories are data. Git runs with a clean environment (no user or system config, no hooks, no
fsmonitor, no transport at all, so a promisor remote is never contacted) and `--end-of-options` before the
commit. The tar stream is extracted member by member through `tarfile`'s `data` filter: an absolute or
`..` member, a link pointing out of the target, or a device file is skipped and listed, never written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

GIT_SAFETY = ("-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=", "-c", "protocol.allow=never")


@dataclass
class Export:
    """What an export wrote: the folder, the paths left out because the mirror lacks their blob, and the
    tar members refused by the extraction filter (path, reason)."""

    tree: Path
    missing_blobs: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    files: int = 0


def git_dir(mirror: Path) -> Path:
    """The git directory of a mirror folder: `repo/` itself (bare) or `repo/.git`."""
    return mirror / ".git" if (mirror / ".git").is_dir() else mirror


def clean_env() -> dict[str, str]:
    """An environment in which no user, system or repository setting can change what git does."""
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_NO_LAZY_FETCH": "1",
        "HOME": os.devnull,
    }


def git(mirror: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run git on a mirror and return its stdout; raise RuntimeError with git's message on failure."""
    gd = git_dir(mirror)
    cmd = ["git", "--git-dir", str(gd), "-c", f"safe.directory={gd}", *GIT_SAFETY, *args]
    proc = subprocess.run(cmd, input=stdin, capture_output=True, env=clean_env(), check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"git {args[0]} failed in {gd}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def show(mirror: Path, commit: str, path: str) -> bytes:
    """The content of one file at a commit (`git show COMMIT:path`)."""
    return git(mirror, "cat-file", "blob", "--end-of-options", f"{commit}:{path}")


def missing_blobs(mirror: Path, commit: str) -> list[str]:
    """Paths of the commit's tree whose blob the mirror does not hold (submodules are not blobs)."""
    listing = git(mirror, "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", commit)
    entries: list[tuple[str, str]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        _mode, kind, oid = meta.split(b" ")
        if kind == b"blob":
            entries.append((oid.decode(), path.decode("utf-8", errors="surrogateescape")))
    if not entries:
        return []
    answer = git(mirror, "cat-file", "--batch-check", stdin=b"".join(f"{o}\n".encode() for o, _ in entries))
    lines = answer.decode().splitlines()
    pairs = zip(entries, lines, strict=True)
    return sorted(path for (_oid, path), line in pairs if line.endswith(" missing"))


def export(mirror: Path, commit: str, target: Path) -> Export:
    """Write `commit` (a full object name) of `mirror` into `target` (emptied first)."""
    if not re.fullmatch(r"[0-9a-f]{40}", commit):
        raise ValueError(f"not a full commit id: {commit!r}")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    result = Export(tree=target, missing_blobs=missing_blobs(mirror, commit))
    gd = git_dir(mirror)
    excludes = [f":(exclude,literal){p}" for p in result.missing_blobs]
    cmd = ["git", "--git-dir", str(gd), "-c", f"safe.directory={gd}", *GIT_SAFETY, "archive", "--format=tar"]
    # NOTE: after --end-of-options, git archive (2.39) takes every later word as a pathspec, `--` included.
    cmd += ["--end-of-options", commit, *(["."] if excludes else []), *excludes]
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(), cwd=target
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        dest = str(target.resolve())
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for member in tar:
                try:
                    safe = tarfile.data_filter(member, dest)
                except tarfile.FilterError as exc:
                    result.refused.append((member.name, type(exc).__name__))
                    continue
                if safe is None:
                    continue
                try:
                    tar.extract(safe, dest, filter="fully_trusted", set_attrs=False)
                except (OSError, tarfile.TarError) as exc:
                    result.refused.append((member.name, f"{type(exc).__name__}: {exc}"))
                    continue
                result.files += safe.isfile()
        err = proc.stderr.read().decode(errors="replace").strip()
        if proc.wait() != 0:
            raise RuntimeError(f"git archive failed in {gd}: {err}")
    return result
