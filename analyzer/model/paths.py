"""Keeping repository-relative paths inside the repository.

Every path the scanned repository names — config globs, compose ``env_file`` / ``extends`` /
``include`` / build contexts, kustomize resources, Helm values, Liquibase includes — goes through
:func:`resolve_inside` before anything is read: the path is resolved (``..`` and symlinks
followed) and accepted only if the result is still under the scanned root. A repository that
points outside itself (``../../etc/passwd``, ``/etc``, a committed symlink to ``/``) gets a
diagnostic, never a read.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


class OutsideRoot(ValueError):
    """A repository-named path that leads outside the scanned root (message says which)."""


def is_inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (after resolving ``..`` and symlinks) is ``root`` or under it."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return False
    return True


def resolve_inside(root: Path | str, *parts: str | os.PathLike[str]) -> Path:
    """``root / parts...`` resolved, or :class:`OutsideRoot` if it leaves ``root``.

    Absolute parts are refused outright (a repository cannot name ``/etc``), as is anything whose
    resolved location — following every symlink on the way — is not under ``root``.

    >>> resolve_inside("/repo", "deploy/../values.yaml")  # doctest: +SKIP
    PosixPath('/repo/values.yaml')
    """
    base = Path(root)
    for part in parts:
        text = os.fspath(part)
        if os.path.isabs(text) or PurePosixPath(text.replace("\\", "/")).is_absolute():
            raise OutsideRoot(f"'{text}' is an absolute path; only paths inside the repository are read")
    candidate = base.joinpath(*parts)
    if not is_inside(candidate, base):
        shown = "/".join(os.fspath(p) for p in parts)
        raise OutsideRoot(f"'{shown}' leads outside the repository; not read")
    return candidate.resolve()


def inside_or_none(root: Path | str, *parts: str | os.PathLike[str]) -> Path | None:
    """:func:`resolve_inside`, with ``None`` for a path outside ``root`` (the caller reports it)."""
    try:
        return resolve_inside(root, *parts)
    except OutsideRoot:
        return None
