"""The portal through HTTP (Starlette's TestClient), on SQLite and PostgreSQL: sign-in, the policy
seen through pages, CSRF on every form, hostile and malformed input, escaping, languages, errors."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from statut.access.dev_issuer import ACCOUNTANT_NUMBER
from statut.api.app import create_app
from statut.settings import Settings
from tests.portal.conftest import CSRF, PortalEnv, User, csrf_of
from tests.portal.world import HOSTILE


def h1(html: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert found, html[:500]
    return found.group(1).strip()


def mandate_ids(html: str) -> list[str]:
    return re.findall(r'action="/me/mandates/([A-Za-z0-9_-]+)/revoke"', html)


def represented_ids(html: str) -> list[str]:
    return re.findall(r'href="/represent/([A-Za-z0-9_-]+)"', html)


def version_of(html: str, mandate_id: str) -> str:
    found = re.search(rf'action="/me/mandates/{mandate_id}/revoke"[^>]*>.*?name="version" value="(\d+)"', html, re.S)
    assert found, f"no revoke form for {mandate_id}"
    return found.group(1)


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-error">(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else ""


# -- sign-in, session, sign-out ---------------------------------------------------------------------


def test_the_self_employed_persona_signs_in_and_out(portal: PortalEnv) -> None:
    user = portal.user()
    landing = user.get("/")
    assert landing.status_code == 200
    assert 'value="self-employed"' in landing.text
    assert 'value="accountant"' in landing.text
    response = user.sign_in("self-employed")
    assert response.headers["location"] == "/me"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    page = user.get("/me")
    assert page.status_code == 200
    assert "Sofie" in page.text
    assert "Arden Social Fund" in page.text
    assert "+32 2 000 01 01" in page.text
    assert page.headers["cache-control"] == "no-store"
    stolen = dict(user.client.cookies)
    assert user.post("/logout", {}, form_page="/me").status_code == 303
    assert user.get("/me").status_code == 401
    replay = portal.user()
    replay.client.cookies.update(stolen)  # the old cookie is worthless: the session ended on the server
    assert replay.get("/me").status_code == 401


def test_a_forged_session_cookie_is_refused(portal: PortalEnv) -> None:
    user = portal.user()
    user.client.cookies.set("statut_session", "made-up.signature")
    response = user.get("/me")
    assert response.status_code == 401
    assert h1(response.text) == "Please sign in"


def test_an_unknown_persona_changes_nothing(portal: PortalEnv) -> None:
    user = portal.user()
    response = user.post("/login", {"persona": "root\x00"})
    assert response.status_code == 400
    assert "statut_session" not in response.headers.get("set-cookie", "")


def test_the_development_sign_in_is_refused_with_a_real_issuer(portal: PortalEnv, tmp_path: object) -> None:
    settings = Settings(
        database_url=portal.app.state.settings.database_url,
        data_dir=portal.app.state.settings.data_dir,
        oidc_issuer="https://id.example.invalid",
        oidc_jwks_url="https://id.example.invalid/jwks.json",
    )
    with TestClient(create_app(settings), raise_server_exceptions=False, follow_redirects=False) as client:
        client.headers.update({"accept": "text/html", "accept-language": "en"})
        landing = client.get("/")
        assert 'action="/login"' not in landing.text
        assert "switched off" in landing.text
        token = csrf_of(landing.text)
        response = client.post("/login", data={"csrf_token": token, "persona": "self-employed"})
        assert response.status_code == 403
        assert "statut_session" not in response.headers.get("set-cookie", "")


# -- the policy, seen through pages --------------------------------------------------------------------


def test_a_person_cannot_open_someone_elses_pages_by_changing_the_address(portal: PortalEnv) -> None:
    accountant = portal.user()
    accountant.sign_in("accountant")  # creates the demo mandate from sofie
    ids = represented_ids(accountant.get("/me/represented").text)
    assert ids
    assert accountant.get(f"/represent/{ids[0]}/contributions").status_code == 200
    lena = portal.user()
    lena.sign_in_as(portal.citizen("lena"))
    for path in (f"/represent/{ids[0]}", f"/represent/{ids[0]}/contributions", "/represent/AAAAAAAAAAAAAAAAAAAAAA"):
        response = lena.get(path)
        assert response.status_code == 404, path
        assert "Sofie" not in response.text
        assert "Janssens" not in response.text
    # the grantor herself does not "represent" herself through her own mandate
    sofie = portal.user()
    sofie.sign_in("self-employed")
    assert sofie.get(f"/represent/{ids[0]}").status_code == 404
    # a fund agent has no "my pages"
    agent = portal.user()
    agent.sign_in("agent-F101")
    assert agent.get("/me").status_code == 403


def test_a_revoked_or_expired_mandate_denies_at_once(portal: PortalEnv) -> None:
    sofie = portal.user()
    sofie.sign_in("self-employed")
    yesterday = date.today() - timedelta(days=1)
    response = sofie.post(
        "/me/mandates",
        [
            ("mandatary_number", portal.world.number("lena")),
            ("mandatary_name", "Lena Schmitz"),
            ("relationship", "family"),
            ("scopes", "career"),
            ("valid_from", "2020-01-01"),
            ("valid_to", yesterday.isoformat()),
        ],
        form_page="/me/mandates",
    )
    assert response.status_code == 303
    lena = portal.user()
    lena.sign_in_as(portal.citizen("lena"))
    assert represented_ids(lena.get("/me/represented").text) == []  # expired: not listed
    page = sofie.get("/me/mandates").text
    expired = [m for m in mandate_ids(page) if m not in represented_ids(page)]
    assert expired
    for mandate_id in expired:
        assert lena.get(f"/represent/{mandate_id}/career").status_code == 404

    # in force, then revoked: seen, then not
    response = sofie.post(
        "/me/mandates",
        [
            ("mandatary_number", portal.world.number("lena")),
            ("mandatary_name", "Lena"),
            ("relationship", "family"),
            ("scopes", "career"),
        ],
        form_page="/me/mandates",
    )
    assert response.status_code == 303
    [active] = represented_ids(lena.get("/me/represented").text)
    career = lena.get(f"/represent/{active}/career")
    assert career.status_code == 200
    assert "You are acting for" in career.text
    contributions = lena.get(f"/represent/{active}/contributions")
    assert "not included in your mandate" in contributions.text  # scope: career only
    assert "820,00" not in contributions.text
    assert "820.00" not in contributions.text
    page = sofie.get("/me/mandates").text
    revoked = sofie.post(
        f"/me/mandates/{active}/revoke", {"version": version_of(page, active)}, form_page="/me/mandates"
    )
    assert revoked.status_code == 303
    assert lena.get(f"/represent/{active}/career").status_code == 404
    assert represented_ids(lena.get("/me/represented").text) == []


def test_only_the_mother_answers_her_proposal(portal: PortalEnv) -> None:
    decision = portal.world.maternity_decision_id
    lena = portal.user()
    lena.sign_in_as(portal.citizen("lena"))
    response = lena.post(f"/me/rights/{decision}/answer", {"answer": "confirm"}, form_page="/me/rights")
    assert response.status_code == 404
    accountant = portal.user()
    accountant.sign_in("accountant")
    response = accountant.post(f"/me/rights/{decision}/answer", {"answer": "confirm"}, form_page="/me/represented")
    assert response.status_code == 404
    sofie = portal.user()
    sofie.sign_in("self-employed")
    page = sofie.get("/me/rights").text
    assert f'action="/me/rights/{decision}/answer"' in page  # still a proposal
    assert sofie.post(f"/me/rights/{decision}/answer", {"answer": "maybe"}, form_page="/me/rights").status_code == 400
    confirmed = sofie.post(f"/me/rights/{decision}/answer", {"answer": "confirm"}, form_page="/me/rights")
    assert confirmed.status_code == 303
    page = sofie.get(confirmed.headers["location"]).text
    assert "Your answer was recorded" in page
    assert f'action="/me/rights/{decision}/answer"' not in page
    again = sofie.post(f"/me/rights/{decision}/answer", {"answer": "confirm"}, form_page="/me/rights")
    assert again.status_code == 409


def test_every_read_is_in_the_persons_access_log(portal: PortalEnv) -> None:
    accountant = portal.user()
    accountant.sign_in("accountant")
    [mandate, *_] = represented_ids(accountant.get("/me/represented").text)
    assert accountant.get(f"/represent/{mandate}/contributions").status_code == 200
    sofie = portal.user()
    sofie.sign_in("self-employed")
    log = sofie.get("/me/data").text
    assert "under your mandate" in log
    assert "GDPR art. 6(1)(a)" in log


# -- CSRF -----------------------------------------------------------------------------------------------


def _mandate_count(user: User) -> int:
    return len(mandate_ids(user.get("/me/mandates").text))


@pytest.mark.parametrize("attack", ["missing", "wrong", "other-session", "cross-origin"])
def test_a_form_without_the_right_token_changes_nothing(portal: PortalEnv, attack: str) -> None:
    sofie = portal.user(accept_language="nl")
    sofie.sign_in("self-employed")
    before = _mandate_count(sofie)
    fields = {
        "mandatary_number": ACCOUNTANT_NUMBER,
        "mandatary_name": "Evil",
        "relationship": "other",
        "scopes": "incomes",
    }
    headers = {}
    if attack == "missing":
        data = fields
    elif attack == "wrong":
        data = {**fields, "csrf_token": "A" * 43}
    elif attack == "other-session":
        other = portal.user()
        other.sign_in("self-employed")
        data = {**fields, "csrf_token": other.token_for("/me/mandates")}
    else:
        data = {**fields, "csrf_token": sofie.token_for("/me/mandates")}
        headers = {"origin": "https://evil.example"}
    response = sofie.client.post("/me/mandates", data=data, headers=headers)
    assert response.status_code == 403
    assert '<html lang="nl">' in response.text
    assert h1(response.text) == "Dit formulier is verlopen"
    assert _mandate_count(sofie) == before


def test_sign_in_and_language_forms_need_the_token_too(portal: PortalEnv) -> None:
    user = portal.user()
    user.get("/")
    assert user.client.post("/login", data={"persona": "self-employed"}).status_code == 403
    assert user.client.post("/language", data={"language": "de", "next": "/"}).status_code == 403
    assert user.get("/").text.startswith('<!doctype html>\n<html lang="en">')


def test_every_form_of_every_page_carries_a_token(portal: PortalEnv) -> None:
    sofie = portal.user()
    sofie.sign_in("self-employed")
    for path in (
        "/",
        "/me",
        "/me/contributions",
        "/me/career",
        "/me/rights",
        "/me/data",
        "/me/mandates",
        "/me/represented",
    ):
        html = sofie.get(path).text
        forms = re.findall(r"<form\b.*?</form>", html, re.S)
        assert forms, path
        for form in forms:
            assert 'method="post"' in form, (path, form[:200])
            assert CSRF.search(form), (path, form[:200])


# -- hostile and malformed input ----------------------------------------------------------------------


GOOD = {
    "mandatary_number": ACCOUNTANT_NUMBER,
    "mandatary_name": "Alex",
    "relationship": "accountant",
    "scopes": "incomes",
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"mandatary_number": "12345678901"}, "mandatary_number", "not a valid national number"),
        ({"mandatary_number": "not a number"}, "mandatary_number", "not a valid national number"),
        ({"valid_from": "2027-05-01", "valid_to": "2027-01-01"}, "valid_to", "must be after the start date"),
        ({"valid_to": "2027-02-30"}, "valid_to", "Enter a date as YYYY-MM-DD"),
        ({"mandatary_name": "x" * 5000}, "mandatary_name", "too long"),
        ({"mandatary_name": "Alex\x00Robert"}, "mandatary_name", "not allowed"),
        ({"scopes": "everything"}, "scopes", "Choose one of the options shown"),
        ({"scopes": None}, "scopes", "This field is required"),
        ({"relationship": "boss"}, "relationship", "Choose one of the options shown"),
    ],
)
def test_malformed_mandate_forms_say_what_is_wrong_and_change_nothing(
    portal: PortalEnv, change: dict[str, str | None], field: str, message: str
) -> None:
    sofie = portal.user()
    sofie.sign_in("self-employed")
    before = _mandate_count(sofie)
    fields = {**GOOD, **change}
    data = [(k, v) for k, v in fields.items() if v is not None]
    response = sofie.post("/me/mandates", data, form_page="/me/mandates")
    assert response.status_code == 400
    assert message in field_error(response.text, field), field_error(response.text, field) or response.text[-3000:]
    assert 'aria-invalid="true"' in response.text
    assert _mandate_count(sofie) == before


def test_a_mandate_to_oneself_is_refused_by_the_service_and_shown_on_the_field(portal: PortalEnv) -> None:
    sofie = portal.user()
    sofie.sign_in("self-employed")
    before = _mandate_count(sofie)
    response = sofie.post(
        "/me/mandates", {**GOOD, "mandatary_number": portal.world.number("sofie")}, form_page="/me/mandates"
    )
    assert response.status_code == 400
    assert "cannot be your own" in field_error(response.text, "mandatary_number")
    assert _mandate_count(sofie) == before


def test_an_oversized_form_is_refused(portal: PortalEnv) -> None:
    sofie = portal.user()
    sofie.sign_in("self-employed")
    before = _mandate_count(sofie)
    response = sofie.post("/me/mandates", {**GOOD, "mandatary_name": "x" * 200_000}, form_page="/me/mandates")
    assert response.status_code == 413
    assert _mandate_count(sofie) == before


def test_hostile_text_is_escaped_everywhere(portal: PortalEnv) -> None:
    marc = portal.user()
    marc.sign_in_as({**portal.citizen("marc"), "name": HOSTILE})
    page = marc.get("/me")
    assert page.status_code == 200
    assert HOSTILE not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    response = marc.post("/me/mandates", {**GOOD, "mandatary_name": HOSTILE}, form_page="/me/mandates")
    assert response.status_code == 303
    listed = marc.get("/me/mandates").text
    assert HOSTILE not in listed
    assert "&lt;script&gt;" in listed
    # a hostile address to go back to after a language change stays on this site
    back = marc.post("/language", {"language": "de", "next": "//evil.example/x"}, form_page="/me")
    assert back.headers["location"] == "/"
    back = marc.post("/language", {"language": "de", "next": "/me?x=%3Cscript%3E"}, form_page="/me")
    assert back.headers["location"].startswith("/me?")


# -- languages ---------------------------------------------------------------------------------------------


def test_language_follows_accept_language_then_the_persons_choice(portal: PortalEnv) -> None:
    sofie = portal.user(accept_language="de-BE,de;q=0.9")
    sofie.sign_in("self-employed")
    page = sofie.get("/me")
    assert '<html lang="de">' in page.text
    assert page.headers["content-language"] == "de"
    assert h1(page.text) == "Meine Situation"
    assert '<html lang="nl">' in sofie.get("/me?lang=nl").text  # an explicit link, not a choice
    assert '<html lang="de">' in sofie.get("/me").text
    chosen = sofie.post("/language", {"language": "nl", "next": "/me/contributions?lang=fr"}, form_page="/me")
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/me/contributions"
    assert '<html lang="nl">' in sofie.get("/me").text
    # another browser, another device: the choice follows the person, not the cookie
    elsewhere = portal.user(accept_language="fr")
    elsewhere.sign_in("self-employed")
    assert '<html lang="nl">' in elsewhere.get("/me").text
    elsewhere.post("/language", {"language": "en", "next": "/me"}, form_page="/me")
    assert '<html lang="en">' in sofie.get("/me").text


def test_an_anonymous_visitor_choice_is_kept_in_the_browser(portal: PortalEnv) -> None:
    visitor = portal.user(accept_language="fr")
    assert '<html lang="fr">' in visitor.get("/").text
    visitor.post("/language", {"language": "de", "next": "/"})
    assert '<html lang="de">' in visitor.get("/").text
    assert visitor.post("/language", {"language": "xx", "next": "/"}).status_code == 303
    assert '<html lang="de">' in visitor.get("/").text


def test_dates_and_amounts_follow_the_language(portal: PortalEnv) -> None:
    sofie = portal.user()
    sofie.sign_in("self-employed")
    assert "820,00\xa0€" in sofie.get("/me/contributions?lang=fr").text
    assert "€820.00" in sofie.get("/me/contributions?lang=en").text
    assert "1 janv. 2016" in sofie.get("/me?lang=fr").text


# -- errors ------------------------------------------------------------------------------------------------


def test_errors_are_pages_for_people_and_problems_for_the_api(portal: PortalEnv) -> None:
    user = portal.user(accept_language="fr")
    missing = user.get("/nowhere")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in missing.text
    assert h1(missing.text) == "Page introuvable"
    api = user.get("/api/v1/nowhere")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    api = user.client.get("/api/v1/me/dossier", headers={"accept": "application/json"})
    assert api.status_code == 401
    assert api.headers["content-type"] == "application/problem+json"
    assert user.get("/me").status_code == 401


def test_an_unexpected_error_is_a_page_without_internals(portal: PortalEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from statut.portal import person_pages

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals: connection string postgres://user:pw@db")

    monkeypatch.setattr(person_pages, "represented_people", broken)
    sofie = portal.user()
    sofie.sign_in("self-employed")
    response = sofie.get("/me/represented")
    assert response.status_code == 500
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert h1(response.text) == "Something went wrong on our side"


def test_a_mandate_is_limited_and_a_bad_limit_changes_nothing(portal: PortalEnv) -> None:
    sofie = portal.user()
    sofie.sign_in("self-employed")
    granted = sofie.post(
        "/me/mandates",
        {**GOOD, "mandatary_number": portal.world.number("lena"), "mandatary_name": "Lena to limit"},
        form_page="/me/mandates",
    )
    assert granted.status_code == 303
    page = sofie.get("/me/mandates").text
    mandate = next(m for m in mandate_ids(page) if f'id="mandate-{m}">Lena to limit' in page)
    version = version_of(page, mandate)
    lena = portal.user()
    lena.sign_in_as(portal.citizen("lena"))
    assert "not included in your mandate" in lena.get(f"/represent/{mandate}/career").text

    bad = sofie.post(
        f"/me/mandates/{mandate}/change",
        {"version": version, "scopes": "career", "valid_to": "1999-01-01"},
        form_page="/me/mandates",
    )
    assert bad.status_code == 400
    assert "must be after the start date" in field_error(bad.text, f"change-{mandate}-to")
    assert "not included in your mandate" in lena.get(f"/represent/{mandate}/career").text

    stale = sofie.post(
        f"/me/mandates/{mandate}/change",
        {"version": str(int(version) + 999), "scopes": "career"},
        form_page="/me/mandates",
    )
    assert stale.status_code == 412

    in_a_month = (date.today() + timedelta(days=30)).isoformat()
    changed = sofie.post(
        f"/me/mandates/{mandate}/change",
        [("version", version), ("scopes", "career"), ("scopes", "incomes"), ("valid_to", in_a_month)],
        form_page="/me/mandates",
    )
    assert changed.status_code == 303
    career = lena.get(f"/represent/{mandate}/career").text
    assert "Quarters counted for the pension" in career
    assert "not included in your mandate" not in career


def test_a_page_that_needs_a_session_offers_to_sign_in(portal: PortalEnv) -> None:
    response = portal.user(accept_language="de").get("/me/contributions")
    assert response.status_code == 401
    assert h1(response.text) == "Bitte melden Sie sich an"
    assert '<a class="button" href="/">Anmelden</a>' in response.text


def test_changes_are_rate_limited_like_the_apis_write_routes(
    portal: PortalEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from statut.access.rate_limit import Limit, RateLimiter

    sofie = portal.user()
    sofie.sign_in("self-employed")
    before = _mandate_count(sofie)
    monkeypatch.setattr(
        portal.app.state.access, "limiter", RateLimiter({"token": Limit(100, 1.0), "write": Limit(1, 1 / 3600)})
    )
    data = {**GOOD, "mandatary_number": portal.world.number("lena"), "mandatary_name": "Rate"}
    assert sofie.post("/me/mandates", data, form_page="/me/mandates").status_code == 303
    refused = sofie.post("/me/mandates", data, form_page="/me/mandates")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert h1(refused.text) == "Too many requests"
    assert _mandate_count(sofie) == before + 1
