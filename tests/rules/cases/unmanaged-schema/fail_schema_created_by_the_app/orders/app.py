import os

import psycopg

with psycopg.connect(os.getenv("DATABASE_URL", "")) as conn:
    conn.execute("CREATE TABLE IF NOT EXISTS orders (id BIGINT PRIMARY KEY)")
