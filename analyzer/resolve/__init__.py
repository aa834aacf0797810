"""Identity resolution: facts → one architecture graph."""

from analyzer.resolve.build import build_graph
from analyzer.resolve.names import NameIndex, host_key, normalise

__all__ = ["NameIndex", "build_graph", "host_key", "normalise"]
