"""The main job of a fresh checkout: build a register from a synthetic population.

Generates the synthetic Belgium (statut.synth), writes its fund files to the data directory so they
can be sent through the gate, and loads the clean population into the register in one unit of work.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from statut.exchange.format import RecordType
from statut.services.database import prepare_database
from statut.services.register import LoadProgress, LoadSummary, load_population
from statut.services.runtime import RegisterSummary, register_summary
from statut.settings import Settings
from statut.store.engine import build_engine, describe_url, normalise_url, sqlite_file
from statut.store.errors import DatabaseUnavailableError
from statut.store.unit_of_work import UnitOfWork
from statut.synth import SyntheticPopulation, generate, write
from statut.synth.progress import Progress, SilentProgress

DEMO_ACTOR = "statut demo"


@dataclass(frozen=True, slots=True)
class DemoResult:
    database: str
    people_generated: int
    synth_dir: Path
    load: LoadSummary
    register: RegisterSummary
    generate_seconds: float
    total_seconds: float


def build_demo_register(
    settings: Settings,
    *,
    people: int,
    seed: int,
    fresh: bool = True,
    generation_progress: Progress | None = None,
    load_progress: LoadProgress | None = None,
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
        population = generate(people=people, seed=seed, progress=generation_progress or SilentProgress())
        synth_dir = Path(settings.data_dir) / "synth"
        write(population, synth_dir)
        generated = time.perf_counter()
        with UnitOfWork(engine) as uow:
            load = load_population(
                uow,
                truth_for_register(population),
                actor=DEMO_ACTOR,
                reason=f"synthetic population of {people} people, seed {seed}",
                source=str(synth_dir / "truth"),
                progress=load_progress,
            )
            uow.commit()
            summary = register_summary(uow)
    finally:
        engine.dispose()
    return DemoResult(
        database=describe_url(url),
        people_generated=people,
        synth_dir=synth_dir,
        load=load,
        register=summary,
        generate_seconds=generated - started,
        total_seconds=time.perf_counter() - started,
    )


def truth_for_register(population: SyntheticPopulation) -> dict[RecordType, pl.DataFrame]:
    """The clean population, one person record per person (the truth keeps one per fund that knows them)."""
    frames = dict(population.truth)
    frames[RecordType.PERSON] = frames[RecordType.PERSON].unique("person_key", keep="first", maintain_order=True)
    return frames
