"""Generate a realistic synthetic microservice system for the scale benchmarks.

Each service gets a language (Python, Java, Go, TypeScript, C#, in turn), two or three source files
with embedded SQL, HTTP calls to peers and Kafka producers/consumers, Flyway migrations, its
configuration (``application.yml``, ``appsettings.json`` or ``.env``), a Dockerfile and a build
marker, and a Kubernetes folder (Deployment, Service, ConfigMap, kustomization). One compose file
deploys them all with their databases and a broker. :func:`same_folder` writes the other shape:
N Kubernetes manifests side by side in one folder with a kustomization listing them.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

LANGUAGES = ("python", "java", "go", "typescript", "csharp")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _ident(name: str) -> str:
    return name.replace("-", "_")


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def _python(folder: Path, name: str, table: str, peer: str, topic: str, in_topic: str) -> None:
    _write(
        folder / "app" / "main.py",
        "import os\n\nimport psycopg\nimport requests\nfrom kafka import KafkaConsumer, KafkaProducer\n\n"
        'DATABASE_URL = os.getenv("DATABASE_URL", "postgresql://app@localhost:5432/app")\n'
        f'PEER_URL = os.getenv("PEER_URL", "http://{peer}:8080")\n'
        'producer = KafkaProducer(bootstrap_servers=os.getenv("KAFKA_BROKERS", "kafka:9092"))\n\n\n'
        "def create(item_id, name):\n"
        "    with psycopg.connect(DATABASE_URL) as conn:\n"
        f'        conn.execute("INSERT INTO {table} (id, name) VALUES (%s, %s)", (item_id, name))\n'
        f'    requests.post(PEER_URL + "/api/notify", json={{"id": item_id}}, timeout=5)\n'
        f'    producer.send("{topic}", value=str(item_id).encode())\n\n\n'
        "def listen():\n"
        f'    consumer = KafkaConsumer("{in_topic}", bootstrap_servers="kafka:9092")\n'
        "    for message in consumer:\n"
        "        handle(message.value)\n\n\n"
        "def handle(value):\n"
        "    return value\n",
    )
    _write(
        folder / "app" / "repository.py",
        "def find(conn, item_id):\n"
        f'    return conn.execute("SELECT id, name FROM {table} WHERE id = %s", (item_id,)).fetchone()\n\n\n'
        "def remove(conn, item_id):\n"
        f'    conn.execute("DELETE FROM {table} WHERE id = %s", (item_id,))\n',
    )
    _write(folder / "requirements.txt", "psycopg\nrequests\nkafka-python\n")
    _write(folder / ".env", f"DATABASE_URL=postgresql://app@{name}-db:5432/{_ident(name)}\n")


def _java(folder: Path, name: str, table: str, peer: str, topic: str, in_topic: str) -> None:
    cls = _camel(name)
    base = folder / "src" / "main" / "java" / "com" / "acme" / _ident(name)
    _write(
        base / f"{cls}Controller.java",
        f"package com.acme.{_ident(name)};\n\n"
        "import org.springframework.jdbc.core.JdbcTemplate;\n"
        "import org.springframework.kafka.annotation.KafkaListener;\n"
        "import org.springframework.kafka.core.KafkaTemplate;\n"
        "import org.springframework.web.bind.annotation.*;\n"
        "import org.springframework.web.client.RestTemplate;\n\n"
        "@RestController\n"
        f"public class {cls}Controller {{\n"
        "    private final JdbcTemplate jdbcTemplate;\n"
        "    private final KafkaTemplate<String, String> kafkaTemplate;\n"
        "    private final RestTemplate restTemplate = new RestTemplate();\n\n"
        f"    public {cls}Controller(JdbcTemplate jdbcTemplate,\n"
        "            KafkaTemplate<String, String> kafkaTemplate) {\n"
        "        this.jdbcTemplate = jdbcTemplate;\n"
        "        this.kafkaTemplate = kafkaTemplate;\n"
        "    }\n\n"
        '    @PostMapping("/items")\n'
        "    public void create(@RequestBody String name) {\n"
        f'        jdbcTemplate.update("INSERT INTO {table} (name) VALUES (?)", name);\n'
        f'        restTemplate.postForObject("http://{peer}:8080/api/notify", name, String.class);\n'
        f'        kafkaTemplate.send("{topic}", name);\n'
        "    }\n\n"
        f'    @KafkaListener(topics = "{in_topic}")\n'
        "    public void onEvent(String payload) {\n"
        f'        jdbcTemplate.update("UPDATE {table} SET name = ? WHERE id = 1", payload);\n'
        "    }\n"
        "}\n",
    )
    _write(
        base / f"{cls}Repository.java",
        f"package com.acme.{_ident(name)};\n\n"
        "import org.springframework.jdbc.core.JdbcTemplate;\n\n"
        f"public class {cls}Repository {{\n"
        "    private final JdbcTemplate jdbc;\n\n"
        f"    public {cls}Repository(JdbcTemplate jdbc) {{ this.jdbc = jdbc; }}\n\n"
        "    public int count() {\n"
        f'        return jdbc.queryForObject("SELECT count(*) FROM {table}", Integer.class);\n'
        "    }\n"
        "}\n",
    )
    _write(
        folder / "src" / "main" / "resources" / "application.yml",
        f"spring:\n  application:\n    name: {name}\n  datasource:\n"
        f"    url: jdbc:postgresql://{name}-db:5432/{_ident(name)}\n    username: app\n"
        "    password: ${DB_PASSWORD}\n  kafka:\n    bootstrap-servers: kafka:9092\n",
    )
    _write(
        folder / "pom.xml",
        f"<project><modelVersion>4.0.0</modelVersion><groupId>com.acme</groupId>"
        f"<artifactId>{name}</artifactId><version>1.0</version></project>\n",
    )


def _go(folder: Path, name: str, table: str, peer: str, topic: str, in_topic: str) -> None:
    _write(
        folder / "main.go",
        "package main\n\n"
        'import (\n\t"database/sql"\n\t"net/http"\n\t"os"\n\t"strings"\n)\n\n'
        "func main() {\n"
        '\tdb, _ := sql.Open("postgres", os.Getenv("DATABASE_URL"))\n'
        f'\tdb.Exec("INSERT INTO {table} (name) VALUES ($1)", "x")\n'
        f'\thttp.Post("http://{peer}:8080/api/notify", "application/json", strings.NewReader("{{}}"))\n'
        f'\tpublish("{topic}")\n'
        "}\n",
    )
    _write(
        folder / "store.go",
        "package main\n\n"
        'import "database/sql"\n\n'
        "func load(db *sql.DB, id int) (*sql.Rows, error) {\n"
        f'\treturn db.Query("SELECT id, name FROM {table} WHERE id = $1", id)\n'
        "}\n\n"
        "func publish(topic string) {}\n\n"
        f'const inbound = "{in_topic}"\n',
    )
    _write(folder / "go.mod", f"module example.com/{name}\n\ngo 1.22\n")
    _write(folder / ".env", f"DATABASE_URL=postgres://app@{name}-db:5432/{_ident(name)}\n")


def _typescript(folder: Path, name: str, table: str, peer: str, topic: str, in_topic: str) -> None:
    _write(
        folder / "src" / "index.ts",
        "import axios from 'axios';\nimport { Kafka } from 'kafkajs';\nimport { pool } from './db';\n\n"
        "const kafka = new Kafka({ brokers: [process.env.KAFKA_BROKERS || 'kafka:9092'] });\n"
        "const producer = kafka.producer();\n"
        "const consumer = kafka.consumer({ groupId: '" + name + "' });\n\n"
        "export async function create(name: string) {\n"
        f"  await pool.query('INSERT INTO {table} (name) VALUES ($1)', [name]);\n"
        f"  await axios.post('http://{peer}:8080/api/notify', {{ name }});\n"
        f"  await producer.send({{ topic: '{topic}', messages: [{{ value: name }}] }});\n"
        "}\n\n"
        f"consumer.subscribe({{ topic: '{in_topic}' }});\n",
    )
    _write(
        folder / "src" / "db.ts",
        "import { Pool } from 'pg';\n\n"
        f"export const pool = new Pool({{ connectionString: process.env.DATABASE_URL || "
        f"'postgres://app@{name}-db:5432/{_ident(name)}' }});\n\n"
        "export async function find(id: number) {\n"
        f"  return pool.query('SELECT id, name FROM {table} WHERE id = $1', [id]);\n"
        "}\n",
    )
    _write(
        folder / "package.json",
        json.dumps({"name": name, "version": "1.0.0", "dependencies": {"pg": "^8", "axios": "^1"}}) + "\n",
    )


def _csharp(folder: Path, name: str, table: str, peer: str, topic: str, in_topic: str) -> None:
    cls = _camel(name)
    _write(
        folder / "Program.cs",
        "using Dapper;\nusing Npgsql;\n\n"
        "var builder = WebApplication.CreateBuilder(args);\n"
        'var connectionString = builder.Configuration.GetConnectionString("Default");\n'
        "var app = builder.Build();\n"
        'app.MapPost("/items", async (HttpClient http, string name) => {\n'
        "    using var db = new NpgsqlConnection(connectionString);\n"
        f'    await db.ExecuteAsync("INSERT INTO {table} (name) VALUES (@name)", new {{ name }});\n'
        f'    await http.PostAsync("http://{peer}:8080/api/notify", null);\n'
        "});\n"
        "app.Run();\n",
    )
    _write(
        folder / f"{cls}Repository.cs",
        f"namespace Acme.{cls};\n\nusing Dapper;\nusing System.Data;\n\n"
        f"public class {cls}Repository\n{{\n"
        "    private readonly IDbConnection _db;\n"
        f"    public {cls}Repository(IDbConnection db) {{ _db = db; }}\n"
        f'    public Task<int> Count() => _db.ExecuteScalarAsync<int>("SELECT count(*) FROM {table}");\n'
        f'    public const string Inbound = "{in_topic}";\n'
        f'    public const string Outbound = "{topic}";\n'
        "}\n",
    )
    _write(
        folder / "appsettings.json",
        json.dumps(
            {
                "ConnectionStrings": {
                    "Default": f"Host={name}-db;Port=5432;Database={_ident(name)};"
                    "Username=app;Password=${DB}"
                },
                "Kafka": {"BootstrapServers": "kafka:9092"},
            },
            indent=2,
        )
        + "\n",
    )
    _write(folder / f"{cls}.csproj", '<Project Sdk="Microsoft.NET.Sdk.Web"></Project>\n')


WRITERS = {"python": _python, "java": _java, "go": _go, "typescript": _typescript, "csharp": _csharp}
BASE_IMAGES = {
    "python": "python:3.12-slim",
    "java": "eclipse-temurin:21-jre",
    "go": "golang:1.22",
    "typescript": "node:20-slim",
    "csharp": "mcr.microsoft.com/dotnet/aspnet:8.0",
}


def _kubernetes(folder: Path, name: str, language: str) -> None:
    db_url = f"postgresql://app@{name}-db:5432/{_ident(name)}"
    _write(
        folder / "deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
        f"  name: {name}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: {name}\n"
        f"  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n"
        f"        - name: {name}\n          image: registry.example.com/{name}:1.0\n"
        "          ports:\n            - containerPort: 8080\n          env:\n"
        "            - name: DATABASE_URL\n              valueFrom:\n                configMapKeyRef:\n"
        f"                  name: {name}-config\n                  key: DATABASE_URL\n"
        "            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef:\n"
        f"                  name: {name}-secret\n                  key: password\n"
        "          readinessProbe:\n            httpGet:\n"
        "              path: /health\n              port: 8080\n",
    )
    _write(
        folder / "service.yaml",
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: {name}\n"
        "  ports:\n    - port: 8080\n      targetPort: 8080\n",
    )
    _write(
        folder / "configmap.yaml",
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\ndata:\n"
        f"  DATABASE_URL: {db_url}\n  KAFKA_BROKERS: kafka:9092\n  LANGUAGE: {language}\n",
    )
    _write(
        folder / "kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources:\n  - deployment.yaml\n  - service.yaml\n  - configmap.yaml\n"
        f"secretGenerator:\n  - name: {name}-secret\n    literals:\n      - password=${{DB_PASSWORD}}\n",
    )


def generate(root: Path, services: int, seed: int = 7) -> int:
    """Write the system under ``root``; returns the number of files written."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    compose = ["services:", "  kafka:", "    image: bitnami/kafka:3.7", "    ports:", '      - "9092:9092"']
    for i in range(services):
        name = f"svc-{i:04d}"
        language = LANGUAGES[i % len(LANGUAGES)]
        peer = f"svc-{rng.randrange(services):04d}"
        table = f"{_ident(name)}_items"
        topic = f"{name}.events"
        in_topic = f"svc-{rng.randrange(services):04d}.events"
        folder = root / "services" / name
        WRITERS[language](folder, name, table, peer, topic, in_topic)
        _write(folder / "Dockerfile", f'FROM {BASE_IMAGES[language]}\nCOPY . /app\nCMD ["/app/run"]\n')
        migrations = folder / "db" / "migration"
        _write(
            migrations / "V1__init.sql",
            f"CREATE TABLE {table} (\n  id BIGSERIAL PRIMARY KEY,\n  name TEXT NOT NULL,\n"
            "  created_at TIMESTAMP NOT NULL DEFAULT now()\n);\n"
            f"CREATE INDEX {table}_name ON {table} (name);\n",
        )
        _write(
            migrations / "V2__audit.sql",
            f"ALTER TABLE {table} ADD COLUMN updated_at TIMESTAMP;\n"
            f"CREATE TABLE {_ident(name)}_audit (id BIGSERIAL PRIMARY KEY,"
            f" item_id BIGINT REFERENCES {table}(id));\n",
        )
        _kubernetes(root / "deploy" / "k8s" / name, name, language)
        compose += [
            f"  {name}:",
            f"    build: ./services/{name}",
            "    environment:",
            f"      DATABASE_URL: postgresql://app:${{DB_PASSWORD}}@{name}-db:5432/{_ident(name)}",
            f"      PEER_URL: http://{peer}:8080",
            "      KAFKA_BROKERS: kafka:9092",
            "    depends_on:",
            f"      - {name}-db",
            "      - kafka",
            f"  {name}-db:",
            "    image: postgres:16",
            "    environment:",
            f"      POSTGRES_DB: {_ident(name)}",
            "      POSTGRES_PASSWORD: ${DB_PASSWORD}",
            "    volumes:",
            f"      - {name}-data:/var/lib/postgresql/data",
        ]
    _write(root / "docker-compose.yml", "\n".join(compose) + "\n")
    return sum(1 for p in root.rglob("*") if p.is_file())


def same_folder(root: Path, manifests: int) -> int:
    """N Kubernetes manifests (Deployment + Service + ConfigMap each) in one folder, listed by one
    kustomization: the shape that was quadratic. Returns the number of files written."""
    folder = root / "k8s"
    names = [f"app-{i:04d}" for i in range(manifests)]
    for name in names:
        _write(
            folder / f"{name}.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
            f"  name: {name}\nspec:\n  selector:\n    matchLabels:\n      app: {name}\n"
            f"  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n"
            f"        - name: {name}\n          image: registry.example.com/{name}:1.0\n          env:\n"
            "            - name: DATABASE_URL\n              valueFrom:\n                configMapKeyRef:\n"
            f"                  name: {name}-config\n                  key: DATABASE_URL\n"
            "---\n"
            f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: {name}\n"
            "  ports:\n    - port: 8080\n"
            "---\n"
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\ndata:\n"
            f"  DATABASE_URL: postgresql://app@{name}-db:5432/{_ident(name)}\n",
        )
    _write(
        folder / "kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
        + "".join(f"  - {name}.yaml\n" for name in names),
    )
    return manifests + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--same-folder", type=int, default=0, help="write N manifests in one folder instead")
    args = parser.parse_args()
    count = (
        same_folder(args.root, args.same_folder) if args.same_folder else generate(args.root, args.services)
    )
    print(count, "files written")


if __name__ == "__main__":
    main()
