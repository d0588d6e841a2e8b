"""Fund batches over the API (issue 3's upload route on issue 6's API): the same gate as `statut ingest`.

Who may upload and read, 201/200 with Location, idempotence by batch id and by content, a re-used batch
id with another file, the size limit (413), a refused file kept and named, the report as JSON and CSV
(negotiated), and no cross-fund access to batches.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from statut.api.app import create_app
from statut.domain.identifiers import Sex
from statut.exchange.format import CSV_COLUMNS
from statut.settings import Settings
from statut.store.unit_of_work import UnitOfWork
from statut.store.uploads import UploadRejectionRepository
from tests.api.conftest import F1, F2, World, role_claims
from tests.factories import national_number

NEWCOMER = national_number(date(1988, 2, 29), Sex.FEMALE, counter=321)
#: The person and the affiliation land; the negative income is quarantined (a blocking rule).
EXPECTED_TOTALS = {"received": 3, "accepted": 2, "quarantined": 1, "already_held": 0}


def fund_csv(rows: list[dict[str, str]]) -> bytes:
    """A fund file in the exchange format (docs/exchange-format.md): the union header, one row a record."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def newcomer_batch(prefix: str = "r") -> bytes:
    return fund_csv(
        [
            {
                "record_type": "person",
                "record_id": f"{prefix}-p1",
                "national_number": NEWCOMER,
                "last_name": "Nieuwkomer",
                "first_name": "Nele",
                "birth_date": "1988-02-29",
                "sex": "F",
                "language": "nl",
            },
            {
                "record_type": "affiliation",
                "record_id": f"{prefix}-a1",
                "national_number": NEWCOMER,
                "capacity": "main",
                "start_date": "2024-01-01",
            },
            {
                "record_type": "income",
                "record_id": f"{prefix}-i1",
                "national_number": NEWCOMER,
                "year": "2024",
                "amount": "-5",  # a blocking rule: amounts are not negative
                "income_source": "tax_authority",
                "income_status": "definitive",
            },
        ]
    )


def upload(world: World, who: str, fund: str, content: bytes, **form: str) -> Any:
    return world.client.post(
        f"/api/v1/funds/{fund}/batches",
        files={"file": ("F101-20260101-001.csv", content, "text/csv")},
        data=form,
        headers=world.headers(who),
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("alice", 403),
        ("accountant", 403),
        ("agent_f2", 403),
        ("system_f2", 403),
        ("institution", 403),
        ("analyst", 403),
    ],
)
def test_only_the_funds_own_system_or_agents_upload(world: World, who: str, expected: int) -> None:
    response = upload(world, who, F1, newcomer_batch("denied"))
    assert response.status_code == expected, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_upload_lands_then_says_nothing_changed(world: World) -> None:
    content = newcomer_batch("a")
    first = upload(world, "system_f1", F1, content, batch_id="2026-01-001")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["batch_id"] == f"{F1}-2026-01-001"
    assert first.headers["Location"] == f"/api/v1/funds/{F1}/batches/{F1}-2026-01-001"
    assert body["already_received"] is False
    assert {key: body["totals"][key] for key in EXPECTED_TOTALS} == EXPECTED_TOTALS
    assert body["reconciled"] is True

    # The same batch id again: nothing changes, and the answer says so.
    again = upload(world, "system_f1", F1, content, batch_id="2026-01-001")
    assert again.status_code == 200, again.text
    assert again.json()["already_received"] is True
    assert "nothing changed" in again.json()["message"]
    assert again.headers["Location"] == first.headers["Location"]
    # The same content under another id, sent by an agent of the fund: recognised by its hash.
    by_content = upload(world, "agent_f1", F1, content, batch_id="another-id")
    assert by_content.status_code == 200
    assert by_content.json()["batch_id"] == body["batch_id"]

    # The batch and its report, by the fund's system and agents.
    read = world.client.get(first.headers["Location"], headers=world.headers("agent_f1"))
    assert read.status_code == 200
    assert read.json()["totals"] == body["totals"]
    report = world.client.get(first.headers["Location"] + "/report", headers=world.headers("system_f1"))
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("application/json")
    document = report.json()
    assert document["totals"]["quarantined"] == 1
    [line] = [r for r in document["records"] if r["outcome"] == "quarantined"]
    # "-5" starts like a spreadsheet formula: the report neutralises it (issue 3, formula injection).
    assert (line["record_id"], line["field"], line["value"]) == ("a-i1", "amount", "'-5")
    assert line["message"]  # in the fund's language

    for kwargs in ({"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}):
        headers = {**world.headers("system_f1"), **kwargs.pop("headers", {})}
        as_csv = world.client.get(first.headers["Location"] + "/report", headers=headers, **kwargs)
        assert as_csv.status_code == 200
        assert as_csv.headers["content-type"].startswith("text/csv")
        text = as_csv.content.decode("utf-8-sig")
        assert "a-i1" in text
        assert "amount" in text


def test_a_batch_id_reused_for_another_file_is_a_conflict(world: World) -> None:
    assert upload(world, "system_f1", F1, newcomer_batch("c1"), batch_id="conflict-1").status_code == 201
    response = upload(world, "system_f1", F1, newcomer_batch("c2"), batch_id="conflict-1")
    assert response.status_code == 409
    assert response.json()["code"] == "statut.ingestion.batch_id_reused"


def test_another_funds_batch_is_not_found(world: World) -> None:
    created = upload(world, "system_f1", F1, newcomer_batch("x"), batch_id="secret-1")
    assert created.status_code == 201
    batch_id = created.json()["batch_id"]
    # F102 asks for F101's batch under its own fund: not found, like a batch that does not exist.
    stolen = world.client.get(f"/api/v1/funds/{F2}/batches/{batch_id}", headers=world.headers("system_f2"))
    missing = world.client.get(f"/api/v1/funds/{F2}/batches/{F2}-nope", headers=world.headers("system_f2"))
    assert stolen.status_code == missing.status_code == 404
    assert stolen.json()["detail"].replace(batch_id, "X") == missing.json()["detail"].replace(f"{F2}-nope", "X")
    # Under F101's path, F102 is refused by the policy.
    assert world.client.get(created.headers["Location"], headers=world.headers("system_f2")).status_code == 403
    assert (
        world.client.get(created.headers["Location"] + "/report", headers=world.headers("agent_f2")).status_code == 403
    )
    # The same batch id chosen by F102 is F102's own: namespaced, no collision with F101's.
    own = upload(world, "system_f2", F2, newcomer_batch("y"), batch_id="secret-1")
    assert own.status_code == 201, own.text
    assert own.json()["batch_id"] == f"{F2}-secret-1"


def test_an_unreadable_file_is_kept_and_named(world: World) -> None:
    content = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    response = upload(world, "system_f1", F1, content)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "statut.ingestion.rejected"
    assert problem["file_problems"]
    rule_ids = {p["rule_id"] for p in problem["file_problems"]}
    assert rule_ids & {"FIL-003", "FIL-004"}
    assert problem["rejection_id"] in problem["detail"]
    assert any(rule in problem["detail"] for rule in rule_ids)
    # Kept byte for byte; re-sending it answers the same rejection.
    runtime = world.client.app.state.runtime  # type: ignore[attr-defined]
    with UnitOfWork(runtime.engine, read_only=True) as uow:
        repository = UploadRejectionRepository(uow.connection)
        assert repository.content(problem["rejection_id"]) == content
        kept = repository.get(problem["rejection_id"])
        assert kept is not None
        assert kept.fund_code == F1
        assert kept.actor.endswith("fund-F101")
    again = upload(world, "system_f1", F1, content)
    assert again.json()["rejection_id"] == problem["rejection_id"]


def test_a_file_claiming_to_be_json_lines_that_is_not(world: World) -> None:
    response = upload(world, "system_f1", F1, newcomer_batch("j"), format="jsonl")
    assert response.status_code == 422
    assert {p["rule_id"] for p in response.json()["file_problems"]} == {"FIL-008"}


@pytest.mark.parametrize(
    ("form", "status"),
    [({"batch_id": "../../etc/passwd"}, 400), ({"batch_id": "a\x00b"}, 422), ({"format": "xml"}, 422)],
)
def test_bad_form_fields(world: World, form: dict[str, str], status: int) -> None:
    response = upload(world, "system_f1", F1, newcomer_batch("f"), **form)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_above_the_size_limit_is_413_and_nothing_is_kept(world: World, tmp_path: Any) -> None:
    app = create_app(
        Settings(
            database_url=world.client.app.state.settings.database_url,
            data_dir=tmp_path,  # type: ignore[attr-defined]
            max_upload_bytes=2_000,
        )
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        token = app.state.access.dev_issuer.issue(role_claims(world.people)["system_f1"])
        big = newcomer_batch("big") + b"\n" * 3_000
        response = client.post(
            f"/api/v1/funds/{F1}/batches",
            files={"file": ("big.csv", big, "text/csv")},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 413, response.text
        problem = response.json()
        assert problem["code"] == "statut.request.too_large"
        assert "2,000 bytes" in problem["detail"]
        small = client.post(
            f"/api/v1/funds/{F1}/batches",
            files={"file": ("small.csv", newcomer_batch("small"), "text/csv")},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert small.status_code == 201, small.text
        with UnitOfWork(app.state.runtime.engine, read_only=True) as uow:
            assert uow.batches.find_by_content(F1, hashlib.sha256(big).hexdigest()) is None


def test_the_report_of_a_refused_document_is_json(world: World) -> None:
    created = upload(world, "system_f1", F1, newcomer_batch("k"), batch_id="json-1")
    report = world.client.get(created.headers["Location"] + "/report", headers=world.headers("system_f1"))
    assert json.loads(report.content)["fund"] == F1


def test_a_chunked_body_above_the_limit_is_413(world: World, tmp_path: Any) -> None:
    app = create_app(
        Settings(
            database_url=world.client.app.state.settings.database_url,
            data_dir=tmp_path,  # type: ignore[attr-defined]
            max_upload_bytes=2_000,
        )
    )
    boundary = "statutboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()

    def chunks() -> Any:
        yield head
        for _ in range(10):
            yield b"x" * 500
        yield f"\r\n--{boundary}--\r\n".encode()

    with TestClient(app, raise_server_exceptions=False) as client:
        token = app.state.access.dev_issuer.issue(role_claims(world.people)["system_f1"])
        response = client.post(
            f"/api/v1/funds/{F1}/batches",
            content=chunks(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "statut.request.too_large"


def test_uploads_are_rate_limited_per_caller(world: World, tmp_path: Any) -> None:
    from statut.access.rate_limit import Limit, RateLimiter

    app = create_app(Settings(database_url=world.client.app.state.settings.database_url, data_dir=tmp_path))  # type: ignore[attr-defined]
    app.state.access.limiter = RateLimiter({"token": Limit(100, 1), "write": Limit(2, 0.01)})
    with TestClient(app, raise_server_exceptions=False) as client:
        claims = role_claims(world.people)
        system = {"Authorization": f"Bearer {app.state.access.dev_issuer.issue(claims['system_f1'])}"}
        statuses = [
            client.post(
                f"/api/v1/funds/{F1}/batches",
                files={"file": ("f.csv", newcomer_batch(f"rate{index}"), "text/csv")},
                headers=system,
            ).status_code
            for index in range(3)
        ]
        assert statuses == [201, 201, 429]
        # Per caller: F101's agent still uploads.
        agent = {"Authorization": f"Bearer {app.state.access.dev_issuer.issue(claims['agent_f1'])}"}
        response = client.post(
            f"/api/v1/funds/{F1}/batches",
            files={"file": ("f.csv", newcomer_batch("rate-agent"), "text/csv")},
            headers=agent,
        )
        assert response.status_code == 201
