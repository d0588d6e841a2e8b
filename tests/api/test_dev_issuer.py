"""The development issuer: personas and client credentials; marked and refused outside development."""

from __future__ import annotations

import base64
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from statut.api.app import create_app
from statut.settings import Settings
from tests.api.conftest import World


def test_client_credentials_give_a_fund_system_token_that_reads_members(world: World) -> None:
    secret = world.client.app.state.access.dev_issuer.client_secrets()["fund-F101"]  # type: ignore[attr-defined]
    response = world.client.post(
        "/dev/oidc/token", data={"grant_type": "client_credentials", "client_id": "fund-F101", "client_secret": secret}
    )
    assert response.status_code == 200
    assert response.headers["X-Statut-Environment"] == "development-only"
    token = response.json()["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    members = world.client.get("/api/v1/funds/F101/members", headers={"Authorization": f"Bearer {token}"})
    assert members.status_code == 200
    assert (
        world.client.get("/api/v1/funds/F102/members", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    )
    basic = base64.b64encode(f"fund-F101:{secret}".encode()).decode()
    again = world.client.post(
        "/dev/oidc/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert again.status_code == 200


def test_wrong_secret_or_unknown_client_is_refused(world: World) -> None:
    for client_id, secret in (("fund-F101", "nope"), ("fund-XXXX", "nope"), ("", "")):
        response = world.client.post(
            "/dev/oidc/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        )
        assert response.status_code == 401


@pytest.mark.parametrize("persona", ["self-employed", "accountant", "institution", "analyst", "agent-F101"])
def test_every_persona_gets_a_working_token(world: World, persona: str) -> None:
    response = world.client.post("/dev/oidc/token", data={"grant_type": "urn:statut:persona", "persona": persona})
    assert response.status_code == 200, response.text
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    if persona in ("self-employed", "accountant"):
        log = world.client.get("/api/v1/me/access-log", headers=headers)
        assert log.status_code == 200
    if persona == "accountant":
        # The demo mandate from the self-employed persona is in force.
        received = world.client.get("/api/v1/me/mandates/received", headers=headers).json()["items"]
        number = received[0]["person_number"]
        assert world.client.get(f"/api/v1/persons/{number}/dossier", headers=headers).status_code == 200


def test_discovery_jwks_and_personas_are_published(world: World) -> None:
    assert world.client.get("/dev/oidc/.well-known/openid-configuration").json()["development_only"] is True
    keys = world.client.get("/dev/oidc/jwks.json").json()["keys"]
    assert keys[0]["kty"] == "RSA"
    assert "d" not in keys[0]
    names = [p["name"] for p in world.client.get("/dev/oidc/personas").json()]
    assert {"self-employed", "accountant", "institution", "analyst", "agent-F101", "agent-F102"} <= set(names)


@pytest.mark.parametrize(
    "options",
    [
        {"oidc_issuer": "https://idp.example", "oidc_jwks_url": "https://idp.example/jwks"},
        {"environment": "production"},
    ],
)
def test_the_development_issuer_is_refused_outside_development(
    world: World, tmp_path: Path, options: dict[str, str]
) -> None:
    dev_token = world.tokens["alice"]
    app = create_app(Settings(database_url=world.client.app.state.settings.database_url, data_dir=tmp_path, **options))  # type: ignore[attr-defined, arg-type]
    with TestClient(app, raise_server_exceptions=False) as client:
        assert app.state.access.dev_issuer is None
        assert (
            client.post("/dev/oidc/token", data={"grant_type": "urn:statut:persona", "persona": "analyst"}).status_code
            == 404
        )
        assert client.get("/dev/oidc/jwks.json").status_code == 404
        response = client.get("/api/v1/me/access-log", headers={"Authorization": f"Bearer {dev_token}"})
        assert response.status_code == 401
        assert "X-Statut-Environment" not in response.headers or options.get("environment") != "production"
    assert not (tmp_path / "dev-issuer").exists()


def test_keys_and_secrets_are_shared_by_workers_and_kept_out_of_git(world: World, tmp_path: Path) -> None:
    settings = Settings(database_url=world.client.app.state.settings.database_url, data_dir=tmp_path)  # type: ignore[attr-defined]
    first, second = create_app(settings), create_app(settings)
    assert first.state.access.dev_issuer.kid == second.state.access.dev_issuer.kid
    assert first.state.access.dev_issuer.client_secrets() == second.state.access.dev_issuer.client_secrets()
    key = tmp_path / "dev-issuer" / "signing-key.pem"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
