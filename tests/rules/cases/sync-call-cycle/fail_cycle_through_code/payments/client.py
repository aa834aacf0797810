import os

import requests

ORDERS = os.getenv("ORDERS_URL", "http://orders:8080")


def mark_paid(order_id: str) -> None:
    requests.put(f"{ORDERS}/orders/{order_id}/paid", timeout=2)
