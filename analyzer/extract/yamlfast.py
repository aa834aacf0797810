"""libyaml under the line-tracking YAML loader.

:mod:`analyzer.extract.yamlsrc` builds a loader whose constructors keep the line of every key and
item. The constructors only need composed nodes with marks, which libyaml's C parser and composer
(``yaml.CSafeLoader``) produce with the same lines, several times faster than PyYAML's pure Python.
:func:`with_libyaml` gives a loader class with the same constructors on the C base; without
libyaml (a PyYAML built without it) the loader is returned unchanged.
"""

from __future__ import annotations

from typing import cast

import yaml


def with_libyaml(loader: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """``loader``'s constructors on libyaml's parser and composer, when PyYAML has libyaml."""
    base = getattr(yaml, "CSafeLoader", None)
    if base is None:
        return loader

    class Fast(base):  # type: ignore[misc, valid-type]
        pass

    Fast.yaml_constructors = dict(loader.yaml_constructors)
    return cast(type[yaml.SafeLoader], Fast)
