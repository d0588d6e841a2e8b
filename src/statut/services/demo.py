"""The main job of a fresh checkout: build a register from a synthetic population, through the gate.

A real start of the register is a migration: every fund sends what it holds (its members' history
and its current records) and all of it passes the same gate as any later batch (issue "Fund data in").
The demo does just that. It generates the synthetic Belgium (statut.synth) straight to files, one
batch per fund with the injected data defects of truth/defects.jsonl, and sends each fund's file
through :func:`statut.services.ingestion.ingest_batch` as a legacy extract, one unit of work (one
atomic batch) each. The register therefore holds the truth minus what the gate kept out: the
quarantined records and the records held because what they depend on was quarantined. The summary
says how many of each, per record type and per rule, and whether every batch reconciled.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from statut.services.database import prepare_database
from statut.services.ingestion import HELD, IngestResult, ingest_batch
from statut.services.runtime import RegisterSummary, register_summary
from statut.settings import Settings
from statut.store.engine import build_engine, describe_url, normalise_url, sqlite_file
from statut.store.errors import DatabaseUnavailableError
from statut.store.unit_of_work import UnitOfWork
from statut.synth import SynthOptions
from statut.synth.output import generate_to_directory
from statut.synth.progress import Progress, SilentProgress

if TYPE_CHECKING:
    from statut.services.events import BirthDemo
    from statut.services.quality import ScanSummary

DEMO_ACTOR = "statut demo"
COUNT_KEYS = ("received", "accepted", "quarantined", HELD, "already_held")

BatchProgress = Callable[[str, int, int], None]
"""Called with (step, batches done, batches in all) as the fund files pass the gate."""


@dataclass(frozen=True, slots=True)
class GateSummary:
    """What the gate did with the demo's fund files, all batches together."""

    batches: int
    counts: dict[str, dict[str, int]]
    reconciled: bool
    released_held: int
    by_rule: dict[tuple[str, str], int]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        return {key: sum(count.get(key, 0) for count in self.counts.values()) for key in COUNT_KEYS}


@dataclass(frozen=True, slots=True)
class DemoResult:
    database: str
    people_generated: int
    synth_dir: Path
    gate: GateSummary
    register: RegisterSummary
    generate_seconds: float
    total_seconds: float

    @property
    def people_per_second(self) -> float:
        """People generated and sent through the gate per second, end to end."""
        return self.people_generated / self.total_seconds if self.total_seconds > 0 else 0.0


def build_demo_register(
    settings: Settings,
    *,
    people: int,
    seed: int,
    fresh: bool = True,
    generation_progress: Progress | None = None,
    gate_progress: BatchProgress | None = None,
    today: date | None = None,
) -> DemoResult:
    """Build the demo register; with ``fresh`` an embedded SQLite file is recreated from scratch."""
    started = time.perf_counter()
    url = normalise_url(settings.database_url)
    path = sqlite_file(url)
    if fresh and path is not None and path.exists():
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = build_engine(url)
    try:
        prepare_database(engine)
        with UnitOfWork(engine, read_only=True) as uow:
            if uow.persons.count():
                raise DatabaseUnavailableError(
                    f"{describe_url(url)} already holds a register: the demo needs an empty database "
                    "(the embedded SQLite file is recreated unless --keep is given)"
                )
        synth_dir = Path(settings.data_dir) / "synth"
        shutil.rmtree(synth_dir, ignore_errors=True)
        options = SynthOptions(people=people, seed=seed)
        generate_to_directory(options, synth_dir, progress=generation_progress or SilentProgress())
        generated = time.perf_counter()
        results = _send_fund_files(engine, synth_dir, today or date.today(), gate_progress)
        with UnitOfWork(engine, read_only=True) as uow:
            summary = register_summary(uow)
            by_rule = uow.quarantine.counts_by_rule()
    finally:
        engine.dispose()
    return DemoResult(
        database=describe_url(url),
        people_generated=people,
        synth_dir=synth_dir,
        gate=_gate_summary(results, by_rule),
        register=summary,
        generate_seconds=generated - started,
        total_seconds=time.perf_counter() - started,
    )


def fund_files(synth_dir: Path) -> list[Path]:
    """The fund batches of a synthetic population, in the order the demo sends them."""
    return sorted((synth_dir / "funds").glob("*/*.csv"))


def _send_fund_files(
    engine: Engine, synth_dir: Path, today: date, progress: BatchProgress | None
) -> list[IngestResult]:
    files = fund_files(synth_dir)
    results: list[IngestResult] = []
    for done, path in enumerate(files):
        if progress is not None:
            progress("gate", done, len(files))
        with UnitOfWork(engine) as uow:
            result = ingest_batch(
                uow,
                path,
                fund_code=path.parent.name,
                file_name=path.name,
                actor=DEMO_ACTOR,
                today=today,
                source_kind="legacy",
            )
            committing = time.perf_counter()
            uow.commit()
            result.seconds["commit"] = time.perf_counter() - committing
        results.append(result)
    if progress is not None:
        progress("gate", len(files), len(files))
    return results


def _gate_summary(results: list[IngestResult], by_rule: dict[tuple[str, str], int]) -> GateSummary:
    counts: dict[str, dict[str, int]] = {}
    seconds: dict[str, float] = {}
    for result in results:
        for record_type, count in result.counts.items():
            into = counts.setdefault(record_type, dict.fromkeys(COUNT_KEYS, 0))
            for key in COUNT_KEYS:
                into[key] += count.get(key, 0)
        for step, value in result.seconds.items():
            seconds[step] = seconds.get(step, 0.0) + value
    return GateSummary(
        batches=len(results),
        counts=counts,
        reconciled=all(result.reconciliation.get("balanced", False) for result in results),
        released_held=sum(result.released_held for result in results),
        by_rule=by_rule,
        seconds=seconds,
    )


def scan_demo_register(settings: Settings, synth_dir: Path, *, today: date | None = None) -> ScanSummary:
    """The first data-quality snapshot of the demo register, with the accuracy dimension measured
    against the synthetic National Register and KBO/BCE extracts when the synthetic run wrote them
    (issue "Data-quality engine"): the institution's dashboard and the funds' findings start from it."""
    from statut.quality.authentic_sources import AuthenticSources
    from statut.services.quality import scan_register

    sources = None
    if (synth_dir / "feeds" / "national_register.csv").exists():
        sources = AuthenticSources.from_directory(synth_dir)
    engine = build_engine(normalise_url(settings.database_url))
    try:
        with UnitOfWork(engine) as uow:
            summary = scan_register(uow, today=today or date.today(), actor=DEMO_ACTOR, sources=sources)
            uow.commit()
        return summary
    finally:
        engine.dispose()


def demonstrate_demo_birth(settings: Settings, *, today: date | None = None) -> BirthDemo:
    """A birth in the National Register feed turning into a maternity-aid proposal in the mother's
    portal and a signed webhook to her fund, on the demo register (issue "Event-driven automation")."""
    from statut.services.events import demonstrate_birth

    engine = build_engine(normalise_url(settings.database_url))
    try:
        return demonstrate_birth(engine, drop_dir=Path(settings.data_dir) / "feeds", today=today, timeout=120.0)
    finally:
        engine.dispose()
