"""Docker Compose files → services, datastores, connections, calls, env, credentials.

What is read: ``services`` with ``image`` (→ technology via :mod:`analyzer.extract.images`) or
``build`` (context → service root; a Dockerfile ``FROM mongo:3`` still makes a datastore),
``environment`` (list or map) and ``env_file``, ``depends_on`` (list or map), ``links``,
``networks`` aliases, ``volumes`` (a data volume makes a datastore persistent), ``healthcheck``,
``extends`` (same file or another), YAML anchors and ``<<`` merge keys. Values are interpolated
per the compose specification from the project ``.env`` next to the file.

File sets: ``docker-compose.yml`` + ``docker-compose.override.yml`` (and ``compose.yaml`` +
``compose.override.yaml``) are merged as ``docker compose`` merges them (mappings by key,
``environment`` by variable, sequences appended); the override alone yields nothing when its
base exists. Any other compose file is its own set; its name goes into ``Evidence.profile``.
Files in one folder that define the same containers are deployment *variants*
(``docker-compose-mysql.yml`` beside ``docker-compose-postgres.yml``): the default file (else the
largest) declares and wires the containers; a variant's facts about them never merge into the
graph (a database would get two technologies), only its literals stay (a committed password is one
wherever it is written), marked with its file name. Compose file format 1 (services
at the top level, no ``services:`` key) is read too.

Every fact's evidence is the exact line of the YAML key (or list item) that proves it; a value
that arrives from the ``.env`` file through interpolation is credited to the ``.env`` line.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from analyzer.extract.connstr import password_kind
from analyzer.extract.envfacts import PASSWORD_KEY, classify
from analyzer.extract.facts import (
    Call,
    Connection,
    Credential,
    DatastoreDecl,
    DependsOn,
    EnvVar,
    ExtractResult,
    Fact,
    FileContext,
    ServiceDecl,
)
from analyzer.extract.images import (
    technology_for_dockerfile,
    technology_for_environment,
    technology_for_image,
)
from analyzer.extract.interpolate import interpolate, parse_env_entries
from analyzer.extract.sidefiles import load_all_once
from analyzer.extract.yamlsrc import LineDict, LineList, Source, YamlError
from analyzer.model import Diagnostic, DiagnosticLevel, Evidence, Location, SourceKind
from analyzer.model.paths import OutsideRoot, resolve_inside

NAME = "compose"

_FILE = re.compile(r"^(docker-)?compose([._-][\w.-]+)?\.ya?ml$")
_BASES = {
    "docker-compose.override.yml": ("docker-compose.yml", "docker-compose.yaml"),
    "docker-compose.override.yaml": ("docker-compose.yaml", "docker-compose.yml"),
    "compose.override.yml": ("compose.yml", "compose.yaml"),
    "compose.override.yaml": ("compose.yaml", "compose.yml"),
}
_SERVICE_KEYS = frozenset(
    {
        "image",
        "build",
        "environment",
        "env_file",
        "ports",
        "expose",
        "depends_on",
        "command",
        "entrypoint",
        "volumes",
        "extends",
        "links",
        "healthcheck",
        "restart",
        "deploy",
        "container_name",
        "profiles",
        "labels",
        "networks",
    }
)
_DEFAULT_SETS = {"docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"}
_DATABASE_KEYS = (
    "POSTGRES_DB",
    "MYSQL_DATABASE",
    "MARIADB_DATABASE",
    "MONGO_INITDB_DATABASE",
    "POSTGRESQL_DATABASE",
)


def wants(path: str) -> bool:
    return bool(_FILE.match(posixpath.basename(path).lower()))


class _Repo:
    """Reads sibling files of the set (``env_file``, ``extends``, ``include``, overrides, build
    contexts' Dockerfiles), only inside the repository: a path that leads outside it, by ``..``,
    an absolute path or a symlink, is remembered for a diagnostic and never opened."""

    def __init__(self, ctx: FileContext) -> None:
        self.root = Path(ctx.root).resolve()
        self.path = ctx.path
        self.refused: set[str] = set()

    def read(self, rel: str) -> str | None:
        try:
            target = resolve_inside(self.root, posixpath.normpath(rel))
        except OutsideRoot:
            self.refused.add(rel)
            return None
        try:
            if target.is_file() and target.stat().st_size < 2_000_000:
                return target.read_text(encoding="utf-8-sig", errors="replace")
        except OSError:
            return None
        return None

    def siblings(self, folder: str) -> list[str]:
        """Compose files next to ``folder``'s others (repo-relative), sorted."""
        try:
            names = sorted(p.name for p in (self.root / folder).iterdir() if p.is_file())
        except OSError:
            return []
        return [posixpath.join(folder, n) for n in names if _FILE.match(n.lower())]

    def diagnostics(self) -> list[Diagnostic]:
        return [
            Diagnostic(
                self.path, 0, DiagnosticLevel.WARNING, f"'{rel}' leads outside the repository; not read"
            )
            for rel in sorted(self.refused)
        ]


def _service_names(text: str | None, path: str) -> set[str]:
    """The names of the containers a compose file defines (a light read, for variants)."""
    try:
        docs = load_all_once(text, path) if text else []
    except YamlError:
        return set()
    data = docs[0] if docs else None
    services = data.get("services") if isinstance(data, dict) else None
    if isinstance(data, dict) and services is None and "version" not in data:
        services = data
    if not isinstance(services, dict):
        return set()
    return {str(k) for k, v in services.items() if isinstance(v, dict) and ({"image", "build"} & set(v))}


def primary_variant(repo: _Repo, path: str) -> str:
    """The file that stands for the deployment when several compose files in one folder define
    the same containers (``docker-compose-mysql.yml`` beside ``docker-compose-postgres.yml``):
    the default file (or one named ``*default*``), else the one with the most containers, else the
    shortest name. Files
    that define other containers (or only refine them: overlays) are not variants of it."""
    folder = posixpath.dirname(path)
    mine = _service_names(repo.read(path), path)
    if not mine or posixpath.basename(path).lower() in _BASES:
        return path
    group = [(path, mine)]
    for other in repo.siblings(folder):
        if other == path or posixpath.basename(other).lower() in _BASES:
            continue
        names = _service_names(repo.read(other), other)
        if names & mine:
            group.append((other, names))
    if len(group) == 1:
        return path
    return min(
        group,
        key=lambda item: (
            posixpath.basename(item[0]).lower() not in _DEFAULT_SETS,
            "default" not in posixpath.basename(item[0]).lower(),
            -len(item[1]),
            len(item[0]),
            item[0],
        ),
    )[0]


def is_variant(root: str, path: str) -> bool:
    """Whether a compose file is a deployment variant another file of its folder stands for."""
    return primary_variant(_Repo(FileContext(path, root)), path) != path


def _merge(base: Any, over: Any) -> Any:
    """Compose merge: mappings by key (recursively), sequences appended, scalars replaced; a value
    tagged ``!override`` replaces, ``!reset`` (loaded as None) clears."""
    if getattr(over, "override", False):
        return over
    if isinstance(base, dict) and isinstance(over, dict):
        out = LineDict(base)
        out.src = dict(getattr(base, "src", {}))
        out.origin = getattr(base, "origin", getattr(over, "origin", ("", 1)))
        over_src = getattr(over, "src", {})
        for key, value in over.items():
            refines = key in base and isinstance(base[key], dict) and isinstance(value, dict)
            out[key] = _merge(base[key], value) if key in base else value
            # a mapping the override only refines (a service) is still declared where the base
            # wrote it; a replaced value is proved by the override's line
            if key in over_src and not (refines and key in out.src):
                out.src[key] = over_src[key]
        return out
    if isinstance(base, list) and isinstance(over, list):
        if _env_like(base) or _env_like(over):
            merged = _env_map(base)
            later = _env_map(over)
            merged.update(later)
            merged.src.update(later.src)
            return merged
        out_list = LineList([*base, *(v for v in over if v not in base)])
        out_list.src = [*getattr(base, "src", [("", 1)] * len(base))]
        out_list.src += [
            getattr(over, "line_of", lambda i: ("", 1))(i) for i, v in enumerate(over) if v not in base
        ]
        out_list.origin = getattr(base, "origin", ("", 1))
        return out_list
    if isinstance(base, dict) and isinstance(over, list) and _env_like(over):
        return _merge(base, _env_map(over))
    if isinstance(base, list) and isinstance(over, dict) and _env_like(base):
        return _merge(_env_map(base), over)
    return over


def _env_like(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(i, str) and re.match(r"^[A-Za-z_][\w.]*(=|$)", i) for i in items)


def _env_map(items: Any) -> LineDict:
    """An ``environment`` list (``KEY=value`` items) as a mapping that keeps item lines."""
    out = LineDict()
    out.src = {}
    out.origin = getattr(items, "origin", ("", 1))
    if isinstance(items, dict):
        for key, value in items.items():
            out[str(key)] = value
            out.src[str(key)] = items.line_of(key) if isinstance(items, LineDict) else out.origin
        return out
    for index, item in enumerate(items or []):
        if not isinstance(item, str):
            continue
        key, sep, value = item.partition("=")
        out[key.strip()] = value if sep else None
        out.src[key.strip()] = items.line_of(index) if isinstance(items, LineList) else out.origin
    return out


class _Set:
    """One compose file set being read: its variables, files and diagnostics."""

    def __init__(self, ctx: FileContext, repo: _Repo, folder: str, profile: str) -> None:
        self.ctx = ctx
        self.repo = repo
        self.folder = folder
        self.profile = profile
        self.result = ExtractResult()
        self.env: dict[str, str] = {}
        self.env_lines: dict[str, Source] = {}
        self.link_aliases: dict[str, set[str]] = {}
        self.unset: set[str] = set()  # variables already reported as unset
        env_path = posixpath.join(folder, ".env") if folder else ".env"
        text = repo.read(env_path)
        if text is not None:
            names = {entry.key for entry in parse_env_entries(text)}
            for entry in parse_env_entries(text):
                self.env_lines[entry.key] = (env_path, entry.line)
                if entry.quote == "'":  # single quotes: taken literally
                    self.env[entry.key] = entry.value
                    continue
                # .env values may use earlier variables and defaults; a later or self reference
                # (a loop such as A=${B}, B=${A}) is not resolved by compose: say so.
                done = interpolate(entry.value, self.env)
                for name in done.missing + done.defaulted:
                    if name in names and name not in self.env:
                        self.diag(
                            (env_path, entry.line),
                            f"{entry.key} uses {name}, which .env defines only later or through itself "
                            "(a forward reference or loop): it is empty here",
                        )
                for error in done.errors:
                    self.diag((env_path, entry.line), error)
                self.env[entry.key] = done.text

    def evidence(self, source: Source, detail: str = "") -> Evidence:
        path, line = source
        return Evidence(
            SourceKind.COMPOSE, Location(path or self.ctx.path, max(line, 1)), detail, 1, self.profile
        )

    def diag(self, source: Source, message: str, level: DiagnosticLevel = DiagnosticLevel.WARNING) -> None:
        self.result.diagnostics.append(
            Diagnostic(source[0] or self.ctx.path, max(source[1], 1), level, message)
        )

    def value(self, raw: Any, source: Source) -> tuple[str, list[str]]:
        """Interpolated string and the .env variables it used."""
        if raw is None:
            return "", []
        if isinstance(raw, bool):
            return ("true" if raw else "false"), []
        if not isinstance(raw, (str, int, float)):
            return "", []
        done = interpolate(str(raw), self.env, keep_missing=True)
        for error in done.errors:
            self.diag(source, error)
        self.report_unset(done.missing, source)
        return done.text, [v for v in done.used if v in self.env_lines]

    def report_unset(self, names: list[str], source: Source) -> None:
        """One note per variable the set uses with no value in ``.env`` and no default: its value
        comes from the deploying shell, so anything built from it is not known from the repo."""
        for name in names:
            if name not in self.unset:
                self.unset.add(name)
                self.diag(
                    source,
                    f"variable {name} is not set in .env and has no default: its value comes from "
                    "the deploying environment",
                    DiagnosticLevel.INFO,
                )


def _load(set_: _Set, path: str, text: str | None) -> LineDict | None:
    if text is None:
        return None
    try:  # parsed once per scan (the inventory read it first); the documents are shared, never changed
        docs = load_all_once(text, path)
    except YamlError as exc:
        set_.diag((path, exc.line), str(exc), DiagnosticLevel.ERROR)
        return None
    data = docs[0] if docs else None
    if not isinstance(data, dict):
        if data is not None:
            set_.diag((path, 1), "a compose file is a mapping with 'services'")
        return None
    return data  # type: ignore[return-value]


def _services(doc: LineDict | None) -> LineDict:
    services = doc.get("services") if doc else None
    if isinstance(services, LineDict):
        return services
    if doc and "services" not in doc and "version" not in doc:
        # Compose file format 1: services at the top level.
        top = LineDict(
            {k: v for k, v in doc.items() if isinstance(v, dict) and ("image" in v or "build" in v)}
        )
        top.src = {k: doc.line_of(k) for k in top}
        top.origin = doc.origin
        return top
    empty = LineDict()
    empty.src, empty.origin = {}, doc.origin if doc else ("", 1)
    return empty


def _with_extends(
    set_: _Set, name: str, spec: LineDict, services: dict[Any, Any], depth: int = 0
) -> LineDict:
    ext = spec.get("extends")
    if not ext or depth > 5:
        return spec
    if isinstance(ext, str):
        ext = {"service": ext}
    if not isinstance(ext, dict) or not isinstance(ext.get("service"), str):
        return spec
    base_services = services
    if isinstance(ext.get("file"), str):
        other = posixpath.normpath(posixpath.join(set_.folder, ext["file"]))
        base_services = _services(_load(set_, other, set_.repo.read(other)))
    base = base_services.get(ext["service"])
    if not isinstance(base, LineDict):
        set_.diag(spec.line_of("extends"), f"service '{name}' extends unknown service '{ext['service']}'")
        return spec
    base = _with_extends(set_, ext["service"], base, base_services, depth + 1)
    merged = _merge(base, {k: v for k, v in spec.items() if k != "extends"} | LineDict())
    merged.src.update({k: v for k, v in spec.src.items() if k != "extends"})
    for key in spec:
        if key != "extends":
            merged[key] = _merge(base[key], spec[key]) if key in base else spec[key]
    return merged


class _Quoted(str):
    """A single-quoted env_file value: written literally, whatever ``$`` it contains."""

    __slots__ = ()


def _env_entries(set_: _Set, spec: LineDict) -> Iterator[tuple[str, str, Source, list[str], Any]]:
    """(key, interpolated value, source line, .env vars used, raw value) for every variable."""
    for env_file in _as_list(spec.get("env_file")):
        rel = env_file.get("path") if isinstance(env_file, dict) else env_file
        if not isinstance(rel, str):
            continue
        path = posixpath.normpath(posixpath.join(set_.folder, set_.value(rel, spec.line_of("env_file"))[0]))
        text = set_.repo.read(path)
        if text is None:
            required = not (isinstance(env_file, dict) and env_file.get("required") is False)
            if required:
                set_.diag(
                    spec.line_of("env_file"),
                    f"env_file {path} not found in the repository",
                    DiagnosticLevel.INFO,
                )
            continue
        for entry in parse_env_entries(text):
            if entry.quote == "'":
                yield entry.key, entry.value, (path, entry.line), [], _Quoted(entry.value)
                continue
            done = interpolate(entry.value, set_.env, keep_missing=True)
            set_.report_unset(done.missing, (path, entry.line))
            yield entry.key, done.text, (path, entry.line), [], entry.value
    environment = spec.get("environment")
    if environment is None:
        return
    mapping = _env_map(environment)
    for key, raw in mapping.items():
        source = mapping.line_of(key)
        if raw is None:
            # `- KEY` with no value: taken from the .env / shell at deploy time.
            if key in set_.env:
                yield key, set_.env[key], set_.env_lines[key], [key], "${" + key + "}"
            continue
        text, used = set_.value(raw, source)
        yield str(key), text, source, used, raw


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


# Where datastore and broker images keep their data; a bind mount elsewhere (source code, config)
# does not make a container persistent.
_DATA_DIRS = (
    "/var/lib/postgresql", "/var/lib/mysql", "/var/lib/mariadb", "/data", "/bitnami", "/var/lib/rabbitmq",
    "/var/lib/kafka", "/var/lib/redpanda", "/var/lib/zookeeper", "/usr/share/elasticsearch/data",
    "/usr/share/opensearch/data", "/var/opt/mssql", "/var/lib/cassandra", "/var/lib/neo4j", "/var/lib/redis",
    "/var/lib/mongodb", "/opt/couchbase/var", "/var/lib/clickhouse", "/var/lib/influxdb", "/etcd-data",
    "/home/dynamodblocal/data", "/opt/bitnami",
)  # fmt: skip


def _is_data_dir(target: str) -> bool:
    target = target.rstrip("/")
    return any(target == d or target.startswith(d + "/") for d in _DATA_DIRS) or posixpath.basename(
        target
    ) in ("data", "db", "datadir")


def _persistent(spec: LineDict) -> bool:
    """A named or anonymous volume (not a config file), or a bind mount on the data directory."""
    for volume in _as_list(spec.get("volumes")):
        if isinstance(volume, dict):
            if volume.get("type") == "tmpfs":
                continue
            target = str(volume.get("target") or "")
            bind = volume.get("type") == "bind"
        elif isinstance(volume, str):
            parts = volume.split(":")
            # a lone path is an anonymous volume: it still survives container restarts
            target = parts[0] if len(parts) < 2 else parts[1]
            bind = len(parts) >= 2 and parts[0][:1] in (".", "/", "~", "$")
        else:
            continue
        if "docker-entrypoint-initdb.d" in target or re.search(
            r"\.(conf|cnf|sql|sh|ya?ml|json|js|ini|xml)$", target
        ):
            continue
        if not bind or _is_data_dir(target):
            return True
    return False


def _healthcheck(spec: LineDict) -> bool:
    check = spec.get("healthcheck")
    return (
        isinstance(check, dict) and not check.get("disable") and check.get("test") not in (["NONE"], "NONE")
    )


def _aliases(spec: LineDict) -> tuple[str, ...]:
    networks = spec.get("networks")
    found: list[str] = []
    if isinstance(networks, dict):
        for net in networks.values():
            if isinstance(net, dict):
                found.extend(str(a) for a in _as_list(net.get("aliases")))
    if isinstance(spec.get("hostname"), str):
        found.append(spec["hostname"])
    if isinstance(spec.get("container_name"), str):
        found.append(spec["container_name"])
    return tuple(sorted(set(found)))


def _technology(set_: _Set, spec: LineDict, image: str) -> tuple[str, str] | None:
    build = spec.get("build")
    found = technology_for_image(image, vendor_builds=build is None) if image else None
    if found:
        return found
    if build is None:
        # NOTE: an image this repository does not build, configured like a datastore image
        return technology_for_environment(env_names(spec)) if image else None
    context = build.get("context", ".") if isinstance(build, dict) else build
    dockerfile = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
    if not isinstance(context, str) or "://" in context or not isinstance(dockerfile, str):
        return None
    text = set_.repo.read(posixpath.join(set_.folder, context, dockerfile))
    return technology_for_dockerfile(text) if text else None


def env_names(spec: Mapping[str, object]) -> list[str]:
    """The variable names a compose service's ``environment`` sets (mapping or ``KEY=value`` list)."""
    environment = spec.get("environment")
    if isinstance(environment, dict):
        return [str(k) for k in environment]
    if isinstance(environment, list):
        return [str(item).split("=", 1)[0] for item in environment]
    return []


def _build_root(set_: _Set, spec: LineDict) -> str:
    """The service's source folder: the build context, or the folder of the Dockerfile when the
    context is a parent of it (``context: .``, ``dockerfile: src/Web/Dockerfile``)."""
    build = spec.get("build")
    context = build.get("context", ".") if isinstance(build, dict) else build
    if not isinstance(context, str) or "://" in context or "$" in context:
        return ""
    dockerfile = build.get("dockerfile") if isinstance(build, dict) else None
    if isinstance(dockerfile, str) and "$" not in dockerfile and not dockerfile.startswith("/"):
        context = posixpath.join(context, posixpath.dirname(dockerfile))
    root = posixpath.normpath(posixpath.join(set_.folder, context))
    return "" if root == "." or root.startswith("..") else root


def _secret_source(set_: _Set, source: Source, used: list[str]) -> Source:
    """Where a literal value is written: the .env line when it came from there."""
    return set_.env_lines[used[0]] if used else source


def _store_facts(
    set_: _Set, name: str, spec: LineDict, tech: tuple[str, str], source: Source, image: str
) -> None:
    technology, role = tech
    databases: list[str] = []
    for key, value, where, used, _raw in _env_entries(set_, spec):
        upper = key.upper()
        if upper in _DATABASE_KEYS and value and "${" not in value:
            databases.append(value)
        if upper.endswith("_FILE") or not value or "${" in value:
            continue
        if PASSWORD_KEY.search(upper):
            if upper == "NEO4J_AUTH" and (value.lower() == "none" or "/" not in value):
                continue
            if upper.startswith("ALLOW_EMPTY") or value.lower() in ("yes", "no", "true", "false"):
                continue
            set_.result.facts.append(
                Credential(name, key, set_.evidence(_secret_source(set_, where, used), f"env {key}"))
            )
    set_.result.facts.append(
        DatastoreDecl(
            name=name,
            technology=technology,
            evidence=set_.evidence(source, f"{role} {technology}"),
            role=role,
            image=image,
            aliases=tuple(sorted({*_aliases(spec), *set_.link_aliases.get(name, ())})),
            persistent=_persistent(spec),
            healthcheck=_healthcheck(spec),
            databases=tuple(sorted(set(databases))),
        )
    )


def _same(evidence: Evidence) -> Evidence:
    return evidence


def _app_facts(
    set_: _Set, name: str, spec: LineDict, source: Source, image: str, names: set[str], stores: dict[str, str]
) -> None:
    facts = set_.result.facts
    facts.append(
        ServiceDecl(
            name,
            set_.evidence(source, "compose service"),
            _build_root(set_, spec),
            image,
            tuple(sorted({*_aliases(spec), *set_.link_aliases.get(name, ())})),
        )
    )
    entries = list(_env_entries(set_, spec))
    values = {re.sub(r"[^A-Za-z0-9]+", "_", key).upper(): value for key, value, *_ in entries}
    for key, value, where, used, raw in entries:
        evidence = set_.evidence(where, f"env {key}")
        quoted = isinstance(raw, _Quoted)
        is_secret = not quoted and "${" in str(raw) and PASSWORD_KEY.search(key.upper()) is not None
        facts.append(EnvVar(name, key, value, evidence, secret=is_secret))
        literal = quoted or password_kind(str(raw)) == "literal" or bool(used)
        credit = set_.evidence(_secret_source(set_, where, used), f"env {key}")
        facts.extend(
            classify(
                name, key, value, evidence, values, names, literal, functools.partial(_same, credit), stores
            )
        )
    for dep, dep_source in _depends(spec):
        facts.append(DependsOn(name, dep, set_.evidence(dep_source, "depends_on")))


def _depends(spec: LineDict) -> Iterator[tuple[str, Source]]:
    depends = spec.get("depends_on")
    if isinstance(depends, LineDict):
        for key in depends:
            yield str(key), depends.line_of(key)
    elif isinstance(depends, LineList):
        for index, item in enumerate(depends):
            if isinstance(item, str):
                yield item, depends.line_of(index)
    links = spec.get("links")
    if isinstance(links, LineList):
        for index, item in enumerate(links):
            if isinstance(item, str):
                yield item.split(":")[0], links.line_of(index)


def _with_includes(set_: _Set, folder: str, doc: LineDict) -> LineDict:
    """Top-level ``include:`` (compose 2.20+): the included files' services, then this file's."""
    includes = doc.get("include")
    if not isinstance(includes, list):
        return doc
    merged: Any = LineDict()
    merged.src, merged.origin = {}, doc.origin
    for item in includes:
        paths = item.get("path") if isinstance(item, dict) else item
        for rel in paths if isinstance(paths, list) else [paths]:
            if not isinstance(rel, str):
                continue
            path = posixpath.normpath(posixpath.join(folder, set_.value(rel, doc.line_of("include"))[0]))
            included = _load(set_, path, set_.repo.read(path))
            if included is None:
                set_.diag(
                    doc.line_of("include"),
                    f"included file {path} not found or not readable",
                    DiagnosticLevel.INFO,
                )
                continue
            merged = _merge(merged, included)
    merged = _merge(merged, doc)
    return merged if isinstance(merged, LineDict) else doc


def _as_overlay(set_: _Set, folder: str, doc: LineDict) -> LineDict:
    """A file used as ``-f base.yml -f this.yml``: its services have no image or build of their own
    but the folder's default file defines them. Read it as that pair, merged (as its own set)."""
    services = _services(doc)
    partial = [
        n for n, s in services.items() if isinstance(s, dict) and not ({"image", "build", "extends"} & set(s))
    ]
    if not partial:
        return doc
    for candidate in sorted(_DEFAULT_SETS):
        path = posixpath.join(folder, candidate)
        base = _load(set_, path, set_.repo.read(path))
        if base is not None and all(n in _services(base) for n in partial):
            merged = _merge(base, doc)
            return merged if isinstance(merged, LineDict) else doc
    return doc


def _link_aliases(services: LineDict) -> dict[str, set[str]]:
    """``links: [elasticsearch:es]`` makes ``es`` another name of ``elasticsearch``."""
    aliases: dict[str, set[str]] = {}
    for spec in services.values():
        links = spec.get("links") if isinstance(spec, dict) else None
        for link in links if isinstance(links, list) else []:
            if isinstance(link, str) and ":" in link:
                target, alias = link.split(":", 1)
                if alias and alias != target:
                    aliases.setdefault(target, set()).add(alias)
    return aliases


def extract(ctx: FileContext, text: str) -> ExtractResult:
    repo = _Repo(ctx)
    result = _extract(ctx, text, repo)
    result.diagnostics.extend(repo.diagnostics())
    return result


def _extract(ctx: FileContext, text: str, repo: _Repo) -> ExtractResult:
    folder = posixpath.dirname(ctx.path)
    base_name = posixpath.basename(ctx.path).lower()
    if base_name in _BASES:
        for candidate in _BASES[base_name]:
            sibling = posixpath.join(folder, candidate)
            if repo.read(sibling) is not None:
                return ExtractResult()  # the base file of the set merges this override
    profile = "" if base_name in _DEFAULT_SETS or base_name in _BASES else posixpath.basename(ctx.path)
    set_ = _Set(ctx, repo, folder, profile)
    primary = primary_variant(repo, ctx.path)
    shadowed: set[str] = set()
    if primary != ctx.path:
        # NOTE: a deployment variant never redeclares the primary's containers (a database would
        # get two technologies); its wiring and literals stay, marked with the variant's name.
        shadowed = _service_names(repo.read(primary), primary)
        set_.diag(
            (ctx.path, 1),
            f"deployment variant of {primary}: its containers are declared by {primary}",
            DiagnosticLevel.INFO,
        )
    doc = _load(set_, ctx.path, text)
    if doc is None:
        return set_.result
    override_names = [k for k, bases in _BASES.items() if base_name in bases]
    for override in override_names:
        other = posixpath.join(folder, override)
        over = _load(set_, other, repo.read(other))
        if over is not None:
            doc = _merge(doc, over)
            break
    doc = _with_includes(set_, folder, doc)
    if profile:
        doc = _as_overlay(set_, folder, doc)
    services = _services(doc)
    set_.link_aliases = _link_aliases(services)
    names = {str(n).lower() for n in services}
    stores: dict[str, str] = {}
    for store_name, store_spec in services.items():
        if isinstance(store_spec, LineDict):
            found = technology_for_image(
                set_.value(store_spec.get("image"), store_spec.line_of("image"))[0],
                vendor_builds="build" not in store_spec,
            ) or (technology_for_environment(env_names(store_spec)) if "image" in store_spec else None)
            if found is not None:
                stores[str(store_name).lower()] = found[0]
    for name, spec in services.items():
        source = services.line_of(name)
        if not isinstance(spec, LineDict):
            set_.diag(source, f"service '{name}' is not a mapping")
            continue
        try:
            spec = _with_extends(set_, str(name), spec, services)
            if not (_SERVICE_KEYS & set(spec)):
                # NOTE: e.g. `networks:` indented under `services:` by mistake: not a container.
                set_.diag(source, f"'{name}' under 'services' has no service keys; not a container")
                continue
            image, _ = set_.value(spec.get("image"), spec.line_of("image"))
            tech = _technology(set_, spec, image)
            if tech is not None:
                _store_facts(set_, str(name), spec, tech, source, image)
            else:
                _app_facts(set_, str(name), spec, source, image, names, stores)
        except (TypeError, ValueError, AttributeError) as exc:
            set_.diag(source, f"service '{name}' could not be read: {exc}")
    if shadowed:
        set_.result.facts[:] = _as_variant(set_.result.facts, shadowed)
    return set_.result


def _as_variant(facts: list[Fact], shadowed: set[str]) -> list[Fact]:
    """A variant's facts about the primary's containers: its literals stay (a committed password
    is one wherever it is written, and findings name the variants it appears in); its
    declarations and wiring do not merge into the primary's graph."""
    kept: list[Fact] = []
    for fact in facts:
        if isinstance(fact, DatastoreDecl | ServiceDecl) and fact.name in shadowed:
            continue
        subject = getattr(fact, "service", None)
        if isinstance(fact, Connection) and subject in shadowed:
            if fact.info.password == "literal":
                kept.append(Credential(fact.service, "connection string password", fact.evidence))
            continue
        if isinstance(fact, EnvVar | Call | DependsOn) and subject in shadowed:
            continue
        kept.append(fact)
    return kept
