"""Where a plaintext credential is written: SQL, Kubernetes Secrets, code in five languages."""

from __future__ import annotations

import pytest

from analyzer.extract.facts import Credential
from analyzer.extract.k8ssecrets import committed_secrets
from analyzer.extract.secrets import is_plaintext_secret
from analyzer.extract.source import credentials
from analyzer.extract.source.base import parse
from analyzer.extract.sqlcreds import sql_credentials
from analyzer.extract.yamlsrc import load_all


def places(found: list[Credential]) -> list[tuple[int, str]]:
    return [(c.evidence.location.line, c.key) for c in found]


@pytest.mark.parametrize(
    ("value", "plaintext"),
    [
        ("s3cret", True), ("changeme", True), ("change_me", True), ("password", True), ("P@ss w0rd", True),
        ("", False), ("   ", False), ("${DB_PASSWORD}", False), ("$(DB_PASSWORD)", False),
        ("{{ .Values.db.password }}", False), ("<password>", False), ("REPLACE_ME", False),
        ("YOUR_PASSWORD", False), ("__DB_PASSWORD__", False), ("#{DbPassword}#", False),
        ("ENC[AES256_GCM,data:abc,iv:x,tag:y,type:str]", False), ("{cipher}a1b2c3", False),
        ("md5" + "0" * 32, False), ("SCRAM-SHA-256$4096:abc", False),
    ],
)  # fmt: skip
def test_what_counts_as_plaintext(value: str, plaintext: bool) -> None:
    assert is_plaintext_secret(value) is plaintext


SQL = """\
-- CREATE USER commented IDENTIFIED BY 'nope';
CREATE USER 'ledger'@'%' IDENTIFIED BY 'ledger-pw';
CREATE USER app WITH LOGIN
  ENCRYPTED PASSWORD 'app-secret';
CREATE ROLE reader PASSWORD :'reader_pw';
ALTER USER app WITH PASSWORD 'rotated';
CREATE LOGIN billing WITH PASSWORD = N'Billing#2024', CHECK_POLICY = OFF;
CREATE LOGIN hashed WITH PASSWORD = 0x0200AB12CD34EF56AB12CD34EF56 HASHED;
SET PASSWORD FOR 'root'@'localhost' = PASSWORD('rootpw');
SET PASSWORD = 'mine';
CREATE USER scott IDENTIFIED BY tiger;
CREATE USER x IDENTIFIED BY '${DB_PASSWORD}';
CREATE USER y IDENTIFIED BY ?;
ALTER ROLE z PASSWORD $1;
CREATE USER q PASSWORD EXPIRE;
CREATE USER 'h'@'%' IDENTIFIED BY PASSWORD '*0123456789ABCDEF0123456789ABCDEF01234567';
GRANT ALL ON shop.* TO 'shop'@'%' IDENTIFIED BY 'shop123';
CREATE ROLE n WITH LOGIN PASSWORD NULL;
CREATE USER md WITH PASSWORD 'md5aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
ALTER USER app WITH PASSWORD @new_password;
"""


def test_sql_logins_with_literal_passwords() -> None:
    found = sql_credentials("ledger", "db/V2__users.sql", SQL)
    assert places(found) == [
        (2, "password of user ledger"),
        (4, "password of user app"),
        (6, "password of user app"),
        (7, "password of login billing"),
        (9, "password of user root"),
        (10, "password of the current user"),
        (11, "password of user scott"),
        (17, "password of user shop"),
    ]
    assert (found[0].evidence.location.column, found[0].owner) == (40, "ledger")


def test_sql_in_a_changelog_body_keeps_the_changelog_line() -> None:
    found = sql_credentials("", "changelog.yaml", "CREATE USER app PASSWORD 'pw'", fixed_line=12)
    assert places(found) == [(12, "password of user app")]


SECRETS = """\
apiVersion: v1
kind: Secret
metadata: {name: db}
data:
  username: YXBw
  password: YXBwLXB3
  not-base64: '%%%'
stringData:
  DATABASE_URL: postgres://app:url-pw@db/app
  api-token: REPLACE_ME
  empty: ""
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  POSTGRES_PASSWORD: cm-pw
  api-token: not-a-secret-kind
---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata: {name: sealed}
spec:
  encryptedData: {password: AgBy8hCF8kDp2pVp0wOyE7lYx1Xg9fQ0}
---
apiVersion: v1
kind: Secret
metadata: {name: sops}
stringData:
  password: ENC[AES256_GCM,data:3kM1bQ==,iv:q7c,tag:Qm9=,type:str]
sops:
  version: 3.8.1
"""


def test_committed_secrets_are_plaintext_but_sealed_and_sops_ones_are_not() -> None:
    docs = [("k8s/secrets.yaml", d) for d in load_all(SECRETS, "k8s/secrets.yaml")]
    assert places(committed_secrets("k8s/secrets.yaml", docs)) == [
        (6, "password of Secret db"),
        (9, "DATABASE_URL of Secret db"),
        (17, "POSTGRES_PASSWORD of ConfigMap settings"),
    ]


CODE = {
    "python": """\
import os, psycopg, pymongo, pika
DB_PASSWORD = "py-const-pw"
conn = psycopg.connect(host="db", user="app", password="py-kw-pw")
conn2 = psycopg.connect(password=DB_PASSWORD)
mongo = pymongo.MongoClient("mongodb://u:py-url-pw@mongo:27017/x")
creds = pika.PlainCredentials("guest", "py-pika-pw")
pw = os.getenv("REDIS_PASSWORD", "py-env-default")
pw2 = os.environ.get("MQ_PASSWORD") or "py-or-default"
DATABASES = {"default": {"ENGINE": "x", "PASSWORD": "py-django-pw"}}
ok = psycopg.connect(password=os.environ["DB_PASSWORD"])
ok2 = psycopg.connect(password="")
ok3 = form.field(password_label="Enter your password")
dsn = "postgres://{}:{}@db/x".format("u", "py-format-pw")
ok4 = psycopg.connect(password="REPLACE_ME")
EXAMPLE_USER = {"username": "test", "password": "user-pw"}
client.post("/login", data={"username": "test", "password": "user-pw"})
""",
    "javascript": """\
const { Pool } = require('pg');
const mysql = require('mysql2');
const pool = new Pool({ host: 'db', user: 'app', password: 'js-pool-pw' });
const c = mysql.createConnection({ host: 'db', password: "js-mysql-pw" });
const redisPw = process.env.REDIS_PASSWORD || 'js-env-default';
const url = `mongodb://u:js-tpl-pw@mongo/x`;
const ok = `mongodb://u:${process.env.PW}@mongo/x`;
const SECRET = "js-const-pw";
const s = new Sequelize('db', 'user', SECRET, {dialect: 'postgres'});
const bypass = 'not-a-password';
const user = { username: 'tom', firstName: 'Tom', password: 'bells' };
request.post('/login').send({ username: 'tom', password: 'bells' });
""",
    "java": """\
class DataSourceConfig {
  private static final String PASSWORD = "java-const-pw";
  DataSource ds() {
    HikariDataSource ds = new HikariDataSource();
    ds.setPassword("java-setter-pw");
    ds.setUsername("app");
    Connection c = DriverManager.getConnection("jdbc:postgresql://db/x", "u", "java-dm-pw");
    DataSourceBuilder.create().url("jdbc:mysql://db/x?user=u&password=java-q-pw").password(PASSWORD).build();
    String s = String.format("postgresql://%s:%s@db/x", "u", "java-fmt-pw");
    props.setProperty("spring.datasource.password", "java-prop-pw");
    ds.setPassword(System.getenv("DB_PASSWORD"));
    return ds;
  }
  @Value("${DB_PASSWORD:java-value-default}") String pw;
}
""",
    "go": """\
package main
const dbPass = "go-const-pw"
func main() {
	db, _ := sql.Open("postgres", "postgres://u:go-url-pw@db/x?sslmode=disable")
	dsn := fmt.Sprintf("postgres://%s:%s@%s/x", "u", "go-fmt-pw", host)
	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379", Password: "go-struct-pw"})
	m, _ := sql.Open("mysql", "root:go-mysql-pw@tcp(db:3306)/x")
	k := fmt.Sprintf("host=%s user=%s password=%s", h, u, dbPass)
	p := getEnv("DB_PASSWORD", "go-env-default")
	q := redis.NewClient(&redis.Options{Password: os.Getenv("REDIS_PASSWORD")})
}
""",
    "csharp": """\
class Program {
  const string Pw = "cs-const-pw";
  void F() {
    var cs = "Host=db;Database=x;Username=u;Password=cs-ado-pw;";
    var f = new ConnectionFactory { HostName = "rabbit", Password = "cs-init-pw" };
    var n = new NetworkCredential("u", "cs-netcred-pw");
    var builder = new NpgsqlConnectionStringBuilder(); builder.Password = Pw;
    var e = Environment.GetEnvironmentVariable("DB_PASSWORD") ?? "cs-env-default";
    var ok = $"Host=db;Password={secret}";
    var t = string.Format("Server=db;User Id=sa;Password={0};", "cs-fmt-pw");
  }
}
""",
}
EXPECTED = {
    "python": [
        (2, "password"), (3, "password"), (5, "connection string password"), (6, "PlainCredentials password"),
        (7, "REDIS_PASSWORD"), (8, "MQ_PASSWORD"), (9, "PASSWORD"), (13, "connection string password"),
    ],
    "javascript": [
        (3, "password"), (4, "password"), (5, "REDIS_PASSWORD"), (6, "connection string password"),
        (8, "Sequelize password"),
    ],
    "java": [
        (2, "password"), (5, "setPassword"), (7, "getConnection password"), (8, "connection string password"),
        (9, "connection string password"), (10, "spring.datasource.password"), (14, "DB_PASSWORD"),
    ],
    "go": [
        (2, "connection string password"), (4, "connection string password"),
        (5, "connection string password"), (6, "Password"), (7, "connection string password"),
        (9, "DB_PASSWORD"),
    ],
    "csharp": [
        (2, "Password"), (4, "connection string password"), (5, "Password"),
        (6, "NetworkCredential password"), (8, "DB_PASSWORD"), (10, "connection string password"),
    ],
}  # fmt: skip
FUNCTIONS = {
    "python": credentials.python_credentials,
    "javascript": credentials.javascript_credentials,
    "java": credentials.java_credentials,
    "go": credentials.go_credentials,
    "csharp": credentials.csharp_credentials,
}


@pytest.mark.parametrize("grammar", sorted(CODE))
def test_literal_passwords_in_code(grammar: str) -> None:
    tree, _ = parse(grammar, CODE[grammar])
    found = FUNCTIONS[grammar]("svc", f"src/file.{grammar}", tree.root_node)
    assert places(found) == EXPECTED[grammar]
    assert {c.owner for c in found} == {"svc"}


@pytest.mark.parametrize(
    ("scanner", "text"),
    [
        ("sql", "CREATE USER a IDENTIFIED " * 50_000),
        ("sql", "CREATE USER a PASSWORD " + " " * 400_000 + "x"),
        ("sql", "password '" + "''" * 200_000),
        ("secret", "a_" * 200_000 + "!"),
        ("secret", "__" + "a" * 400_000),
        ("python", 'x = "' + "${a_password:" * 50_000 + '"\n'),
        ("python", 'x = "' + "://a:" * 80_000 + '"\n'),
        ("go", 'package m\nvar d = fmt.Sprintf("' + "{a:" * 80_000 + '", "x")\n'),
    ],
)
def test_credential_scanners_stay_linear_on_hostile_lines(scanner: str, text: str) -> None:
    import time

    start = time.perf_counter()
    if scanner == "sql":
        sql_credentials("", "x.sql", text)
    elif scanner == "secret":
        is_plaintext_secret(text)
    else:
        from analyzer.model.limits import LimitExceeded

        try:
            tree, _ = parse(scanner, text)
        except LimitExceeded:  # nested past code_max_depth: the file is skipped before any scanner
            return
        FUNCTIONS["go" if scanner == "go" else "python"]("svc", "x", tree.root_node)
    assert time.perf_counter() - start < 15


def test_a_kafka_connect_connector_config_carries_its_database_password() -> None:
    from analyzer.extract import connectors
    from analyzer.extract.facts import FileContext
    from tests.conftest import FIXTURES

    text = (FIXTURES / "systems/committed-secrets/kafka/connects/debezium-ledger.json").read_text()
    found = connectors.extract(FileContext("kafka/connects/debezium-ledger.json", "."), text).facts
    assert [(c.evidence.location.line, c.key, c.owner) for c in found if isinstance(c, Credential)] == [
        (8, "database.password of connector ledger-outbox", "")
    ]


def test_liquibase_sql_bodies_are_read_for_logins(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from analyzer.extract import liquibase
    from analyzer.extract.facts import FileContext

    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n'
        '  <changeSet id="1" author="ops">\n'
        "    <sql>\n"
        "      CREATE USER reporting WITH PASSWORD 'lb-reporting';\n"
        "    </sql>\n"
        "  </changeSet>\n"
        "</databaseChangeLog>\n"
    )
    path = "svc/src/main/resources/db/changelog/db.changelog-master.xml"
    found = liquibase.extract(FileContext(path, str(tmp_path), "svc", "postgresql"), xml).facts
    assert [(c.evidence.location.line, c.key) for c in found if isinstance(c, Credential)] == [
        (5, "password of user reporting")
    ]
