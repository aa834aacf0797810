"""What a value reaching a call in a service's code carries, once its slots are filled.

The resolver does not trust the API a value was passed to: whatever the resolved text *is* decides
the edge. A connection URL or DSN (``mongodb://``, ``redis://``, ``jdbc:...``, ADO.NET
``Host=...;Database=...``) is a connection; an ``http(s)://`` / ``grpc://`` URL is a call; a bare
``host[:port]`` is whatever that host is in the system (a datastore, a broker, a service). A known
client API only adds the technology (``redis.createClient({host})``) and what the string cannot say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzer.extract.connstr import parse_connection_string, parse_host_list
from analyzer.extract.facts import ConnectionInfo, Value
from analyzer.extract.values import CONFIGURABLE, Slot, describe, slots, substitute, template_of
from analyzer.model import Evidence
from analyzer.resolve.configjoin import ConfigJoin

CALL_SCHEMES = re.compile(r"^(https?|wss?|grpcs?|h2c?)://", re.I)
_HOST = re.compile(r"^[A-Za-z0-9_.-]+(:\d+)?(/.*)?$")
_TECHNOLOGY_HINTS = frozenset(
    {
        "postgresql", "mysql", "mariadb", "sqlserver", "oracle", "mongodb", "redis", "valkey", "memcached",
        "cassandra", "neo4j", "elasticsearch", "rabbitmq", "kafka", "nats", "pulsar", "activemq", "couchdb",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Resolved:
    """A value with its slots filled for one service.

    ``text`` is known from the left ("" when even the start is unknown); ``reason`` says in words
    why it is not complete; ``evidence`` holds every place that set one of its slots.
    """

    text: str
    origin: str
    complete: bool
    reason: str
    evidence: tuple[Evidence, ...]
    symbolic: str
    passthrough: bool = False  # the code only hands on what one configured place sets


def resolve(join: ConfigJoin, service: str, value: Value) -> Resolved:
    """Fill the slots of ``value`` with what the repository sets for ``service``."""
    template = template_of(value)
    used: list[Evidence] = []

    def lookup(current: Slot) -> str | None:
        found = join.lookup(service, current)
        if found is not None:
            used.extend(join.evidence(service, current))
        return found

    filled = substitute(template, lookup)
    origin = value.origin
    configurable = [s for s in slots(template) if s.origin in CONFIGURABLE]
    if configurable and origin not in CONFIGURABLE:
        origin = configurable[0].origin
    reason = ""
    if filled.missing:
        reason = join.why_missing(service, filled.missing[0])
    elif not filled.text:
        first = next((s for s in slots(template)), None)
        name = first.name if first is not None and first.name else "the value"
        if name.endswith(" (a parameter)"):
            shown = describe(template)
            reason = f"{name[:-14]} is a parameter its callers pass ({shown}); callers are not followed"
        elif name.endswith("()"):
            reason = f"{name} returns it and that call is not followed ({describe(template)})"
        else:
            reason = (
                f"{name} is computed at run time ({describe(template)}) and not written in the repository"
            )
    whole = slots(template)
    passthrough = (
        bool(used)
        and len(whole) == 1
        and whole[0].origin in CONFIGURABLE
        and template.startswith("\u27e8")
        and template.endswith("\u27e9")
    )
    return Resolved(
        filled.text, origin, filled.complete, reason, tuple(used), describe(template), passthrough
    )


@dataclass(frozen=True, slots=True)
class Carried:
    """What a resolved text is: ``connection`` (with ``info``), ``url`` or ``host``; and how that
    was recognised, for the edge's ``recognised_by``."""

    kind: str
    recognised_by: str
    info: ConnectionInfo | None = None


def carried(text: str, hint: str = "") -> Carried | None:
    """Classify ``text``; ``hint`` is the technology of the client API that received it, if any."""
    stripped = text.strip()
    if not stripped:
        return None
    if CALL_SCHEMES.match(stripped):
        return Carried("url", "url")
    technology = hint if hint in _TECHNOLOGY_HINTS else ""
    info = parse_connection_string(stripped, technology)
    if info is not None and info.hosts and not any("${" in h or "⟨" in h for h in info.hosts):
        how = (
            "jdbc url"
            if stripped.lower().startswith("jdbc:")
            else ("connection string" if "://" in stripped else "keyword connection string")
        )
        return Carried("connection", how, info)
    if "://" in stripped:
        return None
    if _HOST.match(stripped):
        if technology:
            hosts = parse_host_list(stripped.split("/", 1)[0], technology)
            if hosts is not None and hosts.hosts:
                return Carried("connection", f"{technology} client host", hosts)
        return Carried("host", "host")
    return None
