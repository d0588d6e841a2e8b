"""Alembic environment: runs the migrations on a connection handed over by statut.store.migrate, or,
for a developer's ``alembic`` command, on the database named by ``-x database=URL`` or the settings.

Migrations run with ``render_as_batch`` so that a later ALTER works on SQLite too (batch mode copies
the table), which keeps the two databases on one set of migrations.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from statut.store.tables import metadata
from statut.store.types import UtcDateTime

config = context.config


def _render_item(kind: str, obj: Any, _context: AutogenContext) -> str | Literal[False]:
    """Write the register's column types as plain SQLAlchemy types, so migrations import no app code."""
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    handed_over = config.attributes.get("connection")
    if handed_over is not None:
        _run(handed_over)
        return
    from statut.settings import Settings
    from statut.store.engine import build_engine

    url = context.get_x_argument(as_dictionary=True).get("database") or Settings().database_url
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    url = context.get_x_argument(as_dictionary=True).get("database") or "sqlite://"
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
