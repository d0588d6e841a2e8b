"""Schema management: Alembic migrations are the only way a register schema is made, tests included.

:func:`upgrade` runs ``alembic upgrade`` programmatically on a URL or an engine; no alembic.ini is
needed (one ships in ``statut/store/migrations`` for developers writing new migrations).
:func:`schema_differences` compares a migrated database with :data:`statut.store.tables.metadata`
the way ``alembic revision --autogenerate`` would, so a test can prove that migrations and tables
agree on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from statut.store.engine import build_engine, describe_url, first_line
from statut.store.errors import DatabaseUnavailableError, SchemaOutOfDateError
from statut.store.tables import metadata


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped inside the package."""
    location = resources.files("statut.store") / "migrations"
    config = Config()
    config.set_main_option("script_location", str(location))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str:
    """The latest revision; with several branches (one per capability) their heads, sorted, joined by ','."""
    heads = sorted(ScriptDirectory.from_config(alembic_config()).get_heads())
    if not heads:  # pragma: no cover - the package always ships migrations
        raise SchemaOutOfDateError("no migration found in statut/store/migrations")
    return ",".join(heads)


def upgrade(target: str | URL | Engine, revision: str = "heads") -> str:
    """Bring the database to ``revision`` (default: the latest) in one transaction; return the revision."""
    return _on_connection(target, lambda connection: _upgrade(connection, revision))


def downgrade(target: str | URL | Engine, revision: str) -> str:
    """Take the schema back to ``revision`` (``base`` removes every table). For development and tests."""

    def run(connection: Connection) -> str:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        return current_revision(connection) or "base"

    return _on_connection(target, run)


def current_revision(connection: Connection) -> str | None:
    """The database's revision; with several branches applied, their heads sorted and joined by ','."""
    heads = sorted(MigrationContext.configure(connection).get_current_heads())
    return ",".join(heads) if heads else None


def require_current_schema(connection: Connection) -> None:
    """Fail with one clear message when the database was not migrated to this code's revision."""
    current = current_revision(connection)
    head = head_revision()
    if current != head:
        raise SchemaOutOfDateError(
            f"database schema is at revision {current or 'none'}, this code needs {head}: run `statut db upgrade`"
        )


@dataclass(frozen=True, slots=True)
class SchemaDifference:
    """One difference between the database and the metadata, as Alembic's autogenerate reports it."""

    kind: str
    detail: str


def schema_differences(connection: Connection) -> list[SchemaDifference]:
    """What ``alembic revision --autogenerate`` would write: empty when migrations and tables agree."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences: list[SchemaDifference] = []
    for diff in compare_metadata(context, metadata):
        entries: list[Any] = diff if isinstance(diff, list) else [diff]
        differences.extend(SchemaDifference(kind=str(entry[0]), detail=repr(entry[1:])) for entry in entries)
    return differences


def table_names(connection: Connection) -> list[str]:
    return sorted(inspect(connection).get_table_names())


def _upgrade(connection: Connection, revision: str) -> str:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    return current_revision(connection) or "base"


def _on_connection(target: str | URL | Engine, run: Any) -> str:
    engine = target if isinstance(target, Engine) else build_engine(target)
    try:
        with engine.begin() as connection:
            result: str = run(connection)
            return result
    except OperationalError as exc:
        raise DatabaseUnavailableError(f"cannot open {describe_url(engine.url)}: {first_line(exc)}") from None
    finally:
        if engine is not target:
            engine.dispose()
