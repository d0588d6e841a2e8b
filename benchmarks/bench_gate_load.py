"""Issue 3, the ingestion gate: validate AND load a 1,000,000-record fund file, SQLite and PostgreSQL.

Ours: statut.services.ingestion.ingest_batch on an empty register, in one unit of work, committed:
read (hostile-input reader), validate (the 62-rule catalogue: row, batch and cross-record rules),
hold/quarantine, land the accepted records through statut.services.landing (the register's one write
path), note every record id in ``fund_record``, write the quarantine entries and the report, read what
landed back from the store and reconcile it with the file (counts and hash totals per record type:
the stored fund records' text against what the gate wrote, the quarantine's raw lines against the file).
Target: at least 50,000 records/s on SQLite and on PostgreSQL.

Baseline, same run, same file: the catalogue's row rules written as a pandera DataFrameSchema (polars
backend, benchmark-only dependency) against ours (benchmarks/bench_gate.py explains the setup), and
the share of the validate-and-load time that validation takes.

Each backend runs in its own process (its peak memory is its own). The machine is shared: the load
average is recorded. Run: ``python -m benchmarks.run gate_load`` (GATE_RECORDS, GATE_BACKENDS).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks._common import WORK_DIR, Result
from benchmarks.bench_register_load import fresh_database, peak_memory_mb, reset_peak_memory

RECORDS = int(os.environ.get("GATE_RECORDS", "1000000"))
BACKENDS = os.environ.get("GATE_BACKENDS", "sqlite,postgresql").split(",")
FUND = "F101"
TODAY = date(2025, 6, 16)
TARGET_RECORDS_PER_SECOND = 50_000


def data_file() -> Path:
    from benchmarks.gate_data import write_file

    path = WORK_DIR / f"gate-{RECORDS}.csv"
    if not path.exists():
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        write_file(path, RECORDS)
    return path


def child(backend: str) -> dict[str, Any]:
    """One measured validate-and-load (runs in its own process)."""
    from statut.services.database import prepare_database
    from statut.services.ingestion import ingest_batch
    from statut.store.engine import build_engine
    from statut.store.unit_of_work import UnitOfWork

    path = data_file()
    with fresh_database(backend) as url:
        engine = build_engine(url)
        prepare_database(engine)
        load_before = os.getloadavg()[0]
        measured_alone = reset_peak_memory()
        start, start_cpu = time.perf_counter(), time.process_time()
        with UnitOfWork(engine) as uow:
            result = ingest_batch(uow, path, fund_code=FUND, actor="benchmark", today=TODAY)
            committing = time.perf_counter()
            uow.commit()
            commit = time.perf_counter() - committing
        seconds = time.perf_counter() - start
        cpu = time.process_time() - start_cpu
        engine.dispose()
    totals = result.totals
    steps = {f"{step}_seconds": round(value, 2) for step, value in result.seconds.items()}
    return {
        "records": totals["received"],
        **{key: value for key, value in totals.items() if key != "received"},
        "seconds": round(seconds, 2),
        **steps,
        "commit_seconds": round(commit, 2),
        "client_cpu_seconds": round(cpu, 2),
        "records_per_second": round(totals["received"] / seconds),
        "reconciled": bool(result.reconciliation.get("balanced")),
        "peak_rss_mb": peak_memory_mb() if measured_alone else float("nan"),
        "load_average": round(max(load_before, os.getloadavg()[0]), 2),
    }


def run_child(backend: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.bench_gate_load", backend]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def pandera_side_by_side(path: Path) -> dict[str, Any]:
    """Row rules: ours against the pandera schema, same working frame, same flags (bench_gate)."""
    import polars as pl

    from benchmarks.bench_gate import best_of, our_flags, pandera_flags, pandera_schema
    from statut.exchange.batch_reader import read_batch
    from statut.quality.catalogue import catalogue
    from statut.quality.registry import CheckContext
    from statut.quality.validation import _row_findings
    from statut.quality.working import working_frame

    raw = read_batch(path)
    ctx = CheckContext(today=TODAY, fund_code=FUND)
    rules = catalogue()

    def work() -> pl.DataFrame:
        return working_frame(raw.records, FUND).with_columns(pl.lit(False).alias("_structural"))

    schema = pandera_schema(ctx)
    ours_seconds, findings = best_of(2, lambda: _row_findings(work(), rules, ctx))
    pandera_seconds, pandera_found = best_of(1, lambda: pandera_flags(schema, work()))
    return {
        "row_rules_ours_seconds": round(ours_seconds, 2),
        "row_rules_pandera_seconds": round(pandera_seconds, 2),
        "ratio_pandera_over_ours": round(pandera_seconds / ours_seconds, 2),
        "same_flags": our_flags(findings) == pandera_found,
    }


def main() -> None:
    path = data_file()
    figures: dict[str, Any] = {"file_mb": round(path.stat().st_size / 1e6, 1)}
    verdicts = []
    for backend in BACKENDS:
        measured = run_child(backend)
        figures.update({f"{backend}.{key}": value for key, value in measured.items()})
        validate = measured.get("read_seconds", 0) + measured.get("validate_seconds", 0)
        figures[f"{backend}.validate_share"] = round(validate / measured["seconds"], 2)
        met = measured["records_per_second"] >= TARGET_RECORDS_PER_SECOND
        verdicts.append(
            f"{backend}: {measured['records_per_second']:,} records/s validate-and-load "
            f"({'meets' if met else 'misses'} {TARGET_RECORDS_PER_SECOND:,})"
        )
    baseline = pandera_side_by_side(path)
    Result(
        name="gate",
        issue=3,
        target=f">= {TARGET_RECORDS_PER_SECOND:,} records/s validating and loading a {RECORDS:,}-record fund "
        "file, SQLite and PostgreSQL; row rules >= 2x pandera",
        figures=figures,
        baseline=baseline,
        verdict="; ".join(verdicts) + f"; row rules {baseline['ratio_pandera_over_ours']}x pandera",
        notes=[
            "One run per backend (its own process, an empty register migrated by Alembic), wall time of "
            "ingest_batch plus the commit. Step seconds: read, validate (catalogue and holds), land (register "
            "rows through services/landing.py, fund records, quarantine entries), reconcile (what landed read "
            "back from the store: the fund records' stored text, counted and hashed per record type against what "
            "the gate wrote and the file's accepted counts; the quarantine's raw lines against the file), release "
            "(held records of earlier batches).",
            "Earlier the same day, before the gate-speed changes (fund records in one insert with deferred "
            "indexes, SQLite page cache for bulk writes, reconciliation on the stored text instead of decoding "
            "every record read back): SQLite 6,644 and PostgreSQL 7,605 records/s at load average 24 to 28; "
            "at load average 2 to 4 on the old code, 100,000 records took 4.2 s (SQLite) and 7.6 s (PostgreSQL).",
            "The machine is shared with five other sessions running tests and benchmarks: load_average is "
            "the 1-minute load at the start or end of the run, whichever was higher (2 cores).",
            "Validation alone (bench_gate.py, gate-validation-2026-11-27) is measured on the same file shape.",
            f"Synthetic file: {RECORDS:,} records written by benchmarks/gate_data.py, about 3% with an injected "
            "defect; the cross rules run against the batch itself (the register is empty).",
        ],
    ).write()


if __name__ == "__main__":
    if len(sys.argv) == 2:
        print(json.dumps(child(sys.argv[1])))
    else:
        main()
