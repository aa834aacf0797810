"""Kafka Connect connector configurations: the passwords they carry.

A connector configuration (Debezium, JDBC source/sink, ...) is a JSON document with a
``connector.class``, either flat or under ``config`` as posted to the Connect REST API. Its
``database.password``, ``connection.password`` and other ``*password`` keys are the credentials the
connector logs in with; a literal one is a :class:`Credential` at its line, owned by no service.
References (``${file:/secrets/db.properties:password}``, ``${env:DB_PASSWORD}``) are not plaintext.
"""

from __future__ import annotations

import posixpath

from analyzer.extract.facts import Credential, ExtractResult, FileContext
from analyzer.extract.secrets import is_plaintext_secret, names_password
from analyzer.extract.yamlsrc import LineDict, YamlError, flatten, load
from analyzer.model import Evidence, Location, SourceKind

NAME = "connectors"
_SKIP = ("package.json", "package-lock.json", "tsconfig.json", "composer.json", "appsettings")


def wants(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return name.endswith(".json") and not name.startswith(_SKIP)


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if "connector.class" not in text or "assword" not in text:
        return result
    try:
        data = load(text, ctx.path)
    except YamlError:
        return result  # not ours to diagnose: other extractors read JSON too
    if not isinstance(data, LineDict):
        return result
    config = data.get("config") if isinstance(data.get("config"), LineDict) else data
    if not isinstance(config, LineDict) or "connector.class" not in config:
        return result
    # A connector is named by its `name`, else by its file (debezium-product.json → debezium-product).
    name = str(data.get("name") or config.get("name") or posixpath.splitext(posixpath.basename(ctx.path))[0])
    for key, value, line in flatten(config, "."):
        if names_password(key) and is_plaintext_secret(value):
            evidence = Evidence(SourceKind.CONFIG, Location(ctx.path, max(line, 1)), f"connector {key}")
            result.facts.append(Credential("", f"{key} of connector {name}", evidence))
    return result
