"""Reports of a :class:`~analyzer.model.ScanResult`: console, JSON, SARIF, HTML, Markdown, and
graph exports. Every renderer is a pure function of the result and deterministic."""

from __future__ import annotations

from analyzer.reporting.ci import render_gitlab, render_junit
from analyzer.reporting.graphexport import FORMATS, export_graph
from analyzer.reporting.html import render_html
from analyzer.reporting.jsonout import render_json
from analyzer.reporting.sarif import render_sarif
from analyzer.reporting.summary import render_console, render_markdown

__all__ = [
    "FORMATS",
    "export_graph",
    "render_console",
    "render_gitlab",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_sarif",
]
