"""One parser for the ways connection settings are written.

URL DSNs (``postgres://``, ``postgresql+psycopg://``, ``mysql://``, ``mongodb://h1,h2/db``,
``mongodb+srv://``, ``redis://h:6379/2``, ``rediss://``, ``amqp(s)://``, ``nats://``,
``neo4j://`` / ``bolt://``), JDBC (``jdbc:postgresql:``, ``jdbc:mysql:``, ``jdbc:mariadb:``,
``jdbc:sqlserver://h;databaseName=x``, ``jdbc:oracle:thin:@h:1521/svc``), ADO.NET and Npgsql
keyword strings (``Server=…;Database=…;User Id=…;Password=…``, ``Host=…;Database=…``), libpq
keyword strings (``host=… dbname=…``) and Kafka bootstrap lists (``kafka:9092,kafka2:9092``).

A password is ``literal`` when the text holds it, ``reference`` when it is a placeholder
(``${DB_PASSWORD}``, ``{{ .Values.pw }}``, ``%(pw)s``), ``""`` when absent. ``tls`` is what the
string says (``sslmode``, ``useSSL``, ``ssl``, ``tls``, ``Encrypt``, ``rediss``/``amqps``), else
``None``. Nothing here resolves names; hosts come back as written, lower-cased.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote

from analyzer.extract.facts import ConnectionInfo

SCHEMES: dict[str, str] = {
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "pg": "postgresql",
    "pgsql": "postgresql",
    "cockroachdb": "cockroachdb",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "sqlserver": "sqlserver",
    "mssql": "sqlserver",
    "oracle": "oracle",
    "mongodb": "mongodb",
    "mongodb+srv": "mongodb",
    "redis": "redis",
    "rediss": "redis",
    "valkey": "valkey",
    "memcached": "memcached",
    "amqp": "rabbitmq",
    "amqps": "rabbitmq",
    "nats": "nats",
    "tls": "nats",
    "pulsar": "pulsar",
    "pulsar+ssl": "pulsar",
    "kafka": "kafka",
    "neo4j": "neo4j",
    "neo4j+s": "neo4j",
    "bolt": "neo4j",
    "bolt+s": "neo4j",
    "cassandra": "cassandra",
    "couchdb": "couchdb",
    "sqlite": "sqlite",
}
_TLS_SCHEMES = {"rediss", "amqps", "mongodb+srv", "neo4j+s", "bolt+s", "pulsar+ssl", "tls"}
DEFAULT_PORTS = {
    "postgresql": 5432,
    "cockroachdb": 26257,
    "mysql": 3306,
    "mariadb": 3306,
    "sqlserver": 1433,
    "oracle": 1521,
    "mongodb": 27017,
    "redis": 6379,
    "rabbitmq": 5672,
    "kafka": 9092,
    "nats": 4222,
    "neo4j": 7687,
}
_PLACEHOLDER = re.compile(r"\$\{|\$\(|\{\{|%\(|^\$[A-Za-z_]|<[A-Za-z_-]+>|\*{3,}")
_GO_MYSQL = re.compile(
    r"^(?:(?P<user>[^:@/]*)(?::(?P<password>[^@]*))?@)?tcp\((?P<address>[^)]*)\)/(?P<database>[^?]*)(?:\?(?P<query>.*))?$"
)
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)$", re.S)


def password_kind(value: str) -> str:
    """``literal``, ``reference`` or ``""`` for a password as written."""
    if not value:
        return ""
    return "reference" if _PLACEHOLDER.search(value) else "literal"


def _truth(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "1", "on", "required", "mandatory", "strict"):
        return True
    if lowered in ("false", "no", "0", "off", "optional", "disable", "disabled"):
        return False
    return None


def _tls_from(params: dict[str, str]) -> bool | None:
    for key, value in params.items():
        k = key.lower().replace("_", "").replace(" ", "")
        v = value.strip().lower()
        if k == "sslmode":
            if v == "disable":
                return False
            if v in ("require", "verify-ca", "verify-full", "verifyca", "verifyfull"):
                return True
        elif k in ("usessl", "ssl", "tls", "encrypt", "requiressl", "useencryption"):
            truth = _truth(v)
            if truth is not None:
                return truth
    return None


def _split_host_port(part: str) -> tuple[str, int | None]:
    part = part.strip()
    if part.startswith("["):  # IPv6
        host, _, rest = part[1:].partition("]")
        port = rest.lstrip(":")
        return host.lower(), int(port) if port.isdigit() else None
    host, sep, port = part.rpartition(":")
    if sep and port.isdigit():
        return host.lower(), int(port)
    return part.lower(), None


def _parse_url(scheme: str, rest: str, technology: str) -> ConnectionInfo:
    authority, _, tail = rest.partition("/")
    query = ""
    if "?" in authority:  # mongodb://host?opts with no path
        authority, _, query = authority.partition("?")
    else:
        tail, _, query = tail.partition("?")
    userinfo, at, hostpart = authority.rpartition("@")
    if not at:
        userinfo, hostpart = "", authority
    user, _, password = userinfo.partition(":")
    hosts: list[str] = []
    port = None
    for piece in hostpart.split(","):
        if not piece:
            continue
        host, p = _split_host_port(piece)
        if host:
            hosts.append(unquote(host))
        port = port or p
    database = unquote(tail.split("/")[0]) if tail else ""
    params = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    tls = _tls_from(params)
    if tls is None and scheme in _TLS_SCHEMES:
        tls = True
    if technology in ("redis", "valkey") and database and not database.isdigit():
        database = ""
    return ConnectionInfo(
        technology=technology,
        hosts=tuple(hosts),
        port=port,
        database=database,
        user=unquote(user),
        password=password_kind(unquote(password)),
        tls=tls,
        raw_scheme=scheme,
    )


def _parse_jdbc(text: str) -> ConnectionInfo | None:
    body = text[5:]
    sub, _, rest = body.partition(":")
    sub = sub.lower()
    if sub == "oracle":
        # jdbc:oracle:thin:@host:1521:SID | @//host:1521/service | @(DESCRIPTION=...)
        _, _, target = rest.partition("@")
        target = target.lstrip("/")
        match = re.search(r"HOST\s*=\s*([^)\s]+)", target, re.I)
        if match:
            service = re.search(r"SERVICE_NAME\s*=\s*([^)\s]+)", target, re.I)
            database = service.group(1) if service else ""
            return ConnectionInfo(
                "oracle", (match.group(1).lower(),), None, database, raw_scheme="jdbc:oracle"
            )
        # host:port:SID or host:port/service: the last ':' or '/' separates the database.
        cut = max(target.rfind("/"), target.rfind(":"))
        hostport, database = (
            (target[:cut], target[cut + 1 :]) if target.count(":") + target.count("/") >= 2 else (target, "")
        )
        if database.isdigit():  # host:port only
            hostport, database = target, ""
        host, port = _split_host_port(hostport)
        return ConnectionInfo("oracle", (host,) if host else (), port, database, raw_scheme="jdbc:oracle")
    technology = SCHEMES.get(sub)
    if sub == "sqlserver":
        # jdbc:sqlserver://host:1433;databaseName=orders;encrypt=true
        first, *props = rest.lstrip("/").split(";")
        params = {k.strip(): v.strip() for k, _, v in (p.partition("=") for p in props if "=" in p)}
        host, port = _split_host_port(first.split("\\")[0])
        lowered = {k.lower(): v for k, v in params.items()}
        database = lowered.get("databasename") or lowered.get("database", "")
        return ConnectionInfo(
            "sqlserver",
            (host,) if host else (),
            port,
            database,
            lowered.get("user", ""),
            password_kind(lowered.get("password", "")),
            _tls_from(params),
            "jdbc:sqlserver",
        )
    if technology is None or not rest.startswith("//"):
        return None
    info = _parse_url(sub, rest[2:], technology)
    return ConnectionInfo(
        info.technology,
        info.hosts,
        info.port,
        info.database,
        info.user,
        info.password,
        info.tls,
        f"jdbc:{sub}",
    )


_KEYWORD_HOST = {
    "server",
    "data source",
    "datasource",
    "host",
    "address",
    "addr",
    "network address",
    "hostname",
}
_KEYWORD_DB = {"database", "initial catalog", "dbname"}
_KEYWORD_USER = {"user id", "userid", "user", "username", "uid", "user name"}
_KEYWORD_PASS = {"password", "pwd"}


def _parse_keywords(pairs: dict[str, str], hint: str, libpq: bool) -> ConnectionInfo | None:
    lowered = {k.strip().lower(): v.strip().strip("'\"") for k, v in pairs.items()}
    host_key = next((k for k in lowered if k in _KEYWORD_HOST), None)
    if host_key is None:
        return None
    raw_host = lowered[host_key]
    raw_host = re.sub(r"^tcp:", "", raw_host, flags=re.I)
    port: int | None = int(lowered["port"]) if lowered.get("port", "").isdigit() else None
    if "," in raw_host and not libpq:  # SQL Server "host,1433"
        raw_host, _, port_text = raw_host.partition(",")
        port = int(port_text) if port_text.strip().isdigit() else port
    host, host_port = _split_host_port(raw_host.split("\\")[0])
    port = port or host_port
    if hint:
        technology = hint
    elif libpq or host_key == "host":
        technology = "postgresql"  # Npgsql and libpq say Host=/host=
    elif port in (3306,) or ("sslmode" in lowered and "uid" in lowered):
        technology = "mysql"
    else:
        technology = "sqlserver"
    database = next((lowered[k] for k in lowered if k in _KEYWORD_DB), "")
    user = next((lowered[k] for k in lowered if k in _KEYWORD_USER), "")
    password = next((lowered[k] for k in lowered if k in _KEYWORD_PASS), "")
    return ConnectionInfo(
        technology,
        (host,) if host else (),
        port,
        database,
        user,
        password_kind(password),
        _tls_from(pairs),
        "keywords",
    )


def parse_host_list(text: str, technology: str) -> ConnectionInfo | None:
    """``host:port[,host:port]`` for brokers configured by list (Kafka bootstrap servers)."""
    hosts: list[str] = []
    port = None
    for piece in re.split(r"[,\s;]+", text.strip()):
        piece = re.sub(r"^[A-Za-z_]+://", "", piece)  # PLAINTEXT://kafka:9092
        if not piece:
            continue
        host, p = _split_host_port(piece)
        if not host or not re.fullmatch(r"[a-z0-9._-]+", host):
            return None
        hosts.append(host)
        port = port or p
    if not hosts:
        return None
    return ConnectionInfo(technology, tuple(hosts), port, raw_scheme="hostlist")


def parse_connection_string(text: str, hint: str = "") -> ConnectionInfo | None:
    """Parse any supported connection string; ``None`` when ``text`` is not one.

    ``hint`` is a technology to assume for keyword strings that do not say (a ``UseNpgsql``
    call, a Spring ``spring.datasource`` block).
    """
    text = text.strip()
    if not text or len(text) > 4096:
        return None
    lowered = text.lower()
    if lowered.startswith("jdbc:"):
        return _parse_jdbc(text)
    url = _URL.match(text)
    if url:
        scheme = url.group("scheme").lower()
        base = scheme.split("+")[0] if scheme not in SCHEMES else scheme
        technology = SCHEMES.get(scheme) or SCHEMES.get(base)
        if technology is None:
            return None
        return _parse_url(scheme, url.group("rest"), technology)
    if ";" in text and "=" in text:
        pairs = dict(p.partition("=")[::2] for p in text.split(";") if "=" in p)
        return _parse_keywords(pairs, hint, libpq=False)
    go_mysql = _GO_MYSQL.match(text)
    if go_mysql:
        # go-sql-driver/mysql: user:password@tcp(host:3306)/dbname?params
        host, port = _split_host_port(go_mysql.group("address"))
        return ConnectionInfo(
            "mysql",
            (host,) if host else (),
            port,
            go_mysql.group("database") or "",
            unquote(go_mysql.group("user") or ""),
            password_kind(unquote(go_mysql.group("password") or "")),
            _tls_from(dict(parse_qsl(go_mysql.group("query") or ""))),
            "mysql-dsn",
        )
    if re.match(r"^\s*(host|hostaddr|dbname)\s*=", text, re.I) and " " in text:
        pairs = {m.group(1): m.group(2) for m in re.finditer(r"(?<!\w)(\w+)\s*=\s*('[^']*'|\S+)", text)}
        return _parse_keywords(pairs, hint or "postgresql", libpq=True)
    return None
