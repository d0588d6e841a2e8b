"""Feeds in and the demo: a birth in the National Register feed -> proposal -> webhook to the fund."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from statut.events.signing import SIGNATURE_HEADER, verify
from statut.services import feeds
from statut.services.events import demonstrate_birth, drain
from statut.store.unit_of_work import UnitOfWork
from tests.events.helpers import self_employed


def test_demonstrate_birth(engine: Engine) -> None:
    demo = demonstrate_birth(engine, birth_date=date(2025, 2, 3))
    assert demo.decision.status == "proposed"
    assert demo.decision.fund_code == "F101"
    assert "be.statut.life_event.recorded" in demo.events
    assert "be.statut.decision.made" in demo.events
    [hook] = demo.webhooks
    assert hook["type"] == "be.statut.decision.made"
    assert '"maternity_aid"' in hook["body"]
    with UnitOfWork(engine, read_only=True) as uow:
        secret = uow.subscriptions.by_name("demo-fund-f101").secret  # type: ignore[union-attr]
    assert verify(secret, hook["body"].encode(), hook["headers"][SIGNATURE_HEADER])


def test_feed_files_become_changes_once(engine: Engine, tmp_path: Path) -> None:
    with UnitOfWork(engine) as uow:
        for _ in range(6):
            self_employed(uow)
        uow.commit()
    results = {}
    for kind in ("national_register", "tax_authority", "enterprise_register"):
        path = tmp_path / f"{kind}.csv"
        with UnitOfWork(engine, read_only=True) as uow:
            assert feeds.write_synthetic_feed(uow, kind, path, count=4, seed=1, today=date(2025, 6, 1)) == 4
        with UnitOfWork(engine) as uow:
            results[kind] = feeds.ingest_file(uow, kind, path)
            again = feeds.ingest_file(uow, kind, path)
            uow.commit()
        assert results[kind].recorded > 0
        assert again.recorded == 0
    stats = drain(engine)
    assert stats.dead == 0
    with UnitOfWork(engine, read_only=True) as uow:
        kinds = {d.kind for d in uow.decisions.all()}
    assert "final_contributions" in kinds or "bridging_right" in kinds
