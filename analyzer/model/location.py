"""Where a fact comes from: locations and evidence.

Conventions used everywhere in archconform:

* ``path`` is repo-relative, POSIX-style (``services/orders/db/V1__init.sql``), never absolute;
* ``line`` and ``column`` are 1-based; ``column`` is 1 when a source gives no column.

Such paths are taken apart with string operations (:func:`parent`, :func:`base_name`,
:func:`ancestors`, :func:`path_parts`, :func:`path_suffix`): the answers of
:class:`~pathlib.PurePosixPath`, which the resolver and the engine once built for every file and
finding, without building one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath


class SourceKind(StrEnum):
    """What kind of artefact the evidence was read from."""

    COMPOSE = "compose"
    K8S = "k8s"
    CONFIG = "config"
    CODE = "code"
    SQL = "sql"
    TRACE = "trace"


# Static sources rank above traces when choosing the location a finding is reported at:
# a pull-request annotation must point at something a reviewer can edit.
SOURCE_RANK: dict[SourceKind, int] = {
    SourceKind.CODE: 0,
    SourceKind.SQL: 1,
    SourceKind.CONFIG: 2,
    SourceKind.COMPOSE: 3,
    SourceKind.K8S: 4,
    SourceKind.TRACE: 5,
}


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in the scanned repository: repo-relative POSIX path, 1-based line and column.

    >>> Location("compose.yaml", 12, 7)
    Location(path='compose.yaml', line=12, column=7)
    """

    path: str
    line: int = 1
    column: int = 1

    def __post_init__(self) -> None:
        if self.path.startswith("/") or "\\" in self.path:
            raise ValueError(f"Location.path must be repo-relative POSIX, got {self.path!r}")
        if self.line < 1 or self.column < 1:
            raise ValueError(f"Location line/column are 1-based, got {self.line}:{self.column}")

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True, order=True)
class Evidence:
    """One observation that proves a node or edge exists.

    ``detail`` says what at that location is the proof (``env DATABASE_URL``, ``CREATE TABLE``);
    ``count`` is the number of spans seen for trace evidence and 1 otherwise; ``profile`` is the
    configuration profile (Spring profile, compose file set) the observation belongs to, if any.
    """

    source: SourceKind
    location: Location
    detail: str = ""
    count: int = 1
    profile: str = ""

    @property
    def rank(self) -> tuple[int, str, int, int, str, int, str]:
        """Sort key: static evidence first, then by place, then by everything else.

        NOTE: a total order. Evidence is kept in sets; two observations at one place (two env
        variables on one line) once tied here, and their order then followed string hashing,
        which differs per process (PYTHONHASHSEED): JSON output was not byte-identical.
        The place is spelt out (path, line, column: the order of :class:`Location`) so that
        sorting compares strings and numbers, not dataclasses.
        """
        location = self.location
        return (
            SOURCE_RANK[self.source],
            location.path,
            location.line,
            location.column,
            self.detail,
            self.count,
            self.profile,
        )

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "source": str(self.source),
            "path": self.location.path,
            "line": self.location.line,
            "column": self.location.column,
        }
        if self.detail:
            data["detail"] = self.detail
        if self.count != 1:
            data["count"] = self.count
        if self.profile:
            data["profile"] = self.profile
        return data


def _unclean(path: str) -> bool:
    """A path PurePosixPath would normalise: empty, absolute, '//', a trailing '/', '.' parts."""
    return (
        not path
        or path[0] == "/"
        or path[-1] == "/"
        or "//" in path
        or "/./" in path
        or path.startswith("./")
        or path.endswith("/.")
        or path == "."
    )


def parent(path: str) -> str:
    """The folder of a repo-relative path ('' at the root).

    >>> parent("shop/orders/pom.xml"), parent("pom.xml")
    ('shop/orders', '')
    """
    if _unclean(path):
        folder = PurePosixPath(path).parent.as_posix()
        return "" if folder == "." else folder
    return path.rpartition("/")[0]


def base_name(path: str) -> str:
    """The last part of a repo-relative path (``PurePosixPath(path).name``)."""
    if _unclean(path):
        return PurePosixPath(path).name
    return path.rpartition("/")[2]


def ancestors(path: str) -> list[str]:
    """The folders holding ``path``, deepest first, the root ('') last.

    >>> ancestors("shop/orders/pom.xml")
    ['shop/orders', 'shop', '']
    """
    if _unclean(path):
        parts = PurePosixPath(path).parts
        return ["/".join(parts[:depth]) for depth in range(len(parts) - 1, -1, -1)]
    found = []
    cut = path.rfind("/")
    while cut >= 0:
        found.append(path[:cut])
        cut = path.rfind("/", 0, cut)
    found.append("")
    return found


def path_parts(path: str) -> tuple[str, ...]:
    """The parts of a repo-relative path (``PurePosixPath(path).parts``).

    >>> path_parts("shop/orders/pom.xml")
    ('shop', 'orders', 'pom.xml')
    """
    if _unclean(path):
        return PurePosixPath(path).parts
    return tuple(path.split("/"))


def path_suffix(path: str) -> str:
    """The extension of a path's last part (``PurePosixPath(path).suffix``): '.java', and ''
    for '.env' or 'Makefile'."""
    name = base_name(path)
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""
