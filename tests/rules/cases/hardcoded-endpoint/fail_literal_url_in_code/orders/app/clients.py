import requests


def reserve(sku: str) -> None:
    requests.post("http://inventory:8080/reservations", json={"sku": sku}, timeout=2)
