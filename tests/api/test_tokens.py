"""Bearer tokens: only RS256/ES256 tokens of the trusted issuer, for this audience, signed by a
published key, within their validity (60 s of clock skew) are accepted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from statut.access.dev_issuer import DEV_ISSUER
from tests.api.conftest import World

ROUTE = "/api/v1/me/access-log"


def _claims(world: World, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": DEV_ISSUER,
        "aud": "statut",
        "iat": now,
        "exp": now + 300,
        "sub": "alice",
        "statut_role": "citizen",
        "national_number": world.number("alice"),
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def _status(world: World, token: str) -> tuple[int, str]:
    response = world.client.get(ROUTE, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json().get("detail", "") if response.status_code != 200 else ""


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _issuer_kid(world: World) -> str:
    return world.client.app.state.access.dev_issuer.kid  # type: ignore[attr-defined]


def test_a_valid_token_is_accepted(world: World) -> None:
    assert _status(world, world.token(_claims(world)))[0] == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"aud": "another-platform"}, "audience"),
        ({"iss": "https://evil.example"}, "issuer"),
        ({"exp": int(time.time()) - 120, "iat": int(time.time()) - 600}, "expired"),
        ({"nbf": int(time.time()) + 600}, "not valid yet"),
        ({"sub": None}, "invalid"),
        ({"statut_role": "superuser"}, "role"),
        ({"national_number": "12345678901"}, "national number"),
        ({"statut_role": "fund_agent", "national_number": None}, "fund"),
    ],
)
def test_bad_claims_are_rejected(world: World, overrides: dict[str, Any], message: str) -> None:
    status, detail = _status(world, _signed(world, _claims(world, **overrides)))
    assert status == 401
    assert message in detail


def _signed(world: World, claims: dict[str, Any]) -> str:
    issuer = world.client.app.state.access.dev_issuer  # type: ignore[attr-defined]
    return jwt.encode(claims, issuer._private_key, algorithm="RS256", headers={"kid": issuer.kid})


def test_clock_skew_of_60_seconds_is_tolerated(world: World) -> None:
    now = int(time.time())
    assert _status(world, _signed(world, _claims(world, exp=now - 30, iat=now - 600)))[0] == 200
    assert _status(world, _signed(world, _claims(world, nbf=now + 30)))[0] == 200


def test_algorithm_none_is_rejected(world: World) -> None:
    token = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': _issuer_kid(world)})}.{_b64(_claims(world))}."
    status, detail = _status(world, token)
    assert status == 401
    assert "not allowed" in detail


def test_hmac_with_the_public_key_is_rejected(world: World) -> None:
    """Key confusion: an HS256 token MACed with the issuer's public key as the secret."""
    issuer = world.client.app.state.access.dev_issuer  # type: ignore[attr-defined]
    public_pem = issuer._private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": issuer.kid})
    payload = _b64(_claims(world))

    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    token = f"{header}.{payload}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"
    assert _status(world, token)[0] == 401


def test_a_token_signed_by_another_key_is_rejected(world: World) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(world), other, algorithm="RS256", headers={"kid": _issuer_kid(world)})
    status, detail = _status(world, token)
    assert status == 401
    assert "invalid" in detail


def test_an_unknown_or_missing_kid_is_rejected(world: World) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert _status(world, jwt.encode(_claims(world), other, algorithm="RS256", headers={"kid": "unknown"}))[0] == 401
    assert _status(world, jwt.encode(_claims(world), other, algorithm="RS256"))[0] == 401


def test_es256_against_an_rsa_key_is_rejected(world: World) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(_claims(world), key, algorithm="ES256", headers={"kid": _issuer_kid(world)})
    status, detail = _status(world, token)
    assert status == 401
    assert "does not match" in detail


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x" * 9000, "Bearer", "e30.e30.e30"])
def test_garbage_is_rejected(world: World, token: str) -> None:
    response = world.client.get(ROUTE, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_other_schemes_are_rejected(world: World) -> None:
    response = world.client.get(ROUTE, headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})
    assert response.status_code == 401
