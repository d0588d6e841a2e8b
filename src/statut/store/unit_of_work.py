"""The unit of work: one connection, one transaction, the repositories that work inside it.

Opened by the entry point (CLI command, HTTP request, job), which alone decides to commit::

    with UnitOfWork(engine) as uow:
        summary = load_population(uow, population, actor="cli", reason="initial load")
        uow.commit()

Services receive the unit of work and only execute statements; leaving the ``with`` block without
``commit()`` (an exception, or a service that changed its mind) rolls everything back, so a failure
never leaves the register half-written. After ``commit()`` the unit of work can go on: a new
transaction begins with the next statement.

A unit of work can also join a connection that is already in a transaction (test fixtures do, to
roll back each test): it then works inside a savepoint, and ``commit()`` releases the savepoint.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, NestedTransaction
from sqlalchemy.exc import OperationalError

from statut.store.access_log import AccessLogRepository
from statut.store.affiliations import AffiliationRepository
from statut.store.batches import BatchRepository, FundRecordRepository
from statut.store.bulk import BulkWriter
from statut.store.careers import CareerRepository
from statut.store.changes import Change, ChangeRepository, Clock, utc_now
from statut.store.contributions import ContributionRepository
from statut.store.decisions import DecisionRepository
from statut.store.engine import SQLITE_BEGIN_OPTION, describe_url, first_line
from statut.store.enterprises import EnterpriseRepository
from statut.store.errors import DatabaseUnavailableError, UnitOfWorkError
from statut.store.funds import FundRepository
from statut.store.ids import IdAllocator
from statut.store.incomes import IncomeRepository
from statut.store.ledger import Ledger
from statut.store.life_events import LifeEventRepository
from statut.store.mandates import MandateRepository
from statut.store.members import MemberRepository
from statut.store.outbox import AnnouncingLedger, OutboxRepository
from statut.store.payments import PaymentRepository
from statut.store.persons import PersonRepository
from statut.store.quarantine import QuarantineRepository
from statut.store.subscriptions import SubscriptionRepository


class UnitOfWork:
    """One transaction on the register. Not thread-safe: one unit of work per request or job."""

    changes: ChangeRepository
    ledger: Ledger
    funds: FundRepository
    persons: PersonRepository
    affiliations: AffiliationRepository
    incomes: IncomeRepository
    contributions: ContributionRepository
    payments: PaymentRepository
    careers: CareerRepository
    life_events: LifeEventRepository
    enterprises: EnterpriseRepository
    bulk: BulkWriter
    mandates: MandateRepository
    members: MemberRepository
    access_log: AccessLogRepository
    outbox: OutboxRepository
    decisions: DecisionRepository
    subscriptions: SubscriptionRepository
    batches: BatchRepository
    fund_records: FundRecordRepository
    quarantine: QuarantineRepository

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        connection: Connection | None = None,
        read_only: bool = False,
        clock: Clock = utc_now,
    ) -> None:
        if (engine is None) == (connection is None):
            raise UnitOfWorkError("a unit of work needs an engine or a connection, not both")
        self._engine = engine
        self._joined = connection
        self._connection: Connection | None = None
        self._savepoint: NestedTransaction | None = None
        self.read_only = read_only
        self.clock = clock

    # -- lifecycle --------------------------------------------------------------------------------

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise UnitOfWorkError("this unit of work is already open")
        if self._joined is not None:
            self._connection = self._joined
            self._savepoint = self._joined.begin_nested()
        else:
            assert self._engine is not None
            try:
                connection = self._engine.connect()
            except OperationalError as error:
                raise DatabaseUnavailableError(
                    f"cannot open {describe_url(self._engine.url)}: {first_line(error)}"
                ) from None
            if connection.dialect.name == "sqlite":
                connection.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED" if self.read_only else "IMMEDIATE"})
            elif self.read_only and connection.dialect.name == "postgresql":
                connection.execution_options(postgresql_readonly=True)
            # The transaction begins with the first statement (SQLAlchemy's autobegin), so an open
            # but idle unit of work holds no lock.
            self._connection = connection
        self._build_repositories(self._connection)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            self._rollback(reopen=False)
        finally:
            if self._joined is None and self._connection is not None:
                self._connection.close()
            self._connection = None
            self._savepoint = None

    def commit(self) -> None:
        """Make everything done since the last commit durable; the next statement begins anew."""
        if self.read_only:
            raise UnitOfWorkError("a read-only unit of work cannot commit")
        connection = self.connection
        if self._joined is not None:
            if self._savepoint is None or not self._savepoint.is_active:
                raise UnitOfWorkError("the savepoint of this unit of work is no longer active")
            self._savepoint.commit()
            self._savepoint = connection.begin_nested()
        else:
            connection.commit()

    def rollback(self) -> None:
        """Forget everything done since the last commit."""
        self._rollback(reopen=True)

    def _rollback(self, *, reopen: bool) -> None:
        if self._connection is None:
            return
        if self._joined is None:
            self._connection.rollback()
            return
        if self._savepoint is not None and self._savepoint.is_active:
            self._savepoint.rollback()
        self._savepoint = self._connection.begin_nested() if reopen else None

    # -- access -----------------------------------------------------------------------------------

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise UnitOfWorkError("the unit of work is not open: use it in a `with` block")
        return self._connection

    @property
    def dialect(self) -> str:
        return self.connection.dialect.name

    def record_change(self, *, actor: str, reason: str, source: str = "") -> Change:
        """Open a change (who, why, from where) that the following writes reference."""
        if self.read_only:
            raise UnitOfWorkError("a read-only unit of work cannot record changes")
        return self.changes.record(actor=actor, reason=reason, source=source)

    # -- internals --------------------------------------------------------------------------------

    def _build_repositories(self, connection: Connection) -> None:
        ids = IdAllocator(connection)
        self.changes = ChangeRepository(connection, self.clock)
        # Every ledger entry of a change also goes to the outbox, in this transaction (statut.store.outbox).
        self.outbox = OutboxRepository(connection, self.clock)
        self.ledger = AnnouncingLedger(connection, self.clock, self.outbox)
        self.funds = FundRepository(connection, self.ledger)
        self.persons = PersonRepository(connection, self.ledger, ids)
        self.affiliations = AffiliationRepository(connection, self.ledger, self.persons, self.funds, ids)
        self.incomes = IncomeRepository(connection, self.ledger, self.persons)
        self.contributions = ContributionRepository(connection, self.ledger, self.persons, self.funds)
        self.payments = PaymentRepository(connection, self.ledger, self.persons, self.funds)
        self.careers = CareerRepository(connection, self.ledger, self.persons)
        self.life_events = LifeEventRepository(connection, self.ledger, self.persons)
        self.enterprises = EnterpriseRepository(connection, self.ledger)
        self.bulk = BulkWriter(connection, ids)
        self.mandates = MandateRepository(connection, self.ledger)
        self.members = MemberRepository(connection)
        self.access_log = AccessLogRepository(connection)
        self.decisions = DecisionRepository(connection, self.ledger)
        self.subscriptions = SubscriptionRepository(connection, self.clock)
        self.batches = BatchRepository(connection)
        self.fund_records = FundRecordRepository(connection)
        self.quarantine = QuarantineRepository(connection)
