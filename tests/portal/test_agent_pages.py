"""The fund agent's pages through HTTP: find a member, open the dossier with a purpose, print a letter,
register a counter mandate with the scan of the paper form. The policy is the API's: an agent of
F102 cannot find or open a member of F101, not even through the search, its messages or its errors.
"""

from __future__ import annotations

import hashlib
import io
import re

import pypdf
import pytest

from statut.store.unit_of_work import UnitOfWork
from tests.portal.agent_world import AgentWorld, agent_world  # noqa: F401 - the module's fixture

PURPOSE = "phone call of the member about her contributions"
UNKNOWN = "85073003328"  # a valid number nobody in this register has


def main(html: str) -> str:
    """The page's main content without the CSRF token (which differs per browser)."""
    start = html.find("<main")
    body = html[start : html.find("</main>")]
    body = re.sub(r"<code>[0-9a-f]{32}</code>", "<code>request-id</code>", body)
    return re.sub(r'name="csrf_token" value="[^"]+"', "", body)


def access_log(world: AgentWorld, person_id: int) -> list[tuple[str, str]]:
    engine = world.app.state.runtime.engine
    with UnitOfWork(engine, read_only=True) as uow:
        return [(e.details["what"], e.purpose) for e in uow.access_log.for_person(person_id, limit=100)]


def test_only_fund_agents(agent_world: AgentWorld) -> None:  # noqa: F811
    anonymous = agent_world.visitor()
    assert anonymous.client.get("/agent").status_code == 401
    institution = agent_world.visitor("institution")
    assert institution.client.get("/agent").status_code == 403
    agent = agent_world.visitor("agent-F101")
    page = agent.client.get("/agent")
    assert page.status_code == 200
    assert 'aria-current="page">Find a member' in page.text


def test_search_by_name_lists_own_members_only(agent_world: AgentWorld) -> None:  # noqa: F811
    member, other = agent_world.world.member, agent_world.world.other
    assert member.last_name == other.last_name  # both "Peeters": one in F101, one in F102
    agent = agent_world.visitor("agent-F101")
    page = agent.post("/agent/search", {"q": "pee"}, token_from="/agent")
    assert page.status_code == 200
    assert member.number.value in page.text
    assert other.number.value not in page.text
    assert access_log(agent_world, agent_world.world.member_id)[0] == (
        "fund.members",
        "management of the member's file by their fund",
    )


def test_search_by_number_of_another_funds_member_reads_like_nobody(agent_world: AgentWorld) -> None:  # noqa: F811
    agent = agent_world.visitor("agent-F102")
    member = agent_world.world.member.number
    before = access_log(agent_world, agent_world.world.member_id)
    theirs = agent.post("/agent/search", {"q": member.formatted}, token_from="/agent")
    nobody = agent.post("/agent/search", {"q": UNKNOWN}, token_from="/agent")
    assert theirs.status_code == nobody.status_code == 200
    assert "No current member of your fund matches this search." in theirs.text
    assert main(theirs.text).replace(member.formatted, "Q") == main(nobody.text).replace(UNKNOWN, "Q")
    assert access_log(agent_world, agent_world.world.member_id) == before
    own = agent.post("/agent/search", {"q": agent_world.world.other.number.value}, token_from="/agent")
    assert "Bob" in own.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("12.34.56-789.00", "This is not a valid national number"),
        ("P", "at least the first 2 letters"),
        ("", "at least the first 2 letters"),
        ("x" * 51, "This field is too long"),
        ("Pee\x00ters", "characters that are not allowed"),
    ],
)
def test_bad_search_gets_a_message(agent_world: AgentWorld, query: str, message: str) -> None:  # noqa: F811
    agent = agent_world.visitor("agent-F101")
    page = agent.post("/agent/search", {"q": query}, token_from="/agent")
    assert page.status_code == 400
    assert message in page.text
    assert 'aria-invalid="true"' in page.text


def test_dossier_needs_a_purpose_and_logs_it(agent_world: AgentWorld) -> None:  # noqa: F811
    agent = agent_world.visitor("agent-F101")
    number = agent_world.world.member.number.value
    form = agent.client.get(f"/agent/members/{number}")
    assert form.status_code == 200
    assert "Purpose of this consultation" in form.text
    before = access_log(agent_world, agent_world.world.member_id)
    for purpose in ("", "abc", "x" * 201, "call\x07me"):
        refused = agent.post(
            f"/agent/members/{number}/dossier", {"purpose": purpose}, token_from=f"/agent/members/{number}"
        )
        assert refused.status_code == 400, purpose
        assert "Nothing was opened" in refused.text
    assert access_log(agent_world, agent_world.world.member_id) == before
    opened = agent.post(f"/agent/members/{number}/dossier", {"purpose": PURPOSE}, token_from=f"/agent/members/{number}")
    assert opened.status_code == 200
    assert "Émilie Peeters" in opened.text
    assert "2023Q4" in opened.text
    assert ("dossier", PURPOSE) in access_log(agent_world, agent_world.world.member_id)


def test_another_funds_member_cannot_be_opened(agent_world: AgentWorld) -> None:  # noqa: F811
    agent = agent_world.visitor("agent-F102")
    number = agent_world.world.member.number.value
    theirs = agent.post(f"/agent/members/{number}/dossier", {"purpose": PURPOSE}, token_from=f"/agent/members/{number}")
    nobody = agent.post(
        f"/agent/members/{UNKNOWN}/dossier", {"purpose": PURPOSE}, token_from=f"/agent/members/{UNKNOWN}"
    )
    assert theirs.status_code == nobody.status_code == 404
    assert main(theirs.text) == main(nobody.text)
    assert agent.client.get("/agent/members/not-a-number").status_code == 404


def test_forms_need_the_csrf_token(agent_world: AgentWorld) -> None:  # noqa: F811
    agent = agent_world.visitor("agent-F101")
    number = agent_world.world.member.number.value
    before = access_log(agent_world, agent_world.world.member_id)
    for path, data in (
        ("/agent/search", {"q": "pee"}),
        (f"/agent/members/{number}/dossier", {"purpose": PURPOSE}),
        ("/letters", {"number": number, "letter": "contribution:2023Q4", "purpose": PURPOSE}),
    ):
        assert agent.client.post(path, data=data).status_code == 403, path
        forged = agent.client.post(path, data={**data, "csrf_token": "forged"})
        assert forged.status_code == 403, path
        assert "This form has expired" in forged.text
    assert access_log(agent_world, agent_world.world.member_id) == before


def test_print_a_letter_as_pdf_and_as_html(agent_world: AgentWorld) -> None:  # noqa: F811
    agent = agent_world.visitor("agent-F101")
    number = agent_world.world.member.number.value
    data = {"number": number, "letter": "contribution:2023Q4", "purpose": PURPOSE, "format": "pdf"}
    pdf = agent.post("/letters", data, token_from="/agent")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-language"] == "fr"  # the member's language, not the agent's
    assert "attachment" in pdf.headers["content-disposition"]
    assert pdf.headers["cache-control"] == "no-store"
    text = " ".join((p.extract_text() or "") for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Vos cotisations sociales pour le trimestre 2023Q4" in " ".join(text.split())
    html = agent.post("/letters", {**data, "format": "html", "lang": "de"}, token_from="/agent")
    assert html.status_code == 200
    assert '<html lang="de">' in html.text
    assert "Ihre Sozialbeiträge" in html.text
    whats = [what for what, _ in access_log(agent_world, agent_world.world.member_id)]
    assert whats[:2] == ["letter.contribution", "letter.contribution"]


def test_a_person_prints_their_own_letter(agent_world: AgentWorld) -> None:  # noqa: F811
    # The development issuer's "self-employed" persona is the register's first member: the F101 member.
    person = agent_world.visitor("self-employed")
    own = agent_world.world.member.number.value
    pdf = person.post("/letters", {"number": own, "letter": "access-log:", "format": "pdf"}, token_from="/")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    someone_else = agent_world.world.other.number.value
    refused = person.post("/letters", {"number": someone_else, "letter": "access-log:"}, token_from="/")
    assert refused.status_code == 404


def test_letters_of_another_funds_member_are_not_found(agent_world: AgentWorld) -> None:  # noqa: F811
    agent = agent_world.visitor("agent-F102")
    number = agent_world.world.member.number.value
    theirs = agent.post("/letters", {"number": number, "letter": "access-log:"}, token_from="/agent")
    nobody = agent.post("/letters", {"number": UNKNOWN, "letter": "access-log:"}, token_from="/agent")
    assert theirs.status_code == nobody.status_code == 404
    assert main(theirs.text) == main(nobody.text)
    bad = agent.post("/letters", {"number": number, "letter": "ransom:"}, token_from="/agent")
    assert bad.status_code == 400


PDF_SCAN = b"%PDF-1.4\n% a scanned paper form\n" + b"0" * 2000
COUNTER = {
    "mandatary_number": "85073003328",
    "mandatary_name": "Jan <b>Janssens</b>",
    "relationship": "family",
    "scopes": ["identity", "contributions"],
    "reference": "F101-PAPER-2026-0042",
}


def _mandates(world: AgentWorld) -> list[object]:
    with UnitOfWork(world.app.state.runtime.engine, read_only=True) as uow:
        return list(uow.mandates.given_by(world.world.member_id, after=None, limit=50))


def _counter(agent: object, number: str, data: dict[str, object], files: dict[str, object] | None) -> object:
    token = agent.token(f"/agent/members/{number}/mandates/new")  # type: ignore[attr-defined]
    return agent.client.post(  # type: ignore[attr-defined]
        f"/agent/members/{number}/mandates", data={**data, "csrf_token": token}, files=files
    )


@pytest.mark.parametrize(
    ("files", "data", "message"),
    [
        (None, COUNTER, "Add the scan of the signed paper form"),
        ({"scan": ("form.pdf", b"MZ\x90\x00 not a scan", "application/pdf")}, COUNTER, "This file is not one of them"),
        ({"scan": ("form.pdf", b"", "application/pdf")}, COUNTER, "Add the scan of the signed paper form"),
        ({"scan": ("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "application/pdf")}, COUNTER, "at most 5 MB"),
        ({"scan": ("form.pdf", PDF_SCAN, "application/pdf")}, {**COUNTER, "scopes": []}, "Choose at least one part"),
        (
            {"scan": ("form.pdf", PDF_SCAN, "application/pdf")},
            {**COUNTER, "mandatary_number": "12345678901"},
            "Check this national number",
        ),
        ({"scan": ("form.pdf", PDF_SCAN, "application/pdf")}, {**COUNTER, "reference": ""}, "reference of the paper"),
        (
            {"scan": ("form.pdf", PDF_SCAN, "application/pdf")},
            {**COUNTER, "valid_from": "2027-13-45"},
            "Enter a date as YYYY-MM-DD",
        ),
    ],
)
def test_counter_mandate_refuses_bad_input_and_keeps_nothing(
    agent_world: AgentWorld,  # noqa: F811
    files: dict[str, object] | None,
    data: dict[str, object],
    message: str,
) -> None:
    agent = agent_world.visitor("agent-F101")
    number = agent_world.world.member.number.value
    before = _mandates(agent_world)
    page = _counter(agent, number, data, files)
    assert page.status_code == 400, page.text[:300]
    assert message in page.text
    assert "Nothing was saved" in page.text
    assert _mandates(agent_world) == before


def test_counter_mandate_registered_with_the_scans_fingerprint(agent_world: AgentWorld) -> None:  # noqa: F811
    number = agent_world.world.member.number.value
    other_fund = agent_world.visitor("agent-F102")
    refused = _counter(other_fund, number, COUNTER, {"scan": ("form.pdf", PDF_SCAN, "application/pdf")})
    assert refused.status_code == 404
    agent = agent_world.visitor("agent-F101")
    page = _counter(agent, number, COUNTER, {"scan": ("form.pdf", PDF_SCAN, "application/pdf")})
    assert page.status_code == 200, page.text[:500]
    assert "Mandate registered" in page.text
    assert "Jan &lt;b&gt;Janssens&lt;/b&gt;" in page.text
    digest = hashlib.sha256(PDF_SCAN).hexdigest()
    assert digest in page.text
    found = [m for m in _mandates(agent_world) if getattr(m, "evidence_sha256", None) == digest]
    assert len(found) == 1
    record = found[0]
    assert record.channel == "counter"  # type: ignore[attr-defined]
    assert record.fund_code == "F101"  # type: ignore[attr-defined]
    assert record.evidence_reference == "F101-PAPER-2026-0042"  # type: ignore[attr-defined]
    # Without the token nothing is registered.
    count = len(_mandates(agent_world))
    bare = agent.client.post(
        f"/agent/members/{number}/mandates", data=COUNTER, files={"scan": ("f.pdf", PDF_SCAN, "application/pdf")}
    )
    assert bare.status_code == 403
    assert len(_mandates(agent_world)) == count
