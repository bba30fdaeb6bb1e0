"""The adapter contract and how adapters are found.

An adapter is a package that says what it brings in one :class:`AdapterSpec`, published as an
entry point in the ``dialoogbot.adapters`` group (``pyproject.toml`` lists Slack, Teams and
the local console). The runtime discovers them: the server mounts each one, the settings of
each are checked at start, their Alembic revisions join the core's, and their subcommands
join the command line. Adding a platform adds a package and an entry point; it edits no file
of ``bot/``.

A spec names its parts as ``"module:attribute"`` strings, imported only when used, so that
listing adapters (``dialoogbot --help``) does not load slack-bolt or botbuilder.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from bot.support.settings import Settings, SettingsError
from storage.database import Database, Migrations

ENTRY_POINTS = "dialoogbot.adapters"


@dataclass(frozen=True)
class AdapterSpec:
    """What an adapter brings.

    - ``mount``: ``async (app, web_app) -> bool`` that adds its routes and registers its
      platform with ``app.add_platform``; False when the adapter is not configured;
    - ``settings``: a ``pydantic_settings.BaseSettings`` class with its own environment
      prefix, checked at start (one line per problem);
    - ``migrations``: a package whose folder holds its Alembic revisions;
    - ``tables``: the ``sqlalchemy.MetaData`` of the tables those revisions create (one
      definition; a test holds the revisions to it);
    - ``commands``: subcommand name -> (module with ``register(subparsers)``, help);
    - ``fake``: the local server that stands in for the platform's API in tests and
      benchmarks (Slack's and Teams' are in the public test kit, :mod:`bot.testing`).
    """

    name: str
    mount: str | None = None
    settings: str | None = None
    migrations: str | None = None
    tables: str | None = None
    commands: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    fake: str | None = None


def resolve(reference: str) -> Any:
    """The object a ``"module:attribute"`` string names."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


def discover() -> list[AdapterSpec]:
    """Every installed adapter, by name. An entry point that is not a spec is an error."""
    found: dict[str, AdapterSpec] = {}
    for point in entry_points(group=ENTRY_POINTS):
        spec = point.load()
        if not isinstance(spec, AdapterSpec):
            raise TypeError(f"entry point {point.name} ({point.value}) is not an AdapterSpec")
        found.setdefault(spec.name, spec)
    return [found[name] for name in sorted(found)]


def migrations(specs: Sequence[AdapterSpec] | None = None) -> Migrations:
    """The adapters' revision folders and table definitions."""
    locations: list[Path] = []
    metadata = []
    for spec in discover() if specs is None else specs:
        if spec.migrations:
            package = importlib.import_module(spec.migrations)
            assert package.__file__ is not None
            locations.append(Path(package.__file__).parent)
        if spec.tables:
            metadata.append(resolve(spec.tables))
    return Migrations(tuple(locations), tuple(metadata))


def database(settings: Settings, specs: Sequence[AdapterSpec] | None = None) -> Database:
    """The database of ``settings``, with the migrations of every adapter."""
    return Database(
        settings.database_url, migrations=migrations(specs), key_dir=settings.round_key_dir
    )


def check_settings(settings: Settings, specs: Sequence[AdapterSpec] | None = None) -> None:
    """Every adapter's settings, validated together: one line per problem."""
    problems = []
    for spec in discover() if specs is None else specs:
        if spec.settings:
            try:
                settings.load(resolve(spec.settings))
            except SettingsError as error:
                problems.append(str(error))
    if problems:
        raise SettingsError("\n".join(problems))


def commands(specs: Sequence[AdapterSpec] | None = None) -> dict[str, tuple[str, str]]:
    """The subcommands the adapters bring."""
    table: dict[str, tuple[str, str]] = {}
    for spec in discover() if specs is None else specs:
        table.update(spec.commands)
    return table
