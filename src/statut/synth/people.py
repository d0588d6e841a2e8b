"""Who the people are: capacity, age, sex, residence, language, name and national number.

One vectorised pass over the whole population (a million rows cost seconds). The person's first
day in the period (``observed_from``) and the start of their affiliation are drawn here too, because
age is drawn relative to them: a student is 18-25 while a student, an active pensioner 65 or over.
Categories are carried as small integer codes and turned into text once, at the end.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from statut.synth import assumptions
from statut.synth.dates import add_years, day_number, uniform_day
from statut.synth.identifiers import as_text, assign_counter_slots, national_number_values, phantom_slots
from statut.synth.names import FIRST_NAMES, LAST_NAMES, NAME_POOL_BY_LANGUAGE
from statut.synth.options import SynthOptions
from statut.synth.places import ABROAD_LANGUAGES, BOX_WORD, REGIONS, STREET_LANGUAGE_BY_REGION, STREETS
from statut.synth.random_streams import stream

DAYS_PER_YEAR = 365.2425
ABROAD = "abroad"
REGION_CODES = (*(region.code for region in REGIONS), ABROAD)
LANGUAGES = ("fr", "nl", "de", "en")
NAME_POOLS = ("fr", "nl", "de")


def zipf_weights(size: int) -> np.ndarray:
    """Frequent names first: weight 1 / (rank + 5), normalised (a flattened Zipf law)."""
    weights = 1.0 / (np.arange(size) + 5.0)
    return np.asarray(weights / weights.sum())


def pick_labels(rng: np.random.Generator, groups: np.ndarray, pools: Sequence[Sequence[str]], name: str) -> pl.Series:
    """For each row, a label from ``pools[group]``, frequent (early) entries more often; group -1 gives null."""
    flat: list[str] = []
    index = np.full(groups.shape[0], -1, dtype=np.int64)
    for code, pool in enumerate(pools):
        mask = groups == code
        if mask.any():
            index[mask] = len(flat) + rng.choice(len(pool), size=int(mask.sum()), p=zipf_weights(len(pool)))
        flat.extend(pool)
    labels = pl.Series(name, flat, dtype=pl.String)
    return labels.gather(pl.Series(np.where(index >= 0, index, 0))).set(pl.Series(index < 0), None)


def labels_of(name: str, codes: np.ndarray, labels: Sequence[str]) -> pl.Series:
    return pl.Series(name, list(labels), dtype=pl.String).gather(pl.Series(np.asarray(codes, dtype=np.int64)))


def choose_within_groups(rng: np.random.Generator, groups: np.ndarray, tables: Sequence[np.ndarray]) -> np.ndarray:
    """For each row, an index drawn with the probabilities ``tables[group]``."""
    chosen = np.zeros(groups.shape[0], dtype=np.int64)
    for code, weights in enumerate(tables):
        mask = groups == code
        if mask.any():
            chosen[mask] = rng.choice(weights.shape[0], size=int(mask.sum()), p=weights / weights.sum())
    return chosen


def truncated_normal(
    rng: np.random.Generator, mean: np.ndarray, sd: np.ndarray, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """Normal draws kept inside [low, high] by redrawing (then clipping the rare leftovers)."""
    values = rng.normal(mean, sd)
    for _ in range(8):
        outside = (values < low) | (values > high)
        if not outside.any():
            break
        values[outside] = rng.normal(mean[outside], sd[outside])
    return np.clip(values, low, high)


def draw_people(options: SynthOptions) -> pl.DataFrame:
    """One row per person with identity, residence and the start of their affiliation.

    Columns: person_key, capacity (index into contribution_table.CAPACITIES), male, birth_day,
    resident, region, language, name_pool, first_name, last_name, postal_code, municipality, street,
    national_number, counter_slot, phantom_slot, company_director, observed_from, affiliation_start
    (day numbers are days since 1970-01-01).
    """
    rng = stream(options.seed, "people")
    n = options.people
    period_start = day_number(options.period_start)
    period_end = day_number(options.extraction_date)

    capacity = rng.choice(len(assumptions.CAPACITY_SHARES), size=n, p=assumptions.CAPACITY_SHARES)
    already_active = rng.random(n) < np.asarray(assumptions.ALREADY_ACTIVE_SHARE)[capacity]
    observed_from = np.where(
        already_active, period_start, uniform_day(rng, np.full(n, period_start), np.full(n, period_end - 1))
    )

    age_table = np.where(
        already_active[:, None],
        np.asarray(assumptions.AGE_ALREADY_ACTIVE)[capacity],
        np.asarray(assumptions.AGE_STARTING)[capacity],
    )
    age = truncated_normal(rng, age_table[:, 0], age_table[:, 1], age_table[:, 2], age_table[:, 3])
    birth_day = observed_from - np.floor(age * DAYS_PER_YEAR).astype(np.int64)
    minimum_age = np.where(capacity == assumptions.ACTIVE_PENSIONER, 65, 18)
    too_young_by = add_years(birth_day, minimum_age) - observed_from
    birth_day = birth_day - np.clip(too_young_by, 0, None)

    prior_days = (
        np.floor(rng.exponential(np.asarray(assumptions.MEAN_PRIOR_YEARS)[capacity]) * DAYS_PER_YEAR).astype(np.int64)
        + 1
    )
    earliest_start = add_years(birth_day, minimum_age)
    affiliation_start = np.where(
        already_active, np.minimum(np.maximum(period_start - prior_days, earliest_start), period_start), observed_from
    )

    male = rng.random(n) >= np.asarray(assumptions.FEMALE_SHARE)[capacity]
    resident = rng.random(n) >= assumptions.NON_RESIDENT_SHARE
    region_shares = np.asarray([r.share for r in REGIONS])
    region = np.where(resident, rng.choice(len(REGIONS), size=n, p=region_shares / region_shares.sum()), len(REGIONS))

    language_tables = [r.languages for r in REGIONS] + [ABROAD_LANGUAGES]
    language_weights = [np.asarray([dict(table).get(lang, 0.0) for lang in LANGUAGES]) for table in language_tables]
    language = choose_within_groups(rng, region, language_weights)

    pool_choices = [
        np.asarray([1.0 if pool in NAME_POOL_BY_LANGUAGE[lang] else 0.0 for pool in NAME_POOLS]) for lang in LANGUAGES
    ]
    name_pool = choose_within_groups(rng, language, pool_choices)
    first_name = pick_labels(
        rng,
        name_pool * 2 + np.where(male, 0, 1),
        [FIRST_NAMES[pool][sex] for pool in NAME_POOLS for sex in ("M", "F")],
        "first_name",
    )
    last_name = pick_labels(rng, name_pool, [LAST_NAMES[pool] for pool in NAME_POOLS], "last_name")

    postal_code, municipality, street = draw_addresses(rng, region)

    registration_order = rng.permutation(n)
    counter_slot = assign_counter_slots(birth_day, male, ~resident, registration_order)
    national_number = national_number_values(birth_day, male, counter_slot, ~resident)

    company_director = rng.random(n) < np.asarray(assumptions.DIRECTOR_SHARE)[capacity]

    return pl.DataFrame(
        [
            pl.Series("person_key", np.arange(1, n + 1, dtype=np.int64)),
            pl.Series("capacity", capacity.astype(np.int8)),
            pl.Series("male", male),
            pl.Series("birth_day", birth_day),
            pl.Series("resident", resident),
            labels_of("region", region, REGION_CODES),
            labels_of("language", language, LANGUAGES),
            pl.Series("name_pool", name_pool.astype(np.int8)),
            first_name,
            last_name,
            postal_code,
            municipality,
            street,
            as_text("national_number", national_number, 11),
            pl.Series("counter_slot", counter_slot.astype(np.int16)),
            pl.Series("phantom_slot", phantom_slots(counter_slot).astype(np.int16)),
            pl.Series("company_director", company_director),
            pl.Series("observed_from", observed_from),
            pl.Series("affiliation_start", affiliation_start),
        ]
    )


def draw_addresses(rng: np.random.Generator, region: np.ndarray) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Postal code, municipality and street (with house number, sometimes a box) per region code
    (index into REGION_CODES); null abroad."""
    n = region.shape[0]
    municipality_tables = [np.asarray([weight for _, _, weight in r.municipalities]) for r in REGIONS]
    local = choose_within_groups(rng, region, [*municipality_tables, np.ones(1)])
    offsets = np.cumsum([0] + [len(r.municipalities) for r in REGIONS])
    flat = [entry for r in REGIONS for entry in r.municipalities]
    abroad = region == len(REGIONS)
    index = pl.Series(np.where(abroad, 0, offsets[np.minimum(region, len(REGIONS) - 1)] + local))
    missing = pl.Series(abroad)
    postal_code = (
        pl.Series("postal_code", [code for code, _, _ in flat], dtype=pl.String).gather(index).set(missing, None)
    )
    municipality = (
        pl.Series("municipality", [name for _, name, _ in flat], dtype=pl.String).gather(index).set(missing, None)
    )

    street_languages = sorted(STREETS)
    region_street_language = np.asarray(
        [street_languages.index(STREET_LANGUAGE_BY_REGION[r.code]) for r in REGIONS] + [-1]
    )
    street_language = region_street_language[region]
    street_name = pick_labels(rng, street_language, [STREETS[lang] for lang in street_languages], "street_name")
    number = pl.Series(np.minimum(rng.geometric(1 / 40, size=n), 400))
    box = pl.Series(np.where(rng.random(n) < 0.10, rng.integers(1, 20, n), 0))
    box_word = labels_of("box_word", np.maximum(street_language, 0), [BOX_WORD[lang] for lang in street_languages])
    street = pl.select(
        (
            pl.format("{} {}", street_name, number)
            + pl.when(box > 0).then(pl.format(" {} {}", box_word, box)).otherwise(pl.lit(""))
        ).alias("street")
    ).to_series()
    return postal_code, municipality, street.set(missing, None)
