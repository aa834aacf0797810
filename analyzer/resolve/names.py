"""Identity resolution of names: every name of one thing lands on one canonical name.

Rules, in order: config aliases win; exact names; then normalised names (case, ``_`` → ``-``,
Kubernetes DNS forms ``x.ns`` / ``x.ns.svc.cluster.local`` → ``x``); then a name with a common
``-service`` / ``-svc`` / ``-api`` suffix removed (or added) — only when that lands on exactly
one known thing.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass, field

SUFFIXES = ("-service", "-svc", "-api", "-server", "-app")
K8S_DNS = re.compile(r"^(?P<name>[a-z0-9-]+)(\.(?P<ns>[a-z0-9-]+))?(\.svc(\.cluster\.local)?)?\.?$")
MANAGED_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".rds.amazonaws.com", ""),
    (".cache.amazonaws.com", "redis"),
    (".documents.azure.com", "mongodb"),
    (".database.windows.net", "sqlserver"),
    (".redis.cache.windows.net", "redis"),
    (".mongodb.net", "mongodb"),
    (".postgres.database.azure.com", "postgresql"),
    (".mysql.database.azure.com", "mysql"),
    (".dynamodb.amazonaws.com", "dynamodb"),
)
LOCAL_HOSTS = frozenset(
    {"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal", "(localdb)", "."}
)


def normalise(name: str) -> str:
    """Lower-case, ``_`` → ``-``, trimmed.

    >>> normalise(" Order_Service ")
    'order-service'
    """
    return name.strip().lower().replace("_", "-")


def strip_suffix(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def is_ip(host: str) -> bool:
    address = host.strip("[]")
    if ":" not in address and address.strip("0123456789."):
        return False  # neither IPv6 (always a colon) nor IPv4 (digits and dots): no parse needed
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def managed_technology(host: str) -> str | None:
    """For a cloud-managed endpoint host, its technology ('' when only the port can tell)."""
    lowered = host.lower()
    for suffix, technology in MANAGED_SUFFIXES:
        if lowered.endswith(suffix):
            return technology
    return None


@functools.lru_cache(maxsize=1 << 16)
def host_key(host: str) -> str:
    """The part of a host name that names a compose service or k8s Service.

    >>> host_key("Orders-DB.shop.svc.cluster.local")
    'orders-db'
    >>> host_key("orders_db:5432")
    'orders-db'

    Pure, and asked for the same few names again and again while a graph is built: remembered.
    """
    host = normalise(host)
    if host.startswith("[") and "]" in host:
        return host[1 : host.index("]")]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    if is_ip(host) or managed_technology(host) is not None:
        return host
    match = K8S_DNS.match(host)
    if match:
        return match.group("name")
    return host


@dataclass(slots=True)
class NameIndex:
    """Canonical names of one kind of thing (services, or datastores and brokers) and their aliases."""

    canonical: dict[str, str] = field(default_factory=dict)  # key -> canonical name
    _stripped: dict[str, set[str]] = field(default_factory=dict)
    _found: dict[str, str | None] = field(default_factory=dict)  # lookups since the last add
    version: int = 0  # how many times names were added: answers remembered elsewhere expire with it

    def add(self, canonical: str, *aliases: str) -> None:
        self._found.clear()
        self.version += 1
        for name in (canonical, *aliases):
            if not name:
                continue
            key = host_key(name)
            self.canonical.setdefault(key, canonical)
            self._stripped.setdefault(strip_suffix(key), set()).add(canonical)

    def lookup(self, name: str) -> str | None:
        """The canonical name for ``name``, or None when nothing (or more than one thing) fits."""
        if not name:
            return None
        if name in self._found:
            return self._found[name]
        key = host_key(name)
        found = self.canonical.get(key)
        if found is None:
            candidates = self._stripped.get(strip_suffix(key), set())
            found = next(iter(candidates)) if len(candidates) == 1 else None
        self._found[name] = found
        return found

    def names(self) -> list[str]:
        return sorted(set(self.canonical.values()))
