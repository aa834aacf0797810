"""Trace exports (OTLP JSON/protobuf, Jaeger, Zipkin, servicegraph metrics) → aggregated facts.

Traces are not discovered by the file registry; the pipeline calls :func:`read_trace_file` for
each ``--traces`` input.
"""

from __future__ import annotations

from analyzer.extract.traces.reader import read_trace_file

NAME = "traces"

__all__ = ["NAME", "read_trace_file"]
