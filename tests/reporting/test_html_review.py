"""The review page: rule help through a real Markdown parser without raw HTML, findings by
severity with a collapsible group per rule, escaped and masked code excerpts, what was not
read, and text colours that meet WCAG AA contrast."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from analyzer.pipeline import scan
from analyzer.reporting import render_html
from analyzer.reporting.html import label_lines, markdown_to_html
from analyzer.resources import reports_dir
from tests.conftest import FIXTURES


def test_rule_help_is_commonmark_with_raw_html_disabled() -> None:
    html = str(
        markdown_to_html("*emphasis* and **strong**\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))")
    )
    assert "<em>emphasis</em>" in html and "<strong>strong</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html


def test_findings_by_severity_then_rule_with_excerpts_masked_and_escaped(tmp_path: Path) -> None:
    repo = tmp_path / "shop"
    shutil.copytree(FIXTURES / "reporting" / "noisy-shop", repo)
    app = repo / "orders" / "app.py"
    app.write_text(app.read_text().replace('/pay")', '/pay")  # <b>bold</b>'))
    page = render_html(scan(repo))
    findings = page[page.index('<section id="findings">') : page.index('<section id="ownership">')]
    assert (
        findings.index("severity-group error")
        < findings.index("severity-group warning")
        < findings.index("severity-group note")
    )
    assert '<details class="rule-group" data-rule="plaintext-credentials" open>' in findings
    assert (
        '<details class="rule-group" data-rule="datastore-without-healthcheck">' in findings
    )  # notes folded
    assert '<pre class="excerpt">' in findings and "hunter2" not in page
    assert "POSTGRES_PASSWORD=****" in findings
    assert "&lt;b&gt;bold&lt;/b&gt;" in findings and "<b>bold</b>" not in findings
    assert '<p class="suggestion"><b>Suggested change.</b>' in findings


def test_files_present_but_not_read_are_listed_by_language(tmp_path: Path) -> None:
    repo = tmp_path / "shop"
    shutil.copytree(FIXTURES / "reporting" / "noisy-shop", repo)
    for i in range(3):
        (repo / "legacy" / f"page{i}.php").parent.mkdir(exist_ok=True)
        (repo / "legacy" / f"page{i}.php").write_text("<?php echo 'hi';\n")
    result = scan(repo)
    assert ("PHP (.php)", 3) in result.not_read
    section = render_html(result).split('<section id="not-read">')[1].split("</section>")[0]
    assert '<td>PHP (.php)</td><td class="num">3</td>' in section


def test_long_names_wrap_onto_two_lines() -> None:
    assert label_lines("payments") == ["payments"]
    assert label_lines("customer-loyalty-points-ledger-service") == [
        "customer-loyalty-points-",
        "ledger-service",
    ]
    assert label_lines("x" * 80)[1].endswith("…")


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_text_colours_meet_wcag_aa() -> None:
    css = (reports_dir() / "report.css").read_text()
    var = dict(re.findall(r"--([a-z]+):(#[0-9a-f]{6})", css))
    pairs = {
        "error label": (var["error"], "#ffffff"), "warning label": (var["warning"], "#ffffff"),
        "note label": (var["note"], "#ffffff"), "muted on page": (var["muted"], var["bg"]),
        "muted on card": (var["muted"], "#ffffff"), "box detail on service": ("#374151", "#eff6ff"),
        "box detail on datastore": ("#374151", "#ecfdf5"), "box detail on broker": ("#374151", "#fff7ed"),
        "badge": ("#ffffff", var["error"]), "rule count": ("#ffffff", "#374151"),
        "excerpt": ("#e2e8f0", "#0f172a"), "new state": ("#991b1b", "#fee2e2"),
        "header meta": ("#9ca3af", "#111827"), "box name": ("#111827", "#eff6ff"),
    }  # fmt: skip
    low = {name: round(contrast(fg, bg), 2) for name, (fg, bg) in pairs.items() if contrast(fg, bg) < 4.5}
    assert low == {}
    assert "svg .node text.detail { font-size:10.5px; fill:#374151; }" in css
