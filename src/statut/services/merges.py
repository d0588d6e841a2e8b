"""Use cases of duplicate persons: find candidate pairs with the record linkage, let a data steward
confirm or reject each, merge confirmed pairs with every fact of both kept, and undo a merge exactly.

Design (docs/architecture.md, "Merging persons"): a merge is a ``person_link`` row, absorbed ->
survivor, in record time; no fact of either person is re-pointed, superseded or rewritten. Readers
that need the whole person (a career split over two identities) read :func:`merged_facts`, which
resolves through the current links. Unmerge supersedes the link: both persons are then exactly what
they were, row for row, because nothing of theirs was ever changed. Every step is a change with
ledger entries; the entries on ``person`` entities (``person.merged``, ``person.absorbed``,
``person.unmerged``) are announced in the outbox by the announcing ledger, in the same transaction.

The survivor is the person known under an INSZ/NISS rather than a BIS number (the Belgian identity
of reference), else the one registered first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl

from statut.access.enforce import require
from statut.access.identity import Actor, Section
from statut.access.policy import Decision, decide_duplicate_review
from statut.domain.errors import Conflict, NotFound
from statut.quality.linkage import LinkageOptions, link
from statut.services.access_log import record_read
from statut.store.changes import Change
from statut.store.digest import frame_digest
from statut.store.quality_merges import (
    PersonLinkRepository,
    ReviewPairRow,
    ReviewRepository,
    current_identity,
    person_rows,
)
from statut.store.quality_snapshots import read_linkage_persons
from statut.store.unit_of_work import UnitOfWork

MAX_NOTE_LENGTH = 1000


#: Why a data steward reads the identities of a candidate pair (shown to the persons in their access log).
REVIEW_PURPOSE = "data quality: review of candidate duplicate persons"


@dataclass(frozen=True, slots=True)
class ReviewPerson:
    person_id: int
    national_number: str | None
    last_name: str | None
    first_name: str | None
    birth_date: date | None
    postal_code: str | None


@dataclass(frozen=True, slots=True)
class ReviewPairView:
    pair_id: int
    match_probability: float
    state: str
    found_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None
    merged: bool
    left: ReviewPerson
    right: ReviewPerson


@dataclass(frozen=True, slots=True)
class QueueSummary:
    candidates: int
    queued: int


def find_duplicates(
    uow: UnitOfWork, *, actor: str, options: LinkageOptions | None = None, reason: str = "duplicate persons linkage"
) -> QueueSummary:
    """Run the linkage over the register's persons (those not absorbed by a merge) and queue every
    pair at or above the threshold that the queue has never held."""
    persons = read_linkage_persons(uow.connection)
    absorbed = PersonLinkRepository(uow.connection).absorbed_persons().cast(pl.String)
    persons = persons.filter(~pl.col("record_id").is_in(absorbed.implode()))
    pairs = link(persons, options).pairs
    ids = pairs.select(
        pl.col("record_id_l").cast(pl.Int64).alias("a"),
        pl.col("record_id_r").cast(pl.Int64).alias("b"),
        "match_probability",
    ).select(
        pl.min_horizontal("a", "b").alias("person_id_l"),
        pl.max_horizontal("a", "b").alias("person_id_r"),
        "match_probability",
    )
    change = uow.record_change(actor=actor, reason=reason, source="statut quality review find")
    queued = ReviewRepository(uow.connection).add(ids, change)
    uow.ledger.record(
        change,
        action="duplicates.queued",
        entity_type="quality_review",
        entity_key=change.change_id,
        payload={
            "candidates": ids.height,
            "queued": queued,
            "pairs_sha256": frame_digest(ids.sort("person_id_l", "person_id_r")),
        },
    )
    return QueueSummary(candidates=ids.height, queued=queued)


def _pair(uow: UnitOfWork, pair_id: int) -> ReviewPairRow:
    pair = ReviewRepository(uow.connection).get(pair_id)
    if pair is None:
        raise NotFound(f"no candidate pair {pair_id}", code="statut.not_found.review_pair")
    return pair


def _note(note: str | None) -> str | None:
    text = (note or "").strip()
    return text[:MAX_NOTE_LENGTH] or None


def review_pair(uow: UnitOfWork, pair_id: int) -> ReviewPairView:
    return _views(uow, [_pair(uow, pair_id)])[0]


def review_queue(uow: UnitOfWork, *, state: str = "pending", after: int = 0, limit: int = 50) -> list[ReviewPairView]:
    return _views(uow, ReviewRepository(uow.connection).page(state, after=after, limit=limit))


def review_queue_for(
    uow: UnitOfWork, actor: Actor, *, state: str = "pending", after: int = 0, limit: int = 50
) -> list[ReviewPairView]:
    """The queue as a data steward sees it (identities shown are logged reads: :func:`_shown_to`)."""
    decision = require(decide_duplicate_review(actor))
    return _shown_to(uow, actor, decision, review_queue(uow, state=state, after=after, limit=limit))


def review_pair_for(uow: UnitOfWork, actor: Actor, pair_id: int) -> ReviewPairView:
    """One pair as a data steward sees it, e.g. after deciding it (identities shown are logged reads)."""
    decision = require(decide_duplicate_review(actor))
    return _shown_to(uow, actor, decision, [review_pair(uow, pair_id)])[0]


def _shown_to(uow: UnitOfWork, actor: Actor, decision: Decision, views: list[ReviewPairView]) -> list[ReviewPairView]:
    """Each person shown to a data steward is a read of personal data (identity), recorded in the
    access log with its purpose, like any dossier read (the person sees it)."""
    for person_id in sorted({p.person_id for view in views for p in (view.left, view.right)}):
        record_read(
            uow, actor, person_id, [Section.IDENTITY], decision, what="duplicate_review", purpose=REVIEW_PURPOSE
        )
    return views


def _views(uow: UnitOfWork, pairs: list[ReviewPairRow]) -> list[ReviewPairView]:
    people = current_identity(
        uow.connection, sorted({p for pair in pairs for p in (pair.person_id_l, pair.person_id_r)})
    )
    links = PersonLinkRepository(uow.connection)
    return [
        ReviewPairView(
            pair_id=pair.pair_id,
            match_probability=pair.match_probability,
            state=pair.state,
            found_at=pair.found_at,
            decided_at=pair.decided_at,
            decided_by=pair.decided_by,
            decision_note=pair.decision_note,
            merged=links.current_for_pair(pair.pair_id) is not None,
            left=ReviewPerson(**people[pair.person_id_l]),
            right=ReviewPerson(**people[pair.person_id_r]),
        )
        for pair in pairs
    ]


def _is_bis(number: str | None) -> bool:
    return number is not None and len(number) == 11 and number[2:4].isdigit() and int(number[2:4]) >= 20


def _survivor_first(uow: UnitOfWork, a: int, b: int) -> tuple[int, int]:
    """(survivor, absorbed): the INSZ holder over a BIS holder, else the person registered first."""
    people = current_identity(uow.connection, [a, b])
    bis_a, bis_b = _is_bis(people[a]["national_number"]), _is_bis(people[b]["national_number"])
    if bis_a != bis_b:
        return (b, a) if bis_a else (a, b)
    return (min(a, b), max(a, b))


def confirm_pair(uow: UnitOfWork, pair_id: int, *, who: str, note: str | None = None) -> int:
    """Confirm a pending pair and merge the two persons; returns the survivor's person_id."""
    pair = _pair(uow, pair_id)
    if pair.state != "pending":
        raise Conflict(f"pair {pair_id} is {pair.state}, not pending", code="statut.conflict.review_state")
    links = PersonLinkRepository(uow.connection)
    left, right = links.survivor_of(pair.person_id_l), links.survivor_of(pair.person_id_r)
    if left == right:
        raise Conflict(
            f"persons {pair.person_id_l} and {pair.person_id_r} are already one", code="statut.conflict.merged"
        )
    survivor, absorbed = _survivor_first(uow, left, right)
    change = uow.record_change(actor=who, reason=f"confirm duplicate pair {pair_id}: merge", source="quality review")
    ReviewRepository(uow.connection).decide(pair, "confirmed", change, _note(note))
    link_id = links.link(absorbed, survivor, pair_id, change)
    _ledger_merge(uow, change, "person.merged", survivor=survivor, absorbed=absorbed, link_id=link_id, pair_id=pair_id)
    return survivor


def reject_pair(uow: UnitOfWork, pair_id: int, *, who: str, note: str | None = None) -> None:
    """Two different persons: the pair leaves the queue and is not proposed again."""
    pair = _pair(uow, pair_id)
    if pair.state != "pending":
        raise Conflict(f"pair {pair_id} is {pair.state}, not pending", code="statut.conflict.review_state")
    change = uow.record_change(actor=who, reason=f"reject duplicate pair {pair_id}", source="quality review")
    ReviewRepository(uow.connection).decide(pair, "rejected", change, _note(note))
    uow.ledger.record(
        change,
        action="review.rejected",
        entity_type="quality_review_pair",
        entity_key=pair_id,
        payload={"person_ids": [pair.person_id_l, pair.person_id_r]},
    )


def unmerge_pair(uow: UnitOfWork, pair_id: int, *, who: str, note: str | None = None) -> None:
    """Undo the merge of a confirmed pair: the link is superseded, the pair becomes rejected (the
    steward now knows they are two persons), both persons are what they were before the merge."""
    pair = _pair(uow, pair_id)
    links = PersonLinkRepository(uow.connection)
    current = links.current_for_pair(pair_id)
    if pair.state != "confirmed" or current is None:
        raise Conflict(f"pair {pair_id} is not merged", code="statut.conflict.not_merged")
    if links.members(current.absorbed_person_id) != [current.absorbed_person_id]:
        raise Conflict(
            f"person {current.absorbed_person_id} absorbed others since: undo those merges first",
            code="statut.conflict.merge_order",
        )
    change = uow.record_change(actor=who, reason=f"undo the merge of pair {pair_id}", source="quality review")
    links.supersede(current, change)
    ReviewRepository(uow.connection).decide(pair, "rejected", change, _note(note) or "merge undone")
    _ledger_merge(
        uow,
        change,
        "person.unmerged",
        survivor=current.survivor_person_id,
        absorbed=current.absorbed_person_id,
        link_id=current.link_id,
        pair_id=pair_id,
    )


def _ledger_merge(
    uow: UnitOfWork, change: Change, action: str, *, survivor: int, absorbed: int, link_id: int, pair_id: int
) -> None:
    payload = {"survivor": survivor, "absorbed": absorbed, "link_id": link_id, "pair_id": pair_id}
    # One entry per person, so that each person's subscribers hear of it (outbox subject person/<id>).
    uow.ledger.record(change, action=action, entity_type="person", entity_key=survivor, payload=payload)
    uow.ledger.record(change, action=action, entity_type="person", entity_key=absorbed, payload=payload)


def confirm_pair_for(uow: UnitOfWork, actor: Actor, pair_id: int, note: str | None = None) -> int:
    require(decide_duplicate_review(actor))
    return confirm_pair(uow, pair_id, who=actor.key, note=note)


def reject_pair_for(uow: UnitOfWork, actor: Actor, pair_id: int, note: str | None = None) -> None:
    require(decide_duplicate_review(actor))
    reject_pair(uow, pair_id, who=actor.key, note=note)


def unmerge_pair_for(uow: UnitOfWork, actor: Actor, pair_id: int, note: str | None = None) -> None:
    require(decide_duplicate_review(actor))
    unmerge_pair(uow, pair_id, who=actor.key, note=note)


# -- reading a merged person ------------------------------------------------------------------------


def resolve_person(uow: UnitOfWork, person_id: int) -> int:
    """The person ``person_id`` is now: itself, or the survivor it was merged into."""
    return PersonLinkRepository(uow.connection).survivor_of(person_id)


def merged_facts(uow: UnitOfWork, person_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row of every person table for the person ``person_id`` is now (survivor and absorbed
    persons together): one career, however many identities it was recorded under."""
    links = PersonLinkRepository(uow.connection)
    return person_rows(uow.connection, links.members(links.survivor_of(person_id)))
