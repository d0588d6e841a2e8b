"""The ledger's batch append and its head guess: one move of the head per batch, and a head moved
behind a writer's back (another connection, a rolled-back transaction) is re-read, never forked."""

from __future__ import annotations

import itertools

from sqlalchemy import Engine

from statut.store.ledger import Ledger, PendingEntry
from statut.store.outbox import person_subject
from statut.store.unit_of_work import UnitOfWork


def test_append_many_chains_the_batch_and_moves_the_head_once(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        before = uow.ledger.head()
        assert before is not None
        written = uow.ledger.append_many(
            [PendingEntry("test.batch", "thing", i, {"i": i}, actor="test", reason="batch") for i in range(5)]
        )
        uow.commit()
    assert [e.seq for e in written] == list(range(before.seq + 1, before.seq + 6))
    assert written[0].prev_hash == before.entry_hash
    assert all(later.prev_hash == earlier.entry_hash for earlier, later in itertools.pairwise(written))
    with UnitOfWork(engine, read_only=True) as uow:
        head = uow.ledger.head()
        assert head is not None
        assert (head.seq, head.entry_hash) == (written[-1].seq, written[-1].entry_hash)
        assert uow.ledger.verify().ok


def test_a_head_moved_by_another_writer_is_read_again(engine: Engine) -> None:
    with UnitOfWork(engine) as first:
        first.ledger.append(actor="a", action="test.one", entity_type="thing", entity_key=1, reason="r")
        first.commit()
        # Another connection appends: the first connection's guess of the head is now stale.
        with engine.connect() as other:
            Ledger(other, first.clock).append(
                actor="b", action="test.two", entity_type="thing", entity_key=2, reason="r"
            )
            other.commit()
        third = first.ledger.append(actor="a", action="test.three", entity_type="thing", entity_key=3, reason="r")
        first.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        entries = uow.ledger.entries()
        assert [e.action for e in entries[-3:]] == ["test.one", "test.two", "test.three"]
        assert entries[-1].seq == third.seq
        assert uow.ledger.verify().ok


def test_a_rolled_back_append_leaves_no_fork(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        uow.ledger.append(actor="a", action="test.undone", entity_type="thing", entity_key=1, reason="r")
        uow.rollback()  # the guess now names an entry that does not exist
        kept = uow.ledger.append(actor="a", action="test.kept", entity_type="thing", entity_key=1, reason="r")
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.ledger.entries()[-1].entry_hash == kept.entry_hash
        assert "test.undone" not in {e.action for e in uow.ledger.entries()}
        assert uow.ledger.verify().ok


def test_record_many_announces_each_entry_in_the_ledgers_order(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        change = uow.record_change(actor="test", reason="batch of facts")
        written = uow.ledger.record_many(  # type: ignore[attr-defined]
            change,
            [
                PendingEntry("test.fact", "person", 7, {"n": 1}),
                PendingEntry("table.loaded", "table", "person", {"rows": 3}),  # covered by a summary: silent
                PendingEntry("test.fact", "person", 7, {"n": 2}),
            ],
        )
        uow.commit()
        events = uow.outbox.for_subject(person_subject(7))
    assert [e.actor for e in written] == ["test"] * 3
    assert [e.sequence for e in events] == [written[0].seq, written[2].seq]
    assert [e.data["n"] for e in events] == [1, 2]
    assert all(e.change_id == change.change_id for e in events)
