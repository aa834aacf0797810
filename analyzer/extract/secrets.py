"""Is a secret as written a plaintext value, or something that stands for one?

Shared by the extractors that find credentials in SQL, Kubernetes Secrets and code. A value is
**plaintext** when someone reading the repository learns the secret from it. It is not when it is:

* empty, or only whitespace;
* a reference or template: ``${VAR}``, ``$(VAR)``, ``{{ .Values.x }}``, ``%(pw)s``, ``$VAR``,
  ``<password>``, ``***``;
* a token a build or deploy step replaces: ``REPLACE_ME``, ``CHANGE_THIS``, ``YOUR_PASSWORD``,
  ``ENTER-PASSWORD-HERE``, ``__DB_PASSWORD__``, ``#{DbPassword}#``, ``@db.password@``;
* encrypted or hashed: SOPS ``ENC[AES256_GCM,...]``, Postgres ``md5<32 hex>`` / ``SCRAM-SHA-256$``,
  MySQL ``*<40 hex>``, Jasypt ``ENC(...)``, Spring Cloud Config ``{cipher}...``.

NOTE: a well-known default (``changeme``, ``password``, ``secret``, ``admin``) *is* plaintext: it is
the value the system runs with until someone changes it, and a scanner that skips it misses the
most common leak.
"""

from __future__ import annotations

import re

from analyzer.extract.connstr import password_kind

_TEMPLATE_TOKEN = re.compile(
    r"""^(?:
        (?:REPLACE|INSERT|ENTER|YOUR|PUT|SET|FILL|ADD)(?:[_\-\s][A-Z0-9]+)+    # REPLACE_ME, YOUR_PASSWORD
      | [A-Z0-9_\-]*[_\-](?:HERE|ME|THIS)                                     # PASSWORD_HERE, CHANGE_THIS
      | __[A-Za-z0-9_.\-]+__                                                  # __DB_PASSWORD__
      | \#\{[^}]+\}\#?                                                        # #{DbPassword}#
      | @[A-Za-z0-9_.\-]+@                                                    # @db.password@ (Maven)
      | %[A-Za-z0-9_]+%                                                       # %DB_PASSWORD%
    )$""",
    re.VERBOSE | re.IGNORECASE,
)
_WELL_KNOWN = re.compile(r"^change[_\-]?me$", re.IGNORECASE)  # a default the system runs with
_ENCRYPTED = re.compile(
    r"^(?:ENC\[[A-Z0-9_]+,|ENC\(|\{cipher\}|md5[0-9a-f]{32}$|SCRAM-SHA-256\$|\*[0-9A-F]{40}$|0x[0-9A-Fa-f]{16,}$)"
)


def is_templated(value: str) -> bool:
    """A placeholder or token to be substituted, not a secret (``REPLACE_ME``, ``${PW}``, ``<pw>``).

    >>> is_templated("REPLACE_ME"), is_templated("${DB_PASSWORD}"), is_templated("changeme")
    (True, True, False)
    """
    text = value.strip()
    if _WELL_KNOWN.match(text):
        return False
    return password_kind(text) == "reference" or bool(_TEMPLATE_TOKEN.match(text))


def is_encrypted(value: str) -> bool:
    """An encrypted or hashed value (SOPS ``ENC[...]``, Postgres ``md5...``, ``{cipher}...``)."""
    return bool(_ENCRYPTED.match(value.strip()))


def is_plaintext_secret(value: str) -> bool:
    """Whether ``value``, written where a password goes, discloses the password.

    >>> [is_plaintext_secret(v) for v in ("s3cret", "changeme", "", "<password>", "ENC[AES256_GCM,data:x]")]
    [True, True, False, False, False]
    """
    text = value.strip()
    return bool(text) and not is_templated(text) and not is_encrypted(text)


def names_password(name: str) -> bool:
    """``dbPassword``, ``DB_PASSWORD``, ``spring.datasource.password``, ``pass`` — not ``bypass``,
    ``password_file`` or ``passwordEncoder``.

    >>> [names_password(n) for n in ("dbPassword", "spring.datasource.password", "bypass", "password_file")]
    [True, True, False, False]
    """
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip("\"'`")).lower()
    return re.search(r"(^|[_.\-\s:])(password|passwd|pwd|pass|passphrase)$", snake) is not None
