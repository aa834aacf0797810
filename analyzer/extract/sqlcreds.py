"""Passwords written into SQL: logins created or changed with a literal secret.

Read from the text (no SQL parser models these statements across dialects), comments blanked out
first so lines and columns stay where they were:

* ``CREATE USER|ROLE|LOGIN`` and ``ALTER USER|ROLE|LOGIN`` with ``IDENTIFIED BY '...'`` (MySQL,
  Oracle — there also unquoted), ``IDENTIFIED WITH plugin BY '...'``, ``[ENCRYPTED] PASSWORD '...'``
  (PostgreSQL) or ``PASSWORD = '...'`` (T-SQL ``CREATE LOGIN ... WITH PASSWORD = N'...'``);
* ``GRANT ... IDENTIFIED BY '...'`` (old MySQL);
* ``SET PASSWORD [FOR u] = '...'`` and ``= PASSWORD('...')``.

Each becomes a :class:`Credential` keyed ``password of user NAME`` (``login``, ``role``) at the
line of the password. Not plaintext: bind parameters and client variables (``?``, ``$1``, ``:pw``,
psql ``:'pw'``, T-SQL ``@pw``, SQL*Plus ``&pw``), templates (``${PW}``), hashes
(``IDENTIFIED BY PASSWORD '*...'``, ``md5...``, ``SCRAM-SHA-256$...``, ``0x... HASHED``), and the
rest of :func:`analyzer.extract.secrets.is_plaintext_secret`.
"""

from __future__ import annotations

import re

from analyzer.extract.facts import Credential
from analyzer.extract.secrets import is_plaintext_secret
from analyzer.model import Evidence, Location, SourceKind

_STATEMENT = re.compile(
    r"\b(?:(?:CREATE|ALTER)\s+(?:OR\s+REPLACE\s+)?(?P<kind>USER|ROLE|LOGIN)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<name>'[^'\n]*'(?:@'[^'\n]*')?|\"[^\"\n]*\"|`[^`\n]*`(?:@`[^`\n]*`)?|\[[^\]\n]*\]|[\w.$@%]+)"
    r"|(?P<grant>GRANT)\b|(?P<set>SET\s+PASSWORD)\b(?:\s+FOR\s+(?P<for>'[^'\n]*'(?:@'[^'\n]*')?|[\w.@%]+))?)",
    re.IGNORECASE,
)
_VALUE = r"(?P<{}>N?'(?:[^']|'')*'|\"[^\"\n]*\"|[^\s;,)]+)"
_SECRET = re.compile(
    r"\bIDENTIFIED\s+(?:WITH\s+['\"`]?\w+['\"`]?\s+)?(?:BY|AS)\s+(?P<hashed>PASSWORD\s+)?"
    + _VALUE.format("by")
    + r"|\b(?:ENCRYPTED\s+|UNENCRYPTED\s+)?PASSWORD\b\s*=?\s*" + _VALUE.format("password"),
    re.IGNORECASE,
)  # fmt: skip
_SET_VALUE = re.compile(r"=\s*(?:(?:OLD_)?PASSWORD\s*\(\s*)?" + _VALUE.format("password"), re.IGNORECASE)
_BIND = re.compile(r"^(?:\?|\$\d+|:['\"]?\w+['\"]?|@\w+|&&?\w+|%s|%\(\w+\)s|\w+\s*\()")
_HASHED_AFTER = re.compile(r"\s*HASHED\b", re.IGNORECASE)
_MAX_STATEMENT = 2000
_INTERESTING = re.compile(r"['\"`#]|--|/\*")


def blank_comments(sql: str) -> str:
    """``sql`` with ``--`` and ``/* */`` comments replaced by spaces (newlines kept), strings intact."""
    out = list(sql)
    i, n = 0, len(sql)
    while i < n:
        found = _INTERESTING.search(sql, i)  # jump to the next quote or comment start
        if found is None:
            break
        i = found.start()
        c = sql[i]
        if c in "'\"`":
            end = sql.find(c, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == c:  # '' escapes a quote
                end = sql.find(c, end + 2)
            i = n if end == -1 else end + 1
        elif sql.startswith("--", i) or (c == "#" and (i == 0 or sql[i - 1] in " \t\n")):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out[i:end] = " " * (end - i)
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end == -1 else end + 2
            out[i:end] = [ch if ch == "\n" else " " for ch in sql[i:end]]
            i = end
        else:
            i += 1
    return "".join(out)


def _statement_end(sql: str, start: int) -> int:
    end = sql.find(";", start, start + _MAX_STATEMENT)  # bounded: no rescans of a long file
    return min(start + _MAX_STATEMENT, len(sql)) if end == -1 else end


def _unquote(text: str) -> str:
    text = text.strip()
    if text[:1] in ("N", "n") and text[1:2] == "'":
        text = text[1:]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return text[1:-1].replace(text[0] * 2, text[0])
    if text[:1] == "[" and text[-1:] == "]":
        return text[1:-1]
    return text


def _user(raw: str) -> str:
    """``'app'@'%'`` → ``app``; ``"Ledger"`` → ``Ledger``; ``[ledger]`` → ``ledger``."""
    return _unquote(re.split(r"(?<=['`])@", raw, maxsplit=1)[0]) if raw else ""


def _plaintext(value: str, hashed: bool, after: str, bare_allowed: bool) -> bool:
    """``bare_allowed``: an unquoted word can be a password (Oracle ``IDENTIFIED BY pw``); after
    ``PASSWORD`` it is a keyword (``PASSWORD EXPIRE``, ``PASSWORD NULL``)."""
    if hashed or _BIND.match(value) or _HASHED_AFTER.match(after):
        return False
    quoted = value[:1] in "'\"" or value[:2] in ("N'", "n'")
    text = _unquote(value)
    if not quoted and (not bare_allowed or text.upper() in ("NULL", "DEFAULT", "EXTERNALLY", "GLOBALLY")):
        return False
    return is_plaintext_secret(text)


def sql_credentials(
    owner: str, path: str, sql: str, first_line: int = 1, fixed_line: int | None = None
) -> list[Credential]:
    """Literal passwords of logins created or changed in ``sql`` (which starts at ``first_line``).

    ``fixed_line`` puts every credential at that line (SQL inside a YAML changelog).

    >>> [c.key for c in sql_credentials("", "init.sql", "CREATE USER app WITH PASSWORD 'pw1';")]
    ['password of user app']
    """
    if "password" not in sql.lower() and "identified" not in sql.lower():
        return []
    text = blank_comments(sql)
    found: list[Credential] = []
    statements = list(_STATEMENT.finditer(text))
    for index, statement in enumerate(statements):
        # A statement ends at its `;`, the next statement, or _MAX_STATEMENT characters: each
        # character is read once however the file is written.
        end = _statement_end(text, statement.end())
        if index + 1 < len(statements):
            end = min(end, statements[index + 1].start())
        body = text[statement.end() : end]
        if statement.group("set"):
            kind, name = "user", _user(statement.group("for") or "")
            secret = _SET_VALUE.match(body.lstrip())
            offset = statement.end() + len(body) - len(body.lstrip())
            hashed = False
        else:
            kind = (statement.group("kind") or "user").lower()
            name = _user(statement.group("name") or "")
            if statement.group("grant"):
                grantee = re.search(r"\bTO\s+('[^'\n]*'(?:@'[^'\n]*')?|[\w.@%]+)", body, re.IGNORECASE)
                name = _user(grantee.group(1)) if grantee else ""
            secret = _SECRET.search(body)
            offset = statement.end()
            hashed = bool(secret and secret.group("hashed"))
        if secret is None:
            continue
        group = "by" if secret.groupdict().get("by") else "password"
        value = secret.group(group) or ""
        after = body[secret.end() :]
        if not _plaintext(value, hashed, after, bare_allowed=group == "by"):
            continue
        if name.upper() == "MAPPING":  # CREATE USER MAPPING FOR u SERVER s OPTIONS (password '...')
            kind, name = "user mapping", ""
        position = offset + secret.start(group)
        line = fixed_line if fixed_line is not None else first_line + text.count("\n", 0, position)
        column = 1 if fixed_line is not None else position - (text.rfind("\n", 0, position) + 1) + 1
        key = f"password of {kind} {name}" if name else f"password of a {kind}"
        if statement.group("set") and not name:
            key = "password of the current user"
        evidence = Evidence(SourceKind.SQL, Location(path, line, column), f"{kind} password")
        found.append(Credential(owner, key, evidence))
    return found
