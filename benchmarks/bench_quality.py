"""Issue 4, the data-quality engine at the size of the Belgian self-employed population.

Register: the synthetic truth of ``statut synth`` for QUALITY_PEOPLE people (default 1,200,000;
affiliations, 10 years of incomes 2016-2025, their quarterly contributions and payments, life
events), loaded once with the bulk loader (services/register.load_population, in ranges of
BUILD_CHUNK people, each range one unit of work) into a SQLite file under var/bench/, reused by later
runs. SQLite, not PostgreSQL: building the register in PostgreSQL takes several times longer on this
machine, and the scan reads the register once either way.

Measured, each in its own child process (so that its peak memory is its own):

- ``scan``: ``statut quality scan`` (services.quality.scan_register: every scan rule of the
  catalogue over every current record, scores per fund x record type x rule and dimension, a dated
  snapshot, findings opened) on the 1.2 M register. Target: under 120 s, peak under 8 GB.
- ``link``: duplicate detection (quality.linkage.link: Splink on DuckDB, unsupervised training,
  prediction above 0.9, clustering) over the person records the funds sent (the synthetic fund
  batches: the same people, with the planted duplicates: typos, swapped day and month, an INSZ
  beside a BIS number). Target: under 300 s, peak under 8 GB. Precision and recall against the
  manifest.
- baseline, same run: the exact-match grouping most registries use (same first name, last name and
  birth date) on the same records, its time, precision and recall.

Run: ``python -m benchmarks.run quality`` (QUALITY_PEOPLE, QUALITY_STAGES=scan,link). Run it when
the machine is quiet: the load average is recorded with each figure.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks._common import Result

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = int(os.environ.get("QUALITY_PEOPLE", "1200000"))
STAGES = os.environ.get("QUALITY_STAGES", "scan,link").split(",")
BUILD_CHUNK = int(os.environ.get("QUALITY_BUILD_CHUNK", "150000"))
LINK_PEOPLE = int(os.environ.get("QUALITY_LINK_PEOPLE", str(PEOPLE)))
BENCH_DIR = ROOT / "var" / "bench"
TODAY = date(2026, 3, 1)
TARGET_SCAN_SECONDS = 120
TARGET_LINK_SECONDS = 300
TARGET_PEAK_MB = 8 * 1024


def synth_dir(people: int) -> Path:
    return BENCH_DIR / f"synth-{people}"


def register_path(people: int) -> Path:
    return BENCH_DIR / f"register-{people}.db"


def ensure_synth(people: int) -> None:
    """The synthetic population on disk (fund batches, truth, manifest), generated once."""
    if (synth_dir(people) / "truth" / "manifest.json").exists():
        return
    from statut.synth import SynthOptions, generate_to_directory

    generate_to_directory(SynthOptions(people=people, seed=42), synth_dir(people))


def build_register(people: int) -> dict[str, Any]:
    """Load the truth into a new SQLite register, range of persons by range (reused if present)."""
    import polars as pl

    from statut.exchange.format import RecordType
    from statut.services.database import prepare_database
    from statut.services.register import load_population
    from statut.store.engine import build_engine
    from statut.store.unit_of_work import UnitOfWork

    target = register_path(people)
    if target.exists():
        return {"reused": True}
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    engine = build_engine(f"sqlite:///{partial}")
    prepare_database(engine)
    truth = synth_dir(people) / "truth"
    keys = pl.scan_parquet(truth / "person.parquet").select(pl.col("person_key").unique().sort()).collect()
    ordered = keys.get_column("person_key")
    start = time.perf_counter()
    loaded = 0
    for first in range(0, ordered.len(), BUILD_CHUNK):
        chosen = ordered.slice(first, BUILD_CHUNK)
        low, high = int(chosen.min()), int(chosen.max())  # type: ignore[arg-type]
        frames = {
            rt: pl.scan_parquet(truth / f"{rt.value}.parquet")
            .filter(pl.col("person_key").is_between(low, high))
            .collect()
            for rt in RecordType
        }
        with UnitOfWork(engine) as uow:
            summary = load_population(uow, frames, actor="benchmark", reason="quality benchmark register", today=TODAY)
            uow.commit()
        loaded += summary.people
        print(f"loaded {loaded:,} people in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    engine.dispose()
    partial.rename(target)
    return {"reused": False, "people": loaded, "seconds": round(time.perf_counter() - start, 1)}


def linkage_persons_path(people: int) -> Path:
    return BENCH_DIR / f"linkage-persons-{people}.parquet"


def ensure_linkage_persons(people: int) -> None:
    """The person records of every fund batch (duplicates included), extracted once to Parquet with
    the fund; record ids are unique across funds (``P<person_key * 1000 + sequence>``)."""
    import polars as pl

    target = linkage_persons_path(people)
    if target.exists():
        return
    columns = ["record_type", "record_id", "first_name", "last_name", "birth_date", "sex", "postal_code", "street"]
    parts = [
        pl.scan_csv(path, infer_schema=False)
        .select(*columns, "national_number")
        .filter(pl.col("record_type") == "person")
        .drop("record_type")
        for path in sorted((synth_dir(people) / "funds").glob("*/*.csv"))
    ]
    # Written aside and renamed: a run started meanwhile never reads a half-written file.
    partial = target.with_name(target.name + ".partial")
    pl.concat(parts).collect().write_parquet(partial)
    partial.rename(target)


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def child_scan(people: int) -> dict[str, Any]:
    """One measured scan of the benchmark register, rolled back (the file stays as built)."""
    from sqlalchemy import func, select

    from statut.services.quality import scan_register
    from statut.store import tables as t
    from statut.store.engine import build_engine
    from statut.store.unit_of_work import UnitOfWork

    engine = build_engine(f"sqlite:///{register_path(people)}")
    load_before = os.getloadavg()[0]
    with UnitOfWork(engine) as uow:
        persons = uow.connection.execute(select(func.count()).select_from(t.person)).scalar_one()
        reader_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start, cpu = time.perf_counter(), time.process_time()
        summary = scan_register(uow, today=TODAY, actor="benchmark", reason="quality benchmark")
        seconds = time.perf_counter() - start
        # The register is read by a child process (store/scan_read_worker.py): its CPU time counts,
        # and its peak memory is added to this process's (an upper bound of the two together).
        reader = resource.getrusage(resource.RUSAGE_CHILDREN)
        reader_cpu = reader.ru_utime + reader.ru_stime - reader_before.ru_utime - reader_before.ru_stime
        cpu = time.process_time() - cpu + reader_cpu
        uow.rollback()
    engine.dispose()
    assert summary.findings is not None
    return {
        "people": persons,
        "records": summary.snapshot.records,
        "score_rows": summary.scores.height,
        "findings_opened": summary.findings.opened,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "reader_process_cpu_seconds": round(reader_cpu, 1),
        "records_per_second": round(summary.snapshot.records / seconds),
        "peak_rss_mb": round(_peak_mb() + reader.ru_maxrss / 1024, 1),
        "reader_process_peak_rss_mb": round(reader.ru_maxrss / 1024, 1),
        "load_average": round(max(load_before, os.getloadavg()[0]), 2),
    }


def child_link(people: int, method: str) -> dict[str, Any]:
    """Duplicate detection over the funds' person records: ``splink`` (ours) or ``exact`` (baseline)."""
    import polars as pl

    from statut.quality.linkage import PERSON_COLUMNS, duplicate_pairs, exact_match_pairs, link, score_pairs
    from statut.synth import read_defects

    key = (pl.col("record_id").str.slice(1).cast(pl.Int64) // 1000).alias("person_key")
    records = pl.read_parquet(linkage_persons_path(people))
    if people > LINK_PEOPLE:
        # The records of the first LINK_PEOPLE people only (person keys run from 1), duplicates included.
        records = records.filter(key <= LINK_PEOPLE)
    kept = records.select("record_id")
    expected = (
        duplicate_pairs(read_defects(synth_dir(people)))
        .join(kept.rename({"record_id": "record_id_l"}), on="record_id_l", how="semi")
        .join(kept.rename({"record_id": "record_id_r"}), on="record_id_r", how="semi")
    )
    truth = records.select("record_id", key)
    load_before = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    if method == "splink":
        result = link(records.select(PERSON_COLUMNS))
        pairs, clusters = result.pairs, int(result.clusters.get_column("cluster_id").n_unique())
    else:
        pairs, clusters = exact_match_pairs(records.select(PERSON_COLUMNS)), None
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    score = score_pairs(pairs, truth, expected)
    return {
        "people": min(LINK_PEOPLE, people),
        "records": records.height,
        "planted_pairs": score.expected,
        "pairs_found": score.found,
        "clusters": clusters,
        "precision": round(score.precision, 4),
        "recall": round(score.recall, 4),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "peak_rss_mb": _peak_mb(),
        "load_average": round(max(load_before, os.getloadavg()[0]), 2),
    }


def run_child(*args: str) -> dict[str, Any]:
    """A measured stage in its own process; with QUALITY_FROM_FILES=1, the output of that stage run
    earlier by hand (``python -m benchmarks.bench_quality scan > var/bench/scan.json``), for runs
    whose stages were started separately on the shared machine."""
    if os.environ.get("QUALITY_FROM_FILES") == "1":
        saved = BENCH_DIR / ("-".join(args) + ".json")
        return dict(json.loads(saved.read_text().strip().splitlines()[-1]))
    command = [sys.executable, "-m", "benchmarks.bench_quality", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    built = run_child("build")
    figures: dict[str, Any] = {
        "register": str(register_path(PEOPLE).relative_to(ROOT)),
        "register_reused": built["reused"],
        "register_build_seconds": built.get("seconds"),
    }
    baseline: dict[str, Any] = {}
    verdicts = []
    uptime = Path("/proc/loadavg").read_text().split()[:3]
    figures["load_average_at_start"] = " ".join(uptime)
    if "scan" in STAGES:
        scan = run_child("scan")
        figures |= {f"scan.{k}": v for k, v in scan.items()}
        met = scan["seconds"] < TARGET_SCAN_SECONDS and scan["peak_rss_mb"] < TARGET_PEAK_MB
        verdicts.append(f"scan {scan['seconds']} s, {scan['peak_rss_mb']:,.0f} MB ({'met' if met else 'not met'})")
    if "link" in STAGES:
        ours = run_child("link", "splink")
        exact = run_child("link", "exact")
        figures |= {f"link.{k}": v for k, v in ours.items()}
        baseline |= {f"exact_match.{k}": v for k, v in exact.items() if k != "clusters"}
        met = ours["seconds"] < TARGET_LINK_SECONDS and ours["peak_rss_mb"] < TARGET_PEAK_MB
        verdicts.append(
            f"duplicates {ours['seconds']} s, {ours['peak_rss_mb']:,.0f} MB, precision {ours['precision']}, "
            f"recall {ours['recall']} ({'met' if met else 'not met'}); exact match: precision "
            f"{exact['precision']}, recall {exact['recall']}"
        )
    notes = []
    if os.environ.get("QUALITY_FROM_FILES") == "1":
        notes.append(
            "The stages ran as separate processes started by hand (the figures are theirs, read from "
            "var/bench/*.json); load_average_at_start is the load when this report was written."
        )
        sample = BENCH_DIR / "link-splink-300k.json"
        exact_sample = BENCH_DIR / "link-exact-300k.json"
        if sample.exists() and exact_sample.exists():
            small, small_exact = (json.loads(p.read_text().splitlines()[-1]) for p in (sample, exact_sample))
            notes.append(
                f"Same linkage on the records of the first 300,000 people: {small['seconds']} s "
                f"({small['cpu_seconds']} s CPU, load {small['load_average']}), {small['peak_rss_mb']:,.0f} MB, "
                f"precision {small['precision']}, recall {small['recall']}; exact match precision "
                f"{small_exact['precision']}, recall {small_exact['recall']}."
            )
    if "link" in STAGES and ours["people"] < PEOPLE:
        notes.append(
            f"The duplicate detection ran on the records of the first {ours['people']:,} people only "
            "(QUALITY_LINK_PEOPLE), not on the whole population: see the verdict."
        )
    Result(
        name="quality",
        issue=4,
        target=(
            f"{PEOPLE:,} people: rule scan < {TARGET_SCAN_SECONDS} s, duplicate detection < {TARGET_LINK_SECONDS} s, "
            "peak memory < 8 GB; exact-match baseline beside"
        ),
        figures=figures,
        baseline=baseline,
        verdict="; ".join(verdicts),
        notes=[
            "Register: the synthetic truth (10 years, 2016-2025) in SQLite, built once with the bulk loader "
            "and reused; each scan is rolled back so the file stays as built.",
            "Scan: services.quality.scan_register as `statut quality scan` runs it (every scan rule, scores, "
            "snapshot, findings), read and scanned by ranges of 100,000 persons; the register is read "
            "columnar (ADBC SQLite driver straight into Arrow, store/scan_reads.py), the next range while "
            "this one is scanned; the reading runs in a process of its own (the ADBC driver's SQLite must "
            "not share a process with Python's); wall time, CPU time of the scan and its reader, peak "
            "resident memory of the scan plus its reader's.",
            "Duplicates: quality.linkage.link (Splink 5 on DuckDB: u by sampling 2 M pairs, m by two EM "
            "sessions on at most 3 M pairs each, prediction at 0.9, clustering) over every person record the "
            "funds sent, planted duplicates included; precision: pairs found that are one person; recall: "
            "planted duplicate pairs found.",
            "Blocking keys belong to a person, not a crowd (number; birth date with first or last name; both "
            "names with the birth date read day-month-neutral or with birth year and postal code): 1.8 M "
            "pairs compared at 1.2 M people, where rules on birth date and sex or on name prefix and postal "
            "code compared 54 M and grew with the square of the population.",
            "Baseline: exact grouping on cleaned first name, last name and birth date, same records, same scoring.",
            "The machine is shared with other work (two cores): the load average is recorded with each figure.",
            *notes,
        ],
    ).write()


if __name__ == "__main__":
    if sys.argv[1:2] == ["build"]:
        ensure_synth(PEOPLE)
        result = build_register(PEOPLE)
        ensure_linkage_persons(PEOPLE)
        print(json.dumps(result))
    elif sys.argv[1:2] == ["scan"]:
        print(json.dumps(child_scan(PEOPLE)))
    elif sys.argv[1:2] == ["link"]:
        print(json.dumps(child_link(PEOPLE, sys.argv[2])))
    else:
        main()
