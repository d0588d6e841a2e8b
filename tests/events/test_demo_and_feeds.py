"""Feeds in and the demo: a birth in the National Register feed -> proposal -> webhook to the fund."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from statut.domain.errors import NotFound
from statut.domain.identifiers import Sex
from statut.services import feeds
from statut.services.events import demonstrate_birth, drain
from statut.store.unit_of_work import UnitOfWork
from tests.events.helpers import self_employed

TODAY = date(2025, 6, 2)
BIRTH = date(2025, 5, 30)


def _register(uow: UnitOfWork, *, woman_first: bool) -> dict[str, int]:
    """A small register: the persona's person (the first affiliated; with ``woman_first`` a woman of 33,
    whom statut.services.identity.demo_person prefers), a woman too old to be chosen, and a woman of
    41 of fund F102 (of an age to give birth, but older than the persona's window of 25 to 40)."""
    people: dict[str, int] = {}
    if woman_first:
        people["persona"] = self_employed(uow, sex=Sex.FEMALE, birth_date=date(1992, 3, 4), fund="F102")[1]
    else:
        people["persona"] = self_employed(uow, sex=Sex.MALE, birth_date=date(1980, 1, 2))[1]
    people["too_old"] = self_employed(uow, sex=Sex.FEMALE, birth_date=date(1970, 5, 6))[1]
    people["mother"] = self_employed(uow, sex=Sex.FEMALE, birth_date=date(1983, 7, 8), fund="F102")[1]
    return people


def test_a_birth_in_the_feed_becomes_a_proposal_and_a_signed_webhook(engine: Engine, tmp_path: Path) -> None:
    with UnitOfWork(engine) as uow:
        people = _register(uow, woman_first=False)
        uow.commit()
    demo = demonstrate_birth(engine, drop_dir=tmp_path, birth_date=BIRTH, today=TODAY, timeout=60)
    # The mother: the persona is a man, the woman too old is skipped, the woman of 41 is chosen.
    assert demo.mother.person_id == people["mother"]
    assert demo.mother.fund_code == "F102"
    assert demo.mother.persona is None
    assert demo.portal_path == f"/agent/members/{demo.mother.national_number}"
    # The feed: a file dropped in national_register/, ingested, moved to done/.
    assert demo.feed_file.parent == tmp_path / "national_register" / "done"
    assert demo.feed_record["event_type"] == "birth"
    assert demo.feed_record["national_number"] == demo.mother.national_number
    assert demo.feed_recorded == 1
    assert not list((tmp_path / "national_register").glob("*.csv"))
    # The decision: a proposal through her fund, explained by the legislation engine in four languages.
    decision = demo.decision
    assert decision.kind == "maternity_aid"
    assert decision.status == "proposed"
    assert decision.source_event_id == demo.life_event_id
    assert decision.details["birth_date"] == BIRTH.isoformat()
    assert decision.fund_code == "F102"
    assert all(decision.explanation[lang] for lang in ("fr", "nl", "de", "en"))
    assert demo.events[:2] == ["be.statut.life_event.recorded", "be.statut.decision.made"]
    # The webhook: received by the fund's endpoint, signature verified, acknowledged.
    assert demo.webhook is not None
    assert demo.webhook.signature_valid
    assert demo.webhook.answered == 204
    assert demo.webhook.event_type == "be.statut.decision.made"
    assert demo.webhook.latency_ms >= 0
    # The notices: portal at once, a letter to print, the fund's webhook delivered.
    notices = {(n.channel, n.status) for n in demo.notices}
    assert {("portal", "available"), ("letter", "pending"), ("webhook", "delivered")} <= notices
    with UnitOfWork(engine, read_only=True) as uow:
        subscription = uow.subscriptions.by_name("demo-fund-f102")
        assert subscription is not None
        assert not subscription.active  # its endpoint is gone with the demo
        assert uow.subscriptions.count("dead") == 0
    # Run again: the only mother of an age to give birth had one just now; nobody else is chosen.
    with pytest.raises(NotFound):
        demonstrate_birth(engine, drop_dir=tmp_path, birth_date=BIRTH, today=TODAY, timeout=5)


def test_the_demo_mother_is_the_self_employed_persona_when_she_can_be(engine: Engine, tmp_path: Path) -> None:
    with UnitOfWork(engine) as uow:
        people = _register(uow, woman_first=True)
        uow.commit()
    demo = demonstrate_birth(engine, drop_dir=tmp_path, birth_date=BIRTH, today=TODAY, timeout=60)
    assert demo.mother.person_id == people["persona"]
    assert demo.mother.persona == "self-employed"
    assert demo.portal_path == "/me/rights"
    assert demo.webhook is not None
    assert demo.webhook.signature_valid


def test_a_feed_file_that_cannot_be_read_is_set_aside_and_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    with UnitOfWork(engine) as uow:
        person, _ = self_employed(uow)
        uow.commit()
        before = uow.outbox.count()
    folder = tmp_path / "national_register"
    folder.mkdir()
    (folder / "a-bad.csv").write_text(
        "national_number,event_type,event_date\n"
        f"{person.number.value},birth,2025-01-02\n"
        f"{person.number.value},wedding,2025-01-03\n",
        encoding="utf-8",
    )
    [dropped] = feeds.ingest_dropped(engine, tmp_path)
    assert dropped.result is None
    assert "wedding" in (dropped.error or "")
    assert dropped.moved_to == folder / "rejected" / "a-bad.csv"
    assert "wedding" in (folder / "rejected" / "a-bad.csv.error").read_text()
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.outbox.count() == before  # the good first line was rolled back with the file


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


def test_statut_events_demo_birth_prints_each_step(engine: Engine, database_url: str) -> None:
    from typer.testing import CliRunner

    from statut.cli.events import app

    with UnitOfWork(engine) as uow:
        _register(uow, woman_first=True)
        uow.commit()
    result = CliRunner().invoke(app, ["demo-birth", "--database", database_url, "--timeout", "60"])
    assert result.exit_code == 0, result.output
    for step in ("1. mother", "2. feed", "4. decision", "5. webhook", "7. portal"):
        assert step in result.output
    assert "verified" in result.output
    assert "/me/rights" in result.output
