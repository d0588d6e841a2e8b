"""Social insurance funds: the reference list every affiliation, contribution and payment points to.

The list is public reference data, loaded from a catalogue (statut.reference for the synthetic
population). A fund's details may change (a new fee rate, a new address): the row is updated, and
the ledger entry of the change keeps the old and the new values, so history is not lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update

from statut.domain.entities import Language, SocialInsuranceFund
from statut.domain.errors import DomainValidationError
from statut.domain.funds import FundCatalogue
from statut.store import tables as t
from statut.store.changes import Change
from statut.store.ledger import Ledger

PPM = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class FundSync:
    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]


def fee_rate_to_ppm(rate: Decimal) -> int:
    scaled = rate * PPM
    if scaled != scaled.to_integral_value() or not 0 <= scaled < PPM:
        raise DomainValidationError("fee_rate", rate, "a fee rate is between 0 and 1 with at most six decimals")
    return int(scaled)


def _row_values(fund: SocialInsuranceFund) -> dict[str, Any]:
    return {
        "name": fund.name,
        "fee_rate_ppm": fee_rate_to_ppm(fund.fee_rate),
        "languages": ",".join(language.value for language in fund.languages),
        "email": fund.email,
        "phone": fund.phone,
        "website": fund.website,
        "is_auxiliary": fund.is_auxiliary,
        "iban": fund.iban,
    }


def _fund(row: Any) -> SocialInsuranceFund:
    return SocialInsuranceFund(
        code=row.fund_code,
        name=row.name,
        fee_rate=(Decimal(row.fee_rate_ppm) / PPM).normalize(),
        languages=tuple(Language(code) for code in row.languages.split(",") if code),
        email=row.email,
        phone=row.phone,
        website=row.website,
        is_auxiliary=bool(row.is_auxiliary),
        iban=row.iban,
    )


class FundRepository:
    def __init__(self, connection: Connection, ledger: Ledger) -> None:
        self._connection = connection
        self._ledger = ledger

    def all(self) -> list[SocialInsuranceFund]:
        rows = self._connection.execute(select(t.fund).order_by(t.fund.c.fund_code))
        return [_fund(row) for row in rows]

    def catalogue(self) -> FundCatalogue:
        return FundCatalogue(self.all())

    def codes(self) -> set[str]:
        return set(self._connection.execute(select(t.fund.c.fund_code)).scalars())

    def get(self, code: str) -> SocialInsuranceFund | None:
        row = self._connection.execute(select(t.fund).where(t.fund.c.fund_code == code)).one_or_none()
        return None if row is None else _fund(row)

    def require(self, code: str, field: str = "fund") -> SocialInsuranceFund:
        fund = self.get(code)
        if fund is None:
            known = ", ".join(sorted(self.codes())) or "none: run `statut db upgrade`"
            raise DomainValidationError(field, code, f"unknown fund (known: {known})")
        return fund

    def sync(self, funds: Iterable[SocialInsuranceFund], change: Change) -> FundSync:
        """Add the funds the register lacks and update those whose details changed."""
        existing = {fund.code: fund for fund in self.all()}
        added: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        for fund in funds:
            values = _row_values(fund)
            old = existing.get(fund.code)
            if old is None:
                self._connection.execute(
                    insert(t.fund).values(fund_code=fund.code, change_id=change.change_id, **values)
                )
                self._ledger.record(
                    change, action="fund.added", entity_type="fund", entity_key=fund.code, payload=values
                )
                added.append(fund.code)
            elif _row_values(old) != values:
                before = _row_values(old)
                self._connection.execute(
                    update(t.fund).where(t.fund.c.fund_code == fund.code).values(change_id=change.change_id, **values)
                )
                self._ledger.record(
                    change,
                    action="fund.updated",
                    entity_type="fund",
                    entity_key=fund.code,
                    payload={"before": before, "after": values},
                )
                updated.append(fund.code)
            else:
                unchanged.append(fund.code)
        return FundSync(tuple(added), tuple(updated), tuple(unchanged))
