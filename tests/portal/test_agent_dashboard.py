"""The institution's data-quality dashboard and the fund agent's findings, on a register loaded and
scanned through the services (two scans, so that there is a trend and there are findings)."""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl
import pytest

from statut.access.errors import AccessDenied
from statut.access.identity import Actor, Role
from statut.domain.errors import DomainValidationError
from statut.services.quality_dashboard import DIMENSIONS, quality_dashboard
from statut.store.quality_findings import FindingFilter, FindingRepository
from statut.store.quality_snapshots import QualitySnapshotRepository
from statut.store.unit_of_work import UnitOfWork
from tests.portal.agent_world import QualityWorld, load_and_scan, quality_world  # noqa: F401 - fixture

INSTITUTION = Actor("inasti-1", Role.INSTITUTION_AGENT)
ANALYST = Actor("analyst-1", Role.ANALYST)


def test_dashboard_sums_the_stored_counts(engine: object) -> None:
    load_and_scan(engine)
    with UnitOfWork(engine, read_only=True) as uow:  # type: ignore[arg-type]
        board = quality_dashboard(uow, ANALYST)
        repository = QualitySnapshotRepository(uow.connection)
        first, second = reversed(repository.latest(2))
        assert [s.snapshot_id for s in board.snapshots] == [first.snapshot_id, second.snapshot_id]
        # Recomputed by hand from the stored score rows: sum the counts, then divide.
        for snapshot, index in ((first, 0), (second, 1)):
            rows = repository.scores(snapshot.snapshot_id).filter(pl.col("level") == "dimension")
            for trend in board.trend:
                part = rows.filter(pl.col("dimension") == trend.dimension)
                score = trend.scores[index]
                if part.height == 0:
                    assert score is None
                    continue
                assert score is not None
                assert score.checked == part.get_column("checked").sum()
                assert score.failed == part.get_column("failed").sum()
        accuracy = next(t for t in board.trend if t.dimension == "accuracy")
        assert accuracy.scores[0] is not None
        assert accuracy.scores[1] is not None
        assert accuracy.scores[0].passing < accuracy.scores[1].passing  # judged against 2000, dates were "future"
        assert [f.fund_code for f in board.funds] == sorted(f.fund_code for f in board.funds)
        assert "F101" in board.fund_codes()
        one = quality_dashboard(uow, INSTITUTION, fund_code="F101")
        latest = rows.filter(pl.col("fund_code") == "F101")
        validity = next(t for t in one.trend if t.dimension == "validity").scores[-1]
        assert validity is not None
        assert validity.checked == latest.filter(pl.col("dimension") == "validity").get_column("checked").sum()


def test_dashboard_is_for_institution_and_analysts_only(uow_factory: Callable[..., UnitOfWork]) -> None:
    with uow_factory() as uow:
        empty = quality_dashboard(uow, INSTITUTION)
        assert empty.snapshots == []
        assert empty.latest is None
        assert [t.dimension for t in empty.trend] == list(DIMENSIONS)
        for actor in (
            Actor("agent", Role.FUND_AGENT, fund_code="F101"),
            Actor("p", Role.CITIZEN, national_number="85073003328"),
            Actor("sys", Role.FUND_SYSTEM, fund_code="F101"),
        ):
            with pytest.raises(AccessDenied):
                quality_dashboard(uow, actor)
        with pytest.raises(DomainValidationError):
            quality_dashboard(uow, INSTITUTION, fund_code="F999")
        with pytest.raises(DomainValidationError):
            quality_dashboard(uow, INSTITUTION, snapshots=0)


def test_dashboard_page_draws_charts_and_tables(quality_world: QualityWorld) -> None:  # noqa: F811
    institution = quality_world.visitor("institution", lang="fr")
    page = institution.client.get("/institution/quality")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="fr">' in html
    assert html.count("<svg") == 2
    assert html.count('role="img"') + html.count("role='img'") == 2
    assert "<title id='quality-trend-title'>" in html
    assert "<desc id='quality-funds-desc'>" in html
    for name in ("Complétude", "Validité", "Cohérence", "Exactitude"):
        assert name in html
    assert "<caption>" in html
    # Shares formatted for the French locale: a decimal comma and a (narrow) no-break space before %.
    assert re.search(r"\d+,\d\s?\u00a0?%|\d+,\d\u202f%", html)
    assert "<script" not in html


def test_dashboard_filters(quality_world: QualityWorld) -> None:  # noqa: F811
    analyst = quality_world.visitor("analyst")
    page = analyst.client.get("/institution/quality", params={"fund": "F101", "dimension": "accuracy"})
    assert page.status_code == 200
    assert "Accuracy per fund in the latest scan" in page.text
    assert '<option value="F101" selected>' in page.text
    assert analyst.client.get("/institution/quality", params={"dimension": "beauty"}).status_code == 400
    assert analyst.client.get("/institution/quality", params={"fund": "F999"}).status_code == 400


def test_dashboard_refused_to_fund_agents(quality_world: QualityWorld) -> None:  # noqa: F811
    agent = quality_world.visitor("agent-F101")
    assert agent.client.get("/institution/quality").status_code == 403
    assert quality_world.visitor().client.get("/institution/quality").status_code == 401


def _findings(world: QualityWorld, fund: str, state: str | None = None) -> list[object]:
    with UnitOfWork(world.app.state.runtime.engine, read_only=True) as uow:
        return FindingRepository(uow.connection, uow.bulk).page(
            fund, after=0, limit=500, where=FindingFilter(state=state)
        )


def test_agent_lists_and_handles_own_findings(quality_world: QualityWorld) -> None:  # noqa: F811
    open_f101 = _findings(quality_world, "F101", "open")
    assert open_f101, "the scans opened findings for F101"
    agent = quality_world.visitor("agent-F101")
    page = agent.client.get("/agent/findings")
    assert page.status_code == 200
    first = open_f101[0]
    assert f"Finding {first.finding_id}: rule {first.rule_id}" in page.text  # type: ignore[attr-defined]
    others = {f.finding_id for f in _findings(quality_world, "F102")}  # type: ignore[attr-defined]
    shown = {int(n) for n in re.findall(r"Finding (\d+): rule", page.text)}
    assert shown
    assert not shown & others
    # Acknowledge, then dismiss with a reason; a missing reason is refused and changes nothing.
    identifier = first.finding_id  # type: ignore[attr-defined]
    done = agent.post(
        f"/agent/findings/{identifier}/acknowledge", {}, token_from="/agent/findings", follow_redirects=False
    )
    assert done.status_code == 303
    assert identifier in {f.finding_id for f in _findings(quality_world, "F101", "acknowledged")}  # type: ignore[attr-defined]
    refused = agent.post(f"/agent/findings/{identifier}/dismiss", {"reason": "no"}, token_from="/agent/findings")
    assert refused.status_code == 400
    assert "Say why the data are right as they are" in refused.text
    assert identifier in {f.finding_id for f in _findings(quality_world, "F101", "acknowledged")}  # type: ignore[attr-defined]
    dismissed = agent.post(
        f"/agent/findings/{identifier}/dismiss",
        {"reason": "the payment date was confirmed by the member's bank"},
        token_from="/agent/findings",
        follow_redirects=False,
    )
    assert dismissed.status_code == 303
    assert identifier in {f.finding_id for f in _findings(quality_world, "F101", "dismissed")}  # type: ignore[attr-defined]
    listing = agent.client.get("/agent/findings", params={"state": "dismissed"})
    assert "the payment date was confirmed by the member&#39;s bank" in listing.text


def test_another_funds_findings_are_out_of_reach(quality_world: QualityWorld) -> None:  # noqa: F811
    target = _findings(quality_world, "F101", "open")[-1]
    identifier = target.finding_id  # type: ignore[attr-defined]
    agent = quality_world.visitor("agent-F102")
    answer = agent.post(f"/agent/findings/{identifier}/acknowledge", {}, token_from="/agent/findings")
    assert answer.status_code == 404
    assert identifier in {f.finding_id for f in _findings(quality_world, "F101", "open")}  # type: ignore[attr-defined]
    missing_token = agent.client.post(f"/agent/findings/{identifier}/acknowledge")
    assert missing_token.status_code == 403
