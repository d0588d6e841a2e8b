"""The reference list of social insurance funds is data, not code.

A deployment loads its own list (Belgium: the approved funds and the Caisse nationale auxiliaire);
the synthetic population uses the fictitious list in statut/reference/funds.yaml.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from statut.domain.entities import Language, SocialInsuranceFund
from statut.domain.errors import DomainValidationError


class FundCatalogue:
    def __init__(self, funds: Iterable[SocialInsuranceFund]) -> None:
        self._by_code = {fund.code: fund for fund in funds}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    @property
    def codes(self) -> list[str]:
        return list(self._by_code)

    def get(self, code: str) -> SocialInsuranceFund | None:
        return self._by_code.get(code)

    def require(self, code: str) -> SocialInsuranceFund:
        fund = self._by_code.get(code)
        if fund is None:
            raise DomainValidationError("fund", code, f"unknown fund (known: {', '.join(self._by_code)})")
        return fund

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, object]]) -> FundCatalogue:
        funds = [
            SocialInsuranceFund(
                code=str(record["code"]),
                name=str(record["name"]),
                fee_rate=Decimal(str(record["fee_rate"])),
                languages=tuple(Language(str(lang)) for lang in record.get("languages", ["fr", "nl"])),  # type: ignore[attr-defined]
                email=str(record.get("email", "")),
                phone=str(record.get("phone", "")),
                website=str(record.get("website", "")),
                is_auxiliary=bool(record.get("is_auxiliary", False)),
                iban=str(record.get("iban", "")),
            )
            for record in records
        ]
        return cls(funds)
