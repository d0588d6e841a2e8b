"""Write a synthetic population to a directory.

Layout (docs/exchange-format.md and the synth README section describe it for users)::

    funds/<FUND>/<FUND>-<YYYYMMDD>-001.csv|.jsonl   one batch per fund, defects included
    truth/<record_type>.parquet                     the clean population (exchange/frames.py schemas)
    truth/defects.jsonl                             every injected defect
    truth/discrepancies.jsonl                       known differences between register and feeds
    truth/manifest.json                             counts, seed, parameters, generator version
    feeds/national_register.csv                     identity, address, death per national number
    feeds/national_register_events.csv              births, deaths, moves
    feeds/enterprise_register.csv                   KBO/BCE enterprises

Chunks are appended to per-fund, per-record-type part files and parquet parts, which are assembled
at the end, so a million people never sit in memory at once. Rendering is row by row and the order
is fixed, so the same seed gives the same bytes whether the population was streamed or held in memory.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from statut.domain.errors import StatutError
from statut.exchange.format import CSV_COLUMNS, RecordType
from statut.exchange.writers import RECORD_ORDER, BatchFormat, batch_file_name, render_lines, write_header, write_lines
from statut.synth.careers import fund_codes
from statut.synth.defects import MANIFEST_SCHEMA, SORT_KEY
from statut.synth.feeds import DISCREPANCY_SCHEMA
from statut.synth.options import SynthOptions
from statut.synth.population import (
    BATCH_KEYS,
    ManifestCounter,
    SyntheticPopulation,
    World,
    build_world,
    iter_chunks,
    number_defects,
    world_feeds,
)
from statut.synth.progress import Progress, SilentProgress

_OWNED = ("funds", "truth", "feeds", ".parts")
#: Fields whose synthetic values, true or injected, are digits, codes, dates and amounts: never a
#: comma, quote, backslash or line break, so the writers need not scan them (free text is scanned).
MACHINE_FIELDS = frozenset(CSV_COLUMNS) - {"last_name", "first_name", "municipality", "street"}
MANIFEST = Path("truth") / "manifest.json"
#: Min, max and null counts let readers skip row groups; distinct counts cost more than they give.
PARQUET_STATISTICS = {"min": True, "max": True, "distinct_count": False, "null_count": True}


def _prepare(out_dir: Path) -> None:
    """Create the directory, or clear what a previous population left in it; refuse anything else."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise StatutError(f"{out_dir} is not a directory", code="statut.synth.out")
        entries = {entry.name for entry in out_dir.iterdir()}
        if entries and not (out_dir / MANIFEST).exists() and entries - set(_OWNED):
            raise StatutError(
                f"{out_dir} is not empty and holds no synthetic population: choose an empty directory",
                code="statut.synth.out",
            )
        for name in _OWNED:
            shutil.rmtree(out_dir / name, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)


class DirectoryWriter:
    """Appends chunks, then assembles the final files (see the module docstring)."""

    def __init__(self, out_dir: Path, options: SynthOptions, formats: Sequence[BatchFormat]) -> None:
        if not formats:
            raise StatutError("at least one file format is needed (csv, jsonl)", code="statut.synth.format")
        self.out_dir = out_dir
        self.options = options
        self.formats = tuple(dict.fromkeys(formats))
        self.funds = tuple(fund_codes())
        self.parts = out_dir / ".parts"
        self.counter = ManifestCounter(self.funds)
        self.defect_count = 0
        self.chunks = 0
        _prepare(out_dir)
        for name in ("truth", "feeds", ".parts"):
            (out_dir / name).mkdir(parents=True, exist_ok=True)
        (out_dir / "truth" / "defects.jsonl").write_bytes(b"")

    def _part(self, fund: str, record_type: RecordType, fmt: BatchFormat) -> Path:
        return self.parts / f"{fund}.{record_type.value}.{fmt.value}"

    def add(
        self, truth: dict[RecordType, pl.DataFrame], batches: dict[RecordType, pl.DataFrame], defects: pl.DataFrame
    ) -> None:
        """Append one chunk (or a whole in-memory population); ``defects`` are not yet numbered."""
        for record_type in RECORD_ORDER:
            records = batches[record_type]
            # Added (defective) records sit at the end of a chunk: order the rendered lines, not the wide frame.
            order = None if records[SORT_KEY].is_sorted() else records[SORT_KEY].arg_sort()
            funds = records["fund"] if order is None else records["fund"].gather(order)
            present = funds.unique(maintain_order=True).to_list()
            for fmt in self.formats:
                lines = render_lines(record_type, records.drop(*BATCH_KEYS), fmt, safe=MACHINE_FIELDS)
                if order is not None:
                    lines = lines.gather(order)
                for fund in present:
                    with self._part(str(fund), record_type, fmt).open("ab") as handle:
                        write_lines(handle, lines.filter(funds == fund))
                del lines
            part_dir = self.parts / "truth" / record_type.value
            part_dir.mkdir(parents=True, exist_ok=True)
            # Arrow IPC parts: several times cheaper to write than parquet; merged into parquet at the end.
            truth[record_type].write_ipc(part_dir / f"{self.chunks:05d}.arrow")
        numbered = number_defects(defects, self.defect_count)
        with (self.out_dir / "truth" / "defects.jsonl").open("ab") as handle:
            if numbered.height:
                numbered.write_ndjson(handle)
        self.defect_count += defects.height
        self.counter.add(truth, batches, defects)
        self.chunks += 1

    def _assemble_fund_files(self, fund: str) -> None:
        fund_dir = self.out_dir / "funds" / fund
        fund_dir.mkdir(parents=True, exist_ok=True)
        for fmt in self.formats:
            with (fund_dir / batch_file_name(fund, self.options.extraction_date, 1, fmt)).open("wb") as target:
                write_header(target, fmt)
                for record_type in RECORD_ORDER:
                    part = self._part(fund, record_type, fmt)
                    if part.exists():
                        _append_file(part, target)
                        part.unlink()

    def _merge_truth(self, record_type: RecordType) -> None:
        parts = sorted((self.parts / "truth" / record_type.value).glob("*.arrow"))
        pl.scan_ipc(parts).sink_parquet(
            self.out_dir / "truth" / f"{record_type.value}.parquet",
            compression="zstd",
            compression_level=1,
            statistics=PARQUET_STATISTICS,
        )

    def finish(
        self, world_feeds: dict[str, pl.DataFrame], discrepancies: pl.DataFrame, progress: Progress
    ) -> dict[str, Any]:
        progress.start("assembling files", len(self.funds) + len(RECORD_ORDER) + 1)
        # Copying fund files is I/O, merging parquet parts is CPU (polars releases the GIL): overlap them.
        with ThreadPoolExecutor(max_workers=1) as pool:
            merges = [pool.submit(self._merge_truth, record_type) for record_type in RECORD_ORDER]
            for fund in self.funds:
                self._assemble_fund_files(fund)
                progress.advance()
            for merge in merges:
                merge.result()
                progress.advance()
        for name, frame in world_feeds.items():
            frame.write_csv(self.out_dir / "feeds" / f"{name}.csv")
        with (self.out_dir / "truth" / "discrepancies.jsonl").open("wb") as handle:
            if discrepancies.height:
                discrepancies.write_ndjson(handle)
        manifest = self.counter.as_dict(self.options, self.options.people, discrepancies)
        manifest["files"] = {
            "funds": {
                fund: [
                    f"funds/{fund}/{batch_file_name(fund, self.options.extraction_date, 1, fmt)}"
                    for fmt in self.formats
                ]
                for fund in self.funds
            },
            "truth": [f"truth/{rt.value}.parquet" for rt in RECORD_ORDER],
            "feeds": [f"feeds/{name}.csv" for name in world_feeds],
        }
        (self.out_dir / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        shutil.rmtree(self.parts, ignore_errors=True)
        progress.advance()
        return manifest


def _append_file(source: Path, target: BinaryIO) -> None:
    """Append a file's bytes to an open file (in-kernel where the platform allows it)."""
    target.flush()
    with source.open("rb") as handle:
        size = source.stat().st_size
        copy_range = getattr(os, "copy_file_range", None)
        try:
            if copy_range is None:
                raise OSError
            copied = 0
            while copied < size:
                step = copy_range(handle.fileno(), target.fileno(), size - copied)
                if step == 0:
                    break
                copied += step
            if copied == size:
                return
            handle.seek(copied)
        except OSError:
            handle.seek(0)
        shutil.copyfileobj(handle, target, length=16 * 1024 * 1024)


def _formats(formats: Iterable[BatchFormat | str]) -> list[BatchFormat]:
    return [BatchFormat(fmt) for fmt in formats]


def write(
    population: SyntheticPopulation,
    out_dir: str | Path,
    formats: Iterable[BatchFormat | str] = (BatchFormat.CSV,),
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write an in-memory population; returns the manifest (also in truth/manifest.json)."""
    progress = progress or SilentProgress()
    writer = DirectoryWriter(Path(out_dir), population.options, _formats(formats))
    defects = population.defects.with_columns(pl.lit(None, pl.String).alias("defect_id"))
    writer.add(population.truth, population.batches, defects)
    return writer.finish(population.feeds, population.discrepancies, progress)


def generate_to_directory(
    options: SynthOptions,
    out_dir: str | Path,
    formats: Iterable[BatchFormat | str] = (BatchFormat.CSV,),
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Generate and write chunk by chunk (bounded memory); returns the manifest."""
    progress = progress or SilentProgress()
    world: World = build_world(options, progress)
    writer = DirectoryWriter(Path(out_dir), options, _formats(formats))
    for chunk in iter_chunks(world, progress):
        writer.add(chunk.truth, chunk.batches, chunk.defects)
    progress.start("national register and enterprise register extracts", 1)
    feeds = world_feeds(world)
    progress.advance()
    return writer.finish(feeds.as_dict(), feeds.discrepancies, progress)


def read_truth(out_dir: str | Path) -> dict[RecordType, pl.DataFrame]:
    """The truth frames of a written population, in the exchange/frames.py schemas."""
    return {rt: pl.read_parquet(Path(out_dir) / "truth" / f"{rt.value}.parquet") for rt in RECORD_ORDER}


def read_defects(out_dir: str | Path) -> pl.DataFrame:
    """truth/defects.jsonl with its schema (inferring it from the first lines would lose list types)."""
    return _read_jsonl(Path(out_dir) / "truth" / "defects.jsonl", MANIFEST_SCHEMA)


def read_discrepancies(out_dir: str | Path) -> pl.DataFrame:
    return _read_jsonl(Path(out_dir) / "truth" / "discrepancies.jsonl", DISCREPANCY_SCHEMA)


def _read_jsonl(path: Path, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    if path.stat().st_size == 0:
        return pl.DataFrame(schema=schema)
    return pl.read_ndjson(path, schema=schema)
