"""gRPC service definitions from .proto files (written by the Java/Go/C# code engineer)."""

from __future__ import annotations

from analyzer.extract import proto
from analyzer.extract.facts import Marker
from analyzer.model import DiagnosticLevel
from tests.conftest import FIXTURES

PATH = "proto/inventory.proto"


def run(module: object, path: str, service: str, text: str | None = None) -> proto.ExtractResult:
    source = text if text is not None else (FIXTURES / "code" / path).read_text()
    return proto.extract(proto.FileContext(path, str(FIXTURES / "code"), service), source)


def markers(result: proto.ExtractResult) -> set[tuple[str, str, str, int, int]]:
    return {
        (f.subject, f.key, f.value, f.evidence.location.line, f.evidence.location.column)
        for f in result.facts
        if isinstance(f, Marker)
    }


def test_wants_proto_files() -> None:
    assert proto.wants("inventory/api/inventory.proto")
    assert not proto.wants("inventory/api/inventory.pb.go")


def test_services_and_methods_are_qualified_by_package() -> None:
    result = run(proto, PATH, "inventory")
    assert markers(result) == {
        ("inventory", "grpc_service", "acme.inventory.v1.InventoryService", 12, 1),
        ("inventory", "grpc_method", "acme.inventory.v1.InventoryService/Reserve", 13, 3),
        ("inventory", "grpc_method", "acme.inventory.v1.InventoryService/Release", 14, 3),
        ("inventory", "grpc_service", "acme.inventory.v1.Health", 24, 1),
        ("inventory", "grpc_method", "acme.inventory.v1.Health/Check", 24, 18),
    }
    assert result.diagnostics == []


def test_no_package_and_unclosed_service() -> None:
    result = run(proto, "x.proto", "svc", 'syntax = "proto3";\nservice Pay {\n  rpc Charge(A) returns (B);\n')
    assert markers(result) == {
        ("svc", "grpc_service", "Pay", 2, 1),
        ("svc", "grpc_method", "Pay/Charge", 3, 3),
    }
    assert [(d.line, d.level) for d in result.diagnostics] == [(2, DiagnosticLevel.WARNING)]


def test_unterminated_comment_keeps_what_came_before() -> None:
    result = run(proto, "x.proto", "svc", "package p;\nservice A { rpc B(C) returns (D); }\n/* open\n")
    assert markers(result) == {("svc", "grpc_service", "p.A", 2, 1), ("svc", "grpc_method", "p.A/B", 2, 13)}
    assert [(d.line, d.level) for d in result.diagnostics] == [(3, DiagnosticLevel.WARNING)]
