"""Assemble a synthetic population: the whole-population steps, then chunk after chunk.

People, careers, life events and enterprises are drawn for everyone at once (a million
rows are cheap and national numbers must be unique across the population). Incomes, contributions,
payments, the fund batches and their defects are built per chunk of
``SynthOptions.chunk_people`` consecutive people, so that memory stays bounded when the
chunks are streamed to disk (output.py); :func:`generate` keeps them all in memory instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from statut.exchange.format import FORMAT_VERSION, RecordType, fields_of
from statut.exchange.writers import RECORD_ORDER, to_text
from statut.synth.careers import Careers, build_careers, draw_deaths, fund_codes
from statut.synth.defects import MANIFEST_SCHEMA, SORT_KEY, DefectInjector, DefectType, text_sort_key
from statut.synth.enterprises import draw_enterprises
from statut.synth.feeds import Feeds, build_feeds
from statut.synth.life_events import LifeEvents, draw_life_events
from statut.synth.money import draw_money
from statut.synth.options import CHUNK_PEOPLE, GENERATOR_VERSION, SynthOptions
from statut.synth.people import draw_people
from statut.synth.progress import Progress, SilentProgress
from statut.synth.random_streams import stream
from statut.synth.records import affiliation_truth, life_event_truth, person_truth

#: Columns of a batch frame besides the record type's fields: the person, the fund that sends the
#: record and the key that orders a batch (person_key * 1000 + sequence, unique within a record type).
BATCH_KEYS = ("person_key", "fund", SORT_KEY)


@dataclass(frozen=True, slots=True)
class World:
    """Everything drawn for the whole population at once."""

    options: SynthOptions
    people: pl.DataFrame
    careers: Careers
    life_events: LifeEvents
    enterprises: pl.DataFrame
    truth: dict[RecordType, pl.DataFrame]  # person, affiliation and life_event truth

    @property
    def death_day(self) -> np.ndarray:
        return self.careers.people["death_day"].to_numpy()


@dataclass(frozen=True, slots=True)
class Chunk:
    """One chunk of people: its truth, its fund batch records (with defects) and its defects."""

    index: int
    truth: dict[RecordType, pl.DataFrame]
    batches: dict[RecordType, pl.DataFrame]
    defects: pl.DataFrame


@dataclass(slots=True)
class SyntheticPopulation:
    """A generated population held in memory.

    - ``truth``: the clean population per record type, in the typed schemas of exchange/frames.py
      (a person known to two funds, after a change of fund, has a person record at each: see
      :meth:`people` for one row per person);
    - ``batches``: what the funds send, per record type, as text (``person_key``, ``fund``,
      ``sort_key`` and the fields of the type), defects included, in file order;
    - ``defects``: the manifest of every injected defect (defects.MANIFEST_SCHEMA);
    - ``feeds`` and ``discrepancies``: the National Register and enterprise register extracts.
    """

    options: SynthOptions
    truth: dict[RecordType, pl.DataFrame]
    batches: dict[RecordType, pl.DataFrame]
    defects: pl.DataFrame
    feeds: dict[str, pl.DataFrame]
    discrepancies: pl.DataFrame
    funds: tuple[str, ...] = field(default_factory=lambda: tuple(fund_codes()))

    def people(self) -> pl.DataFrame:
        """One row per person (the truth has one person record per fund that knows the person):
        the record of the first fund, without ``record_id`` and ``fund``."""
        return (
            self.truth[RecordType.PERSON]
            .unique("person_key", keep="first", maintain_order=True)
            .drop("record_id", "fund")
        )

    def fund_batch(self, fund: str) -> dict[RecordType, pl.DataFrame]:
        """The text records one fund sends, per record type (only the format's fields)."""
        return {rt: frame.filter(pl.col("fund") == fund).drop(*BATCH_KEYS) for rt, frame in self.batches.items()}

    def manifest(self) -> dict[str, Any]:
        return build_manifest(
            self.options,
            self.funds,
            truth=self.truth,
            batches=self.batches,
            defects=self.defects,
            discrepancies=self.discrepancies,
        )


def build_world(options: SynthOptions, progress: Progress | None = None) -> World:
    progress = progress or SilentProgress()
    options.validate()
    progress.start("people, careers and life events", 4)
    people = draw_people(options)
    progress.advance()
    death_day = draw_deaths(options, people)
    careers = build_careers(options, people, death_day)
    progress.advance()
    life_events = draw_life_events(options, people, careers)
    progress.advance()
    enterprises = draw_enterprises(options, people, careers)
    truth = {
        RecordType.PERSON: person_truth(options, people, careers),
        RecordType.AFFILIATION: affiliation_truth(people, careers, enterprises),
        RecordType.LIFE_EVENT: life_event_truth(people, life_events),
    }
    progress.advance()
    return World(options, people, careers, life_events, enterprises, truth)


def world_feeds(world: World) -> Feeds:
    """The external feeds; built after the chunks, so they do not sit in memory meanwhile."""
    return build_feeds(
        world.options,
        world.people,
        death_day=world.death_day,
        events=world.life_events.events,
        children=world.life_events.children,
        enterprises=world.enterprises,
    )


def _slice(frame: pl.DataFrame, low_key: int, high_key: int) -> pl.DataFrame:
    """Rows of consecutive person keys [low_key, high_key) of a frame sorted by person_key."""
    keys = frame["person_key"].to_numpy()
    first, last = np.searchsorted(keys, [low_key, high_key])
    return frame.slice(int(first), int(last - first))


def build_chunk(world: World, index: int) -> Chunk:
    options = world.options
    low_key = 1 + index * options.chunk_people
    high_key = min(options.people, (index + 1) * options.chunk_people) + 1
    people = world.people.slice(low_key - 1, high_key - low_key)
    segments = _slice(world.careers.segments, low_key, high_key)
    death_day = world.death_day[low_key - 1 : high_key - 1]
    money = draw_money(options, index, people, segments, death_day)
    truth = {
        RecordType.PERSON: _slice(world.truth[RecordType.PERSON], low_key, high_key),
        RecordType.AFFILIATION: _slice(world.truth[RecordType.AFFILIATION], low_key, high_key),
        RecordType.INCOME: money.incomes,
        RecordType.CONTRIBUTION: money.contributions,
        RecordType.PAYMENT: money.payments,
        RecordType.LIFE_EVENT: _slice(world.truth[RecordType.LIFE_EVENT], low_key, high_key),
    }
    texts = {
        rt: to_text(rt, truth[rt], keep=("person_key", "fund")).select(
            "person_key", "fund", text_sort_key().alias(SORT_KEY), *fields_of(rt)
        )
        for rt in RecordType
    }
    injector = DefectInjector(options, stream(options.seed, "defects", index), people, death_day, segments)
    batches, defects = injector.run(texts)
    return Chunk(index, truth, batches, defects)


def iter_chunks(world: World, progress: Progress | None = None) -> Iterator[Chunk]:
    progress = progress or SilentProgress()
    progress.start("incomes, contributions, payments and defects", world.options.chunk_count)
    for index in range(world.options.chunk_count):
        yield build_chunk(world, index)
        progress.advance()


def number_defects(defects: pl.DataFrame, offset: int) -> pl.DataFrame:
    """Give the chunk's defects their ids, counting on from ``offset`` defects before them."""
    return defects.with_columns(
        pl.format("D{}", (pl.int_range(pl.len(), dtype=pl.Int64) + offset + 1).cast(pl.String).str.zfill(9)).alias(
            "defect_id"
        )
    )


def generate(
    people: int,
    seed: int,
    *,
    start_year: int = 2016,
    end_year: int = 2025,
    defect_rate: float = 0.02,
    chunk_people: int = CHUNK_PEOPLE,
    progress: Progress | None = None,
) -> SyntheticPopulation:
    """Generate a population in memory (fine up to a few hundred thousand people; for more, stream
    it to disk with :func:`statut.synth.output.generate_to_directory`)."""
    options = SynthOptions(
        people=people,
        seed=seed,
        start_year=start_year,
        end_year=end_year,
        defect_rate=defect_rate,
        chunk_people=chunk_people,
    )
    world = build_world(options, progress)
    truth: dict[RecordType, list[pl.DataFrame]] = {rt: [] for rt in RecordType}
    batches: dict[RecordType, list[pl.DataFrame]] = {rt: [] for rt in RecordType}
    defects: list[pl.DataFrame] = []
    count = 0
    for chunk in iter_chunks(world, progress):
        for rt in RecordType:
            truth[rt].append(chunk.truth[rt])
            batches[rt].append(chunk.batches[rt])
        defects.append(number_defects(chunk.defects, count))
        count += chunk.defects.height
    feeds = world_feeds(world)
    return SyntheticPopulation(
        options=options,
        truth={rt: pl.concat(truth[rt]) for rt in RECORD_ORDER},
        batches={rt: pl.concat(batches[rt]).sort(SORT_KEY) for rt in RECORD_ORDER},
        defects=pl.concat(defects) if defects else pl.DataFrame(schema=MANIFEST_SCHEMA),
        feeds=feeds.as_dict(),
        discrepancies=feeds.discrepancies,
    )


class ManifestCounter:
    """Counts for truth/manifest.json, accumulated chunk by chunk."""

    def __init__(self, funds: tuple[str, ...]) -> None:
        self.funds = funds
        self.truth = dict.fromkeys((rt.value for rt in RECORD_ORDER), 0)
        self.truth_by_fund = {fund: dict.fromkeys((rt.value for rt in RECORD_ORDER), 0) for fund in funds}
        self.batch_by_fund = {fund: dict.fromkeys((rt.value for rt in RECORD_ORDER), 0) for fund in funds}
        self.defects = dict.fromkeys((kind.value for kind in DefectType), 0)
        self.defects_by_fund = dict.fromkeys(funds, 0)

    def add(
        self, truth: dict[RecordType, pl.DataFrame], batches: dict[RecordType, pl.DataFrame], defects: pl.DataFrame
    ) -> None:
        for rt in RECORD_ORDER:
            self.truth[rt.value] += truth[rt].height
            for fund, count in truth[rt].group_by("fund").len().iter_rows():
                self.truth_by_fund[fund][rt.value] += count
            for fund, count in batches[rt].group_by("fund").len().iter_rows():
                self.batch_by_fund[fund][rt.value] += count
        for kind, count in defects.group_by("type").len().iter_rows():
            self.defects[kind] += count
        for fund, count in defects.group_by("fund").len().iter_rows():
            self.defects_by_fund[fund] += count

    def as_dict(self, options: SynthOptions, people: int, discrepancies: pl.DataFrame) -> dict[str, Any]:
        return {
            "generator": "statut.synth",
            "generator_version": GENERATOR_VERSION,
            "format": {"name": "statut-exchange", "version": FORMAT_VERSION},
            "seed": options.seed,
            "parameters": options.as_dict(),
            "counts": {
                "people": people,
                "truth": self.truth,
                "truth_by_fund": self.truth_by_fund,
                "fund_files_by_fund": self.batch_by_fund,
                "defects": {
                    "total": sum(self.defects.values()),
                    "by_type": self.defects,
                    "by_fund": self.defects_by_fund,
                },
                "discrepancies": dict(sorted(discrepancies["type"].value_counts().iter_rows())),
            },
        }


def build_manifest(
    options: SynthOptions,
    funds: tuple[str, ...],
    *,
    truth: dict[RecordType, pl.DataFrame],
    batches: dict[RecordType, pl.DataFrame],
    defects: pl.DataFrame,
    discrepancies: pl.DataFrame,
) -> dict[str, Any]:
    counter = ManifestCounter(funds)
    counter.add(truth, batches, defects)
    return counter.as_dict(options, options.people, discrepancies)
