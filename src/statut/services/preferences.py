"""What a person chose in the portal: the language of their pages and letters.

Issue 7: the language is the person's own choice when they made one, else the browser's
Accept-Language. The choice is kept per actor (``role:subject``), so it follows the person from one
session and one device to the next; letters printed for them use it too.
"""

from __future__ import annotations

from statut.access.identity import Actor
from statut.domain.errors import DomainValidationError
from statut.store.portal import PreferenceRepository
from statut.store.portal_tables import PORTAL_LANGUAGES
from statut.store.unit_of_work import UnitOfWork


def chosen_language(uow: UnitOfWork, actor: Actor) -> str | None:
    """The language the actor chose, or None when they never chose one."""
    return PreferenceRepository(uow.connection).language(actor.key)


def choose_language(uow: UnitOfWork, actor: Actor, language: str) -> None:
    if language not in PORTAL_LANGUAGES:
        raise DomainValidationError("language", language, f"one of {', '.join(PORTAL_LANGUAGES)}")
    PreferenceRepository(uow.connection).set_language(actor.key, language, uow.clock())
