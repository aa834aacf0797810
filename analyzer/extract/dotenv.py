"""``.env`` files inside a service's folder: the variables the service loads at start-up
(python-dotenv, dotenv for Node, Spring's env import). They are classified like deployment
environment — connections, calls, literal passwords. The ``.env`` next to a compose file is the
compose project's interpolation source, read by the compose extractor, and is not read here.
"""

from __future__ import annotations

import posixpath
import re

from analyzer.extract.envfacts import classify
from analyzer.extract.facts import EnvVar, ExtractResult, FileContext
from analyzer.extract.interpolate import parse_env_entries
from analyzer.model import Evidence, Location, SourceKind

NAME = "dotenv"


def wants(path: str) -> bool:
    name = posixpath.basename(path)
    return name == ".env" or (
        name.startswith(".env.") and not name.endswith((".example", ".sample", ".template", ".dist"))
    )


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if not ctx.service:
        return result
    entries = parse_env_entries(text)
    siblings = {re.sub(r"[^A-Za-z0-9]+", "_", e.key).upper(): e.value for e in entries}
    profile = posixpath.basename(ctx.path).removeprefix(".env").lstrip(".")
    for entry in entries:
        key, value = entry.key, entry.value
        evidence = Evidence(SourceKind.CONFIG, Location(ctx.path, entry.line), f"env {key}", 1, profile)
        result.facts.append(EnvVar(ctx.service, key, value, evidence))
        literal = entry.quote == "'" or "${" not in value  # single quotes: no interpolation
        result.facts.extend(classify(ctx.service, key, value, evidence, siblings, set(), literal=literal))
    return result
