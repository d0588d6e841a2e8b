"""The ledger: an append-only, SHA-256 hash-chained record of every change (who, when, what, why).

Each entry's hash covers a canonical JSON document of its sequence number, record time, actor,
action, entity (type and key), reason, change, payload (the exact stored text) and the previous
entry's hash. ``ledger_head`` keeps the anchor: the sequence number and hash of the newest entry,
updated in the same transaction as every append. Appends are serialised: an append moves the head
by a compare-and-set on the head row (which locks it on PostgreSQL until the commit; SQLite has a
single writer), and a batch of entries (:meth:`Ledger.append_many`) moves it once.

What :meth:`Ledger.verify` detects, and how:

- an edited entry (any field, payload included): its recomputed hash differs from the stored one;
- an edited hash: the same mismatch, or the next entry's ``prev_hash`` no longer matches;
- a deleted entry in the middle: a gap in the sequence numbers (and a broken ``prev_hash`` link);
- deleted newest entries: the head anchor names a later entry than the last one found;
- entries inserted behind the ledger's back: the sequence or the links do not follow, or the chain
  runs past the head anchor.

Threat model, honestly: SHA-256 has no key. Someone with write access to the database who knows
the algorithm can rewrite the whole chain from some point on *and* the head, consistently; nothing
stored in the same database can detect that. The defence is an anchor kept elsewhere: publish
``statut ledger head`` regularly (a log shipped off the machine, a signed e-mail, a timestamping
service) and check it with ``statut ledger verify --expect-head SEQ:HASH``, which fails if the
entry with that number no longer has that hash. The ledger therefore protects against accidental
and unsophisticated tampering by itself, and against a database administrator once its head is
anchored outside the database. Signing heads with a key held outside the database (HMAC or an
RFC 3161 timestamp) would be the next step.

Payloads must be JSON without floats (canonical text of floats is not portable); dates, datetimes,
Decimals and enums are converted by :func:`to_json_value`. Keep personal data out of payloads: they
can never be erased. Reference the versions written (their ids) and a digest of their content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from statut.domain.errors import DomainValidationError, IntegrityViolation
from statut.store import tables as t
from statut.store.changes import Change, Clock

GENESIS_HASH = "0" * 64
HEAD_ID = 1
#: Key in ``Connection.info`` of the head this connection wrote last (a guess, checked on use).
_HEAD_GUESS = "statut.ledger.head_guess"
_HEX = frozenset("0123456789abcdef")

JsonValue = str | int | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


def _scalar_text(value: Any) -> str | None:
    """Stable text of a date, an instant or an amount; None for anything else."""
    if isinstance(value, datetime):
        return instant_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return None


def to_json_value(value: Any) -> JsonValue:
    """Convert a value to canonical-JSON-safe data (no floats, stable text for dates and amounts)."""
    if isinstance(value, float):
        raise TypeError("floats are not allowed in the ledger: give integer cents or a Decimal")
    if isinstance(value, Enum):
        value = value.value
    if value is None or isinstance(value, bool | int | str):
        return value
    text = _scalar_text(value)
    if text is not None:
        return text
    if isinstance(value, Mapping):
        return {str(key): to_json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [to_json_value(item) for item in items]
    raise TypeError(f"cannot put a {type(value).__name__} in the ledger")


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text: one text per value, so one hash per value."""
    return json.dumps(to_json_value(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def instant_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("ledger instants are UTC-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    seq: int
    recorded_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_key: str
    reason: str
    change_id: int | None
    payload: str
    prev_hash: str
    entry_hash: str

    @property
    def data(self) -> Any:
        return json.loads(self.payload)

    def computed_hash(self) -> str:
        return compute_entry_hash(
            seq=self.seq,
            recorded_at=self.recorded_at,
            actor=self.actor,
            action=self.action,
            entity_type=self.entity_type,
            entity_key=self.entity_key,
            reason=self.reason,
            change_id=self.change_id,
            payload=self.payload,
            prev_hash=self.prev_hash,
        )


def compute_entry_hash(
    *,
    seq: int,
    recorded_at: datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_key: str,
    reason: str,
    change_id: int | None,
    payload: str,
    prev_hash: str,
) -> str:
    document = {
        "seq": seq,
        "recorded_at": instant_text(recorded_at),
        "actor": actor,
        "action": action,
        "entity_type": entity_type,
        "entity_key": entity_key,
        "reason": reason,
        "change_id": change_id,
        "payload": payload,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """An entry to append (:meth:`Ledger.append_many`); the ledger numbers, chains and hashes it.

    With :meth:`Ledger.record_many`, an empty ``actor`` or ``reason`` and a missing ``change_id`` or
    ``recorded_at`` are taken from the change."""

    action: str
    entity_type: str
    entity_key: str | int
    payload: Mapping[str, Any] | None = None
    actor: str = ""
    reason: str = ""
    change_id: int | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LedgerAnchor:
    """A point of the chain: entry ``seq`` has hash ``entry_hash`` (``0:000...`` is the empty ledger)."""

    seq: int
    entry_hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.entry_hash}"

    @classmethod
    def parse(cls, raw: str, field: str = "expect_head") -> LedgerAnchor:
        seq_text, _, hash_text = raw.strip().partition(":")
        hash_text = hash_text.lower()
        if not seq_text.isdigit() or len(hash_text) != 64 or not set(hash_text) <= _HEX:
            raise DomainValidationError(field, raw, "expected SEQ:HASH, e.g. 42:9f86d081...(64 hex digits)")
        return cls(int(seq_text), hash_text)


@dataclass(frozen=True, slots=True)
class LedgerProblem:
    seq: int | None
    message: str


@dataclass(frozen=True, slots=True)
class LedgerVerification:
    entries: int
    head: LedgerAnchor
    problem: LedgerProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


#: The head's compare-and-set, built once (a statement built per call costs more than it runs).
_MOVE_HEAD = (
    update(t.ledger_head)
    .where(
        t.ledger_head.c.head_id == HEAD_ID,
        t.ledger_head.c.seq == bindparam("b_seen_seq"),
        t.ledger_head.c.entry_hash == bindparam("b_seen_hash"),
    )
    .values(seq=bindparam("b_seq"), entry_hash=bindparam("b_hash"), updated_at=bindparam("b_at"))
)


class Ledger:
    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock

    def record(
        self,
        change: Change,
        *,
        action: str,
        entity_type: str,
        entity_key: str | int,
        payload: Mapping[str, Any] | None = None,
    ) -> LedgerEntry:
        """Append an entry for a write made by ``change`` (its actor, reason and record time)."""
        return self.append(
            actor=change.actor,
            action=action,
            entity_type=entity_type,
            entity_key=entity_key,
            reason=change.reason,
            payload=payload,
            change_id=change.change_id,
            recorded_at=change.recorded_at,
        )

    def append(
        self,
        *,
        actor: str,
        action: str,
        entity_type: str,
        entity_key: str | int,
        reason: str,
        payload: Mapping[str, Any] | None = None,
        change_id: int | None = None,
        recorded_at: datetime | None = None,
    ) -> LedgerEntry:
        """Append one entry to the chain. Any capability may log here (later: reads of personal data)."""
        [entry] = self.append_many(
            [
                PendingEntry(
                    actor=actor,
                    action=action,
                    entity_type=entity_type,
                    entity_key=entity_key,
                    reason=reason,
                    payload=payload,
                    change_id=change_id,
                    recorded_at=recorded_at,
                )
            ]
        )
        return entry

    def record_many(self, change: Change, entries: Sequence[PendingEntry]) -> list[LedgerEntry]:
        """Append several entries of one change (its actor, reason, record time fill the blanks)."""
        return self.append_many(
            [
                replace(
                    entry,
                    actor=entry.actor or change.actor,
                    reason=entry.reason or change.reason,
                    change_id=change.change_id if entry.change_id is None else entry.change_id,
                    recorded_at=entry.recorded_at or change.recorded_at,
                )
                for entry in entries
            ]
        )

    def append_many(self, entries: Sequence[PendingEntry]) -> list[LedgerEntry]:
        """Append entries in order, as one link of the chain per entry, with one move of the head.

        The head is moved first, by a compare-and-set (``UPDATE ledger_head ... WHERE seq = :seen AND
        entry_hash = :seen_hash``), then the entries are inserted in one statement. The head this
        connection saw last is the guess; if another writer (or a rolled-back transaction) moved it,
        the update matches no row and the head is read again, locked. The update takes the same row
        lock as ``SELECT ... FOR UPDATE`` did (PostgreSQL re-checks the condition once the lock is
        granted), so appends stay serialised and the chain has no fork, while a writer appending
        again and again pays two statements per batch instead of three per entry.
        """
        if not entries:
            return []
        for entry in entries:
            for name, value in (("actor", entry.actor), ("action", entry.action), ("entity_type", entry.entity_type)):
                if not value or not value.strip():
                    raise DomainValidationError(name, value, "is required in a ledger entry")
        default_moment = self._clock()
        prepared = [
            (entry, entry.recorded_at or default_moment, canonical_json(entry.payload or {}), str(entry.entity_key))
            for entry in entries
        ]
        guess = self._connection.info.get(_HEAD_GUESS)
        while True:
            head = guess if guess is not None else self._locked_head()
            built = _chain(head, prepared)
            last = built[-1]
            moved = self._connection.execute(
                _MOVE_HEAD,
                {
                    "b_seen_seq": head.seq,
                    "b_seen_hash": head.entry_hash,
                    "b_seq": last.seq,
                    "b_hash": last.entry_hash,
                    "b_at": last.recorded_at,
                },
            ).rowcount
            if moved == 1:
                break
            if guess is None:  # read under lock and still moved: the database changed under us
                raise IntegrityViolation("the ledger head moved while locked: run `statut ledger verify`")
            guess = None
        self._connection.execute(
            insert(t.ledger),
            [
                {
                    "seq": e.seq,
                    "recorded_at": e.recorded_at,
                    "actor": e.actor,
                    "action": e.action,
                    "entity_type": e.entity_type,
                    "entity_key": e.entity_key,
                    "reason": e.reason,
                    "change_id": e.change_id,
                    "payload": e.payload,
                    "prev_hash": e.prev_hash,
                    "entry_hash": e.entry_hash,
                }
                for e in built
            ],
        )
        # A guess only: a rollback may undo this, and the compare-and-set above then misses and re-reads.
        self._connection.info[_HEAD_GUESS] = LedgerAnchor(last.seq, last.entry_hash)
        return [replace(e, recorded_at=e.recorded_at.astimezone(UTC)) for e in built]

    def _locked_head(self) -> LedgerAnchor:
        head = self._connection.execute(
            select(t.ledger_head.c.seq, t.ledger_head.c.entry_hash)
            .where(t.ledger_head.c.head_id == HEAD_ID)
            .with_for_update()
        ).one_or_none()
        if head is None:
            raise IntegrityViolation("the ledger head anchor is missing: run `statut ledger verify`")
        return LedgerAnchor(int(head.seq), head.entry_hash)

    def head(self) -> LedgerAnchor | None:
        row = self._connection.execute(
            select(t.ledger_head.c.seq, t.ledger_head.c.entry_hash).where(t.ledger_head.c.head_id == HEAD_ID)
        ).one_or_none()
        return None if row is None else LedgerAnchor(int(row.seq), row.entry_hash)

    def entries(self, *, after_seq: int = 0, limit: int | None = None) -> list[LedgerEntry]:
        query = select(t.ledger).where(t.ledger.c.seq > after_seq).order_by(t.ledger.c.seq)
        if limit is not None:
            query = query.limit(limit)
        return [_entry(row) for row in self._connection.execute(query)]

    def for_entity(self, entity_type: str, entity_key: str | int) -> list[LedgerEntry]:
        query = (
            select(t.ledger)
            .where(t.ledger.c.entity_type == entity_type, t.ledger.c.entity_key == str(entity_key))
            .order_by(t.ledger.c.seq)
        )
        return [_entry(row) for row in self._connection.execute(query)]

    def iterate(self, batch_size: int = 5_000) -> Iterator[LedgerEntry]:
        """Every entry in order, read in batches so that a long ledger never sits in memory."""
        after = 0
        while True:
            batch = self.entries(after_seq=after, limit=batch_size)
            if not batch:
                return
            yield from batch
            after = batch[-1].seq

    def verify(self, *, expected_head: LedgerAnchor | None = None, batch_size: int = 5_000) -> LedgerVerification:
        """Recompute the chain; report the first bad entry (see the module docstring for what is caught)."""
        walk = _ChainWalk(expected_head)
        for entry in self.iterate(batch_size):
            problem = walk.step(entry)
            if problem is not None:
                return self._failed(walk.count, problem)
        problem = walk.finish(self.head())
        if problem is not None:
            return self._failed(walk.count, problem)
        return LedgerVerification(entries=walk.count, head=LedgerAnchor(walk.last_seq, walk.prev_hash))

    def verify_or_raise(self, *, expected_head: LedgerAnchor | None = None) -> LedgerVerification:
        result = self.verify(expected_head=expected_head)
        if result.problem is not None:
            raise IntegrityViolation(f"ledger: {result.problem.message}", seq=result.problem.seq)
        return result

    def _failed(self, count: int, problem: LedgerProblem) -> LedgerVerification:
        head = self.head() or LedgerAnchor(0, GENESIS_HASH)
        return LedgerVerification(entries=count, head=head, problem=problem)


class _ChainWalk:
    """The state of a verification walking the chain entry by entry."""

    def __init__(self, expected_head: LedgerAnchor | None) -> None:
        self.expected_head = expected_head
        self.prev_hash = GENESIS_HASH
        self.count = 0
        self.anchor_hash: str | None = GENESIS_HASH if expected_head is not None and expected_head.seq == 0 else None

    @property
    def last_seq(self) -> int:
        return self.count

    def step(self, entry: LedgerEntry) -> LedgerProblem | None:
        expected = self.count + 1
        if entry.seq != expected:
            missing = (
                f"entry {expected} is" if entry.seq == expected + 1 else f"entries {expected} to {entry.seq - 1} are"
            )
            return LedgerProblem(entry.seq, f"{missing} missing (deleted?): the chain jumps to entry {entry.seq}")
        if entry.prev_hash != self.prev_hash:
            return LedgerProblem(
                entry.seq, f"entry {entry.seq} does not follow entry {entry.seq - 1}: its prev_hash does not match"
            )
        if entry.computed_hash() != entry.entry_hash:
            return LedgerProblem(
                entry.seq, f"entry {entry.seq} was altered: its content does not match its stored hash"
            )
        if self.expected_head is not None and entry.seq == self.expected_head.seq:
            self.anchor_hash = entry.entry_hash
        self.prev_hash = entry.entry_hash
        self.count += 1
        return None

    def finish(self, head: LedgerAnchor | None) -> LedgerProblem | None:
        last = self.last_seq
        if head is None:
            return LedgerProblem(None, "the ledger head anchor is missing (deleted?)")
        if head.seq > last:
            missing = f"entry {head.seq}" if head.seq == last + 1 else f"entries {last + 1} to {head.seq}"
            return LedgerProblem(
                last + 1,
                f"{missing} missing (deleted?): the head anchor says the ledger ends at {head.seq}, "
                f"the last entry is {last}",
            )
        if head.seq < last:
            return LedgerProblem(
                head.seq + 1,
                f"entry {head.seq + 1} was added behind the ledger's back: "
                f"the head anchor says the ledger ends at {head.seq}",
            )
        if head.entry_hash != self.prev_hash:
            return LedgerProblem(last, f"the head anchor does not match entry {last}: anchor or entry altered")
        return self._check_external_anchor()

    def _check_external_anchor(self) -> LedgerProblem | None:
        anchor = self.expected_head
        if anchor is None:
            return None
        if anchor.seq > self.last_seq:
            return LedgerProblem(
                anchor.seq, f"entry {anchor.seq} of the external anchor is missing: the ledger ends at {self.last_seq}"
            )
        if self.anchor_hash != anchor.entry_hash:
            return LedgerProblem(
                anchor.seq, f"entry {anchor.seq} does not have the hash of the external anchor: history rewritten"
            )
        return None


def _chain(head: LedgerAnchor, prepared: Sequence[tuple[PendingEntry, datetime, str, str]]) -> list[LedgerEntry]:
    """Number and hash entries after ``head``, each linked to the one before."""
    built: list[LedgerEntry] = []
    seq, prev_hash = head.seq, head.entry_hash
    for entry, moment, payload_text, key in prepared:
        seq += 1
        entry_hash = compute_entry_hash(
            seq=seq,
            recorded_at=moment,
            actor=entry.actor,
            action=entry.action,
            entity_type=entry.entity_type,
            entity_key=key,
            reason=entry.reason,
            change_id=entry.change_id,
            payload=payload_text,
            prev_hash=prev_hash,
        )
        built.append(
            LedgerEntry(
                seq,
                moment,
                entry.actor,
                entry.action,
                entry.entity_type,
                key,
                entry.reason,
                entry.change_id,
                payload_text,
                prev_hash,
                entry_hash,
            )
        )
        prev_hash = entry_hash
    return built


def _entry(row: Any) -> LedgerEntry:
    return LedgerEntry(
        seq=int(row.seq),
        recorded_at=row.recorded_at,
        actor=row.actor,
        action=row.action,
        entity_type=row.entity_type,
        entity_key=row.entity_key,
        reason=row.reason,
        change_id=row.change_id,
        payload=row.payload,
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
    )
