"""``statut events replay --since DATE`` rebuilds the decisions from the outbox; equal to the live state."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from statut.domain.entities import LifeEventType
from statut.domain.identifiers import Sex
from statut.services import decisions
from statut.services.events import drain, projection_state, replay
from statut.store.unit_of_work import UnitOfWork
from tests.events.helpers import life_event, self_employed


def test_replay_rebuilds_the_live_projection(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        mother, _ = self_employed(uow)
        life_event(uow, mother, LifeEventType.BIRTH, date(2024, 3, 1), child_at_mother_address="yes")
        father, _ = self_employed(uow, sex=Sex.MALE)
        life_event(uow, father, LifeEventType.BIRTH, date(2024, 3, 1))
        bankrupt, _ = self_employed(uow)
        life_event(uow, bankrupt, LifeEventType.BANKRUPTCY, date(2024, 4, 1))
        deceased, _ = self_employed(uow)
        life_event(uow, deceased, LifeEventType.DEATH, date(2024, 5, 1))
        uow.commit()
    drain(engine)
    with UnitOfWork(engine) as uow:
        proposal = next(d for d in uow.decisions.all() if d.status == "proposed")
        decisions.confirm_maternity_aid(uow, proposal.decision_id or 0, actor="mother")
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        live = projection_state(uow)
    assert len(live) == 4
    with UnitOfWork(engine) as uow:
        result = replay(uow, date(2000, 1, 1))
        uow.commit()
    assert result.decisions_removed == 4
    assert result.events == 5
    with UnitOfWork(engine, read_only=True) as uow:
        assert projection_state(uow) == live
