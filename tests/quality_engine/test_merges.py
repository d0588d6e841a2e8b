"""Duplicate persons: the linkage fills the review queue, a steward confirms (merge) or rejects, and an
unmerge restores both persons exactly: every row of both, and both dossiers, compared before the merge
and after its undoing. On SQLite and PostgreSQL (the ``uow`` fixture)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from statut.domain.errors import Conflict
from statut.domain.identifiers import Sex
from statut.exchange.format import RecordType
from statut.quality.linkage import LinkageOptions
from statut.services.merges import (
    confirm_pair,
    find_duplicates,
    merged_facts,
    reject_pair,
    resolve_person,
    review_queue,
    unmerge_pair,
)
from statut.services.register import load_population
from statut.store.changes import Change
from statut.store.quality_merges import PersonLinkRepository, ReviewRepository, person_rows
from statut.store.unit_of_work import UnitOfWork
from tests.factories import national_number, population_frames

TODAY = date(2025, 6, 16)


def _load(uow: UnitOfWork, people: int, seed: int) -> dict[RecordType, pl.DataFrame]:
    frames = population_frames(people, seed=seed)
    load_population(uow, frames, actor="test", reason="load", source="factories", today=TODAY)
    return frames


def _person_ids(uow: UnitOfWork, numbers: list[str]) -> list[int]:
    found = [uow.persons.find_id(number) for number in numbers]
    assert all(found)
    return [int(p) for p in found if p is not None]


def _queue(uow: UnitOfWork, a: int, b: int, probability: float = 0.97) -> int:
    change: Change = uow.record_change(actor="test", reason="queue a pair")
    pairs = pl.DataFrame({"person_id_l": [min(a, b)], "person_id_r": [max(a, b)], "match_probability": [probability]})
    assert ReviewRepository(uow.connection).add(pairs, change) == 1
    return review_queue(uow)[-1].pair_id


def _everything(uow: UnitOfWork, a: int, b: int) -> dict[str, Any]:
    return {
        "rows": {p: person_rows(uow.connection, [p]) for p in (a, b)},
        "dossiers": {p: merged_facts(uow, p) for p in (a, b)},
        "persons": {p: uow.persons.get(p) for p in (a, b)},
        "histories": {p: uow.persons.history(p) for p in (a, b)},
    }


def test_merge_keeps_every_fact_and_unmerge_restores_both_exactly(uow: UnitOfWork) -> None:
    frames = _load(uow, 6, seed=21)
    numbers = frames[RecordType.PERSON].get_column("national_number").to_list()
    a, b = _person_ids(uow, numbers[:2])
    before = _everything(uow, a, b)
    assert before["rows"][a]["contribution"]
    assert before["rows"][b]["contribution"]
    pair_id = _queue(uow, a, b)

    survivor = confirm_pair(uow, pair_id, who="steward", note="same person, BIS and INSZ")
    absorbed = b if survivor == a else a
    assert resolve_person(uow, absorbed) == survivor
    assert resolve_person(uow, survivor) == survivor
    merged = merged_facts(uow, absorbed)
    assert merged == merged_facts(uow, survivor)
    for table, rows in merged.items():
        expected = before["rows"][a][table] + before["rows"][b][table]
        assert sorted(map(repr, rows)) == sorted(map(repr, expected)), table
    # No fact of either person changed: the merge is a link only.
    assert {p: person_rows(uow.connection, [p]) for p in (a, b)} == before["rows"]
    assert review_queue(uow, state="confirmed")[0].merged
    with pytest.raises(Conflict):
        confirm_pair(uow, pair_id, who="steward")

    unmerge_pair(uow, pair_id, who="steward", note="two brothers after all")
    after = _everything(uow, a, b)
    assert after == before
    assert resolve_person(uow, absorbed) == absorbed
    undone = review_queue(uow, state="rejected")[0]
    assert undone.pair_id == pair_id
    assert not undone.merged
    with pytest.raises(Conflict):
        unmerge_pair(uow, pair_id, who="steward")
    # Every step is in the ledger, announced for both persons.
    for person in (a, b):
        actions = [e.action for e in uow.ledger.for_entity("person", person)]
        assert actions[-2:] == ["person.merged", "person.unmerged"]
        types = [e.event_type for e in uow.outbox.for_subject(f"person/{person}")]
        assert types[-2:] == ["be.statut.person.merged", "be.statut.person.unmerged"]
    history = PersonLinkRepository(uow.connection).history(absorbed)
    assert len(history) == 1
    assert history[0].superseded_at is not None


def test_merges_chain_and_must_be_undone_in_order(uow: UnitOfWork) -> None:
    frames = _load(uow, 5, seed=22)
    a, b, c = _person_ids(uow, frames[RecordType.PERSON].get_column("national_number").to_list()[:3])
    first = _queue(uow, a, b)
    second = _queue(uow, b, c)
    survivor = confirm_pair(uow, first, who="steward")
    final = confirm_pair(uow, second, who="steward")
    assert {resolve_person(uow, p) for p in (a, b, c)} == {final}
    assert len(merged_facts(uow, a)["person"]) == 3
    if survivor != final:
        # the first survivor was absorbed later: its own merge cannot be undone before the later one
        with pytest.raises(Conflict):
            unmerge_pair(uow, first, who="steward")
    unmerge_pair(uow, second, who="steward")
    unmerge_pair(uow, first, who="steward")
    assert {resolve_person(uow, p) for p in (a, b, c)} == {a, b, c}


def test_rejected_pairs_are_not_proposed_again(uow: UnitOfWork) -> None:
    frames = _load(uow, 4, seed=23)
    a, b = _person_ids(uow, frames[RecordType.PERSON].get_column("national_number").to_list()[:2])
    pair_id = _queue(uow, a, b)
    reject_pair(uow, pair_id, who="steward", note="different mothers")
    assert review_queue(uow) == []
    change = uow.record_change(actor="test", reason="again")
    again = pl.DataFrame({"person_id_l": [min(a, b)], "person_id_r": [max(a, b)], "match_probability": [0.99]})
    assert ReviewRepository(uow.connection).add(again, change) == 0
    with pytest.raises(Conflict):
        confirm_pair(uow, pair_id, who="steward")
    assert [e.action for e in uow.ledger.for_entity("quality_review_pair", pair_id)] == ["review.rejected"]


def test_linkage_queues_the_planted_duplicates(uow: UnitOfWork) -> None:
    """Second identities (a typo in the first name, a new number) of a few people of the register: the
    linkage over the register queues exactly them."""
    frames = _load(uow, 600, seed=24)
    people = frames[RecordType.PERSON]
    originals = people.head(6)
    copies = originals.with_columns(
        # a typing error: the second and third letters swapped
        pl.concat_str(pl.col("first_name").str.slice(i, 1) for i in (0, 2, 1)) + pl.col("first_name").str.slice(3),
        pl.Series(
            "national_number",
            [
                national_number(row["birth_date"], Sex(row["sex"]), counter=900 + i)
                for i, row in enumerate(originals.iter_rows(named=True))
            ],
        ),
        (pl.col("person_key") + 10_000).alias("person_key"),
        pl.format("DUP{}", pl.col("record_id")).alias("record_id"),
    )
    load_population(
        uow,
        {RecordType.PERSON: copies},
        actor="test",
        reason="second identities",
        source="factories",
        today=TODAY,
    )
    summary = find_duplicates(uow, actor="steward", options=LinkageOptions(threshold=0.9))
    queued = {
        frozenset((pair.left.national_number, pair.right.national_number)) for pair in review_queue(uow, limit=100)
    }
    planted = {
        frozenset(pair)
        for pair in zip(originals.get_column("national_number"), copies.get_column("national_number"), strict=True)
    }
    assert planted <= queued
    assert len(queued - planted) <= 1
    assert summary.queued == len(queued)
    # Run again: nothing new.
    assert find_duplicates(uow, actor="steward").queued == 0
