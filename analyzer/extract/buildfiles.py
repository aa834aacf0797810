"""Build files → what a build unit is called, what it builds in, and whether it can run.

Read: Maven ``pom.xml`` (artifactId, packaging, ``<modules>``, dependencies with scope), Gradle
``build.gradle(.kts)`` (``project(':x')`` dependencies, jar / archive base names, plugins) and
``settings.gradle(.kts)`` (``rootProject.name``, ``include``), ``*.csproj`` (project name,
``AssemblyName``, SDK, ``OutputType``, ``ProjectReference``, test SDK), ``package.json`` (name,
start scripts, server frameworks, workspaces), ``go.mod`` (module path, requirements),
``pyproject.toml`` (project name). Also the names an application registers under
(``spring.application.name``, ``micronaut.application.name``, ``eureka.instance.appname``) and
entry points in source files.

These readers are pure functions of one file's text (no graph, no other files); the inventory
(:mod:`analyzer.resolve.inventory`) combines them. Text is parsed with regular expressions and
the standard XML parser: nothing of the scanned repository is executed.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import PurePosixPath

# Drivers of databases that run inside the service's own process.
EMBEDDED_DRIVERS: dict[str, str] = {
    "com.h2database:h2": "h2",
    "org.hsqldb:hsqldb": "hsqldb",
    "hsqldb:hsqldb": "hsqldb",
    "org.apache.derby:derby": "derby",
    "org.xerial:sqlite-jdbc": "sqlite",
}
TEST_SCOPES = frozenset({"test"})
# Libraries of programs that drive a system from outside (browser automation, load generators).
_JVM_DRIVERS = ("selenium-java", "cucumber-java", "gatling", "jmeter", "playwright")
_GRADLE_TEST_CONFIGS = re.compile(r"^\s*test\w*\s*[\s(]", re.I)


@dataclass(frozen=True, slots=True)
class BuildInfo:
    """One build file's view of its unit. ``folder`` is repo-relative POSIX ('' = repo root).

    ``modules`` are child unit folders relative to the repo root (Maven ``<modules>``, Gradle
    ``include``); ``uses`` names units this one builds in (artifactIds, Gradle project paths,
    referenced project folders, Go module paths); ``entry`` says the build file itself declares a
    runnable application (a web SDK, an executable output, a start script, a Boot plugin).
    """

    path: str
    system: str
    name: str = ""
    aliases: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    entry: bool = False
    library: bool = False
    test: bool = False
    aggregator: bool = False
    embedded: tuple[str, ...] = ()
    load_generator: bool = False  # a load generator or test runner: drives the system, is no part of it
    orchestrator: bool = False  # a .NET Aspire AppHost: its project references are what it runs

    @property
    def folder(self) -> str:
        parent = PurePosixPath(self.path).parent.as_posix()
        return "" if parent == "." else parent


def is_build_file(path: str) -> bool:
    name = PurePosixPath(path).name
    return name in _READERS or name.endswith(".csproj")


def read_build_file(path: str, text: str) -> BuildInfo | None:
    """The unit described by one build file, or None when the file says nothing usable."""
    name = PurePosixPath(path).name
    reader = _READERS.get(name) or (_csproj if name.endswith(".csproj") else None)
    if reader is None:
        return None
    try:
        return reader(path, text)
    except (ValueError, ET.ParseError, RecursionError):
        return None


def _join(folder: str, rel: str) -> str:
    parts: list[str] = [p for p in folder.split("/") if p and p != "."]
    for piece in rel.replace("\\", "/").split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if not parts:
                return ""
            parts.pop()
        else:
            parts.append(piece)
    return "/".join(parts)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(elem: ET.Element, name: str) -> ET.Element | None:
    for child in elem:
        if _local(child.tag) == name:
            return child
    return None


def _text(elem: ET.Element | None, name: str) -> str:
    found = _child(elem, name) if elem is not None else None
    return (found.text or "").strip() if found is not None else ""


def _pom(path: str, text: str) -> BuildInfo:
    root = ET.fromstring(re.sub(r"<\?xml[^>]*\?>", "", text, count=1).strip())
    folder = _join(PurePosixPath(path).parent.as_posix(), "")
    artifact = _text(root, "artifactId")
    packaging = _text(root, "packaging") or "jar"
    modules_elem = _child(root, "modules")
    modules = tuple(
        _join(folder, (m.text or "").strip())
        for m in (modules_elem if modules_elem is not None else [])
        if (m.text or "").strip()
    )
    uses: list[str] = []
    embedded: set[str] = set()
    deps = _child(root, "dependencies")
    boot = False
    drives = False
    for dep in deps if deps is not None else []:
        group, art, scope = _text(dep, "groupId"), _text(dep, "artifactId"), _text(dep, "scope")
        if scope in TEST_SCOPES:
            continue
        uses.append(art)
        drives = drives or art.startswith(_JVM_DRIVERS) or group.startswith("io.gatling")
        tech = EMBEDDED_DRIVERS.get(f"{group}:{art}")
        if tech:
            embedded.add(tech)
    build = _child(root, "build")
    plugins = _child(build, "plugins") if build is not None else None
    for plugin in plugins if plugins is not None else []:
        if _text(plugin, "artifactId") in ("spring-boot-maven-plugin", "quarkus-maven-plugin"):
            boot = True
    final = _text(build, "finalName") if build is not None else ""
    aliases = tuple(a for a in (final,) if a and "$" not in a)
    return BuildInfo(
        path,
        "maven",
        artifact if "$" not in artifact else "",
        aliases=aliases,
        modules=modules,
        uses=tuple(uses),
        # NOTE: a war is deployed into a servlet container: it runs without a main of its own.
        entry=(boot and packaging != "pom") or packaging == "war",
        aggregator=packaging == "pom",
        embedded=tuple(sorted(embedded)),
        load_generator=drives,
    )


_GRADLE_PROJECT = re.compile(r"""project\(\s*(?:path\s*:\s*)?['"]:?([\w.:-]+)['"]""")
_GRADLE_NAMES = re.compile(
    r"""\b(?:jarName|baseName|archivesBaseName|archiveBaseName|applicationName|imageName)\s*(?:=|\.set\()\s*['"]([\w.-]+)['"]"""
)
_GRADLE_DEP = re.compile(r"""^\s*(\w+)\s*[\s(]\s*['"]([\w.-]+):([\w.-]+)""", re.M)


def _gradle(path: str, text: str) -> BuildInfo:
    body = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    body = re.sub(r"(?m)^\s*//.*$", "", body)
    uses: list[str] = []
    for line in body.splitlines():
        if _GRADLE_TEST_CONFIGS.match(line):
            continue
        uses.extend(m.replace(":", "/") for m in _GRADLE_PROJECT.findall(line))
    embedded = {
        EMBEDDED_DRIVERS[f"{group}:{art}"]
        for config, group, art in _GRADLE_DEP.findall(body)
        if f"{group}:{art}" in EMBEDDED_DRIVERS and not config.lower().startswith("test")
    }
    boot = bool(
        re.search(
            r"org\.springframework\.boot['\"]|apply plugin:\s*['\"](spring-boot|application)['\"]", body
        )
        or re.search(r"(?m)^\s*(id\s*\(?\s*['\"]application['\"]|application\s*$|mainClass)", body)
        or "mainClassName" in body
        or "io.micronaut.application" in body
        or "io.quarkus" in body
    )
    drives = any(
        art.startswith(_JVM_DRIVERS) or group.startswith("io.gatling")
        for config, group, art in _GRADLE_DEP.findall(body)
        if not config.lower().startswith("test")
    )
    library = bool(re.search(r"['\"`]java-library['\"`]|\bjava-library\b", body)) or (
        "bootJar" in body and re.search(r"bootJar\s*\{[^}]*enabled\s*=\s*false", body) is not None
    )
    return BuildInfo(
        path,
        "gradle",
        "",
        aliases=tuple(sorted(set(_GRADLE_NAMES.findall(body)))),
        uses=tuple(uses),
        entry=boot and not library,
        library=library,
        embedded=tuple(sorted(embedded)),
        load_generator=drives,
    )


_SETTINGS_INCLUDE = re.compile(r"""^\s*include\s*\(?(.*)$""", re.M)
_QUOTED = re.compile(r"""['"]([^'"]+)['"]""")
_ROOT_NAME = re.compile(r"""rootProject\.name\s*=\s*['"]([^'"]+)['"]""")
_PROJECT_DIR = re.compile(
    r"""project\(\s*['"]:?([^'"]+)['"]\s*\)\.projectDir\s*=\s*(?:new\s+File\(|file\()[^'"]*['"]([^'"]+)['"]"""
)


def _settings(path: str, text: str) -> BuildInfo:
    folder = _join(PurePosixPath(path).parent.as_posix(), "")
    body = re.sub(r"(?m)^\s*//.*$", "", text)
    dirs = {name.strip(":"): rel for name, rel in _PROJECT_DIR.findall(body)}
    modules: list[str] = []
    for match in _SETTINGS_INCLUDE.finditer(body):
        for name in _QUOTED.findall(match.group(1)):
            name = name.strip(":")
            rel = dirs.get(name, name.replace(":", "/"))
            modules.append(_join(folder, rel))
    root_name = _ROOT_NAME.search(body)
    return BuildInfo(
        path,
        "gradle",
        root_name.group(1) if root_name else "",
        modules=tuple(modules),
        aggregator=bool(modules),
    )


_TEST_PACKAGES = ("microsoft.net.test.sdk", "xunit", "nunit", "mstest.testframework")


def _csproj(path: str, text: str) -> BuildInfo:
    root = ET.fromstring(re.sub(r"<\?xml[^>]*\?>", "", text, count=1).strip())
    folder = _join(PurePosixPath(path).parent.as_posix(), "")
    stem = PurePosixPath(path).stem
    sdk = (root.get("Sdk") or "").lower()
    props: dict[str, str] = {}
    refs: list[str] = []
    packages: list[str] = []
    for elem in root.iter():
        tag = _local(elem.tag)
        if tag in ("AssemblyName", "OutputType", "IsTestProject", "IsAspireHost") and elem.text:
            props.setdefault(tag, elem.text.strip())
        elif tag == "ProjectReference" and elem.get("Include"):
            refs.append(str(PurePosixPath(_join(folder, elem.get("Include", ""))).parent))
        elif tag == "PackageReference" and elem.get("Include"):
            packages.append(elem.get("Include", "").lower())
    test = props.get("IsTestProject", "").lower() == "true" or any(
        p.startswith(_TEST_PACKAGES) for p in packages
    )
    entry = (
        sdk.startswith(("microsoft.net.sdk.web", "microsoft.net.sdk.worker"))
        or props.get("OutputType", "").lower() in ("exe", "winexe")
    ) and not test
    assembly = props.get("AssemblyName", "")
    return BuildInfo(
        path,
        "dotnet",
        stem,
        aliases=(assembly,) if assembly and "$" not in assembly else (),
        uses=tuple(refs),
        entry=entry,
        library=props.get("OutputType", "").lower() == "library",
        test=test,
        orchestrator=props.get("IsAspireHost", "").lower() == "true" or "aspire.apphost" in sdk,
    )


_NODE_SERVERS = frozenset(
    {
        "express",
        "fastify",
        "koa",
        "@nestjs/core",
        "next",
        "@hapi/hapi",
        "hapi",
        "restify",
        "nuxt",
        "@remix-run/serve",
        "apollo-server",
        "@apollo/server",
        "socket.io",
    }
)
_NODE_APPS = _NODE_SERVERS | frozenset(
    {"react", "react-scripts", "vue", "@angular/core", "svelte", "@sveltejs/kit", "vite", "@vue/cli-service"}
)
_NODE_LOAD = frozenset(
    {"k6", "artillery", "loadtest", "autocannon", "cypress", "@playwright/test", "puppeteer"}
)


def _package_json(path: str, text: str) -> BuildInfo | None:
    data = json.loads(text)
    if not isinstance(data, dict):
        return None
    name = data.get("name") if isinstance(data.get("name"), str) else ""
    scripts: dict[str, object] = data["scripts"] if isinstance(data.get("scripts"), dict) else {}
    deps: set[str] = set()
    for key in ("dependencies", "devDependencies"):
        if isinstance(data.get(key), dict):
            deps.update(data[key])
    runtime = set(data["dependencies"]) if isinstance(data.get("dependencies"), dict) else set()
    # NOTE: a start script alone also starts command-line tools (a license-attribution script):
    # it counts with a server or front-end framework; a server in the code counts on its own.
    start = any(k in scripts for k in ("start", "serve", "start:prod")) and bool(deps & _NODE_APPS)
    return BuildInfo(
        path,
        "npm",
        str(name).split("/")[-1] if name else "",
        aliases=(str(name),) if name and "/" in str(name) else (),
        entry=start or bool(runtime & _NODE_SERVERS),
        aggregator="workspaces" in data,
        load_generator=bool(deps & _NODE_LOAD),
    )


_GO_MODULE = re.compile(r"^\s*module\s+(\S+)", re.M)
_GO_REQUIRE = re.compile(r"^\s*(?:require\s+)?([\w.-]+\.[\w.-]+/\S+)\s+v[\w.+-]+", re.M)


def _go_mod(path: str, text: str) -> BuildInfo | None:
    module = _GO_MODULE.search(text)
    if not module:
        return None
    full = module.group(1).strip('"')
    return BuildInfo(
        path,
        "go",
        full.rstrip("/").split("/")[-1],
        aliases=(full,),
        uses=tuple(_GO_REQUIRE.findall(text)),
    )


_PY_NAME = re.compile(r"""^\s*name\s*=\s*['"]([\w.-]+)['"]""", re.M)
_PY_SERVERS = re.compile(r"\b(uvicorn|gunicorn|flask|fastapi|django|aiohttp|tornado|sanic|streamlit)\b", re.I)


def _pyproject(path: str, text: str) -> BuildInfo:
    name = _PY_NAME.search(text)
    return BuildInfo(
        path,
        "python",
        name.group(1) if name else "",
        entry=bool(_PY_SERVERS.search(text)),
        load_generator=re.search(r"\blocust\b", text, re.I) is not None,
    )


def _requirements(path: str, text: str) -> BuildInfo:
    return BuildInfo(
        path,
        "python",
        "",
        entry=bool(_PY_SERVERS.search(text)),
        load_generator=re.search(r"(?im)^\s*locust\b", text) is not None,
    )


_READERS = {
    "pom.xml": _pom,
    "build.gradle": _gradle,
    "build.gradle.kts": _gradle,
    "settings.gradle": _settings,
    "settings.gradle.kts": _settings,
    "package.json": _package_json,
    "go.mod": _go_mod,
    "pyproject.toml": _pyproject,
    "requirements.txt": _requirements,
}


# -- Spring application names ---------------------------------------------------------------

_APP_NAME_KEYS = (
    "spring.application.name",
    "micronaut.application.name",
    "quarkus.application.name",
    "eureka.instance.appname",
)
_PROPS_LINE = re.compile(r"^\s*([\w.\-\[\]]+)\s*[=:]\s*(.*?)\s*$")


def _clean_name(value: str) -> str:
    value = value.strip().strip("'\"")
    if not value or "${" in value or "@" in value or " " in value:
        return ""
    return value


def spring_app_names(path: str, text: str) -> tuple[str, ...]:
    """The names a Spring application registers under, from the default (profile-less) part of
    ``application*.yml|properties`` or ``bootstrap*``: ``spring.application.name`` first."""
    if path.endswith(".properties"):
        found: dict[str, str] = {}
        for line in text.splitlines():
            match = _PROPS_LINE.match(line)
            if match and match.group(1).lower() in _APP_NAME_KEYS:
                found.setdefault(match.group(1).lower(), _clean_name(match.group(2)))
        return tuple(found[k] for k in _APP_NAME_KEYS if found.get(k))
    names: list[str] = []
    for doc in re.split(r"(?m)^---.*$", text):
        if _PROFILE_DOC.search(doc):
            continue  # a profile's document: not the name the application always has
        for key in _APP_NAME_KEYS:
            value = _yaml_key(doc, key.split("."))
            if value and value not in names:
                names.append(value)
    return tuple(names)


_PROFILE_DOC = re.compile(r"(?m)^\s*(profiles|on-profile)\s*:|^spring\.(profiles|config\.activate)")


def _yaml_key(text: str, parts: list[str]) -> str:
    """A scalar at a dotted key in simple block YAML (nested keys or dotted flat keys)."""
    stack: list[tuple[int, str]] = []
    target = ".".join(parts)
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        match = re.match(r"^(\s*)([\w.\-]+)\s*:\s*(.*?)\s*(#.*)?$", raw)
        if not match:
            continue
        indent = len(match.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        key = ".".join([*(k for _, k in stack), match.group(2)])
        value = match.group(3)
        if key.lower() == target and value:
            return _clean_name(value)
        if not value:
            stack.append((indent, match.group(2)))
    return ""


# -- entry points in source files -----------------------------------------------------------

_JAVA_ENTRY = re.compile(
    rb"@SpringBootApplication|@MicronautApplication|@QuarkusMain|public\s+static\s+void\s+main\s*\("
    rb"|fun\s+main\s*\(|runApplication<"
)
_CS_ENTRY = re.compile(
    rb"WebApplication\.Create(?:Slim)?Builder|Host\.CreateDefaultBuilder|CreateHostBuilder|"
    rb"CreateWebHostBuilder|Host\.CreateApplicationBuilder|DistributedApplication\.CreateBuilder|"
    rb"static\s+(?:async\s+)?(?:void|int|Task(?:<int>)?)\s+Main\s*\("
)
_GO_ENTRY = re.compile(rb"(?m)^package\s+main\b")
_PY_ENTRY = re.compile(
    rb"if\s+__name__\s*==\s*['\"]__main__['\"]|\buvicorn\.run\(|\.run\(\s*(?:host|debug|port)|"
    rb"\bFastAPI\(|\bFlask\(__name__|get_wsgi_application|get_asgi_application"
)
_JS_ENTRY = re.compile(rb"\.listen\s*\(|createServer\s*\(|NestFactory\.create")


def source_entry(path: str, data: bytes) -> bool:
    """Whether a source file starts an application (a main method, a host builder, a server)."""
    suffix = PurePosixPath(path).suffix
    name = PurePosixPath(path).name
    if suffix in (".java", ".kt"):
        return _JAVA_ENTRY.search(data) is not None
    if suffix == ".cs":
        return _CS_ENTRY.search(data) is not None
    if suffix == ".go":
        return _GO_ENTRY.search(data) is not None and b"func main()" in data
    if suffix == ".py":
        return (
            name in ("__main__.py", "manage.py", "wsgi.py", "asgi.py") or _PY_ENTRY.search(data) is not None
        )
    if suffix in (".js", ".ts", ".mjs"):
        return _JS_ENTRY.search(data) is not None
    return False


ENTRY_SUFFIXES = frozenset({".java", ".kt", ".cs", ".go", ".py", ".js", ".ts", ".mjs"})
