"""The ledger: append-only, hash-chained; any edit or deletion of a past entry is detected."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Connection, delete, insert, select, update

from statut.domain.entities import Capacity
from statut.domain.errors import DomainValidationError, IntegrityViolation
from statut.store import tables as t
from statut.store.ledger import GENESIS_HASH, LedgerAnchor, canonical_json
from statut.store.unit_of_work import UnitOfWork


def _append(uow: UnitOfWork, count: int) -> None:
    change = uow.record_change(actor="test", reason="ledger entries")
    for number in range(count):
        uow.ledger.record(change, action="test.written", entity_type="person", entity_key=number, payload={"n": number})


@pytest.fixture
def ledger(uow: UnitOfWork) -> UnitOfWork:
    _append(uow, 5)
    assert uow.ledger.verify().ok
    return uow


def _last_seq(connection: Connection) -> int:
    return int(connection.execute(select(t.ledger_head.c.seq)).scalar_one())


def test_an_intact_ledger_verifies(ledger: UnitOfWork) -> None:
    result = ledger.ledger.verify()
    head = ledger.ledger.head()
    assert result.ok
    assert result.problem is None
    assert result.head == head
    assert result.entries == head.seq
    entries = ledger.ledger.entries()
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.entry_hash for earlier, later in itertools.pairwise(entries))
    assert ledger.ledger.verify(expected_head=head).ok


def test_an_edited_payload_is_detected(ledger: UnitOfWork) -> None:
    seq = _last_seq(ledger.connection) - 2
    ledger.connection.execute(update(t.ledger).where(t.ledger.c.seq == seq).values(payload='{"n":999}'))
    problem = ledger.ledger.verify().problem
    assert problem is not None
    assert problem.seq == seq
    assert f"entry {seq} was altered" in problem.message


@pytest.mark.parametrize("column", ["actor", "reason", "action", "entity_key"])
def test_any_edited_field_is_detected(ledger: UnitOfWork, column: str) -> None:
    seq = _last_seq(ledger.connection) - 1
    ledger.connection.execute(update(t.ledger).where(t.ledger.c.seq == seq).values({column: "forged"}))
    assert ledger.ledger.verify().problem.seq == seq  # type: ignore[union-attr]


def test_an_edited_time_is_detected(ledger: UnitOfWork) -> None:
    seq = _last_seq(ledger.connection) - 1
    ledger.connection.execute(
        update(t.ledger).where(t.ledger.c.seq == seq).values(recorded_at=datetime(2001, 1, 1, tzinfo=UTC))
    )
    assert ledger.ledger.verify().problem.seq == seq  # type: ignore[union-attr]


def test_an_edited_hash_is_detected(ledger: UnitOfWork) -> None:
    seq = _last_seq(ledger.connection) - 3
    ledger.connection.execute(update(t.ledger).where(t.ledger.c.seq == seq).values(entry_hash="f" * 64))
    problem = ledger.ledger.verify().problem
    assert problem is not None
    assert problem.seq == seq


def test_a_deleted_entry_in_the_middle_is_detected(ledger: UnitOfWork) -> None:
    seq = _last_seq(ledger.connection) - 2
    ledger.connection.execute(delete(t.ledger).where(t.ledger.c.seq == seq))
    problem = ledger.ledger.verify().problem
    assert problem is not None
    assert problem.seq == seq + 1
    assert f"entry {seq} is missing" in problem.message


def test_a_deleted_last_entry_is_detected(ledger: UnitOfWork) -> None:
    seq = _last_seq(ledger.connection)
    ledger.connection.execute(delete(t.ledger).where(t.ledger.c.seq == seq))
    problem = ledger.ledger.verify().problem
    assert problem is not None
    assert problem.seq == seq
    assert f"entry {seq} missing" in problem.message
    assert "head anchor" in problem.message


def test_deleted_newest_entries_are_detected(ledger: UnitOfWork) -> None:
    seq = _last_seq(ledger.connection)
    ledger.connection.execute(delete(t.ledger).where(t.ledger.c.seq >= seq - 2))
    problem = ledger.ledger.verify().problem
    assert problem is not None
    assert f"entries {seq - 2} to {seq} missing" in problem.message


def test_a_deleted_head_anchor_is_detected(ledger: UnitOfWork) -> None:
    ledger.connection.execute(delete(t.ledger_head))
    assert "head anchor is missing" in ledger.ledger.verify().problem.message  # type: ignore[union-attr]
    with pytest.raises(IntegrityViolation, match="head anchor is missing"):
        _append(ledger, 1)


def test_an_entry_added_behind_the_ledgers_back_is_detected(ledger: UnitOfWork) -> None:
    last = ledger.ledger.entries()[-1]
    ledger.connection.execute(
        insert(t.ledger).values(
            seq=last.seq + 1,
            recorded_at=last.recorded_at,
            actor="intruder",
            action="x",
            entity_type="person",
            entity_key="1",
            reason="x",
            payload="{}",
            prev_hash=last.entry_hash,
            entry_hash="0" * 64,
        )
    )
    problem = ledger.ledger.verify().problem
    assert problem is not None
    assert problem.seq == last.seq + 1


def test_a_rewritten_history_is_caught_by_an_external_anchor(ledger: UnitOfWork) -> None:
    anchor = ledger.ledger.head()
    assert anchor is not None
    # Someone who knows the algorithm deletes the last entry and rewrites the head consistently.
    entries = ledger.ledger.entries()
    ledger.connection.execute(delete(t.ledger).where(t.ledger.c.seq == anchor.seq))
    ledger.connection.execute(update(t.ledger_head).values(seq=anchor.seq - 1, entry_hash=entries[-2].entry_hash))
    assert ledger.ledger.verify().ok  # undetectable from inside the database...
    problem = ledger.ledger.verify(expected_head=anchor).problem  # ...but not against an anchor kept outside
    assert problem is not None
    assert problem.seq == anchor.seq
    assert LedgerAnchor.parse(str(anchor)) == anchor


def test_verify_or_raise_names_the_entry(ledger: UnitOfWork) -> None:
    seq = _last_seq(ledger.connection) - 1
    ledger.connection.execute(update(t.ledger).where(t.ledger.c.seq == seq).values(payload="{}"))
    with pytest.raises(IntegrityViolation, match=f"entry {seq}"):
        ledger.ledger.verify_or_raise()


def test_payloads_are_canonical_and_refuse_floats() -> None:
    assert canonical_json({"b": 1, "a": [date(2024, 1, 1), Decimal("1.50"), Capacity.MAIN]}) == (
        '{"a":["2024-01-01","1.50","main"],"b":1}'
    )
    with pytest.raises(TypeError, match="floats"):
        canonical_json({"amount": 1.5})


def test_every_entry_needs_an_actor_and_an_action(uow: UnitOfWork) -> None:
    with pytest.raises(DomainValidationError, match="actor"):
        uow.ledger.append(actor=" ", action="x", entity_type="person", entity_key=1, reason="r")


def test_anchors_are_parsed_strictly() -> None:
    with pytest.raises(DomainValidationError, match="SEQ:HASH"):
        LedgerAnchor.parse("12:xyz")


def test_the_ledger_verifies_in_batches(ledger: UnitOfWork) -> None:
    _append(ledger, 7)
    assert ledger.ledger.verify(batch_size=2).ok
    assert len(list(ledger.ledger.iterate(batch_size=3))) == _last_seq(ledger.connection)
