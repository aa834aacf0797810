"""Scan another git revision of the same repository (for ``scan --baseline-ref``).

The revision's files are copied out of git's object store into a temporary folder, so the working
tree is never touched. The ref usually comes from CI configuration but may be built from a branch
name a pull request chose, and the repository's own git configuration may be hostile, so git runs
without surprises (SECURITY.md):

- the ref is refused if it could be read as an option, then verified as a commit with
  ``git rev-parse --verify --end-of-options REF^{commit}``; later commands get the commit id only;
- git runs with a clean environment (no ``GIT_*`` variables, no global or system config) and
  ``-c`` settings that turn off hooks, ``core.fsmonitor``, every transport protocol, external
  diff and textconv and replace refs;
- files are read with ``git ls-tree`` and ``git cat-file`` — raw blobs, so no clean/smudge
  filter, ``export-subst`` or textconv can run — and written by us into a folder we created:
  symlinks and submodules are skipped, and an entry whose path would leave the folder is refused.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import IO, Any

from analyzer.config import Config, ConfigError
from analyzer.engine import create_baseline

# Settings given on every git command line: they win over the repository's own config.
SAFE_GIT_CONFIG = (
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.untrackedCache=false",
    "core.attributesFile=/dev/null",
    "core.sshCommand=false",
    "core.gitProxy=",
    "protocol.allow=never",
    "diff.external=",
    "credential.helper=",
)
# Blobs larger than this are not exported (the scan would skip them anyway).
MAX_BLOB_BYTES = 4 * 1024 * 1024
_WHERE = "--baseline-ref"


def git_environment(home: str) -> dict[str, str]:
    """A minimal environment for git: only ``PATH`` survives from ours; no ``GIT_*`` variable,
    no global or system config, no prompts, no replace refs."""
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": home,
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
    }


def _work_tree_top(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` with a ``.git`` entry (folder or worktree file)."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


class _Git:
    """Runs git in one folder with the safe settings and environment."""

    def __init__(self, cwd: Path, home: str) -> None:
        self.cwd = cwd
        self.env = git_environment(home)
        # NOTE: the clean environment drops the global config, and with it a safe.directory entry
        # CI adds for a checkout owned by another user (actions/checkout in containers). Naming the
        # one work tree we read keeps --baseline-ref working there; the settings above already
        # disarm what a hostile .git/config could make these read-only commands run.
        top = _work_tree_top(cwd)
        self.extra = (f"safe.directory={top}",) if top is not None else ()

    def command(self, *args: str) -> list[str]:
        settings = [part for item in (*SAFE_GIT_CONFIG, *self.extra) for part in ("-c", item)]
        return ["git", "--no-replace-objects", *settings, *args]

    def run(self, *args: str) -> bytes:
        try:
            done = subprocess.run(
                self.command(*args),
                cwd=self.cwd,
                env=self.env,
                capture_output=True,
                check=True,
                stdin=subprocess.DEVNULL,
            )
        except FileNotFoundError:
            raise ConfigError(_WHERE, 0, "git is not installed") from None
        except subprocess.CalledProcessError as exc:
            message = exc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ConfigError(_WHERE, 0, message[-1] if message else f"git {args[0]} failed") from None
        return done.stdout

    def popen(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.command(*args),
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )


def check_ref(ref: str) -> None:
    """Refuse a ref git could read as an option or that no ref name can contain."""
    if not ref or ref.startswith("-") or any(ch in ref for ch in "\0\n\r") or len(ref) > 1024:
        raise ConfigError(_WHERE, 0, f"{ref!r} is not a git revision (refs cannot start with '-')")


def _safe_relative(path: str) -> PurePosixPath | None:
    """``path`` from a tree listing, if every part is an ordinary name (no '', '.', '..', '.git')."""
    parts = path.split("/")
    if any(part in ("", ".", "..") or part.lower() == ".git" or "\\" in part for part in parts):
        return None
    return PurePosixPath(*parts)


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = stream.read(size)
        if not chunk:
            raise ConfigError(_WHERE, 0, "git cat-file ended early")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def export_revision(repo: Path, ref: str, into: Path) -> Path:
    """Write ``ref``'s files of the folder ``repo`` (inside its git work tree) under ``into``;
    returns the folder that corresponds to ``repo``. Raises :class:`ConfigError` for a bad ref."""
    check_ref(ref)
    with tempfile.TemporaryDirectory(prefix="archconform-git-home-") as home:
        git = _Git(repo.resolve(), home)
        top = Path(os.fsdecode(git.run("rev-parse", "--show-toplevel").strip()))
        try:
            commit = git.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
        except ConfigError:
            raise ConfigError(
                _WHERE, 0, f"cannot read revision '{ref}': not a commit in this repository"
            ) from None
        commit_id = commit.decode("ascii", "replace").strip()
        if not commit_id or not all(c in "0123456789abcdef" for c in commit_id):
            raise ConfigError(_WHERE, 0, f"cannot read revision '{ref}'")
        sub = repo.resolve().relative_to(top.resolve()).as_posix()
        treeish = commit_id if sub in ("", ".") else f"{commit_id}:{sub}"
        try:
            listing = git.run("ls-tree", "-r", "-z", "-l", "--full-tree", "--end-of-options", treeish)
        except ConfigError:
            listing = b""  # the folder did not exist in that revision: an empty baseline
        _write_blobs(git, _blobs(listing), into)
    return into


def _blobs(listing: bytes) -> list[tuple[str, PurePosixPath, bool]]:
    """(object id, safe relative path, executable) of every regular file in an ``ls-tree -l`` listing."""
    out = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        fields = meta.split()
        if len(fields) != 4:
            continue
        mode, kind, oid, size = (f.decode("ascii", "replace") for f in fields)
        # 120000 symlinks and 160000 submodules are skipped: a link could point anywhere.
        if kind != "blob" or mode not in ("100644", "100755") or not size.isdigit():
            continue
        if int(size) > MAX_BLOB_BYTES:
            continue
        relative = _safe_relative(os.fsdecode(raw_path))
        if relative is not None:
            out.append((oid, relative, mode == "100755"))
    return out


def _write_blobs(git: _Git, blobs: list[tuple[str, PurePosixPath, bool]], into: Path) -> None:
    root = into.resolve()
    proc = git.popen("cat-file", "--batch")
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for oid, relative, _ in blobs:
            proc.stdin.write(oid.encode("ascii") + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise ConfigError(_WHERE, 0, f"git cat-file: unexpected answer for {oid}")
            data = _read_exact(proc.stdout, int(header[2]))
            _read_exact(proc.stdout, 1)  # the newline after each object
            target = root.joinpath(*relative.parts)
            # Only folders we created lie between root and target (no links were written), so
            # resolving proves the target is inside the export.
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.parent.resolve() != root.joinpath(*relative.parts[:-1]):
                continue
            try:
                with open(target, "xb") as handle:  # never through an existing file or link
                    handle.write(data)
            except OSError:
                continue  # a path that is also a folder in the listing (crafted tree): skip
    finally:
        proc.stdin.close()
        proc.stdout.close()
        proc.wait()


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
