"""Where the built-in rule pack and report templates are, installed or in a checkout."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _data_dir(package: str, checkout_name: str) -> Path:
    # NOTE: in an editable install or a plain checkout the data packages may not be importable;
    # the checkout folder is then the truth.
    local = _CHECKOUT / checkout_name
    if local.is_dir() and (_CHECKOUT / "pyproject.toml").is_file():
        return local
    # The data folders are namespace packages (no __init__.py), so ask the import system where
    # they are instead of importlib.resources, which answers with a MultiplexedPath for those.
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        return local
    if spec is None or not spec.submodule_search_locations:
        return local
    return Path(next(iter(spec.submodule_search_locations)))


def rules_dir() -> Path:
    """The built-in rule pack (``rules/`` in the checkout)."""
    return _data_dir("analyzer.builtin_rules", "rules")


def reports_dir() -> Path:
    """Report templates and assets (``reports/`` in the checkout)."""
    return _data_dir("analyzer.report_templates", "reports")
