"""Optional modules (adapters, commands, benchmarks) that may be absent from an install."""

from __future__ import annotations

import importlib
from types import ModuleType


def optional_module(name: str) -> ModuleType | None:
    """Import ``name``; ``None`` when that module (or its package) does not exist. An import
    error inside the module itself is raised, not hidden."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise
