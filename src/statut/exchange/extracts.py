"""Columns of the authentic-source extracts: the National Register and the enterprise register (KBO/BCE).

One definition for the file that `statut synth` writes and the file that the quality scan reads
(statut.quality.authentic_sources), so the two cannot drift apart.
"""

from __future__ import annotations

#: A National Register extract: identity, address and date of death of each person.
NATIONAL_REGISTER_COLUMNS: tuple[str, ...] = (
    "national_number",
    "last_name",
    "first_name",
    "birth_date",
    "sex",
    "postal_code",
    "municipality",
    "street",
    "death_date",
)

#: A KBO/BCE extract: status and dates of each enterprise.
ENTERPRISE_REGISTER_COLUMNS: tuple[str, ...] = ("enterprise_number", "status", "start_date", "end_date")
