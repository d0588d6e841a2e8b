"""Valid identifiers for whole columns: INSZ/NISS, BIS and KBO/BCE enterprise numbers.

The arithmetic is the one of :func:`statut.domain.identifiers.national_number_check_digits` (check =
97 - (nine digits mod 97), with a leading 2 for births from 2000) and of the KBO/BCE mod-97 check,
written over numpy arrays so that a million numbers cost milliseconds; tests hold these functions to
the domain helper and to python-stdnum as oracles.

Counters. The three-digit counter after the birth date is odd for men and even for women
(001-997 and 002-998, National Register). Real people get the lowest counters of their (birth date,
sex, kind) group in registration order, as the National Register does; the counters from
:data:`PHANTOM_FIRST_SLOT` up are never given to anyone and serve the injected duplicates
(a second, different but valid number for the same person), so a duplicate never collides with a
real person's number.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from statut.domain.errors import StatutError
from statut.synth.dates import ymd

#: A counter slot s gives the counter 2s+1 (man) or 2s+2 (woman): slots 0..498.
COUNTER_SLOTS = 499
#: Slots from here on are reserved for injected duplicate identities (counters 901-998).
PHANTOM_FIRST_SLOT = 450
PHANTOM_SLOTS = COUNTER_SLOTS - PHANTOM_FIRST_SLOT

_BIS_MONTH_OFFSET = 40  # BIS number with the sex known (month + 40), stdnum.be.bis
_CENTURY_2000_PREFIX = 2 * 10**9  # the "2" put before the nine digits for births from 2000

# Enterprise numbers: "0" series 0200.000.0xx-0999.999.9xx, "1" series from end 2022 (KBO/BCE).
_SERIES_ZERO_LOW, _SERIES_ZERO_SIZE = 2_000_000, 8_000_000
_SERIES_ONE_LOW, _SERIES_ONE_SIZE = 10_000_000, 10_000_000
# Multipliers coprime with the series sizes: index -> serial is a permutation, so numbers look
# scattered yet stay unique for distinct indices.
_SERIES_ZERO_MULTIPLIER, _SERIES_ONE_MULTIPLIER = 2_654_437, 3_367_901
MAX_ENTERPRISES = _SERIES_ZERO_SIZE


def national_number_values(
    birth_days: np.ndarray, male: np.ndarray, counter_slots: np.ndarray, bis: np.ndarray
) -> np.ndarray:
    """INSZ (or BIS with the sex known) numbers as int64 (11 digits once zero-padded)."""
    year, month, day = ymd(birth_days)
    counter = 2 * np.asarray(counter_slots, dtype=np.int64) + np.where(male, 1, 2)
    month_digits = month + np.where(bis, _BIS_MONTH_OFFSET, 0)
    nine = (year % 100) * 10**7 + month_digits * 10**5 + day * 10**3 + counter
    base = nine + np.where(year >= 2000, _CENTURY_2000_PREFIX, 0)
    return np.asarray(nine * 100 + (97 - base % 97))


def check_digits_for(nine_digits: np.ndarray, born_2000_or_later: np.ndarray) -> np.ndarray:
    """Both check digits of nine-digit prefixes (the column form of the domain helper)."""
    base = np.asarray(nine_digits, dtype=np.int64) + np.where(born_2000_or_later, _CENTURY_2000_PREFIX, 0)
    return 97 - base % 97


def valid_check_digit_pair(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two check values stdnum would accept for these numbers' first nine digits (1900 and 2000)."""
    nine = np.asarray(numbers, dtype=np.int64) // 100
    return 97 - nine % 97, 97 - (nine + _CENTURY_2000_PREFIX) % 97


def as_text(name: str, values: np.ndarray, width: int) -> pl.Series:
    """Zero-padded text of non-negative integers (national numbers: 11, enterprise numbers: 10)."""
    return pl.Series(name, np.asarray(values, dtype=np.int64)).cast(pl.String).str.zfill(width)


def registration_ranks(*keys: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Rank of each row within its group of equal ``keys``, in ascending ``order`` (0-based)."""
    sort = np.lexsort((order, *reversed(keys)))
    sorted_keys = [np.asarray(key)[sort] for key in keys]
    new_group = np.ones(sort.shape[0], dtype=bool)
    if sort.shape[0]:
        changed = np.zeros(sort.shape[0] - 1, dtype=bool)
        for key in sorted_keys:
            changed |= key[1:] != key[:-1]
        new_group[1:] = changed
    position = np.arange(sort.shape[0])
    group_start = np.maximum.accumulate(np.where(new_group, position, 0))
    ranks = np.empty(sort.shape[0], dtype=np.int64)
    ranks[sort] = position - group_start
    return ranks


def assign_counter_slots(birth_days: np.ndarray, male: np.ndarray, bis: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Counter slots unique within (birth date, sex, INSZ/BIS): the lowest free ones, in ``order``."""
    slots = registration_ranks(np.asarray(birth_days), np.asarray(male), np.asarray(bis), order=order)
    if slots.size and int(slots.max()) >= PHANTOM_FIRST_SLOT:
        raise StatutError(
            f"more than {PHANTOM_FIRST_SLOT} people of one sex share a birth date: too many people for the "
            "national-number counter space",
            code="statut.synth.counter_space",
        )
    return slots


def phantom_slots(counter_slots: np.ndarray) -> np.ndarray:
    """The reserved slot used when this person gets a duplicate identity (a distinct, valid number)."""
    return PHANTOM_FIRST_SLOT + np.asarray(counter_slots, dtype=np.int64) % PHANTOM_SLOTS


def enterprise_number_values(index: np.ndarray, one_series: np.ndarray) -> np.ndarray:
    """Valid KBO/BCE numbers (int64; 10 digits once zero-padded), unique per distinct ``index``.

    ``one_series`` picks the 1-series started around the end of 2022 (self-employed-rules.md).
    """
    index = np.asarray(index, dtype=np.int64)
    if index.size and (int(index.min()) < 0 or int(index.max()) >= MAX_ENTERPRISES):
        raise StatutError(
            f"enterprise index out of range 0..{MAX_ENTERPRISES - 1}", code="statut.synth.enterprise_space"
        )
    zero = _SERIES_ZERO_LOW + (index * _SERIES_ZERO_MULTIPLIER + 7) % _SERIES_ZERO_SIZE
    one = _SERIES_ONE_LOW + (index * _SERIES_ONE_MULTIPLIER + 11) % _SERIES_ONE_SIZE
    first_eight = np.where(one_series, one, zero)
    return np.asarray(first_eight * 100 + (97 - first_eight % 97))
