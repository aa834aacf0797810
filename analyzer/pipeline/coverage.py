"""What the report shows beside the findings: a short excerpt of each evidence line (secrets
masked) and the files present but not analysed, by language, so a reader knows what the picture
leaves out ("12 PHP files not read")."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import PurePosixPath

from analyzer.model import Finding

# Languages and formats a reader would expect to matter, by extension; other files (docs, images,
# data) are not listed as "not read".
LANGUAGES = {
    ".php": "PHP", ".rb": "Ruby", ".rs": "Rust", ".scala": "Scala", ".kt": "Kotlin", ".kts": "Kotlin",
    ".swift": "Swift", ".ex": "Elixir", ".exs": "Elixir", ".erl": "Erlang", ".clj": "Clojure",
    ".dart": "Dart", ".lua": "Lua", ".pl": "Perl", ".hs": "Haskell", ".groovy": "Groovy",
    ".c": "C", ".h": "C/C++ header", ".cc": "C++", ".cpp": "C++", ".hpp": "C++", ".m": "Objective-C",
    ".fs": "F#", ".vb": "Visual Basic", ".r": "R", ".jl": "Julia", ".tf": "Terraform", ".hcl": "HCL",
    ".bicep": "Bicep", ".sh": "Shell", ".ps1": "PowerShell", ".py": "Python", ".java": "Java",
    ".go": "Go", ".js": "JavaScript", ".mjs": "JavaScript", ".cjs": "JavaScript", ".ts": "TypeScript",
    ".tsx": "TypeScript", ".jsx": "JavaScript", ".cs": "C#", ".sql": "SQL", ".yml": "YAML",
    ".yaml": "YAML", ".json": "JSON", ".xml": "XML", ".properties": "properties", ".toml": "TOML",
    ".ini": "INI", ".conf": "config", ".proto": "Protocol Buffers", ".graphql": "GraphQL",
    ".gradle": "Gradle",
}  # fmt: skip
EXCERPT_LINES = 1  # lines of context either side
MAX_EXCERPTS = 4000
MAX_WIDTH = 160
_SECRET_VALUE = re.compile(
    r"(?i)((?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)"
    r"[\w.-]*['\"]?\s*[:=]\s*['\"]?)([^'\"\s,;]+)"
)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)([^@\s]+)(@)")


def redact(line: str) -> str:
    """A line with credential values masked (the report is shared more widely than the repo).

    >>> redact("POSTGRES_PASSWORD: supersecret  # dev")
    'POSTGRES_PASSWORD: ****  # dev'
    >>> redact("url: postgres://shop:s3cret@db:5432/shop")
    'url: postgres://shop:****@db:5432/shop'
    """
    line = _URL_PASSWORD.sub(r"\1****\3", line)
    return _SECRET_VALUE.sub(r"\1****", line)


def excerpts(findings: Iterable[Finding], read_line: Callable[[str, int], str]) -> dict[str, str]:
    """``"path:line"`` → the line with one line of context either side, masked and shortened."""
    places: list[tuple[str, int]] = []
    for finding in findings:
        places.append((finding.location.path, finding.location.line))
        places += [(r.location.path, r.location.line) for r in finding.related]
    out: dict[str, str] = {}
    for path, line in places:
        key = f"{path}:{line}"
        if key in out or path.startswith("../") or len(out) >= MAX_EXCERPTS:
            continue
        rows = []
        for number in range(max(1, line - EXCERPT_LINES), line + EXCERPT_LINES + 1):
            text = read_line(path, number)
            if not text and number > line:
                break
            text = redact(text.rstrip())
            if len(text) > MAX_WIDTH:
                text = text[: MAX_WIDTH - 1] + "…"
            rows.append(f"{number:>5}{'>' if number == line else ' '} {text}")
        if any(row.strip() for row in rows):
            out[key] = "\n".join(rows)
    return out


def not_read(files: Sequence[str], wanted: Callable[[str], bool]) -> tuple[tuple[str, int], ...]:
    """Files of a known language or format that no extractor reads, counted by language."""
    counts: Counter[str] = Counter()
    for path in files:
        suffix = PurePosixPath(path).suffix.lower()
        language = LANGUAGES.get(suffix)
        if language and not wanted(path):
            counts[f"{language} ({suffix})"] += 1
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
