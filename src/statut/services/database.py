"""Database life cycle: open an engine, bring the schema up to date, seed the reference funds, describe.

These are what ``statut db upgrade`` and ``statut db info`` do, and what the demo and the test
fixtures call to prepare a database. Schema changes go through Alembic only (statut.store.migrate).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from statut.domain.funds import FundCatalogue
from statut.reference import default_funds
from statut.settings import Settings
from statut.store.engine import build_engine, describe_url, first_line, normalise_url, sqlite_file
from statut.store.errors import DatabaseUnavailableError
from statut.store.funds import FundSync
from statut.store.inspection import StoreInfo, inspect_store
from statut.store.migrate import current_revision, head_revision, upgrade
from statut.store.unit_of_work import UnitOfWork

SYSTEM_ACTOR = "statut"


def database_url(url: str | None = None, settings: Settings | None = None) -> str:
    """The URL to use: the one given, else the settings' (``STATUT_DATABASE_URL``)."""
    return url or (settings or Settings()).database_url


@contextmanager
def open_engine(url: str | None = None, settings: Settings | None = None) -> Iterator[Engine]:
    """An engine for the duration of a command or a test; disposed of at the end."""
    engine = build_engine(database_url(url, settings))
    try:
        yield engine
    finally:
        engine.dispose()


@dataclass(frozen=True, slots=True)
class UpgradeResult:
    url: str
    revision_before: str | None
    revision_after: str
    funds: FundSync | None


def prepare_database(
    engine: Engine, *, funds: FundCatalogue | None = None, seed: bool = True, actor: str = SYSTEM_ACTOR
) -> UpgradeResult:
    """Migrate to the latest schema, then add or update the reference funds (one change, in the ledger)."""
    before = _revision(engine)
    after = upgrade(engine)
    synced = seed_funds(engine, funds, actor=actor) if seed else None
    return UpgradeResult(describe_url(engine.url), before, after, synced)


def seed_funds(engine: Engine, funds: FundCatalogue | None = None, *, actor: str = SYSTEM_ACTOR) -> FundSync:
    """Add or update the reference list of funds (default: statut.reference); a change only if needed."""
    catalogue = funds if funds is not None else default_funds()
    with UnitOfWork(engine) as uow:
        existing = {fund.code: fund for fund in uow.funds.all()}
        if all(existing.get(fund.code) == fund for fund in catalogue):
            return FundSync(added=(), updated=(), unchanged=tuple(existing))
        change = uow.record_change(
            actor=actor, reason="reference list of social insurance funds", source="statut.reference"
        )
        synced = uow.funds.sync(catalogue, change)
        uow.commit()
        return synced


def upgrade_database(url: str | None = None, *, seed: bool = True, settings: Settings | None = None) -> UpgradeResult:
    with open_engine(url, settings) as engine:
        return prepare_database(engine, seed=seed)


@dataclass(frozen=True, slots=True)
class DatabaseInfo:
    url: str
    store: StoreInfo
    file_bytes: int | None

    @property
    def backend(self) -> str:
        return self.store.backend


def database_info(url: str | None = None, *, settings: Settings | None = None) -> DatabaseInfo:
    target = database_url(url, settings)
    path = sqlite_file(normalise_url(target))
    if path is not None and not path.exists():
        raise DatabaseUnavailableError(f"no database at {path}: run `statut db upgrade` to create it")
    with open_engine(target) as engine:
        try:
            with engine.connect() as connection:
                store = inspect_store(connection)
        except OperationalError as error:
            raise DatabaseUnavailableError(f"cannot open {describe_url(engine.url)}: {first_line(error)}") from None
    return DatabaseInfo(describe_url(target), store, _file_size(path))


def latest_revision() -> str:
    return head_revision()


def _revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return current_revision(connection)
    except OperationalError as error:
        raise DatabaseUnavailableError(f"cannot open {describe_url(engine.url)}: {first_line(error)}") from None


def _file_size(path: Path | None) -> int | None:
    if path is None or not path.exists():
        return None
    return path.stat().st_size
