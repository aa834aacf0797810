"""JSON for the reports, written by orjson: the bytes ``json.dumps(indent=2, sort_keys=True,
ensure_ascii=False)`` writes, many times faster (78 MB of JSON at 500 services).

NOTE: orjson writes a float in exponent form as ``1e16`` where ``json`` writes ``1e+16``; the
reports hold no floats today. Whatever orjson refuses (an integer over 64 bits, a key that is not
a string) goes through ``json`` unchanged.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS


def dumps(data: Any) -> str:
    """``data`` as indented, key-sorted JSON text with a final newline."""
    try:
        return orjson.dumps(data, option=_OPTIONS).decode("utf-8") + "\n"
    except TypeError:
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
