"""What is deployed and what it is called: the inventory of services, taken before extraction.

A **service** is what gets deployed: a compose service that builds its own image (``build:``)
or runs an image built from this repository, a Kubernetes workload, or — where no deployment
descriptor names it — a build unit with an entry point (``@SpringBootApplication`` / ``main``, a
.NET host builder, a start script, Go ``package main``, a Python app server or ``__main__``).

Not services: aggregator builds (a parent POM with ``<modules>``, a Gradle root including
sub-projects, npm workspaces), libraries (build units without an entry point that services
build in: ``*-domain``, ``*-common``, shared packages), test projects and test source sets,
folders holding only a Dockerfile or only ``.proto`` files. Files of a library are credited to
every service that builds it in (Maven dependencies, Gradle ``project(':x')``,
``ProjectReference``, Go module requirements). Load generators are ``client`` units.

Names, strongest first: ``archconform.yml``; the name the application registers under
(``spring.application.name``, ``eureka.instance.appname``: the name registries, gateways and
traces use); the deployment name (compose service, Kubernetes workload); the project name
(artifactId, ``.csproj``, ``package.json``, Go module); the folder, unless it is a generic
folder (``src``, ``app``, ``tests``, a build output), which never names a unit. Every other
name is an alias of the same service.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from analyzer.config import Config
from analyzer.discovery import Discovery, is_compose_file, is_folder, is_test_path
from analyzer.extract.buildfiles import (
    ENTRY_SUFFIXES,
    BuildInfo,
    is_build_file,
    read_build_file,
    source_entry,
    spring_app_names,
)
from analyzer.extract.images import repository, technology_for_dockerfile, technology_for_image
from analyzer.model import Diagnostic, DiagnosticLevel
from analyzer.model.location import ancestors, base_name, parent, path_suffix
from analyzer.resolve.deployments import Deployment, RepoReader, deployments

GENERIC_FOLDERS = frozenset(
    {
        "src",
        "app",
        "apps",
        "source",
        "sources",
        "code",
        "main",
        "services",
        "tests",
        "test",
        "build",
        "target",
        "dist",
        "out",
        "bin",
        "obj",
        "docker",
        "deploy",
        "deployment",
        "true",
        "false",
    }
)
CLIENT_NAME = re.compile(
    r"load[-_]?gen(erator)?|load[-_]?test(s|ing)?|traffic[-_]?gen(erator)?|"
    r"(^|[-_./])(locust|gatling|jmeter|k6|wrk2?|stress[-_]?tests?|perf(ormance)?[-_]?tests?)($|[-_./])",
    re.I,
)
# Test projects that drive the deployed system from outside (not unit tests of one service).
SYSTEM_TEST_NAME = re.compile(
    r"(^|[-_.])(e2e|end[-_]?to[-_]?end([-_]?tests?)?|ui[-_]?tests?|acceptance[-_]?tests?|system[-_]?tests?|"
    r"smoke[-_]?tests?)$",
    re.I,
)
# Scripts of load tools: their folder is a client even without a build file.
LOAD_SCRIPT = re.compile(r"(^locustfile[\w-]*\.py|\.jmx|\.lua)$", re.I)
CLIENT_IMAGES = frozenset({"locust", "locustio/locust", "k6", "grafana/k6", "loadimpact/k6", "justb4/jmeter"})
MAX_ENTRY_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class Unit:
    """One service or client: its name, source folder ('' when only deployed), other names.

    ``embedded`` lists in-process database engines on its runtime classpath (h2, hsqldb, ...);
    ``embedded_urls`` the in-process databases its configuration opens (engine, database, path,
    line); ``ports`` the ports it listens on (``server.port``, compose published ports).
    """

    name: str
    root: str = ""
    kind: str = "service"
    aliases: tuple[str, ...] = ()
    embedded: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()
    evidence_path: str = ""
    embedded_urls: tuple[tuple[str, str, str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class BuiltStore:
    """A datastore or broker container built from a Dockerfile of this repository whose ``FROM``
    says what it runs (a deployment naming the image ``accounts-db``, built ``FROM postgres``)."""

    name: str
    technology: str
    role: str
    path: str  # the Dockerfile
    line: int  # its last FROM


@dataclass(slots=True)
class Inventory:
    """The units of a scan and which of them each file belongs to."""

    units: list[Unit] = field(default_factory=list)
    roots: dict[str, tuple[str, ...]] = field(default_factory=dict)  # folder -> unit names
    excluded: set[str] = field(default_factory=set)  # folders of test projects
    stores: list[BuiltStore] = field(default_factory=list)
    store_aliases: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # name, others
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def services_for(self, path: str) -> tuple[str, ...]:
        """The units a file is credited to (deepest folder that says), or () if none.

        >>> inv = Inventory(roots={"shop/orders": ("orders",), "shop/common": ("orders", "billing")})
        >>> inv.services_for("shop/common/src/Money.java")
        ('orders', 'billing')
        """
        for folder in ancestors(path):
            if folder in self.roots:
                return self.roots[folder]
        return ()

    def is_excluded(self, path: str) -> bool:
        """Whether a folder holding ``path`` (the root aside) is a test project's."""
        return bool(self.excluded) and any(f in self.excluded for f in ancestors(path)[:-1])

    @property
    def service_roots(self) -> dict[str, str]:
        """Folder → the one unit rooted there."""
        return {folder: names[0] for folder, names in self.roots.items() if len(names) == 1}


@dataclass(slots=True)
class _Candidate:
    folder: str
    infos: list[BuildInfo] = field(default_factory=list)
    app_names: list[str] = field(default_factory=list)
    entry: bool = False
    dockerfile: bool = False
    ports: set[int] = field(default_factory=set)
    uses_module: str = ""  # a Go main package: the module folder it belongs to
    embedded_urls: list[tuple[str, str, str, int]] = field(default_factory=list)
    drives: bool = False  # a load generator or system-test project (a client)

    @property
    def project_name(self) -> str:
        for system in ("maven", "dotnet", "gradle", "npm", "go", "python"):
            for info in self.infos:
                if info.system == system and info.name:
                    return info.name
        return ""

    def names(self) -> list[str]:
        found = [*self.app_names, self.project_name]
        for info in self.infos:
            found.extend(info.aliases)
        folder = base_name(self.folder)
        if folder and folder.lower() not in GENERIC_FOLDERS:
            found.append(folder)
        return [n for n in dict.fromkeys(found) if n]

    def flag(self, attr: str) -> bool:
        return any(getattr(info, attr) for info in self.infos)


def _owner(folder: str, folders: Collection[str]) -> str | None:
    """The deepest of ``folders`` containing ``folder`` (itself included): a walk up its
    ancestors, each a set lookup.

    >>> _owner("shop/orders/src", {"", "shop/orders"}), _owner("web", {"shop"})
    ('shop/orders', None)
    """
    if folder in folders:
        return folder
    return next((f for f in ancestors(folder) if f in folders), None) if folder else None


_CONFIG_RESOURCE = re.compile(r"^(application|bootstrap)(-[\w.-]+)?\.(ya?ml|properties)$")
_PROFILE_RESOURCE = re.compile(r"^(application|bootstrap)-")


def _config_resources(path: str) -> bool:
    name = base_name(path)
    return bool(_CONFIG_RESOURCE.match(name)) and not _PROFILE_RESOURCE.match(name)


_SERVER_PORT = re.compile(r"(?m)^\s*server\.port\s*[=:]\s*(\d{2,5})\s*$")
_YAML_SERVER_PORT = re.compile(r"(?m)^server:\s*\n(?:[ \t]+.*\n)*?[ \t]+port:\s*['\"]?(\d{2,5})['\"]?\s*$")


_EMBEDDED_URL = re.compile(r"jdbc:(h2|hsqldb|derby|sqlite):(?:(?:mem|file|memory|tcp)?:)?([\w./-]*)", re.I)


def _embedded_urls(path: str, text: str) -> list[tuple[str, str, str, int]]:
    """In-process databases a configuration file opens: ``jdbc:h2:mem:devDb`` → (h2, devDb)."""
    found: list[tuple[str, str, str, int]] = []
    for number, line in enumerate(text.splitlines(), 1):
        match = _EMBEDDED_URL.search(line)
        if match and not line.lstrip().startswith("#"):
            database = PurePosixPath(match.group(2)).name or "(default)"
            found.append((match.group(1).lower(), database, path, number))
    return found


def _server_port(text: str) -> int | None:
    """The port of the default (profile-less) configuration: ``server.port``."""
    for doc in re.split(r"(?m)^---.*$", text):
        if re.search(r"(?m)^\s*(profiles|on-profile)\s*:", doc):
            continue
        match = _SERVER_PORT.search(doc) or _YAML_SERVER_PORT.search(doc)
        if match:
            return int(match.group(1))
    return None


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def take_inventory(root: Path, found: Discovery, config: Config) -> Inventory:
    """Decide the services, clients and libraries of the scan and map files to them."""
    inv = Inventory()
    repo = RepoReader(root, found.files)
    cands = _candidates(root, repo, found.files, inv)
    every = deployments(repo, found.files, inv.diagnostics)
    infra = {d.name for d in every if d.technology}
    groups = _same_image(every)
    # the same image run under two names: infrastructure when any descriptor says what it runs
    inv.store_aliases = [(name, others) for name, others in groups if {name, *others} & infra]
    for name, others in inv.store_aliases:
        infra.update((name, *others))
    deployed = [d for d in every if d.name not in infra]
    runnable = {
        f: c
        for f, c in cands.items()
        if f not in inv.excluded
        and (c.entry or c.flag("entry"))
        and not (c.flag("aggregator") and not c.entry)
    }
    for folder in [f for f, c in runnable.items() if c.dockerfile]:
        # a unit whose image is built FROM a datastore or broker is that infrastructure with
        # extras (a RabbitMQ image that also serves a log viewer war), not a service
        if technology_for_dockerfile(repo.text(f"{folder}/Dockerfile".lstrip("/")) or "") is not None:
            del runnable[folder]
    clients = {f: c for f, c in cands.items() if _is_client(f, c) and f not in runnable}
    by_name: dict[str, set[str]] = defaultdict(set)  # every name of every build unit -> folders
    for folder, cand in cands.items():
        for name in cand.names():
            by_name[_key(name)].add(folder)
    joined: dict[str, list[Deployment]] = defaultdict(list)
    standalone: list[Deployment] = []
    prefix = _image_prefix(deployed)
    runnables = _Runnables(runnable)
    for dep in sorted(deployed, key=lambda d: (not d.primary, d.path, d.name)):
        # a container running a test suite built from a service's folder is not that service
        target = None if dep.client else _join_deployment(repo, dep, cands, by_name, runnables, prefix)
        if target is None:
            standalone.append(dep)
        else:
            joined[target].append(dep)
    uses = _uses(cands)
    used_by: dict[str, set[str]] = defaultdict(set)
    for user, used in uses.items():
        for folder in used:
            used_by[folder].add(user)
    for folder in sorted(set(runnable) - set(joined)):
        # A runnable unit another runnable unit builds in (a Blazor client inside its host) is
        # part of that unit, unless the other only orchestrates it (an Aspire AppHost).
        if any(
            g != folder and g in runnable and not runnable[g].flag("orchestrator")
            for g in used_by.get(folder, ())
        ):
            del runnable[folder]
    shared: set[str] = set()
    for folder, deps in list(joined.items()):
        if len({d.name for d in deps if d.root == folder}) > 1:
            # NOTE: one build context shared by several containers (one image, several entry
            # points): the folder is credited to none of them; each is its own service.
            standalone.extend(joined.pop(folder))
            runnable.pop(folder, None)
            shared.add(folder)

    if joined:
        # NOTE: where descriptors deploy this repository's units, a runnable unit they leave out
        # is still a service when it carries its own image recipe (descriptors in real
        # repositories are often partial); without one it is a tool, a sample or a module.
        recipes = {_owner(parent(f), runnable) for f in found.files if base_name(f) == "Dockerfile"}
        runnable = {f: c for f, c in runnable.items() if f in joined or f in recipes}
    units: dict[str, Unit] = {}
    taken: set[str] = set()
    # deployed units choose their names first; a later unit whose name is taken uses its next one
    for folder in sorted(set(runnable) | set(joined) | set(clients), key=lambda f: (f not in joined, f)):
        unit = _unit(folder, cands.get(folder, _Candidate(folder)), joined.get(folder, []), taken)
        if unit is not None:
            units[folder] = unit
            taken.add(_key(unit.name))
    seen = {_key(n) for u in units.values() for n in (u.name, *u.aliases)}
    same = dict(_same_image(standalone))  # the same own image under two names is one service
    for dep in standalone:
        if _key(dep.name) in seen or dep.name in infra:
            continue
        store = _built_store(repo, dep, cands, by_name, prefix)
        if store is not None:
            inv.stores.append(store)
            seen.add(_key(dep.name))
            continue
        seen.add(_key(dep.name))
        folder = dep.root if dep.root and dep.root not in units and dep.root not in shared else ""
        kind = (
            "client"
            if dep.client or repository(dep.image) in CLIENT_IMAGES or CLIENT_NAME.search(dep.name)
            else "service"
        )
        aliases = same.get(dep.name, ())
        seen.update(_key(a) for a in aliases)
        units[folder or f"@{dep.name}"] = Unit(dep.name, folder, kind, aliases, (), dep.ports, dep.path)
    _apply_config(root, config, units, inv)
    inv.units = sorted(units.values(), key=lambda u: (u.name, u.root))
    for key, unit in units.items():
        if not key.startswith("@"):
            inv.roots[unit.root] = (*inv.roots.get(unit.root, ()), unit.name)
    _credit_libraries(inv, cands, uses)
    return inv


def _candidates(root: Path, repo: RepoReader, files: list[str], inv: Inventory) -> dict[str, _Candidate]:
    """Build units by folder, with their names, entry points, ports; test projects excluded."""
    cands: dict[str, _Candidate] = {}
    production: list[str] = []  # the files outside test source sets
    for path in files:
        folder, name = parent(path), base_name(path)
        if LOAD_SCRIPT.search(name) and (name.endswith(".lua") is False or CLIENT_NAME.search(path)):
            client_folder = _client_folder(folder)
            cands.setdefault(client_folder, _Candidate(client_folder)).drives = True
        if is_test_path(path):
            if is_build_file(path) and SYSTEM_TEST_NAME.search(base_name(folder)):
                # an e2e or UI test project: it drives the system, it is no part of it
                text = repo.text(path)
                info = read_build_file(path, text) if text is not None else None
                cand = cands.setdefault(folder, _Candidate(folder))
                cand.drives = True
                cand.infos.extend([info] if info is not None else [])
            continue
        production.append(path)
        if is_build_file(path):
            text = repo.text(path)
            info = read_build_file(path, text) if text is not None else None
            if info is not None:
                cands.setdefault(folder, _Candidate(folder)).infos.append(info)
        elif name == "Dockerfile" or name.endswith(".Dockerfile"):
            cands.setdefault(folder, _Candidate(folder)).dockerfile = True
    for folder, cand in cands.items():
        if cand.flag("test") or (cand.infos and _is_test_folder(folder)):
            inv.excluded.add(folder)
            if SYSTEM_TEST_NAME.search(base_name(folder)):
                cand.drives = True
    owners = frozenset(f for f in cands if f not in inv.excluded)
    for path in production:
        if inv.is_excluded(path):
            continue
        owner = _owner(parent(path), owners)
        if owner is None:
            continue
        cand = cands[owner]
        suffix = path_suffix(path)
        if _config_resources(path):
            text = repo.text(path)
            if text is not None:
                cand.app_names.extend(n for n in spring_app_names(path, text) if n not in cand.app_names)
                port = _server_port(text)
                if port:
                    cand.ports.add(port)
                cand.embedded_urls.extend(_embedded_urls(path, text))
        elif suffix in ENTRY_SUFFIXES and not (cand.entry and suffix != ".go"):
            try:
                with open(os.path.join(root, path), "rb") as handle:
                    data = handle.read(MAX_ENTRY_BYTES)
            except OSError:
                continue
            if not source_entry(path, data):
                continue
            here = parent(path)
            if suffix == ".go" and here != owner and cands[owner].infos:
                # NOTE: every Go `package main` folder is a program of its own (cmd/<name>);
                # the module around it is the library it builds in.
                sub = cands.setdefault(here, _Candidate(here))
                sub.entry = True
                sub.uses_module = owner
            else:
                cand.entry = True
    return cands


def _unit(folder: str, cand: _Candidate, deps: list[Deployment], taken: set[str]) -> Unit | None:
    """A unit's names: application name, deployment name, project name, folder (in that order)."""
    deploy_names = [d.name for d in deps]
    ranked = [
        n
        for n in (*cand.app_names[:1], *deploy_names[:1], cand.project_name, _folder_name(folder))
        if n and n.lower() not in ("true", "false", "null")
    ]
    if not ranked:
        return None
    primary = next((n for n in ranked if _key(n) not in taken), ranked[0])
    images = [repository(d.image).rsplit("/", 1)[-1] for d in deps if d.image]
    aliases = tuple(n for n in dict.fromkeys([*deploy_names, *cand.names(), *images]) if n and n != primary)
    is_client = _is_client(folder, cand) or any(
        d.client or repository(d.image) in CLIENT_IMAGES for d in deps
    )
    return Unit(
        primary,
        folder,
        "client" if is_client else "service",
        aliases,
        tuple(sorted({e for info in cand.infos for e in info.embedded} | {u[0] for u in cand.embedded_urls})),
        tuple(sorted({*cand.ports, *(p for d in deps for p in d.ports)})),
        deps[0].path if deps else (cand.infos[0].path if cand.infos else ""),
        tuple(dict.fromkeys(cand.embedded_urls)),
    )


def _apply_config(root: Path, config: Config, units: dict[str, Unit], inv: Inventory) -> None:
    """``archconform.yml`` services win over everything found."""
    for svc in config.services:
        for raw in svc.paths:
            folder = raw.strip("/")
            old = units.get(folder)
            names = [*(old.aliases if old else ()), *([old.name] if old else []), *svc.aliases]
            units[folder] = Unit(
                svc.name,
                folder,
                "service",
                tuple(n for n in dict.fromkeys(names) if n != svc.name),
                old.embedded if old else (),
                old.ports if old else (),
            )
            if not is_folder(root, folder):
                inv.diagnostics.append(
                    Diagnostic(
                        config.path,
                        0,
                        DiagnosticLevel.WARNING,
                        f"service '{svc.name}' root folder '{folder}' does not exist",
                    )
                )


def _is_client(folder: str, cand: _Candidate) -> bool:
    """A load generator or a system-test project: drives the system from outside."""
    return (
        cand.drives
        or cand.flag("load_generator")
        or (bool(cand.infos) and CLIENT_NAME.search(folder) is not None)
    )


def _client_folder(folder: str) -> str:
    """The folder a load script stands for: the nearest one named like a load tool, else its own."""
    parts = PurePosixPath(folder).parts
    for depth in range(len(parts), 0, -1):
        if CLIENT_NAME.search(parts[depth - 1]):
            return "/".join(parts[:depth])
    return folder


def _is_test_folder(folder: str) -> bool:
    name = base_name(folder).lower()
    return name.endswith(("tests", ".test", "-test", "_test", "testing")) or name in (
        "e2e",
        "end-to-end-tests",
        "integration-tests",
        "test",
    )


def _folder_name(folder: str) -> str:
    for part in reversed(PurePosixPath(folder).parts):
        if part.lower() not in GENERIC_FOLDERS:
            return part
    return ""


class _Runnables:
    """The runnable units, indexed once for joining deployments to them: by the folders above
    them, and by the words their names end with."""

    def __init__(self, runnable: dict[str, _Candidate]) -> None:
        self.units = runnable
        self.below: dict[str, list[str]] = defaultdict(list)  # folder -> runnable folders under it
        self.named: dict[tuple[str, ...], set[str]] = defaultdict(set)  # words of a name -> folders
        self.ending: dict[tuple[str, ...], set[str]] = defaultdict(set)  # its last 2+ words -> folders
        for folder, cand in runnable.items():
            if folder:
                for above in ancestors(folder)[:-1]:
                    self.below[above].append(folder)
            for name in cand.names():
                words = tuple(_words(name))
                self.named[words].add(folder)
                for start in range(len(words) - 1):
                    self.ending[words[start:]].add(folder)

    def inside(self, folder: str) -> list[str]:
        """The runnable folders under ``folder`` (not itself)."""
        return self.below.get(folder, [])

    def ending_alike(self, words: list[str]) -> set[str]:
        """The folders with a name that ends alike: the shorter name's words (two at least) end
        the longer one's."""
        if len(words) < 2:
            return set()
        hits = set(self.ending.get(tuple(words), ()))  # their names end with these words
        for start in range(len(words) - 1):  # these words end with their names
            hits.update(self.named.get(tuple(words[start:]), ()))
        return hits


def _join_deployment(
    repo: RepoReader,
    dep: Deployment,
    cands: dict[str, _Candidate],
    by_name: dict[str, set[str]],
    runnables: _Runnables,
    prefix: str = "",
) -> str | None:
    """The build unit folder a deployment runs: its build context, or the one unit whose name
    is the last part of its image repository (``acme/shop-orders`` → artifactId ``shop-orders``)."""
    runnable = runnables.units
    if dep.root:
        if dep.root in runnable or (dep.root in cands and cands[dep.root].infos):
            return dep.root
        inner = runnables.inside(dep.root)
        if len(inner) > 1 and dep.dockerfile:
            # several programs under one build context: the one its Dockerfile names is built
            text = repo.text(dep.dockerfile) or ""
            inner = [f for f in inner if f[len(dep.root) + 1 :] + "/" in text.replace("\\", "/")]
        if len(inner) == 1:
            return inner[0]
        return dep.root
    if dep.image:
        last = repository(dep.image).rsplit("/", 1)[-1]
        bare = last[len(prefix) :] if prefix and last.startswith(prefix) else last
        for probe in (last, bare, dep.name):
            hits = {f for f in by_name.get(_key(probe), set()) if f in runnable}
            if len(hits) > 1:  # a test runner named after what it tests is not what runs
                hits = {f for f in hits if not runnable[f].flag("load_generator")}
            if len(hits) == 1:
                return next(iter(hits))
        # `descartesresearch/teastore-auth` runs `tools.descartes.teastore.auth`, `mn-orders-service`
        # runs `orders-service`: the shorter name's words (two at least) end the longer one's.
        hits = runnables.ending_alike(_words(last))
        if len(hits) == 1:
            return next(iter(hits))
    return None


def _built_store(
    repo: RepoReader, dep: Deployment, cands: dict[str, _Candidate], by_name: dict[str, set[str]], prefix: str
) -> BuiltStore | None:
    """The datastore an image-only deployment runs when its image is built here ``FROM`` one."""
    if not dep.image or dep.root:
        return None
    last = repository(dep.image).rsplit("/", 1)[-1]
    bare = last[len(prefix) :] if prefix and last.startswith(prefix) else last
    for probe in (last, bare, dep.name):
        hits = {f for f in by_name.get(_key(probe), set()) if cands[f].dockerfile and not cands[f].infos}
        if len(hits) != 1:
            continue
        path = f"{next(iter(hits))}/Dockerfile".lstrip("/")
        text = repo.text(path) or ""
        found = technology_for_dockerfile(text)
        if found is None:
            return None
        line = max(i for i, ln in enumerate(text.splitlines(), 1) if ln.strip().upper().startswith("FROM"))
        return BuiltStore(dep.name, found[0], found[1], path, line)
    return None


def _same_image(deps: Iterable[Deployment]) -> list[tuple[str, tuple[str, ...]]]:
    """Containers of different descriptors that are the one container running an image there
    (compose `catalog-db` and Kubernetes `catalog-mongo`, both `acmeshop-catalog-db`) are one
    thing: (first name, the other names). Within one file, two containers of an image are two."""
    by_image: dict[str, list[Deployment]] = defaultdict(list)
    for dep in deps:
        # NOTE: a stock image (`postgres:16`) names no component: two descriptors may each run
        # their own. A system's own image (`acmeshop-catalog-db`) does.
        if dep.image and not dep.root and technology_for_image(dep.image) is None:
            by_image[repository(dep.image)].append(dep)
    groups: list[tuple[str, tuple[str, ...]]] = []
    for group in by_image.values():
        paths = [d.path for d in group]
        if len(set(paths)) < 2 or len(set(paths)) != len(paths):
            continue
        ordered = sorted(group, key=lambda d: (not d.primary, not is_compose_file(d.path), d.path))
        others = tuple(dict.fromkeys(d.name for d in ordered[1:] if d.name != ordered[0].name))
        if others:
            groups.append((ordered[0].name, others))
    return groups


def _image_prefix(deployed: list[Deployment]) -> str:
    """A system-wide image name prefix (``yas-`` of ``yas-cart``, ``yas-order``, ...): the first
    word of at least three images and of most of the images it could be."""
    firsts = Counter(
        m.group(0)
        for d in deployed
        if d.image and (m := re.match(r"[a-z0-9]+[-_]", repository(d.image).rsplit("/", 1)[-1]))
    )
    if not firsts:
        return ""
    word, count = firsts.most_common(1)[0]
    return word if count >= 3 and count * 2 >= sum(firsts.values()) else ""


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]


def _uses(cands: dict[str, _Candidate]) -> dict[str, set[str]]:
    """Folder → folders of the units it builds in (dependencies resolved by any of their names)."""
    names: dict[str, str] = {}
    for folder, cand in cands.items():
        for info in cand.infos:
            for name in (info.name, *info.aliases):
                if name:
                    names.setdefault(name, folder)
        names.setdefault(folder, folder)
        names.setdefault(base_name(folder), folder)
    uses: dict[str, set[str]] = defaultdict(set)
    for folder, cand in cands.items():
        if cand.uses_module:
            uses[folder].add(cand.uses_module)
        for info in cand.infos:
            for used in info.uses:
                target = names.get(used) or names.get(used.rsplit("/", 1)[-1])
                if target is not None and target != folder:
                    uses[folder].add(target)
    return uses


def _credit_libraries(inv: Inventory, cands: dict[str, _Candidate], uses: dict[str, set[str]]) -> None:
    """Files of a library are credited to the services that build it in (transitively)."""
    # NOTE: the repository root is never a library: crediting it would credit every file.
    libraries = {
        f for f, c in cands.items() if f and c.infos and f not in inv.roots and f not in inv.excluded
    }
    credited: dict[str, set[str]] = defaultdict(set)
    for unit_folder, unit_names in list(inv.roots.items()):
        todo, seen = list(uses.get(unit_folder, ())), set()
        while todo:
            lib = todo.pop()
            if lib in seen:
                continue
            seen.add(lib)
            if lib in libraries:
                credited[lib].update(unit_names)
            todo.extend(uses.get(lib, ()))
    for lib, owners in credited.items():
        if not cands[lib].flag("aggregator"):
            inv.roots[lib] = tuple(sorted(owners))
