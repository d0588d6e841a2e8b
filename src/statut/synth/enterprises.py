"""Enterprises (KBO/BCE) of the synthetic self-employed, as known at the extraction date and later.

Everyone but the assisting spouses runs one enterprise: a sole trader's (natural person) starts with
the affiliation and stops with it; a company director's company may be older and may outlive the
director's affiliation (assumptions.COMPANY_SURVIVES_DIRECTOR). A bankruptcy ends both. The 1-series
numbers go to enterprises started from 2023 (self-employed-rules.md: the 1-series started around the
end of 2022).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from statut.synth import assumptions
from statut.synth.careers import BANKRUPTCY, NEVER, OPEN, Careers
from statut.synth.dates import day_number, uniform_day
from statut.synth.identifiers import as_text, enterprise_number_values
from statut.synth.options import SynthOptions
from statut.synth.random_streams import stream

ONE_SERIES_FROM = day_number(date(2023, 1, 1))
MAX_COMPANY_AGE_DAYS = 15 * 365


def draw_enterprises(options: SynthOptions, people: pl.DataFrame, careers: Careers) -> pl.DataFrame:
    """person_key, enterprise_number, legal_form, start_day, status, end_day, bankruptcy_day (all at
    the extraction date; NEVER = none), and the same three after the feed delay (``feed_*``)."""
    rng = stream(options.seed, "enterprises")
    n = people.height
    key = people["person_key"].to_numpy()
    capacity = people["capacity"].to_numpy()
    director = people["company_director"].to_numpy()
    affiliation_start = people["affiliation_start"].to_numpy()
    spell_end = careers.people["end_day"].to_numpy()
    reason = careers.people["end_reason"].to_numpy()

    start = np.where(
        director, affiliation_start - np.floor(rng.random(n) * MAX_COMPANY_AGE_DAYS).astype(np.int64), affiliation_start
    )
    numbers = enterprise_number_values(key - 1, start >= ONE_SERIES_FROM)
    bankrupt = reason == BANKRUPTCY
    survives = director & (rng.random(n) < assumptions.COMPANY_SURVIVES_DIRECTOR) & ~bankrupt
    stopped = (reason != OPEN) & ~survives
    end = np.where(stopped, spell_end, NEVER)
    status = np.where(bankrupt, "bankrupt", np.where(stopped, "stopped", "active"))

    # Between the extraction and the feed date some active enterprises stop or go bankrupt: the
    # register cannot know yet (truth/discrepancies.jsonl lists them).
    extraction, feed = day_number(options.extraction_date), day_number(options.feed_date)
    share_of_year = (feed - extraction) / 365.0
    active = status == "active"
    draw = rng.random(n)
    later_bankrupt = active & (draw < assumptions.BANKRUPTCY_RATE[assumptions.MAIN] * share_of_year)
    later_stopped = (
        active
        & ~later_bankrupt
        & (
            draw
            < (assumptions.BANKRUPTCY_RATE[assumptions.MAIN] + assumptions.CESSATION_RATE[assumptions.MAIN])
            * share_of_year
        )
    )
    later_day = uniform_day(rng, np.full(n, extraction), np.full(n, feed - 1))
    feed_status = np.where(later_bankrupt, "bankrupt", np.where(later_stopped, "stopped", status))
    feed_end = np.where(later_bankrupt | later_stopped, later_day, end)

    return pl.DataFrame(
        [
            pl.Series("person_key", key),
            as_text("enterprise_number", numbers, 10),
            pl.Series("legal_form", np.where(director, "company", "natural_person")),
            pl.Series("start_day", start),
            pl.Series("status", status),
            pl.Series("end_day", end),
            pl.Series("bankruptcy_day", np.where(bankrupt, spell_end, NEVER)),
            pl.Series("feed_status", feed_status),
            pl.Series("feed_end_day", feed_end),
            pl.Series("feed_bankruptcy_day", np.where(bankrupt, spell_end, np.where(later_bankrupt, later_day, NEVER))),
        ]
    ).filter(pl.Series(capacity != assumptions.ASSISTING_SPOUSE))
