"""The architecture model: locations, evidence, the graph, findings. Imports nothing of ours."""

from analyzer.model.findings import (
    Diagnostic,
    DiagnosticLevel,
    Finding,
    RelatedLocation,
    RuleMeta,
    Severity,
    TextEdit,
)
from analyzer.model.graph import (
    ArchGraph,
    Attrs,
    AttrValue,
    Edge,
    EdgeKind,
    Node,
    NodeKind,
    kind_of,
    node_id,
)
from analyzer.model.location import SOURCE_RANK, Evidence, Location, SourceKind
from analyzer.model.result import ScanResult

__all__ = [
    "SOURCE_RANK",
    "ArchGraph",
    "AttrValue",
    "Attrs",
    "Diagnostic",
    "DiagnosticLevel",
    "Edge",
    "EdgeKind",
    "Evidence",
    "Finding",
    "Location",
    "Node",
    "NodeKind",
    "RelatedLocation",
    "RuleMeta",
    "ScanResult",
    "Severity",
    "SourceKind",
    "TextEdit",
    "kind_of",
    "node_id",
]
