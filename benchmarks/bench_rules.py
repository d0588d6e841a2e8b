"""Issue 5 benchmark: legislation as code over 1,200,000 self-employed people and 4 quarters.

Ours (statut.rules, numpy columns): provisional and final contributions, exemption, regularisation,
late increases, career, and the four rights (maternity aid, bridging right, pension, incapacity),
target under 2 s on the 2-core machine. Side by side in the same run, on the same population: the
same contribution formulas as an OpenFisca country package (benchmarks/openfisca_baseline), whose
results must agree to the cent; the report gives the speed ratio (goal: at least 10x).

Run with ``python -m benchmarks.run rules`` (``BENCH_PEOPLE`` changes the population size).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np

from benchmarks._common import Result, peak_rss_mb
from statut.rules import (
    CapacityCode,
    bridging_right,
    career,
    due_quarter_count,
    final_contributions,
    incapacity_benefit,
    late_increases,
    load_parameters,
    maternity_aid,
    pension_right,
    provisional_contributions,
    quarter_status,
    quarters_due,
    regularisation,
    unpaid_at_quarter_ends,
)

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "1200000"))
YEAR = 2023  # the one year for which every capacity has all its parameters (see docs/legislation.md)
AS_OF = date(2026, 1, 1)
REPEATS = 5


def population(size: int, seed: int = 20_230_101) -> dict[str, np.ndarray]:
    """A synthetic population of self-employed people in ``YEAR`` (all computable cases)."""
    rng = np.random.default_rng(seed)
    capacity = rng.choice(5, size=size, p=[0.62, 0.25, 0.03, 0.02, 0.08]).astype(np.int64)
    median = np.array([35_000, 12_000, 6_000, 15_000, 10_000])[capacity]
    income = np.round(median * rng.lognormal(0.0, 0.8, size) * 100).astype(np.int64)
    income = np.where(rng.random(size) < 0.03, 0, np.minimum(income, 100_000_000))
    income_n3 = np.minimum(np.round(income * rng.lognormal(0.0, 0.3, size)).astype(np.int64), 100_000_000)
    quarters = np.where(rng.random(size) < 0.92, 4, rng.integers(1, 4, size)).astype(np.int64)
    # starters: main, complementary and assisting spouse (the capacities with a known 2023 starter rule)
    starter = (rng.random(size) < 0.05) & np.isin(capacity, [0, 1, 3])
    primo = starter & (capacity == CapacityCode.MAIN) & (rng.random(size) < 0.3)
    fee = rng.choice(np.array([30_500, 33_500, 35_000, 39_500, 42_500]), size)
    # quarterly data are quarter-major, shape (4, n)
    active = np.arange(4)[:, None] >= (4 - quarters)[None, :]
    exempted = active & (capacity == CapacityCode.MAIN)[None, :] & (rng.random(size) < 0.005)[None, :]
    exempted &= rng.random((4, size)) < 0.5
    payer = rng.choice(3, size=size, p=[0.94, 0.04, 0.02])  # on time, one quarter late, never
    birth = np.datetime64("1950-01-01") + rng.integers(0, 57 * 365, size).astype("timedelta64[D]")
    child = np.where(
        rng.random(size) < 0.01,
        np.datetime64("2023-01-01") + rng.integers(0, 3 * 365, size).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    )
    trigger = np.where(rng.random(size) < 0.003, rng.integers(1, 5, size), 0)
    event = np.datetime64("2023-01-01") + rng.integers(0, 3 * 365, size).astype("timedelta64[D]")
    return {
        "year": np.full(size, YEAR, dtype=np.int64),
        "capacity": capacity,
        "income": income,
        "income_n3": income_n3,
        "quarters_active": quarters,
        "starter": starter.astype(np.int64),
        "primo_starter": primo.astype(np.int64),
        "fee_rate_ppm": fee,
        "active": active,
        "exempted": exempted,
        "payer": payer,
        "prior_quarters": rng.integers(0, 160, size),
        "birth_date": birth,
        "mother": rng.choice(np.array([1, 0, -1], dtype=np.int8), size, p=[0.45, 0.5, 0.05]),
        "child_birth_date": child,
        "tri": rng.choice(np.array([1, 0, -1], dtype=np.int8), size, p=[0.9, 0.05, 0.05]),
        "trigger": trigger,
        "event_date": event,
        "incapacity_days": np.where(rng.random(size) < 0.02, rng.integers(1, 200, size), 0),
        "household": rng.integers(-1, 3, size),
    }


def contributions(people: dict[str, np.ndarray]) -> dict[str, Any]:
    """Provisional and final contributions, exemption and regularisation (what OpenFisca also does)."""
    provisional = provisional_contributions(
        people["year"],
        people["capacity"],
        people["income_n3"],
        starter=people["starter"],
        primo_starter=people["primo_starter"],
        fee_rate_ppm=people["fee_rate_ppm"],
    )
    final = final_contributions(
        people["year"],
        people["capacity"],
        people["income"],
        quarters_active=people["quarters_active"],
        primo_starter=people["primo_starter"],
        fee_rate_ppm=people["fee_rate_ppm"],
    )
    due, exemption_error = quarters_due(people["active"], people["exempted"], people["capacity"])
    due_count = due_quarter_count(due)
    supplement = regularisation(final.quarterly, provisional.quarterly * due_count, due_count)
    return {
        "provisional": provisional,
        "final": final,
        "due": due,
        "due_count": due_count,
        "exemption_error": exemption_error,
        "regularisation": supplement,
    }


def career_and_collection(people: dict[str, np.ndarray], computed: dict[str, Any]) -> dict[str, Any]:
    """Late increases on the provisional contributions billed in the year, then the career."""
    billed = computed["due"] * computed["provisional"].quarterly  # (4, n) quarter-major
    on_time, late = people["payer"] == 0, people["payer"] == 1
    paid = billed * on_time
    paid[1:] += billed[:-1] * late  # the late payer pays one quarter later
    unpaid = unpaid_at_quarter_ends(billed, paid)
    increases = late_increases(unpaid, YEAR)
    status = quarter_status(people["active"], people["exempted"], billed, paid.sum(axis=0))
    counted = career(
        status,
        as_of=AS_OF,
        prior_quarters=people["prior_quarters"],
        prior_early_pension_years=people["prior_quarters"] // 4,
    )
    return {"increases": increases, "career": counted}


def rights(people: dict[str, np.ndarray], computed: dict[str, Any]) -> dict[str, Any]:
    counted = computed["career"]
    tri = people["tri"]
    return {
        "maternity": maternity_aid(people["child_birth_date"], people["mother"], tri, tri, 1),
        "bridging": bridging_right(people["trigger"], people["event_date"], counted.quarters, tri),
        "pension": pension_right(people["birth_date"], counted.early_pension_years, as_of=AS_OF, continuing=True),
        "incapacity": incapacity_benefit(
            np.where(people["incapacity_days"] > 0, people["incapacity_days"], 0),
            6,
            tri,
            people["household"],
            as_of=AS_OF,
        ),
    }


def _timed(function: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def run_ours(people: dict[str, np.ndarray]) -> tuple[dict[str, Any], dict[str, float]]:
    computed, t_contrib = _timed(lambda: contributions(people))
    collected, t_career = _timed(lambda: career_and_collection(people, computed))
    computed |= collected
    detected, t_rights = _timed(lambda: rights(people, computed))
    computed |= detected
    return computed, {
        "contributions": t_contrib,
        "career_and_increases": t_career,
        "rights": t_rights,
        "total": t_contrib + t_career + t_rights,
    }


def compare(ours: dict[str, Any], theirs: dict[str, np.ndarray]) -> dict[str, int]:
    final, provisional = ours["final"], ours["provisional"]
    pairs = {
        "final_annual_contribution": final.annual,
        "final_quarterly_contribution": final.quarterly,
        "final_quarterly_with_fees": final.quarterly_with_fees,
        "provisional_quarterly_contribution": provisional.quarterly,
        "regularisation": ours["regularisation"],
    }
    differs = {name: int((theirs[name].astype(np.int64) != ours_col).sum()) for name, ours_col in pairs.items()}
    any_row = np.zeros(len(final.quarterly), dtype=np.bool_)
    for name, ours_col in pairs.items():
        any_row |= theirs[name].astype(np.int64) != ours_col
    differs["cases_with_any_difference"] = int(any_row.sum())
    return differs


def run_openfisca(module: Any, parameters: Any, people: dict[str, np.ndarray], due_count: np.ndarray) -> dict[str, Any]:
    """One OpenFisca formulation on the whole population, REPEATS times (a new simulation each time)."""
    system = module.build_system(parameters, range(2019, 2027))
    inputs = {
        "capacity": people["capacity"],
        "income": people["income"],
        "income_n3": people["income_n3"],
        "quarters_active": people["quarters_active"],
        "primo_starter": people["primo_starter"].astype(np.bool_),
        "starter": people["starter"].astype(np.bool_),
        "fee_rate_ppm": people["fee_rate_ppm"],
        "due_quarters": due_count,
    }
    builds, computes = [], []
    outputs: dict[str, np.ndarray] = {}
    for _ in range(REPEATS):
        outputs, build, compute = module.run(system, YEAR, inputs)
        builds.append(build)
        computes.append(compute)
    return {"outputs": outputs, "build": statistics.median(builds), "compute": statistics.median(computes)}


def main() -> None:
    from benchmarks.openfisca_baseline import fused, idiomatic

    parameters = load_parameters()
    people = population(PEOPLE)
    run_ours(population(1_000))  # warm-up: compiles the parameter tables once

    timings: list[dict[str, float]] = []
    cpu: list[float] = []
    ours: dict[str, Any] = {}
    for _ in range(REPEATS):
        started = time.process_time()
        ours, timing = run_ours(people)
        cpu.append(time.process_time() - started)
        timings.append(timing)
    median = {key: statistics.median(t[key] for t in timings) for key in timings[0]}
    best_total = min(t["total"] for t in timings)
    errors = int((~ours["final"].ok).sum() + (~ours["provisional"].ok).sum() + (ours["exemption_error"] != 0).sum())

    baselines = {
        name: run_openfisca(module, parameters, people, ours["due_count"])
        for name, module in (("fused", fused), ("idiomatic", idiomatic))
    }
    differences = {name: compare(ours, run["outputs"]) for name, run in baselines.items()}
    ratio = {name: run["compute"] / median["contributions"] for name, run in baselines.items()}
    disagreements = sum(found["cases_with_any_difference"] for found in differences.values())

    pension = ours["pension"]
    baseline_figures: dict[str, Any] = {"openfisca-core version": _openfisca_version()}
    for name, run in baselines.items():
        baseline_figures |= {
            f"{name}: compute seconds (median of {REPEATS}; 5 output variables)": round(run["compute"], 3),
            f"{name}: build simulation + set inputs seconds": round(run["build"], 3),
            f"{name}: people per second (compute only)": int(PEOPLE / run["compute"]),
            f"{name}: speed ratio (OpenFisca compute / our contributions stage)": round(ratio[name], 1),
            f"{name}: disagreements (cases, any of the 5 outputs)": differences[name]["cases_with_any_difference"],
        }
    result = Result(
        name="rules",
        issue=5,
        target=(
            "1,200,000 people x 4 quarters: provisional + final contributions, regularisation, career and rights "
            "in under 2 s; same contribution formulas in OpenFisca agree to the cent, ours >= 10x faster"
        ),
        figures={
            "people": PEOPLE,
            "year": YEAR,
            f"our whole pipeline, seconds (median of {REPEATS}; best)": f"{median['total']:.3f} ({best_total:.3f})",
            "our contributions stage, seconds (provisional + final + exemption + regularisation)": round(
                median["contributions"], 3
            ),
            "our career and late increases stage, seconds": round(median["career_and_increases"], 3),
            "our rights stage, seconds (maternity, bridging, pension, incapacity)": round(median["rights"], 3),
            "our whole pipeline, CPU seconds (median)": round(statistics.median(cpu), 3),
            "our people per second (whole pipeline, median)": int(PEOPLE / median["total"]),
            "cases our engine could not compute": errors,
            "disagreements with OpenFisca (cases, to the cent, both formulations)": disagreements,
            "speed ratio vs OpenFisca fused (headline)": round(ratio["fused"], 1),
            "speed ratio vs OpenFisca idiomatic": round(ratio["idiomatic"], 1),
            "peak_rss_mb": peak_rss_mb(),
            "eligible: maternity / bridging / pension": (
                f"{int((ours['maternity'].outcome == 1).sum())} / {int((ours['bridging'].outcome == 1).sum())} / "
                f"{int((pension.outcome == 1).sum())}"
            ),
            "load average at the end (1 min, 2 cores)": round(os.getloadavg()[0], 2),
        },
        baseline=baseline_figures,
        notes=[
            f"Ours: statut.rules column engine (numpy int64 cents), one process, one thread; the median of {REPEATS} "
            "runs after a 1,000-person warm-up; the three stages are timed separately and summed.",
            "OpenFisca: benchmarks/openfisca_baseline, two formulations of the same rules on the same population, "
            "parameters converted from statut's own YAML. fused: one entity, 15 variables, each formula a whole "
            "computation in int64 numpy (the fastest we could write, the headline). idiomatic: the style of "
            "country packages, one variable per legal concept (30 variables), the capacity an Enum, per-capacity "
            "figures as vectorial parameters indexed by it. Compute time is simulation.calculate of "
            "final_annual_contribution, final_quarterly_contribution, final_quarterly_with_fees, "
            "provisional_quarterly_contribution and regularisation; building the simulation and setting the "
            f"inputs is reported apart; medians of {REPEATS} fresh simulations.",
            "The speed ratio compares the same work: OpenFisca's compute time against our contributions stage "
            "(provisional + final + exemption + regularisation), whose timing includes what OpenFisca does not do: "
            "validation of every input with a per-case error, the unconfirmed-value flag, per-case parameter "
            "lookup by year, the unknown-minimum bound. Our career, late increases and rights come on top.",
            "Where the idiomatic formulation's time goes: in a profile at 200,000 people, 92 % of it is the three "
            "vectorial parameter lookups indexed by the capacity Enum, which openfisca-core 46 resolves case by case "
            "in Python. The fused formulation avoids them (np.select on an int capacity); its speed shows that "
            "OpenFisca's own per-variable overhead is small at this size, and that the ratio comes from how the "
            "rules are written, not from the engine.",
            "OpenFisca float variables are float32 and cannot hold euros to the cent, so both formulations keep "
            "amounts as OpenFisca int variables in cents and compute in int64 inside their formulas.",
            f"Population: synthetic, seed 20230101, year {YEAR} (the only year with every capacity's parameters), "
            "capacities 62/25/3/2/8 %, log-normal incomes, 5 % starters, 0.5 % of main with exempted quarters, "
            "6 % late or non payers; career and rights assessed on 2026-01-01.",
            "The machine is shared with other sessions: wall times include their load (see the load average); "
            "the CPU time of our pipeline is given as well.",
        ],
    )
    fast_enough = median["total"] < 2.0
    agree = disagreements == 0 and errors == 0
    result.verdict = (
        f"{'met' if fast_enough else 'NOT met'}: {median['total']:.2f} s for the whole pipeline (target < 2 s); "
        f"{'agree' if agree else 'DISAGREE'} to the cent with OpenFisca ({disagreements} disagreements); "
        f"speed ratio on the contribution formulas {ratio['fused']:.1f}x against the fused OpenFisca formulation "
        f"and {ratio['idiomatic']:.1f}x against the idiomatic one (goal >= 10x: "
        f"{'met' if ratio['fused'] >= 10 else 'NOT met'} against the fused one)."
    )
    result.write()


def _openfisca_version() -> str:
    from importlib.metadata import version

    return version("openfisca-core")


if __name__ == "__main__":
    main()
