"""archconform: an architecture conformance analyzer for microservice systems."""

__version__ = "0.1.0"
