"""Use cases, one module per capability. Entry points (CLI, API, portal, jobs) call them.

The entry point opens the unit of work and decides to commit; a service receives it and only
executes (``register.load_population(uow, ...)``, ``corrections.correct_person(uow, ...)``). So a
failure anywhere rolls the whole unit of work back and nothing is half-written.

For entry points, which never import SQLAlchemy, this package re-exports what they need to open
one: :func:`open_engine` and :class:`UnitOfWork`.
"""

from statut.services.database import open_engine
from statut.store.unit_of_work import UnitOfWork

__all__ = ["UnitOfWork", "open_engine"]
