"""What a running server holds: its settings and its engine, built once in the application lifespan.

Entry points ask the runtime for a unit of work instead of building engines themselves, so the
engine is created at start-up, never at import time, and disposed at shutdown.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from statut.settings import Settings
from statut.store.engine import build_engine, describe_url, first_line
from statut.store.migrate import current_revision, head_revision
from statut.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class HealthCheck:
    ok: bool
    database: str
    schema_revision: str | None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RegisterSummary:
    """Current facts held by the register (superseded versions are not counted)."""

    people: int
    affiliations: int
    incomes: int
    contribution_quarters: int
    payments: int
    career_quarters: int
    life_events: int
    funds: int
    ledger_entries: int


class Runtime:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine

    @classmethod
    def start(cls, settings: Settings) -> Runtime:
        return cls(settings, build_engine(settings.database_url))

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def unit_of_work(self, *, read_only: bool = False) -> Iterator[UnitOfWork]:
        with UnitOfWork(self.engine, read_only=read_only) as uow:
            yield uow

    def health(self) -> HealthCheck:
        database = describe_url(self.engine.url)
        try:
            with self.engine.connect() as connection:
                revision = current_revision(connection)
        except SQLAlchemyError as error:
            return HealthCheck(False, database, None, first_line(error))
        if revision is None:
            return HealthCheck(False, database, None, "the database has no schema: run `statut db upgrade`")
        expected = head_revision()
        up_to_date = revision == expected
        return HealthCheck(
            up_to_date, database, revision, "" if up_to_date else f"schema {revision}, code expects {expected}"
        )

    def register_summary(self) -> RegisterSummary:
        with self.unit_of_work(read_only=True) as uow:
            return register_summary(uow)


def register_summary(uow: UnitOfWork) -> RegisterSummary:
    head = uow.ledger.head()
    return RegisterSummary(
        people=uow.persons.count(),
        affiliations=uow.affiliations.count(),
        incomes=uow.incomes.count(),
        contribution_quarters=uow.contributions.count(),
        payments=uow.payments.count(),
        career_quarters=uow.careers.count(),
        life_events=uow.life_events.count(),
        funds=len(uow.funds.all()),
        ledger_entries=head.seq if head is not None else 0,
    )
