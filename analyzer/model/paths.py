"""Keeping repository-relative paths inside the repository.

Every path the scanned repository names — config globs, compose ``env_file`` / ``extends`` /
``include`` / build contexts, kustomize resources, Helm values, Liquibase includes — goes through
:func:`resolve_inside` before anything is read: the path is resolved (``..`` and symlinks
followed) and accepted only if the result is still under the scanned root. A repository that
points outside itself (``../../etc/passwd``, ``/etc``, a committed symlink to ``/``) gets a
diagnostic, never a read.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path


class OutsideRoot(ValueError):
    """A repository-named path that leads outside the scanned root (message says which)."""


def real_path(path: str | os.PathLike[str]) -> str:
    """``path`` with ``..`` and every symlink resolved, as text: :meth:`Path.resolve` without the
    Path objects (an extractor asks thousands of times per scan). A symlink loop is a
    ``RuntimeError``, as it is for :meth:`Path.resolve`."""
    real = os.path.realpath(path)
    try:
        os.stat(real)  # realpath leaves a loop unresolved; stat is how Path.resolve notices it
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RuntimeError(f"Symlink loop from {exc.filename!r}") from None
    return real


def _under(real: str, base: str) -> bool:
    """Whether the resolved ``real`` is the resolved ``base`` or below it (``Path.relative_to``)."""
    if real == base:
        return True
    prefix = base if base.endswith("/") else base + "/"
    # POSIX keeps a leading "//" apart from "/": Path gives them different roots, so do we.
    return real.startswith(prefix) and not real.startswith(prefix + "/")


def is_inside(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """Whether ``path`` (after resolving ``..`` and symlinks) is ``root`` or under it."""
    try:
        return _under(real_path(path), real_path(root))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return False


def resolve_inside(root: Path | str, *parts: str | os.PathLike[str]) -> Path:
    """``root / parts...`` resolved, or :class:`OutsideRoot` if it leaves ``root``.

    Absolute parts are refused outright (a repository cannot name ``/etc``), as is anything whose
    resolved location — following every symlink on the way — is not under ``root``.

    >>> resolve_inside("/repo", "deploy/../values.yaml")  # doctest: +SKIP
    PosixPath('/repo/values.yaml')
    """
    texts = [os.fspath(part) for part in parts]
    for text in texts:
        if os.path.isabs(text) or text.startswith(("/", "\\")):  # a backslash path is absolute too
            raise OutsideRoot(f"'{text}' is an absolute path; only paths inside the repository are read")
    real = _inside(os.fspath(root), texts)
    if real is None:
        raise OutsideRoot(f"'{'/'.join(texts)}' leads outside the repository; not read")
    return Path(real)


def _inside(root: str, parts: list[str]) -> str | None:
    """The resolved ``root/parts...`` if it is under the resolved ``root``, else ``None``."""
    try:
        return under_real_root(real_path(root), *parts)
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return None


def under_real_root(real_root: str, *parts: str) -> str | None:
    """The resolved ``real_root/parts...`` if it stays under ``real_root`` (already resolved, for a
    caller that reads thousands of files under one root), else ``None``; absolute parts, a link
    out, a symlink loop or a NUL in a name are ``None`` too."""
    if any(os.path.isabs(part) or part.startswith(("/", "\\")) for part in parts):
        return None
    try:
        real = real_path(os.path.join(real_root, *parts))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop; ValueError: a NUL
        return None
    return real if _under(real, real_root) else None


def inside_or_none(root: Path | str, *parts: str | os.PathLike[str]) -> Path | None:
    """:func:`resolve_inside`, with ``None`` for a path outside ``root`` (the caller reports it)."""
    try:
        return resolve_inside(root, *parts)
    except OutsideRoot:
        return None
