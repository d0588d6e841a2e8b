"""Issue 2: build the register for 100,000 synthetic people with `statut demo --no-serve`, on SQLite
and on PostgreSQL; people per second and peak memory. Target: >= 5,000 people/s, < 2 GB.

Baseline in the same run: the same people written one object at a time through the repositories
(the ORM-style path a set-based loader replaces), on a sample, on the same backends.

Each measurement runs in a child process so that its peak memory is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

from benchmarks._common import WORK_DIR, Result

PEOPLE = int(os.environ.get("BENCH_REGISTER_PEOPLE", "100000"))
BASELINE_PEOPLE = int(os.environ.get("BENCH_REGISTER_BASELINE_PEOPLE", "500"))
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

BULK_CHILD = """
import json, resource, sys, time
from pathlib import Path
from statut.services.demo import build_demo_register
from statut.settings import Settings
settings = Settings(database_url=sys.argv[1], data_dir=Path(sys.argv[2]))
result = build_demo_register(settings, people=int(sys.argv[3]), seed=42)
print(json.dumps({
    "people": result.register.people,
    "rows": sum(result.load.rows.values()),
    "load_seconds": result.load.seconds,
    "generate_seconds": result.generate_seconds,
    "total_seconds": result.total_seconds,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

BASELINE_CHILD = """
import json, resource, sys, time
from statut.domain.calendar import DateRange, Quarter
from statut.domain.entities import (Affiliation, Capacity, ContributionQuarter, IncomeSource, IncomeStatus,
    Language, Person, ProfessionalIncome, Address)
from statut.domain.identifiers import Sex, parse_person_number
from statut.domain.money import from_cents
from statut.exchange.format import RecordType
from statut.services.database import prepare_database
from statut.services.demo import truth_for_register
from statut.store.engine import build_engine
from statut.store.unit_of_work import UnitOfWork
from statut.synth import generate

people = int(sys.argv[2])
truth = truth_for_register(generate(people=people, seed=42))
engine = build_engine(sys.argv[1])
prepare_database(engine)
started = time.perf_counter()
with UnitOfWork(engine) as uow:
    change = uow.record_change(actor="bench", reason="row-by-row baseline")
    for row in truth[RecordType.PERSON].iter_rows(named=True):
        uow.persons.add(Person(number=parse_person_number(row["national_number"]), last_name=row["last_name"],
            first_name=row["first_name"], birth_date=row["birth_date"], sex=Sex(row["sex"]),
            language=Language(row["language"]), address=Address(row["postal_code"] or "", row["municipality"] or "",
            row["street"] or ""), death_date=row["death_date"]), change)
    for row in truth[RecordType.AFFILIATION].iter_rows(named=True):
        uow.affiliations.add(Affiliation(person=row["national_number"], fund_code=row["fund"],
            capacity=Capacity(row["capacity"]), period=DateRange(row["start_date"], row["end_date"]),
            company_director=bool(row["company_director"]), enterprise_number=row["enterprise_number"]), change)
    for row in truth[RecordType.INCOME].iter_rows(named=True):
        uow.incomes.add(ProfessionalIncome(person=row["national_number"], year=row["year"],
            amount=from_cents(row["amount_cents"]), source=IncomeSource(row["income_source"]),
            status=IncomeStatus(row["income_status"])), change)
    for row in truth[RecordType.CONTRIBUTION].iter_rows(named=True):
        uow.contributions.add(ContributionQuarter(person=row["national_number"], quarter=Quarter.parse(row["quarter"]),
            fund_code=row["fund"], due=from_cents(row["amount_cents"])), change)
    uow.commit()
seconds = time.perf_counter() - started
engine.dispose()
print(json.dumps({"people": people, "seconds": seconds,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child(code: str, *args: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _pg_database() -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    name = f"statut_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop_pg(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    work = WORK_DIR / "register"
    work.mkdir(parents=True, exist_ok=True)
    figures: dict[str, object] = {"people": PEOPLE}
    baseline: dict[str, object] = {"people (sample)": BASELINE_PEOPLE}
    verdicts = []
    for backend in ("sqlite", "postgresql"):
        created: list[str] = []
        try:
            if backend == "sqlite":
                db = work / f"bench-{uuid.uuid4().hex[:6]}.db"
                url, base_url = f"sqlite:///{db}", f"sqlite:///{work / ('base-' + db.name)}"
            else:
                name, url = _pg_database()
                base_name, base_url = _pg_database()
                created += [name, base_name]
            bulk = _child(BULK_CHILD, url, str(work / f"var-{backend}"), str(PEOPLE))
            rate = bulk["people"] / bulk["load_seconds"]
            figures[f"{backend}: people/s (load)"] = round(rate)
            figures[f"{backend}: rows/s (load)"] = round(bulk["rows"] / bulk["load_seconds"])
            figures[f"{backend}: rows written"] = int(bulk["rows"])
            figures[f"{backend}: load seconds"] = round(bulk["load_seconds"], 1)
            figures[f"{backend}: generate seconds"] = round(bulk["generate_seconds"], 1)
            figures[f"{backend}: whole demo seconds (generate + write files + load)"] = round(bulk["total_seconds"], 1)
            figures[f"{backend}: peak memory MB (whole demo process)"] = round(bulk["peak_rss_mb"])
            slow = _child(BASELINE_CHILD, base_url, str(BASELINE_PEOPLE))
            slow_rate = slow["people"] / slow["seconds"]
            baseline[f"{backend}: row-by-row people/s"] = round(slow_rate, 1)
            baseline[f"{backend}: set-based speed-up"] = f"{rate / slow_rate:.0f}x"
            verdicts.append(
                f"{backend}: {rate:,.0f} people/s ({'meets' if rate >= 5000 else 'misses'} 5,000), "
                f"peak {bulk['peak_rss_mb']:,.0f} MB ({'under' if bulk['peak_rss_mb'] < 2048 else 'over'} 2 GB)"
            )
        finally:
            for name in created:
                _drop_pg(name)
            for path in work.glob("*.db*"):
                path.unlink(missing_ok=True)
    Result(
        name="register",
        issue=2,
        target="100,000 people with `statut demo --no-serve` on SQLite and PostgreSQL: >= 5,000 people/s, peak < 2 GB",
        figures=figures,
        baseline=baseline,
        verdict="; ".join(verdicts),
        notes=[
            "people/s counts the set-based load of the register (checks, ids, all tables, ledger digests); "
            "the whole-demo time also generates the population and writes the fund files",
            "peak memory is the child process's maximum resident set (generation + load)",
            "baseline: the same truth written one domain object at a time through the repositories, "
            f"on {BASELINE_PEOPLE} people",
        ],
    ).write()


if __name__ == "__main__":
    main()
