"""One definition of each table: what the migrations create is what the models (the core's
and every adapter's) describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from bot.runtime.adapters import discover, migrations, resolve
from storage.database import Database
from storage.models import Base
from tests.conftest import drop_postgres_database, fresh_postgres_database, postgres_url_or_skip


def differences(connection: Connection, metadata: list[MetaData]) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": False}
    )
    # Alembic compares against several MetaData at once, as env.py's target_metadata does.
    return list(compare_metadata(context, metadata))  # type: ignore[arg-type]


def _alembic_own(diff: Any) -> bool:
    """Alembic's own version table is in the database and in no model."""
    return diff[0] == "remove_table" and diff[1].name == "alembic_version"


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_the_migrations_create_exactly_the_tables_the_models_define(
    tmp_path: Path, kind: str
) -> None:
    base = postgres_url_or_skip() if kind == "postgres" else None
    url = await fresh_postgres_database(base) if base else f"sqlite+aiosqlite:///{tmp_path}/s.db"
    extra = migrations()
    db = Database(url, migrations=extra)
    try:
        await db.upgrade()
        metadata = [Base.metadata, *extra.metadata]
        async with db.engine.connect() as connection:
            diffs = await connection.run_sync(differences, metadata)
        assert [d for d in diffs if not _alembic_own(d)] == []
    finally:
        await db.dispose()
        if base:
            await drop_postgres_database(base, url)


def test_every_adapter_with_revisions_also_defines_its_tables() -> None:
    for spec in discover():
        assert bool(spec.migrations) == bool(spec.tables), spec.name


def test_every_adapter_names_parts_that_exist() -> None:
    """A spec's strings are imported only when used: a typo must fail here, not in production."""
    for spec in discover():
        for reference in (spec.mount, spec.settings, spec.tables, spec.fake):
            if reference is not None:
                assert resolve(reference) is not None, (spec.name, reference)
        for module, _help in spec.commands.values():
            assert hasattr(importlib.import_module(module), "register"), (spec.name, module)
