"""Secrets committed in Kubernetes manifests, whether or not a workload in the repository reads them.

A ``Secret``'s ``data`` is base64 — an encoding, not encryption — and ``stringData`` is the value
itself, so both are plaintext in the repository. Every key that names a secret (``password``,
``token``, ``api-key``, ``tls.key``, ``.dockerconfigjson``, ...) or whose value is a connection
string with a password becomes a :class:`Credential` at the key's line; so does a password-named
key of a ``ConfigMap`` (``POSTGRES_PASSWORD`` in a ConfigMap is worse than in a Secret).

Not plaintext: ``SealedSecret`` (``encryptedData`` only the cluster can open), ``ExternalSecret`` /
``SecretStore`` / ``ClusterSecretStore`` (references into a vault), any document of a
SOPS-encrypted file (a top-level ``sops:`` block; its values are ``ENC[...]``), and values that are
empty, templated or encrypted (:func:`analyzer.extract.secrets.is_plaintext_secret`).

The credential has no owner here; workloads that read the key (``secretKeyRef``, ``envFrom``) add
themselves as its readers at the same line, and the resolver makes one credential of the place.
"""

from __future__ import annotations

import base64
import binascii
import re

from analyzer.extract.connstr import parse_connection_string
from analyzer.extract.facts import Credential
from analyzer.extract.secrets import is_plaintext_secret
from analyzer.extract.yamlsrc import LineDict
from analyzer.model import Evidence, Location, SourceKind

_SECRET_KEY = re.compile(
    r"pass(word|wd)?($|[^a-z])|pwd|secret|token|api[-_.]?key|access[-_.]?key|private[-_.]?key"
    r"|credential|auth|(^|[-_.])key$|^key$|jwt|dockerconfigjson|dockercfg|ssh-privatekey",
    re.IGNORECASE,
)
_PASSWORD_KEY = re.compile(r"(password|passwd|pwd|_pass)$", re.IGNORECASE)
_NOT_SECRET_KEY = re.compile(
    r"(user(name)?|host|port|_file|path|\.pub|public|pubkey|\.crt|\.pem\.pub|cert|certificate|ca)$",
    re.IGNORECASE,
)  # public halves and certificates are not secrets


def _decoded(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _names_secret(key: str, value: str, secret: bool) -> bool:
    if _NOT_SECRET_KEY.search(key):
        return False
    if (_SECRET_KEY.search(key) if secret else _PASSWORD_KEY.search(key)) is not None:
        return True
    info = parse_connection_string(value)
    return info is not None and info.password == "literal"


def committed_secrets(path: str, docs: list[tuple[str, LineDict]], profile: str = "") -> list[Credential]:
    """Plaintext secrets of the ``Secret`` and ``ConfigMap`` documents written in ``path``."""
    found: list[Credential] = []
    for where, doc in docs:
        kind = doc.get("kind")
        if where != path or kind not in ("Secret", "ConfigMap") or "sops" in doc:
            continue
        secret = kind == "Secret"
        for section in ("data", "stringData") if secret else ("data",):
            data = doc.get(section)
            if not isinstance(data, LineDict):
                continue
            for key, raw in data.items():
                if raw is None or isinstance(raw, (dict, list)):
                    continue
                value = _decoded(str(raw)) if secret and section == "data" else str(raw)
                if value is None or not is_plaintext_secret(value):
                    continue
                if not _names_secret(str(key), value, secret):
                    continue
                line = data.line_of(key)[1]
                evidence = Evidence(SourceKind.K8S, Location(path, max(line, 1)), f"{kind} {key}", 1, profile)
                # Named by its object too: two Secrets' `password` keys are two credentials, while
                # one Secret in two overlays stays one claim the report can merge.
                meta = doc.get("metadata")
                name = str(meta.get("name") or "") if isinstance(meta, dict) else ""
                found.append(Credential("", f"{key} of {kind} {name}" if name else str(key), evidence))
    return found
