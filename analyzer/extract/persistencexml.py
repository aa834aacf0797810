"""JPA ``persistence.xml``: the datastore password a persistence unit logs in with.

A persistence unit's ``<properties>`` hold the JDBC settings the provider connects with:
``jakarta.persistence.jdbc.password`` / ``javax.persistence.jdbc.password`` (the standard keys),
``hibernate.connection.password``, ``eclipselink.jdbc.password``, ``openjpa.ConnectionPassword``.
A literal one is a :class:`Credential` of the service the file belongs to, at its line; references
(``${DB_PASSWORD}``) and empty values are not plaintext.
"""

from __future__ import annotations

import posixpath
import re

from analyzer.discovery import is_test_path
from analyzer.extract.facts import Credential, ExtractResult, FileContext
from analyzer.extract.secrets import is_plaintext_secret, names_password
from analyzer.model import Evidence, Location, SourceKind

NAME = "persistencexml"

# <property name="..." value="..."/> with either attribute first, either quote.
_PROPERTY = re.compile(r"<property\b(?P<attrs>[^>]*?)/?>", re.S)
_ATTR = re.compile(r"""\b(name|value)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def wants(path: str) -> bool:
    return posixpath.basename(path) == "persistence.xml" and not is_test_path(path)


def _unescape(value: str) -> str:
    return (
        value.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
    ).replace("&amp;", "&")


def extract(ctx: FileContext, text: str) -> ExtractResult:
    result = ExtractResult()
    if "<persistence" not in text or "assword" not in text:
        return result
    # comments out, lengths kept so offsets still give the lines
    text = _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for match in _PROPERTY.finditer(text):
        attrs = {
            m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _ATTR.finditer(match["attrs"])
        }
        name, value = attrs.get("name", ""), _unescape(attrs.get("value", ""))
        if not names_password(name):
            continue
        if not is_plaintext_secret(value):
            continue
        line = text.count("\n", 0, match.start()) + 1
        evidence = Evidence(SourceKind.CONFIG, Location(ctx.path, line), f"persistence.xml {name}")
        result.facts.append(Credential(ctx.service, name, evidence))
    return result
