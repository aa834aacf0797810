from __future__ import annotations

from analyzer.resolve.names import NameIndex, host_key


def test_host_key_forms() -> None:
    assert host_key("orders-db") == "orders-db"
    assert host_key("orders-db.shop") == "orders-db"
    assert host_key("orders-db.shop.svc.cluster.local") == "orders-db"
    assert host_key("ORDERS_DB:5432") == "orders-db"
    assert host_key("10.0.0.7") == "10.0.0.7"
    assert host_key("mydb.abc123.eu-west-1.rds.amazonaws.com") == "mydb.abc123.eu-west-1.rds.amazonaws.com"


def test_suffix_stripping_only_when_unambiguous() -> None:
    index = NameIndex()
    index.add("inventory")
    index.add("orders")
    index.add("orders-api")
    assert index.lookup("inventory-service") == "inventory"
    assert index.lookup("Inventory_Svc") == "inventory"
    assert index.lookup("orders") == "orders"
    assert index.lookup("orders-service") is None  # orders or orders-api: ambiguous
    assert index.lookup("payments") is None
