"""Reading files a repository supplies: size limits per kind, binary detection and encodings.

A scanned repository is data written by anyone, so reading one of its files never raises: it
yields the text, or ``None`` and the reason, and a note when the text had to be repaired. The
reasons are plain sentences that the pipeline turns into diagnostics naming the file.

The limits themselves (sizes per kind of file, nesting, time) are fields of
:class:`analyzer.model.limits.Limits`, in force through its context variable.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from dataclasses import dataclass

from analyzer.model.limits import LimitExceeded, current_limits

# -- nesting -----------------------------------------------------------------------------------

_NOT_BRACKETS = {
    "flow": re.compile(r"[^\[\]{}]+"),
    "code": re.compile(r"[^\[\](){}]+"),
}


def bracket_depth(text: str, style: str = "flow", stop_above: int = 0) -> int:
    """How deep brackets nest in ``text`` (``flow``: ``[]{}`` as in JSON and YAML flow style;
    ``code``: also ``()``), counted without parsing: quotes and comments are not understood, so
    this is an upper bound for well-formed files and cheap enough to run before a parser that
    recurses or goes quadratic on depth. With ``stop_above``, returns as soon as it is exceeded.

    >>> bracket_depth('{"a": [1, {"b": []}]}')
    4
    """
    openers = "([{" if style == "code" else "[{"
    if stop_above:
        total = sum(text.count(c) for c in openers)
        if total <= stop_above:  # cannot nest deeper than it has brackets
            return total
    depth = deepest = 0
    for char in _NOT_BRACKETS[style].sub("", text):
        if char in openers:
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above and deepest > stop_above:
                    return deepest
        elif depth:
            depth -= 1
    return deepest


def check_flow_depth(text: str, limit: int | None = None) -> None:
    """Raise :class:`LimitExceeded` when JSON / YAML flow collections nest deeper than
    ``limit`` (default: ``json_max_depth`` in force). PyYAML's scanner is quadratic in flow depth
    and its composer recursive: twenty thousand ``[`` took minutes before this check."""
    limit = limit or current_limits().json_max_depth
    depth = bracket_depth(text, "flow", stop_above=limit)
    if depth > limit:
        raise LimitExceeded(f"nested deeper than {limit} levels of [ and {{ (limit json_max_depth)")


# -- reading -----------------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
BINARY_PROBE = 8192


@dataclass(frozen=True, slots=True)
class Decoded:
    """The text of a file (``None`` if it is not text) and a note about how it was read.

    ``line`` is where the first repaired byte was (1-based), or 0.
    """

    text: str | None
    note: str = ""
    line: int = 0


def _utf16_without_bom(head: bytes) -> str:
    """``utf-16-le`` / ``utf-16-be`` when ``head`` looks like BOM-less UTF-16 text (mostly ASCII:
    one zero byte in every pair, always on the same side), else ''."""
    pairs = len(head) // 2
    if pairs < 2:
        return ""
    even = sum(1 for i in range(0, pairs * 2, 2) if head[i] == 0)
    odd = sum(1 for i in range(1, pairs * 2, 2) if head[i] == 0)
    if odd >= pairs * 0.6 and even <= pairs * 0.02:
        return "utf-16-le"
    if even >= pairs * 0.6 and odd <= pairs * 0.02:
        return "utf-16-be"
    return ""


def decode_bytes(data: bytes) -> Decoded:
    """Text from bytes: a BOM names the encoding (UTF-8, UTF-16, UTF-32); otherwise UTF-16 is
    recognised by its zero bytes, other data with zero bytes is binary, and anything else is UTF-8,
    with undecodable bytes replaced and a note saying where.

    >>> decode_bytes(b"\\xef\\xbb\\xbfa: 1").text
    'a: 1'
    >>> decode_bytes("a: 1".encode("utf-16")).text
    'a: 1'
    >>> decode_bytes(b"\\x7fELF\\x00\\x00").text is None
    True
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_as(data[len(bom) :], encoding)
    head = data[:BINARY_PROBE]
    if b"\x00" in head:
        guessed = _utf16_without_bom(head)
        if guessed:
            return _decode_as(data, guessed)
        return Decoded(None, "binary file (zero bytes in its first 8 KiB)")
    return _decode_as(data, "utf-8")


def _decode_as(data: bytes, encoding: str) -> Decoded:
    try:
        return Decoded(data.decode(encoding))
    except UnicodeDecodeError as exc:
        text = data.decode(encoding, errors="replace")
        prefix = data[: exc.start].decode(encoding, errors="replace")
        return Decoded(
            text,
            f"file is not valid {encoding.upper().replace('-LE', '').replace('-BE', '')}; "
            "undecodable bytes replaced",
            prefix.count("\n") + 1,
        )


def regular_file_problem(full: str | os.PathLike[str], max_bytes: int, limit_name: str = "") -> str:
    """Why ``full`` must not be read ('' if it may): not a regular file (FIFO, device, socket,
    directory), a dangling or looping symlink, or larger than ``max_bytes``. Does not open it."""
    try:
        info = os.stat(full)  # follows symlinks: the scan walk has already kept them inside the root
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop; not read"
        return f"cannot read file: {exc.strerror or exc}"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (FIFO, device or socket); not read"
    if info.st_size > max_bytes:
        named = f" (limit {limit_name})" if limit_name else ""
        return (
            f"skipped: {info.st_size} bytes is over the {max_bytes} byte limit for this kind of file{named}"
        )
    return ""


def read_limited(
    full: str | os.PathLike[str], max_bytes: int, limit_name: str = ""
) -> tuple[bytes | None, str]:
    """The bytes of a regular file of at most ``max_bytes``, or ``None`` and why. Never blocks on
    a FIFO (opened non-blocking and checked again after opening) and never reads past the limit,
    even if the file grows meanwhile."""
    problem = regular_file_problem(full, max_bytes, limit_name)
    if problem:
        return None, problem
    try:
        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        return None, f"cannot read file: {exc.strerror or exc}"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, "not a regular file (FIFO, device or socket); not read"
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                named = f" (limit {limit_name})" if limit_name else ""
                return None, f"skipped: over the {max_bytes} byte limit for this kind of file{named}"
            chunks.append(chunk)
        return b"".join(chunks), ""
    except OSError as exc:
        return None, f"cannot read file: {exc.strerror or exc}"
    finally:
        os.close(fd)


def read_text_file(full: str | os.PathLike[str], max_bytes: int, limit_name: str = "") -> Decoded:
    """:func:`read_limited` then :func:`decode_bytes`; ``Decoded(None, reason)`` when unreadable."""
    data, problem = read_limited(full, max_bytes, limit_name)
    if data is None:
        return Decoded(None, problem)
    return decode_bytes(data)
