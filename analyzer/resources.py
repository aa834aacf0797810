"""Where the built-in rule pack and report templates are, installed or in a checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _data_dir(package: str, checkout_name: str) -> Path:
    # NOTE: in an editable install or a plain checkout the data packages may not be importable;
    # the checkout folder is then the truth.
    local = _CHECKOUT / checkout_name
    if local.is_dir() and (_CHECKOUT / "pyproject.toml").is_file():
        return local
    try:
        found = resources.files(package)
    except ModuleNotFoundError:
        return local
    return Path(str(found))


def rules_dir() -> Path:
    """The built-in rule pack (``rules/`` in the checkout)."""
    return _data_dir("analyzer.builtin_rules", "rules")


def reports_dir() -> Path:
    """Report templates and assets (``reports/`` in the checkout)."""
    return _data_dir("analyzer.report_templates", "reports")
