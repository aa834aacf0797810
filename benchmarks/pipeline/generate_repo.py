"""Generate a synthetic microservice repository: N services, each with a compose entry, a Flyway
migration, a Python module with embedded SQL and HTTP calls, and a Dockerfile."""

from __future__ import annotations

import argparse
import random
from pathlib import Path


def generate(root: Path, services: int, seed: int = 7) -> int:
    """Write the repo under ``root``; returns the number of files written."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    compose = ["services:"]
    files = 0
    for i in range(services):
        name = f"svc-{i:04d}"
        db = f"db-{i // 3:04d}"  # three services per database server
        peer = f"svc-{rng.randrange(services):04d}"
        compose += [
            f"  {name}:",
            f"    build: ./services/{name}",
            "    environment:",
            f"      DATABASE_URL: postgres://app:${{DB_PASSWORD}}@{db}:5432/{name.replace('-', '_')}",
            f"      PEER_URL: http://{peer}:8080",
        ]
        if i % 3 == 0:
            compose += [
                f"  {db}:",
                "    image: postgres:16",
                "    volumes:",
                f"      - {db}-data:/var/lib/postgresql/data",
            ]
        folder = root / "services" / name
        (folder / "db" / "migration").mkdir(parents=True, exist_ok=True)
        (folder / "Dockerfile").write_text("FROM python:3.12-slim\n")
        (folder / "db" / "migration" / "V1__init.sql").write_text(
            f"CREATE TABLE {name.replace('-', '_')}_items (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL);\n"
            f"CREATE INDEX ON {name.replace('-', '_')}_items (name);\n"
        )
        table = f"{name.replace('-', '_')}_items"
        (folder / "app.py").write_text(
            "import os\nimport psycopg\nimport requests\n\n"
            'PEER = os.getenv("PEER_URL", "http://localhost:8080")\n\n\n'
            "def handle(conn, item_id):\n"
            f'    row = conn.execute("SELECT id, name FROM {table} WHERE id = %s", (item_id,))\n'
            '    requests.post(PEER + "/notify", json={"id": item_id})\n'
            "    return row\n"
        )
        files += 4
    (root / "docker-compose.yml").write_text("\n".join(compose) + "\n")
    return files + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--services", type=int, default=500)
    args = parser.parse_args()
    print(generate(args.root, args.services), "files written")


if __name__ == "__main__":
    main()
