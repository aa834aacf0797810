import os

import psycopg
import requests
from fastapi import FastAPI

app = FastAPI()
DATABASE_URL = os.getenv("DATABASE_URL", "")
INVENTORY_URL = os.getenv("INVENTORY_URL", "http://inventory:8080")


def reserve(sku: str) -> None:
    requests.post(f"{INVENTORY_URL}/reservations", json={"sku": sku}, timeout=2)


@app.post("/checkout")
def checkout(sku: str) -> dict:
    with psycopg.connect(DATABASE_URL) as conn:
        conn.execute("INSERT INTO orders (sku) VALUES (%s)", (sku,))
        reserve(sku)
    return {"ok": True}
