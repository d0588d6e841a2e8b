"""Identity at run time: which tokens the server trusts, the development issuer, rate limits, cursors.

Built once per server process (application factory) from the settings:

- ``STATUT_OIDC_ISSUER`` set: tokens of that issuer only, keys from ``STATUT_OIDC_JWKS_URL`` or
  the issuer's OpenID discovery document; the development issuer is refused;
- no issuer and ``environment=production``: no token is accepted (a production server never falls
  back on the development issuer);
- no issuer in development: the built-in development issuer (statut.access.dev_issuer).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from statut.access.cursors import CursorCodec
from statut.access.dev_issuer import (
    ACCOUNTANT_NAME,
    ACCOUNTANT_NUMBER,
    DEV_ISSUER,
    DevelopmentIssuer,
    Persona,
    personas,
)
from statut.access.errors import TokenRejected
from statut.access.identity import Actor, Role, Section
from statut.access.rate_limit import Limit, RateLimiter
from statut.access.secret_files import load_or_create
from statut.access.tokens import JwksFetcher, KeySet, TokenVerifier, VerifierConfig, http_jwks_fetcher, static_jwks
from statut.domain.errors import DomainValidationError, NotFound
from statut.reference import default_funds
from statut.settings import Settings
from statut.store.mandates import MandateRecord
from statut.store.unit_of_work import UnitOfWork

DEMO_ACTOR = "development-issuer"


@dataclass
class AccessRuntime:
    settings: Settings
    verifier: TokenVerifier | None
    dev_issuer: DevelopmentIssuer | None
    limiter: RateLimiter
    cursors: CursorCodec

    def authenticate(self, token: str) -> Actor:
        if self.verifier is None:
            raise TokenRejected("no identity provider is configured: set STATUT_OIDC_ISSUER")
        return self.verifier.verify(token)


def _discovering_fetcher(issuer: str) -> JwksFetcher:
    """Find the JWKS through the issuer's OpenID discovery document (OpenID Connect Discovery 1.0)."""

    def fetch() -> Mapping[str, Any]:
        response = httpx.get(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=5.0)
        response.raise_for_status()
        return http_jwks_fetcher(str(response.json()["jwks_uri"]))()

    return fetch


def build_access(settings: Settings, *, limits: dict[str, Limit] | None = None) -> AccessRuntime:
    cursor_key = load_or_create(settings.data_dir / "keys" / "cursor.key", lambda: secrets.token_bytes(32))
    limiter = RateLimiter(limits)
    if settings.oidc_issuer:
        fetcher = (
            http_jwks_fetcher(settings.oidc_jwks_url)
            if settings.oidc_jwks_url
            else _discovering_fetcher(settings.oidc_issuer)
        )
        verifier = TokenVerifier(VerifierConfig(settings.oidc_issuer, settings.oidc_audience), KeySet(fetcher))
        return AccessRuntime(settings, verifier, None, limiter, CursorCodec(cursor_key))
    if settings.environment == "production":
        return AccessRuntime(settings, None, None, limiter, CursorCodec(cursor_key))
    issuer = DevelopmentIssuer(
        settings.data_dir / "dev-issuer", audience=settings.oidc_audience, fund_codes=[f.code for f in default_funds()]
    )
    verifier = TokenVerifier(VerifierConfig(DEV_ISSUER, settings.oidc_audience), KeySet(static_jwks(issuer.jwks())))
    return AccessRuntime(settings, verifier, issuer, limiter, CursorCodec(cursor_key))


def dev_personas() -> list[Persona]:
    return personas(f.code for f in default_funds())


def persona_claims(uow: UnitOfWork, name: str) -> dict[str, Any]:
    """The claims of a demo persona; the accountant's mandate is created when missing (development only)."""
    persona = next((p for p in dev_personas() if p.name == name), None)
    if persona is None:
        raise DomainValidationError("persona", name, "unknown persona (see GET /dev/oidc/personas)")
    claims: dict[str, Any] = {
        "sub": f"persona:{persona.name}",
        "statut_role": persona.role.value,
        "name": persona.description,
    }
    if persona.role in (Role.FUND_AGENT, Role.FUND_SYSTEM):
        claims["fund"] = persona.fund_code
    if persona.name == "self-employed":
        claims["national_number"] = demo_person(uow, uow.clock().date())[1]
    if persona.name == "accountant":
        claims["national_number"] = ACCOUNTANT_NUMBER
        claims["name"] = ACCOUNTANT_NAME
        _ensure_demo_mandate(uow, uow.clock().date())
    return claims


def client_claims(fund_code: str, client_id: str) -> dict[str, Any]:
    return {
        "sub": f"client:{client_id}",
        "statut_role": Role.FUND_SYSTEM.value,
        "fund": fund_code,
        "client_id": client_id,
    }


#: Age window of the demo's self-employed persona: someone a birth, a cessation or an income change can
#: happen to, so that every life event the demo shows reaches her portal.
PERSONA_AGES = (25, 40)


def demo_person(uow: UnitOfWork, today: date) -> tuple[int, str]:
    """The person the "self-employed" persona signs in as: the first woman of 25 to 40 affiliated today
    and owing no overdue contribution (so the demo's birth turns into a maternity-aid proposal in her
    own portal), else the first person affiliated today."""
    youngest, oldest = PERSONA_AGES
    found = uow.members.first_member_in_good_standing(
        today,
        sex="F",
        born_after=_years_before(today, oldest + 1),
        born_on_or_before=_years_before(today, youngest),
    ) or uow.members.first_member(today)
    if found is None:
        raise NotFound(
            "the register has no affiliated person yet: run `statut demo` first", code="statut.not_found.persona"
        )
    return found


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _ensure_demo_mandate(uow: UnitOfWork, today: date) -> None:
    person_id, _ = demo_person(uow, today)
    if uow.mandates.in_force(person_id, ACCOUNTANT_NUMBER, today):
        return
    change = uow.record_change(
        actor=DEMO_ACTOR,
        reason="demo: mandate of the self-employed persona to the accountant persona",
        source="dev-issuer",
    )
    uow.mandates.add(
        MandateRecord(
            mandate_id="",
            version_id=0,
            person_id=person_id,
            mandatary_number=ACCOUNTANT_NUMBER,
            mandatary_name=ACCOUNTANT_NAME,
            relationship="accountant",
            scopes=tuple(
                sorted(
                    s.value for s in (Section.IDENTITY, Section.AFFILIATIONS, Section.INCOMES, Section.CONTRIBUTIONS)
                )
            ),
            valid_from=today,
            valid_to=None,
            status="active",
            channel="online",
            registered_by=DEMO_ACTOR,
        ),
        change,
    )


def development_clients(settings: Settings) -> dict[str, str]:
    """``client_id -> secret`` of the development issuer's fund clients (created if missing).

    Refused when a real issuer is configured or in production: there are no development clients then.
    """
    if settings.oidc_issuer or settings.environment == "production":
        raise DomainValidationError(
            "environment", settings.environment, "the development issuer is off (a real issuer or production)"
        )
    issuer = DevelopmentIssuer(
        settings.data_dir / "dev-issuer", audience=settings.oidc_audience, fund_codes=[f.code for f in default_funds()]
    )
    return issuer.client_secrets()
