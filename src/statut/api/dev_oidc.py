"""Routes of the built-in development issuer (DEVELOPMENT ONLY), mounted under ``/dev/oidc`` only when
no real issuer is configured and the environment is not production.

- ``GET /dev/oidc/.well-known/openid-configuration`` and ``GET /dev/oidc/jwks.json``: discovery and keys;
- ``GET /dev/oidc/personas``: the demo personas;
- ``POST /dev/oidc/token`` (form): ``grant_type=client_credentials`` with ``client_id`` and
  ``client_secret`` (a fund's IT system, RFC 6749 §4.4), or ``grant_type=urn:statut:persona`` with
  ``persona`` (a demo persona, no password). Rate-limited per client.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Form, Header, Request

from statut.access.dev_issuer import DEV_ISSUER, TOKEN_LIFETIME_SECONDS
from statut.access.errors import TokenRejected
from statut.api.deps import Access, RuntimeDep
from statut.api.text import SafeText
from statut.api.v1.common import problems
from statut.api.v1.schemas import PersonaRead, TokenRead
from statut.domain.errors import DomainValidationError
from statut.services.identity import client_claims, dev_personas, persona_claims

router = APIRouter(prefix="/dev/oidc", tags=["development-only issuer"])
PERSONA_GRANT = "urn:statut:persona"


@router.get("/.well-known/openid-configuration", summary="Discovery document (development only)")
def discovery(request: Request) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/") + "/dev/oidc"
    return {
        "issuer": DEV_ISSUER,
        "jwks_uri": base + "/jwks.json",
        "token_endpoint": base + "/token",
        "grant_types_supported": ["client_credentials", PERSONA_GRANT],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "development_only": True,
    }


@router.get("/jwks.json", summary="Public keys of the development issuer")
def jwks(access: Access) -> dict[str, Any]:
    assert access.dev_issuer is not None
    return access.dev_issuer.jwks()


@router.get("/personas", response_model=list[PersonaRead], summary="Demo personas (development only)")
def list_personas() -> list[PersonaRead]:
    return [
        PersonaRead(name=p.name, role=p.role.value, description=p.description, fund_code=p.fund_code)
        for p in dev_personas()
    ]


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, separator, secret = decoded.partition(":")
    return (client_id, secret) if separator else None


@router.post("/token", response_model=TokenRead, summary="Get a token (development only)", responses=problems(400))
def token(
    *,
    access: Access,
    runtime: RuntimeDep,
    grant_type: Annotated[SafeText, Form(max_length=100)],
    client_id: Annotated[SafeText | None, Form(max_length=100)] = None,
    client_secret: Annotated[SafeText | None, Form(max_length=200)] = None,
    persona: Annotated[SafeText | None, Form(max_length=100)] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> TokenRead:
    issuer = access.dev_issuer
    assert issuer is not None
    if grant_type == "client_credentials":
        basic = _basic_credentials(authorization)
        if basic is not None:
            client_id, client_secret = basic
        access.limiter.hit("token", f"client:{client_id or '-'}")
        fund = issuer.authenticate_client(client_id or "", client_secret or "")
        if fund is None or client_id is None:
            raise TokenRejected("unknown client or wrong secret", code="statut.oauth.invalid_client")
        claims = client_claims(fund, client_id)
    elif grant_type == PERSONA_GRANT:
        access.limiter.hit("token", f"persona:{persona or '-'}")
        with runtime.unit_of_work() as uow:
            claims = persona_claims(uow, persona or "")
            uow.commit()
    else:
        raise DomainValidationError(
            "grant_type",
            grant_type,
            f"use client_credentials or {PERSONA_GRANT}",
            code="statut.oauth.unsupported_grant_type",
        )
    return TokenRead(access_token=issuer.issue(claims), expires_in=TOKEN_LIFETIME_SECONDS)
