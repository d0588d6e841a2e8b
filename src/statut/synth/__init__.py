"""Synthetic Belgium: a deterministic population of self-employed people, the batches their funds
send (with injected defects), the clean truth and a manifest of every defect.

Public API::

    population = generate(people=20_000, seed=42)          # in memory
    write(population, "var/synth", formats=("csv",))       # funds/, truth/, feeds/
    generate_to_directory(SynthOptions(people=1_200_000, seed=42), "var/synth")  # streamed

No real personal data: names, streets and numbers are drawn at random; municipalities and postal
codes are the public reference lists.
"""

from statut.exchange.writers import BatchFormat
from statut.synth.defects import DefectType
from statut.synth.options import GENERATOR_VERSION, SynthOptions
from statut.synth.output import generate_to_directory, read_defects, read_discrepancies, read_truth, write
from statut.synth.population import SyntheticPopulation, generate

__all__ = [
    "GENERATOR_VERSION",
    "BatchFormat",
    "DefectType",
    "SynthOptions",
    "SyntheticPopulation",
    "generate",
    "generate_to_directory",
    "read_defects",
    "read_discrepancies",
    "read_truth",
    "write",
]
