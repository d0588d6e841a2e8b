"""Reference data shipped with statut (fictitious funds for the synthetic population)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from statut.domain.funds import FundCatalogue


@cache
def default_funds() -> FundCatalogue:
    text = resources.files("statut.reference").joinpath("funds.yaml").read_text(encoding="utf-8")
    return FundCatalogue.from_records(yaml.safe_load(text)["funds"])
