"""Rule metadata, findings and diagnostics: the values the engine hands to the reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from analyzer.model.location import Location


class Severity(StrEnum):
    """Finding severity, ordered ``error > warning > note``; maps 1:1 onto SARIF ``level``."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def weight(self) -> int:
        return _WEIGHTS[self]


_WEIGHTS = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.NOTE: 1}


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """Everything a report or ``rules docs`` needs to know about a rule, written once on the rule.

    ``id`` is the stable short id (``AC101``); ``name`` the kebab-case name (``shared-database``).
    ``help`` is Markdown: rationale, anti-pattern, better practice.
    """

    id: str
    name: str
    title: str
    severity: Severity
    principle: str
    help: str
    tags: tuple[str, ...] = ()
    source: str = ""  # rule file, repo- or package-relative, for `rules show`


@dataclass(frozen=True, slots=True)
class RelatedLocation:
    location: Location
    message: str


@dataclass(frozen=True, slots=True)
class TextEdit:
    """A mechanical change to one line: replace columns ``location.column`` up to (not
    including) ``end_column`` with ``text``. 1-based columns, like :class:`Location`."""

    location: Location
    end_column: int
    text: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule violation.

    ``subjects`` are the graph node ids the finding is about (sorted); the fingerprint is derived
    from the rule and the subjects only, so it survives line moves. ``baseline_state`` is empty
    unless a baseline was given (``new`` / ``unchanged``).
    """

    rule_id: str
    rule: str
    severity: Severity
    message: str
    subjects: tuple[str, ...]
    location: Location
    related: tuple[RelatedLocation, ...] = ()
    fingerprint: str = ""
    baseline_state: str = ""
    suppressed: str = field(default="")  # reason, when a waiver or inline comment applies
    suppressed_by: str = ""  # "inline" (a comment at the evidence) or "waiver" (archconform.yml)
    suggestion: str = ""  # the change this finding asks for, in this system's names (plain text)
    fixes: tuple[TextEdit, ...] = ()  # only where the change is mechanical

    @property
    def sort_key(self) -> tuple[int, str, str, int, int, tuple[str, ...]]:
        """Most severe first, then by rule, place (path, line, column: the order of
        :class:`Location`, spelt out so that sorting compares plain values) and subjects."""
        loc = self.location
        return (-self.severity.weight, self.rule, loc.path, loc.line, loc.column, self.subjects)


class DiagnosticLevel(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """A problem with the input or the scan itself (unreadable file, bad config), not a finding.

    ``path`` is repo-relative POSIX (empty for scan-wide problems); ``line`` is 1-based or 0 if unknown.
    """

    path: str
    line: int
    level: DiagnosticLevel
    message: str
    # Where in archconform an internal failure happened (``analyzer/x.py:12 in f``), shown with
    # --verbose only; not part of equality, order or the JSON contract.
    origin: str = field(default="", compare=False)

    def to_json(self) -> dict[str, object]:
        return {"level": str(self.level), "message": self.message, "path": self.path, "line": self.line}
