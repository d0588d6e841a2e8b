"""The contribution formulas of statut.rules written as OpenFisca country packages, the benchmark
baseline of issue 5 (openfisca-core is a benchmark-only dependency; src/statut never imports it).

Two formulations of the same rules, both agreeing with statut.rules to the cent:

- ``fused``: few variables, each formula a whole computation in int64 numpy (the fastest we could
  write; the headline baseline);
- ``idiomatic``: the style of OpenFisca country packages, one variable per legal concept, the
  capacity an Enum, the per-capacity figures vectorial parameters indexed by it.

The parameters are not copied by hand: :mod:`parameters` converts the values of statut's own
parameter set into OpenFisca parameter trees, so every engine reads the same figures.

OpenFisca stores ``float`` variables as float32, which cannot hold euro amounts to the cent (a float32
has 24 bits of mantissa: 104,422.24 becomes 104,422.2422), so the amounts are OpenFisca ``int``
variables in integer cents, the intermediate products are computed in int64 inside the formulas, and
annual-basis incomes are stored in twelfths of a cent capped at the ceiling (they then fit OpenFisca's
int32, and nothing above the ceiling changes a contribution). Rounding is half-up to the cent, as in
statut.rules.
"""

from benchmarks.openfisca_baseline import fused, idiomatic

__all__ = ["fused", "idiomatic"]
