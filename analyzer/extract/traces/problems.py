"""Diagnostics for one trace file, capped so a broken multi-gigabyte file cannot flood the report."""

from __future__ import annotations

from analyzer.model import Diagnostic, DiagnosticLevel

_CAP = 20


class Problems:
    """Collects diagnostics (``line`` 1-based, 0 when unknown); after :data:`_CAP`, only counts."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[Diagnostic] = []
        self.dropped = 0
        # The raw bytes of a whole-document file: lets a diagnostic about one span find its line.
        self.document: bytes = b""
        self._unknown_kinds: dict[str, int] = {}

    def add(
        self, line: int, message: str, level: DiagnosticLevel = DiagnosticLevel.WARNING, anchor: object = None
    ) -> None:
        """Record a problem at ``line``; inside a whole JSON document, ``anchor`` (a span id) narrows
        the line to where that id is written."""
        if len(self.items) >= _CAP:
            self.dropped += 1
            return
        if self.document and isinstance(anchor, str) and anchor:
            found = self.document.find(f'"{anchor}"'.encode())
            if found >= 0:
                line = self.document.count(b"\n", 0, found) + 1
        self.items.append(Diagnostic(self.path, max(line, 0), level, message))

    def unknown_kind(self, line: int, raw: object, anchor: object = None) -> None:
        """One diagnostic per distinct unknown kind value, at its first line."""
        key = repr(raw)[:40]
        if key not in self._unknown_kinds:
            self._unknown_kinds[key] = line
            self.add(line, f"unknown span kind {key}; read as unspecified", anchor=anchor)

    def diagnostics(self) -> list[Diagnostic]:
        out = list(self.items)
        if self.dropped:
            out.append(
                Diagnostic(
                    self.path, 0, DiagnosticLevel.WARNING, f"{self.dropped} more problems in this file"
                )
            )
        return out
