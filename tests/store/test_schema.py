"""Alembic migrations are the only way a schema is made, and they build exactly the tables' metadata."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import CheckConstraint, Connection, inspect, text

from statut.store import tables as t
from statut.store.engine import build_engine
from statut.store.errors import DatabaseUnavailableError, SchemaOutOfDateError
from statut.store.migrate import (
    current_revision,
    downgrade,
    head_revision,
    require_current_schema,
    schema_differences,
    table_names,
    upgrade,
)


def test_the_migrated_schema_matches_the_metadata(connection: Connection) -> None:
    assert schema_differences(connection) == []
    assert current_revision(connection) == head_revision()


def _literals(sql: str) -> set[str]:
    return set(re.findall(r"'([^']*)'", sql))


def test_check_constraints_match_the_metadata(connection: Connection) -> None:
    """Alembic's comparison ignores CHECK constraints; a new code in a domain enumeration must not
    slip past the migrations, so compare names and the codes they allow."""
    inspector = inspect(connection)
    for table in t.metadata.sorted_tables:
        expected = {
            str(constraint.name): _literals(str(constraint.sqltext))
            for constraint in table.constraints
            if isinstance(constraint, CheckConstraint)
        }
        found = {
            str(check["name"]): _literals(check["sqltext"]) for check in inspector.get_check_constraints(table.name)
        }
        assert found == expected, table.name


def _collation(column: object) -> str | None:
    variant = getattr(getattr(column, "type", None), "_variant_mapping", {}).get("postgresql")
    return getattr(variant, "collation", None)


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_codes_compare_byte_by_byte_on_postgresql(connection: Connection) -> None:
    """Alembic ignores collations too: check that the code columns have collation C."""
    expected = {
        (table.name, column.name)
        for table in t.metadata.sorted_tables
        for column in table.columns
        if _collation(column) == "C"
    }
    found = connection.execute(
        text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE collation_name = 'C' AND table_schema = current_schema()"
        )
    ).all()
    assert {tuple(row) for row in found} == expected
    assert ("contribution", "quarter") in expected


def test_every_table_of_the_metadata_exists(connection: Connection) -> None:
    assert set(table_names(connection)) == {table.name for table in t.metadata.sorted_tables} | {"alembic_version"}


def test_the_comparison_sees_a_missing_index(connection: Connection) -> None:
    connection.execute(text("DROP INDEX ix_contribution_person_id_quarter"))
    differences = schema_differences(connection)
    assert [difference.kind for difference in differences] == ["add_index"]
    assert "ix_contribution_person_id_quarter" in differences[0].detail


def test_upgrade_from_nothing_downgrade_to_nothing_and_again(empty_database_url: str) -> None:
    engine = build_engine(empty_database_url)
    try:
        assert upgrade(engine) == head_revision()
        assert downgrade(engine, "base") == "base"
        with engine.connect() as connection:
            assert table_names(connection) == ["alembic_version"]
            with pytest.raises(SchemaOutOfDateError, match="statut db upgrade"):
                require_current_schema(connection)
        upgrade(empty_database_url)
        with engine.connect() as connection:
            assert schema_differences(connection) == []
            require_current_schema(connection)
            head = connection.execute(text("SELECT seq, entry_hash FROM ledger_head")).one()
            assert tuple(head) == (0, "0" * 64)
    finally:
        engine.dispose()


def test_an_unreachable_database_is_one_clear_error() -> None:
    with pytest.raises(DatabaseUnavailableError, match="cannot open postgresql"):
        upgrade("postgresql://nobody@127.0.0.1:1/none")
