"""Subcommands and benchmarks imported only when they run.

The command line lists every subcommand (the core's and the adapters') but imports only the
one that runs: the others pull in scikit-learn, slack-bolt or botbuilder, which would make
``dialoogbot --help`` slow.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from contextvars import ContextVar
from types import ModuleType

Subparsers = argparse._SubParsersAction

# The non-option words of the command line being parsed (``bench slack`` -> ("bench",
# "slack")), so nested command groups can import only what was asked for.
REQUESTED: ContextVar[tuple[str, ...]] = ContextVar("requested", default=())


def positionals(argv: Sequence[str]) -> tuple[str, ...]:
    """The words of ``argv`` that are not options."""
    return tuple(word for word in argv if not word.startswith("-"))


def optional_module(name: str) -> ModuleType | None:
    """Import ``name``; ``None`` when that module (or its package) does not exist. An import
    error inside the module itself is raised, not hidden."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise


def register_lazily(sub: Subparsers, table: dict[str, tuple[str, str]], wanted: str | None) -> None:
    """Add a parser per entry of ``table`` (name -> (module, help)); only the ``wanted`` one's
    module is imported, and its ``register(sub)`` defines the real parser."""
    for name, (module_name, help_text) in table.items():
        module = optional_module(module_name) if name == wanted else None
        if module is not None:
            module.register(sub)
        else:
            sub.add_parser(name, help=help_text)
