"""Feeds in: facts from the National Register, the tax authority and the enterprise register become
changes of the register (one change per file, with the feed as source), and so events.

A fact about a person the register does not know is skipped (counted); a fact already recorded (the
same life event type and date, the same income) is skipped too, so a file dropped twice changes nothing.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select

from statut.domain.entities import IncomeSource, IncomeStatus, LifeEvent, ProfessionalIncome
from statut.domain.errors import DomainValidationError, StatutError
from statut.events import feeds as adapters
from statut.events import synthetic_feeds as synthetic
from statut.store import tables as t
from statut.store.changes import Change
from statut.store.unit_of_work import UnitOfWork


@dataclass
class FeedResult:
    kind: str
    recorded: int = 0
    skipped: int = 0
    unknown_people: list[str] = field(default_factory=list)


def ingest_file(uow: UnitOfWork, kind: str, source: Path | str | bytes, *, actor: str = "feed") -> FeedResult:
    if kind not in adapters.KINDS:
        raise DomainValidationError("kind", kind, f"one of {', '.join(adapters.KINDS)} expected")
    change = uow.record_change(actor=actor, reason=f"{kind.replace('_', ' ')} feed", source=f"feed:{kind}")
    result = FeedResult(kind)
    if kind == "tax_authority":
        for income in adapters.tax_authority(source):
            _income(uow, income, change, result)
        return result
    facts = adapters.national_register(source) if kind == "national_register" else adapters.enterprise_register(source)
    for fact in facts:
        _life_event(uow, fact, change, result)
    return result


# -- the file-drop adapter -------------------------------------------------------------------------

DONE_DIR = "done"
REJECTED_DIR = "rejected"


@dataclass(frozen=True)
class DroppedFile:
    """What became of one file dropped in a feed directory."""

    kind: str
    name: str
    moved_to: Path
    result: FeedResult | None = None
    error: str | None = None


def ingest_dropped(engine: Engine, directory: Path, *, actor_prefix: str = "feed") -> list[DroppedFile]:
    """Ingest the CSV files the authentic sources dropped in ``directory/<kind>/`` (one sub-directory
    per feed: national_register, tax_authority, enterprise_register), oldest name first, each in its
    own transaction. An ingested file moves to ``<kind>/done/``; a file that cannot be read moves to
    ``<kind>/rejected/`` with a ``.error`` note beside it, and changes nothing (its transaction is
    rolled back). A file is only picked up once it is complete: write it under another name (or
    elsewhere) and rename it to ``*.csv``, which is atomic."""
    handled: list[DroppedFile] = []
    for kind in adapters.KINDS:
        folder = directory / kind
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.csv")):
            try:
                with UnitOfWork(engine) as uow:
                    result = ingest_file(uow, kind, path, actor=f"{actor_prefix}:{kind}")
                    uow.commit()
            except (StatutError, ValueError, UnicodeDecodeError, KeyError) as error:
                target = _move(path, folder / REJECTED_DIR)
                target.with_name(target.name + ".error").write_text(f"{error}\n", encoding="utf-8")
                handled.append(DroppedFile(kind, path.name, target, error=str(error)))
            else:
                handled.append(DroppedFile(kind, path.name, _move(path, folder / DONE_DIR), result=result))
    return handled


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    counter = 1
    while target.exists():  # the same name dropped again later: keep both
        target = folder / f"{path.stem}.{counter}{path.suffix}"
        counter += 1
    return Path(shutil.move(str(path), target))


def _life_event(uow: UnitOfWork, fact: adapters.RegisterFact, change: Change, result: FeedResult) -> None:
    person_id = uow.persons.find_id(fact.national_number)
    if person_id is None:
        result.skipped += 1
        result.unknown_people.append(fact.national_number)
        return
    le = t.life_event
    known = uow.connection.execute(
        select(le.c.event_id).where(
            le.c.person_id == person_id,
            le.c.event_type == fact.event_type.value,
            le.c.event_date == fact.event_date,
            le.c.superseded_at.is_(None),
        )
    ).first()
    if known is not None:
        result.skipped += 1
        return
    uow.life_events.add(LifeEvent(fact.national_number, fact.event_type, fact.event_date, fact.details), change)
    result.recorded += 1


def _income(uow: UnitOfWork, fact: adapters.IncomeFact, change: Change, result: FeedResult) -> None:
    person_id = uow.persons.find_id(fact.national_number)
    if person_id is None:
        result.skipped += 1
        result.unknown_people.append(fact.national_number)
        return
    income = ProfessionalIncome(
        fact.national_number, fact.year, fact.amount, IncomeSource.TAX_AUTHORITY, IncomeStatus.DEFINITIVE
    )
    current = [
        v.value
        for v in uow.incomes.for_person(person_id)
        if v.value.year == fact.year and v.value.source == IncomeSource.TAX_AUTHORITY
    ]
    if current and current[0].amount == fact.amount and current[0].status == IncomeStatus.DEFINITIVE:
        result.skipped += 1
        return
    if current:
        uow.incomes.correct(income, change)
    else:
        uow.incomes.add(income, change)
    result.recorded += 1


def _people(uow: UnitOfWork) -> list[synthetic.Someone]:
    pv, pi = t.person_version, t.person_identifier
    rows = uow.connection.execute(
        select(pi.c.value, pv.c.sex, pv.c.birth_date)
        .join(pv, pv.c.person_id == pi.c.person_id)
        .where(
            pi.c.superseded_at.is_(None),
            pv.c.superseded_at.is_(None),
            pv.c.valid_to.is_(None),
            pv.c.death_date.is_(None),
        )
        .order_by(pi.c.value)
    )
    return [synthetic.Someone(row.value, row.sex, row.birth_date) for row in rows]


def write_synthetic_feed(
    uow: UnitOfWork, kind: str, path: Path, *, count: int = 100, seed: int = 0, today: date | None = None
) -> int:
    """Write a synthetic feed file about the people of the register (statut.events.synthetic_feeds)."""
    day = today or date.today()
    people = _people(uow)
    if not people:
        raise DomainValidationError("register", "empty", "load people first (statut synth / statut db)")
    if kind == "national_register":
        rows = synthetic.national_register_rows(people, count, seed=seed, today=day)
    elif kind == "tax_authority":
        rows = synthetic.tax_authority_rows(people, count, seed=seed, year=day.year - 2)
    elif kind == "enterprise_register":
        rows = synthetic.enterprise_register_rows(people, count, seed=seed, today=day)
    else:
        raise DomainValidationError("kind", kind, f"one of {', '.join(adapters.KINDS)} expected")
    return synthetic.write_csv(path, rows)
