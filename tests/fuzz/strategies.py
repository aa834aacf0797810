"""Hypothesis strategies per input family: documents built from scratch, not mutated copies.

The mutation fuzzer (:mod:`tests.fuzz.mutate`) explores around real files; these generate shapes
no seed has — any YAML/JSON tree under the keys a reader looks for, SQL statement soups, source
text made of a language's own tokens — and shrink a failure to a small example.
"""

from __future__ import annotations

import json

import yaml
from hypothesis import strategies as st

# Keys the readers look for, so that generated trees reach past the first `if`.
KEYS = (
    "services", "image", "build", "context", "dockerfile", "environment", "env_file", "depends_on",
    "links", "volumes", "healthcheck", "extends", "include", "version", "networks", "aliases",
    "apiVersion", "kind", "metadata", "name", "spec", "template", "containers", "env", "value",
    "valueFrom", "configMapKeyRef", "envFrom", "data", "stringData", "items", "ports", "selector",
    "spring", "datasource", "url", "username", "password", "profiles", "kafka", "bootstrap-servers",
    "ConnectionStrings", "DefaultConnection", "databaseChangeLog", "changeSet", "changes",
    "createTable", "tableName", "columns", "column", "constraints", "dropTable", "sql", "id",
    "title", "severity", "principle", "help", "message", "match", "nodes", "edges", "where",
    "from", "to", "as", "group_by", "cycles", "chains", "rules", "waivers", "contexts", "limits",
    "resourceSpans", "scopeSpans", "spans", "traceId", "spanId", "parentSpanId", "attributes",
    "key", "stringValue", "data", "processes", "serviceName", "tags", "localEndpoint",
    "remoteEndpoint", "timestamp", "duration",
)  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        (
            "postgres:16", "mysql", "mongo", "redis", "jdbc:postgresql://db:5432/orders",
            "mongodb://u:p@mongo/orders", "http://inventory:8080/reserve", "${DB_URL:-x}", "2001-13-45",
            "service", "connects", "{{ .Values.x }}", "../../etc/passwd", "a" * 300, "", "<script>",
        )
    ),
    st.text(max_size=30),
)  # fmt: skip


def trees(max_leaves: int = 40) -> st.SearchStrategy[object]:
    """Nested mappings and lists under the readers' keys, scalars at the leaves."""
    return st.recursive(
        SCALARS,
        lambda children: st.one_of(
            st.lists(children, max_size=5),
            st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children, max_size=6),
        ),
        max_leaves=max_leaves,
    )


def yaml_documents() -> st.SearchStrategy[bytes]:
    return trees().map(lambda t: yaml.safe_dump(t, allow_unicode=True, sort_keys=False).encode("utf-8"))


def json_documents() -> st.SearchStrategy[bytes]:
    return trees().map(lambda t: json.dumps(t, allow_nan=True).encode("utf-8"))


def properties_files() -> st.SearchStrategy[bytes]:
    line = st.tuples(
        st.one_of(st.sampled_from(KEYS), st.text(max_size=20)),
        st.sampled_from(("=", ":", " ", "\\=", "")),
        st.one_of(SCALARS.map(str), st.text(max_size=40)),
    ).map(lambda t: f"{t[0]}{t[1]}{t[2]}")
    return st.lists(line, max_size=30).map(lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass"))


SQL_TOKENS = (
    "CREATE", "TABLE", "ALTER", "DROP", "COLUMN", "INSERT", "INTO", "UPDATE", "DELETE", "FROM", "SELECT",
    "JOIN", "ON", "WHERE", "VALUES", "SET", "REFERENCES", "FOREIGN", "KEY", "PRIMARY", "NOT", "NULL",
    "DEFAULT", "VIEW", "AS", "BEGIN", "END", "$$", "FUNCTION", "orders", "public.orders", "id", "(",
    ")", ",", ";", "'", "\"", "--", "/*", "*/", "1", "'x'", "\n", "GO", "DELIMITER", "//",
)  # fmt: skip
CODE_TOKENS = (
    "import", "from", "def", "class", "func", "function", "public", "static", "void", "return", "new",
    "const", "let", "var", "=", "=>", "(", ")", "{", "}", "[", "]", ".", ",", ";", ":", "\n", "    ",
    "'", '"', "`", "${", "@", "#", "//", "/*", "*/", "requests", "get", "post", "fetch", "axios",
    "http.Get", "RestTemplate", "HttpClient", "\"http://orders:8080/x\"", "\"SELECT * FROM t\"",
    "KafkaTemplate", "send", "producer", "@Entity", "@Table", "@GetMapping", "app.get", "router",
    "DbContext", "DbSet", "package", "using", "namespace", "+", "os.environ", "process.env",
)  # fmt: skip


def token_soup(tokens: tuple[str, ...], max_size: int = 120) -> st.SearchStrategy[bytes]:
    return st.lists(st.sampled_from(tokens), max_size=max_size).map(lambda ts: " ".join(ts).encode())


def for_kind(kind: str) -> st.SearchStrategy[bytes]:
    """The generated-input strategy of one fuzz kind (see :data:`tests.fuzz.kinds.KINDS`)."""
    if kind in ("spring-properties", "dotenv"):
        return properties_files()
    if kind in ("appsettings", "otlp-json", "jaeger", "zipkin"):
        return json_documents()
    if kind == "sql":
        return token_soup(SQL_TOKENS)
    if kind in ("python", "java", "go", "javascript", "typescript", "csharp", "proto", "prisma"):
        return token_soup(CODE_TOKENS)
    if kind in ("otlp-proto", "liquibase-xml"):
        return st.binary(max_size=400)
    return yaml_documents()
