import os

import requests

INVENTORY_URL = os.getenv("INVENTORY_URL", "http://inventory:8080")


def reserve(sku: str) -> None:
    requests.post(f"{INVENTORY_URL}/reservations", json={"sku": sku}, timeout=2)
