"""Symbolic values: what a string in a program is, without running the program.

Every language front end (``extract/source/*``) evaluates expressions into a
:class:`~analyzer.extract.facts.Value`. Besides its best static text (known from the left, defaults
filled in), a value carries a *template*: the whole expression with one slot per part that only a
deployment can fill. Slots are written ``⟨origin:name=default⟩``:

* ``⟨env:PG_HOST⟩`` an environment variable (``os.getenv``, ``process.env``, ``System.getenv``);
* ``⟨config:clients.billing.base-url⟩`` a configuration key (Spring ``@Value``, .NET
  ``IConfiguration["A:B"]``, ``viper.GetString``, pydantic settings fields);
* ``⟨?:orderId⟩`` a part nobody can know statically (a request parameter); it ends what is known.

``"jdbc:postgresql://" + System.getenv("PG_HOST") + ":5432/billing"`` becomes the template
``jdbc:postgresql://⟨env:PG_HOST⟩:5432/billing``; the resolver joins each slot to every place in the
repository that sets it (:mod:`analyzer.resolve.configjoin`) and substitutes. :func:`describe`
renders a template for people: ``"jdbc:postgresql://" + env(PG_HOST) + ":5432/billing"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from analyzer.extract.facts import Value

OPEN, CLOSE = "\u27e8", "\u27e9"
_SLOT = re.compile(f"{OPEN}(?P<origin>[a-z?]+):(?P<name>[^={CLOSE}]*)(?:=(?P<default>[^{CLOSE}]*))?{CLOSE}")
CONFIGURABLE = ("env", "config")


def slot(origin: str, name: str, default: str = "") -> str:
    """The template text of one slot (``⟨env:PG_HOST=localhost⟩``)."""
    clean = name.replace(OPEN, "").replace(CLOSE, "").replace("=", "")
    return f"{OPEN}{origin}:{clean}" + (f"={_strip(default)}" if default else "") + CLOSE


def _strip(text: str) -> str:
    return text.replace(OPEN, "").replace(CLOSE, "")


def literal(text: str) -> Value:
    return Value(text, "literal", "", _strip(text))


def env(name: str, default: str = "") -> Value:
    """An environment read with an optional default (``process.env.X || "d"``)."""
    return Value(default, "env", name, slot("env", name, default))


def config(key: str, default: str = "") -> Value:
    """A configuration key with an optional default (``@Value("${a.b:d}")``)."""
    return Value(default, "config", key, slot("config", key, default))


def unknown(name: str = "") -> Value:
    """A part that cannot be known statically; ``name`` says what it was (an identifier)."""
    return Value("", "unresolved", name, slot("?", name))


def template_of(value: Value) -> str:
    """The template of a value, derived for values built without one."""
    if value.template:
        return value.template
    if value.origin in CONFIGURABLE and value.variable:
        return slot(value.origin, value.variable, value.text)
    if value.origin == "unresolved" or (not value.text and value.origin != "literal"):
        return slot("?", value.variable)
    return _strip(value.text)


def concat(parts: Sequence[Value]) -> Value:
    """Concatenation (``+``, f-strings, template literals, ``String.format``, ``+=``).

    ``text`` is known from the left (a trailing unknown id does not hide the host); the origin is
    that of the first configurable part; the template keeps every part.
    """
    if not parts:
        return literal("")
    template = "".join(template_of(p) for p in parts)
    if not parts[0].known:
        first = parts[0]
        origin = first.origin if first.origin in CONFIGURABLE else "unresolved"
        return Value("", origin, first.variable, template)
    text = ""
    for part in parts:
        if not part.known:
            break
        text += part.text
    configurable = next((p for p in parts if p.origin in CONFIGURABLE), None)
    if configurable is not None:
        return Value(text, configurable.origin, configurable.variable, template)
    # Known from the left: a runtime part that follows (a path id) does not hide the host.
    return Value(text, "literal", "", template)


def fallback(primary: Value, default: Value) -> Value:
    """``primary || default`` / ``primary ?? default`` / ``getenv("X", default)``: a configurable
    read keeps its name with the default as its text; otherwise the first known side."""
    if (
        primary.origin in CONFIGURABLE
        and primary.variable
        and template_of(primary) == slot(primary.origin, primary.variable, primary.text)
    ):
        text = default.text
        return Value(text, primary.origin, primary.variable, slot(primary.origin, primary.variable, text))
    return primary if primary.known else default


def formatted(
    pattern: Value, args: Sequence[Value], placeholder: str = r"%[-#+ 0-9.]*[a-zA-Z]|\{\}"
) -> Value:
    """``String.format`` / ``fmt.Sprintf`` / ``"{}".format``: placeholders filled in order."""
    if not pattern.known:
        return pattern
    pieces = re.split(f"({placeholder})", pattern.text)
    parts: list[Value] = []
    remaining = list(args)
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            if piece:
                parts.append(literal(piece.replace("%%", "%")))
        else:
            parts.append(remaining.pop(0) if remaining else unknown())
    return concat(parts) if parts else literal("")


def url_join(base: Value, path: Value) -> Value:
    """``urljoin(base, path)`` / ``new URL(path, base)``: an absolute path wins only when it has a
    scheme; otherwise the base's host stays and the path follows it."""
    if path.known and re.match(r"^[a-z][a-z0-9+.-]*://", path.text, re.I):
        return path
    if base.known and path.known and not base.text.endswith("/") and not path.text.startswith("/"):
        return concat([base, literal("/"), path])
    return concat([base, path])


@dataclass(frozen=True, slots=True)
class Slot:
    origin: str
    name: str
    default: str


def slots(template: str) -> list[Slot]:
    """The slots of a template, in order."""
    return [Slot(m["origin"], m["name"], m["default"] or "") for m in _SLOT.finditer(template)]


@dataclass(frozen=True, slots=True)
class Substituted:
    """A template with its slots filled: ``text`` is known from the left; ``missing`` names the
    configurable slots nothing filled (and that had no default)."""

    text: str
    complete: bool
    missing: tuple[Slot, ...]


def substitute(template: str, lookup: Callable[[Slot], str | None]) -> Substituted:
    """Fill each slot with ``lookup(slot)``, else its default; stop at the first unknown part."""
    out: list[str] = []
    position = 0
    missing: list[Slot] = []
    complete = True
    for match in _SLOT.finditer(template):
        out.append(template[position : match.start()])
        position = match.end()
        current = Slot(match["origin"], match["name"], match["default"] or "")
        found = lookup(current) if current.origin in CONFIGURABLE else None
        if found is None:
            found = current.default or None
        if found is None:
            if current.origin in CONFIGURABLE:
                missing.append(current)
            complete = False
            break
        out.append(found)
    else:
        out.append(template[position:])
    return Substituted("".join(out), complete, tuple(missing))


def describe(value: Value | str) -> str:
    """A template for people: ``"mongodb://" + env(MONGO_HOST) + "/products"``,
    ``env(MONGO_URL) ?? "mongodb://mongodb:27017/products"``."""
    template = template_of(value) if isinstance(value, Value) else value
    parts: list[str] = []
    position = 0
    for match in _SLOT.finditer(template):
        if match.start() > position:
            parts.append(f'"{template[position : match.start()]}"')
        position = match.end()
        origin, name, default = match["origin"], match["name"], match["default"]
        if origin == "?":
            parts.append(name or "?")
        else:
            text = f"{origin}({name})"
            alone = match.start() == 0 and match.end() == len(template)
            if default:
                text = f'{text} ?? "{default}"' if alone else f'({text} ?? "{default}")'
            parts.append(text)
    if position < len(template):
        parts.append(f'"{template[position:]}"')
    return " + ".join(parts) if parts else '""'


def settings_url(
    technology: str, host: Value, port: Value | None = None, database: Value | None = None
) -> Value:
    """A client configured by parts (``createClient({host, port})``, ``new Pool({host, database})``,
    ``new MongoClient(host, 27017)``) as the URL those parts make, so one resolver path reads every
    shape: ``redis://⟨env:REDIS_HOST=redis⟩:6379``."""
    scheme = {"postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql", "mongodb": "mongodb",
              "redis": "redis", "rabbitmq": "amqp", "sqlserver": "sqlserver", "nats": "nats",
              "kafka": "kafka"}.get(technology, technology)  # fmt: skip
    parts = [literal(f"{scheme}://"), host]
    if port is not None and (port.known or port.origin in CONFIGURABLE):
        parts += [literal(":"), port]
    if database is not None and (database.known or database.origin in CONFIGURABLE):
        parts += [literal("/"), database]
    return concat(parts)


def as_placeholders(value: Value) -> str:
    """A value as a setting's text, its slots as ``${NAME:default}`` placeholders the configuration
    join expands (a config module's ``mongoUrl: process.env.MONGO_URL || "mongodb://..."`` is
    ``${MONGO_URL:mongodb://...}``); it ends where an unknown part begins."""
    template = template_of(value)
    out: list[str] = []
    position = 0
    for match in _SLOT.finditer(template):
        out.append(template[position : match.start()])
        position = match.end()
        if match["origin"] not in CONFIGURABLE:
            return "".join(out)
        default = match["default"]
        out.append("${" + match["name"] + (f":{default}" if default else "") + "}")
    out.append(template[position:])
    return "".join(out)
