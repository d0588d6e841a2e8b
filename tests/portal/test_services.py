"""The services the portal adds (sessions, preferences, self-service), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from statut.access.errors import AccessDenied
from statut.access.identity import Actor, Role, Section
from statut.access.policy import Action, decide_own
from statut.domain.errors import DomainValidationError, NotFound
from statut.services.identity import build_access
from statut.services.mandates import MandateTerms, grant_mandate
from statut.services.portal_sessions import (
    SESSION_LIFETIME,
    DevelopmentLoginRefused,
    end_session,
    resolve_session,
    start_persona_session,
    start_token_session,
)
from statut.services.preferences import choose_language, chosen_language
from statut.services.self_service import answer_maternity_proposal, decisions_about, represented_people
from statut.settings import Settings
from statut.store.unit_of_work import UnitOfWork
from tests.factories import FakeClock
from tests.portal.world import PortalWorld, populate


def citizen(world: PortalWorld, name: str) -> Actor:
    return Actor(subject=f"test:{name}", role=Role.CITIZEN, national_number=world.number(name))


@pytest.fixture
def world(engine: Engine) -> PortalWorld:
    return populate(engine)


def test_a_session_is_the_tokens_actor_until_it_ends_or_expires(
    engine: Engine, world: PortalWorld, tmp_path: Path
) -> None:
    access = build_access(Settings(data_dir=tmp_path))
    clock = FakeClock()
    with UnitOfWork(engine, clock=clock) as uow:
        session_id, actor = start_persona_session(uow, access, "self-employed")
        uow.commit()
        assert actor.national_number == world.number("sofie")
        assert resolve_session(uow, session_id) == actor  # the same Actor the API builds from the token
        assert resolve_session(uow, session_id + "x") is None
        assert resolve_session(uow, "") is None
        clock.advance(seconds=SESSION_LIFETIME.total_seconds() + 1)
        assert resolve_session(uow, session_id) is None  # expired
    with UnitOfWork(engine, clock=FakeClock()) as uow:
        other, _ = start_token_session(uow, access, access.dev_issuer.issue({"sub": "a", "statut_role": "analyst"}))  # type: ignore[union-attr]
        assert resolve_session(uow, other) is not None
        assert end_session(uow, other)
        assert resolve_session(uow, other) is None
        assert not end_session(uow, other)  # ending twice changes nothing


def test_the_persona_sign_in_is_refused_with_a_real_issuer(engine: Engine, world: PortalWorld, tmp_path: Path) -> None:
    access = build_access(Settings(data_dir=tmp_path, oidc_issuer="https://id.example.invalid"))
    with UnitOfWork(engine) as uow, pytest.raises(DevelopmentLoginRefused):
        start_persona_session(uow, access, "self-employed")


def test_the_language_choice_is_kept_per_actor(engine: Engine, world: PortalWorld) -> None:
    sofie = citizen(world, "sofie")
    with UnitOfWork(engine) as uow:
        assert chosen_language(uow, sofie) is None
        choose_language(uow, sofie, "nl")
        choose_language(uow, sofie, "de")
        with pytest.raises(DomainValidationError):
            choose_language(uow, sofie, "xx")
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        assert chosen_language(uow, sofie) == "de"
        assert chosen_language(uow, citizen(world, "lena")) is None


def test_only_the_mother_answers_and_only_once(engine: Engine, world: PortalWorld) -> None:
    decision = world.maternity_decision_id
    agent = Actor(subject="agent", role=Role.FUND_AGENT, fund_code="F101")
    assert not decide_own(agent, Action.ANSWER_OWN_PROPOSAL).allowed
    with UnitOfWork(engine) as uow:
        with pytest.raises(NotFound):
            answer_maternity_proposal(uow, citizen(world, "lena"), decision, wants_vouchers=True)
        with pytest.raises(AccessDenied):
            answer_maternity_proposal(uow, agent, decision, wants_vouchers=True)
        with pytest.raises(NotFound):
            answer_maternity_proposal(uow, citizen(world, "sofie"), -1, wants_vouchers=True)
        answered = answer_maternity_proposal(uow, citizen(world, "sofie"), decision, wants_vouchers=False)
        assert answered.status == "declined"
        uow.commit()


def test_decisions_follow_the_mandates_scope_and_are_logged(engine: Engine, world: PortalWorld) -> None:
    sofie, lena = citizen(world, "sofie"), citizen(world, "lena")
    with UnitOfWork(engine) as uow:
        with pytest.raises(NotFound):  # no mandate: concealed as "not found"
            decisions_about(uow, lena, world.number("sofie"), lang="en")
        grant_mandate(uow, sofie, MandateTerms(world.number("lena"), "Lena", "family", frozenset({Section.CAREER})))
        assert decisions_about(uow, lena, world.number("sofie"), lang="en") is None  # rights not in scope
        grant_mandate(uow, sofie, MandateTerms(world.number("lena"), "Lena", "family", frozenset({Section.RIGHTS})))
        seen = decisions_about(uow, lena, world.number("sofie"), lang="nl")
        assert seen is not None
        [maternity] = seen
        assert maternity.kind == "maternity_aid"
        assert not maternity.answerable  # a mandatary reads, never answers
        assert maternity.explanation  # in Dutch, from the decision's stored explanation
        [own] = decisions_about(uow, sofie, world.number("sofie"), lang="fr") or []
        assert own.answerable
        assert len(represented_people(uow, lena)) == 2
        reads = uow.access_log.for_person(uow.persons.require_id(world.number("sofie")), before_seq=None, limit=10)
        assert any(entry.details.get("what") == "decisions" for entry in reads)
