"""The verifier's memory of accepted tokens (statut.access.tokens): it saves the signature check of a
token seen before and changes no decision. Keyed by the exact token; an entry is trusted only before
the token's ``exp`` and while the key that verified it is still published; bounded; refused tokens
are never remembered. No database: the verifier alone, with a key set whose JWKS a test can change."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from statut.access.errors import TokenRejected
from statut.access.tokens import JWKS_REFRESH_INTERVAL_SECONDS, KeySet, TokenVerifier, VerifierConfig

ISSUER = "https://issuer.test"
AUDIENCE = "statut"


class Issuer:
    """A signing key and the JWKS that publishes it (which a test may replace: key rotation)."""

    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "k1"
        self.published: Mapping[str, Any] = self.jwks(self.private_key, self.kid)

    @staticmethod
    def jwks(private_key: rsa.RSAPrivateKey, kid: str) -> Mapping[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
        return {"keys": [{**public, "kid": kid, "use": "sig", "alg": "RS256"}]}

    def token(self, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 300,
            "sub": "client:fund-F101",
            "statut_role": "fund_system",
            "fund": "F101",
            "client_id": "fund-F101",
        }
        claims.update(overrides)
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})


class Clocks:
    """The key set's monotonic clock and the verifier's wall clock, moved by the tests."""

    def __init__(self) -> None:
        self.monotonic = 0.0
        self.offset = 0.0

    def wall(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


def _verifier(issuer: Issuer, clocks: Clocks, *, cache_size: int = 16) -> TokenVerifier:
    keys = KeySet(lambda: issuer.published, clock=lambda: clocks.monotonic)
    return TokenVerifier(VerifierConfig(ISSUER, AUDIENCE), keys, clock=clocks.wall, cache_size=cache_size)


def test_an_accepted_token_is_recognised_and_gives_the_same_actor(issuer: Issuer, clocks: Clocks) -> None:
    verifier = _verifier(issuer, clocks)
    token = issuer.token()
    assert verifier.recognised(token) is None
    actor = verifier.verify(token)
    assert verifier.recognised(token) == actor
    assert verifier.verify(token) == actor
    assert actor.fund_code == "F101"


def test_only_the_exact_token_is_recognised(issuer: Issuer, clocks: Clocks) -> None:
    verifier = _verifier(issuer, clocks)
    token = issuer.token()
    verifier.verify(token)
    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    assert verifier.recognised(tampered) is None
    with pytest.raises(TokenRejected):
        verifier.verify(tampered)


def test_a_remembered_token_is_not_trusted_after_its_exp(issuer: Issuer, clocks: Clocks) -> None:
    verifier = _verifier(issuer, clocks)
    token = issuer.token(exp=int(time.time()) + 100)
    verifier.verify(token)
    clocks.offset = 99
    assert verifier.recognised(token) is not None
    clocks.offset = 101
    assert verifier.recognised(token) is None  # verified afresh: the clock skew decides, as without a cache


def test_a_token_within_the_clock_skew_after_exp_is_accepted_but_never_remembered(
    issuer: Issuer, clocks: Clocks
) -> None:
    verifier = _verifier(issuer, clocks)
    now = int(time.time())
    token = issuer.token(exp=now - 30, iat=now - 600)
    verifier.verify(token)
    assert verifier.recognised(token) is None


def test_a_refused_token_is_never_remembered(issuer: Issuer, clocks: Clocks) -> None:
    verifier = _verifier(issuer, clocks)
    for token in (issuer.token(aud="another-platform"), issuer.token(iss="https://evil.test"), issuer.token(exp=1)):
        with pytest.raises(TokenRejected):
            verifier.verify(token)
        assert verifier.recognised(token) is None
        with pytest.raises(TokenRejected):
            verifier.verify(token)


def test_a_withdrawn_key_ends_the_tokens_it_verified(issuer: Issuer, clocks: Clocks) -> None:
    verifier = _verifier(issuer, clocks)
    old_token = issuer.token()
    verifier.verify(old_token)
    # Key rotation: the issuer publishes a new key only; a token of the new key makes the verifier
    # fetch the JWKS again (at most once a minute).
    issuer.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer.kid = "k2"
    issuer.published = Issuer.jwks(issuer.private_key, "k2")
    clocks.monotonic += JWKS_REFRESH_INTERVAL_SECONDS
    verifier.verify(issuer.token())
    assert verifier.recognised(old_token) is None
    with pytest.raises(TokenRejected, match="does not publish"):
        verifier.verify(old_token)


def test_the_memory_is_bounded_oldest_first(issuer: Issuer, clocks: Clocks) -> None:
    verifier = _verifier(issuer, clocks, cache_size=2)
    tokens = [issuer.token(sub=f"client:{index}") for index in range(3)]
    for token in tokens:
        verifier.verify(token)
    assert verifier.recognised(tokens[0]) is None
    assert verifier.recognised(tokens[1]) is not None
    assert verifier.recognised(tokens[2]) is not None
