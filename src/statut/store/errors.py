"""Errors of the store that a user can meet: one clear message each, in the StatutError family."""

from __future__ import annotations

from statut.domain.errors import StatutError


class DatabaseUrlError(StatutError):
    """The database URL cannot be used."""

    code = "statut.database.url"


class DatabaseUnavailableError(StatutError):
    """The database cannot be reached or opened."""

    code = "statut.database.unavailable"
    status = 503


class SchemaOutOfDateError(StatutError):
    """The database schema is not at the revision this code expects."""

    code = "statut.database.schema"
    status = 503


class UnitOfWorkError(StatutError):
    """The unit of work was used outside its life cycle (a programming error)."""

    code = "statut.unit_of_work"
    status = 500
