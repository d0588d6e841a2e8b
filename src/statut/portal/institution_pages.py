"""The institution's data-quality dashboard: scores and trends per fund and per dimension, as charts
drawn on the server (SVG, no JavaScript) with the same figures in accessible tables.

For INASTI's agents and for analysts: the figures are record counts per fund and dimension, with no
person in them (services/quality_dashboard.py applies the policy's ``decide_aggregates``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from babel.numbers import format_percent
from fastapi import Query, Request
from fastapi.responses import Response

from statut.access.identity import Role
from statut.domain.errors import DomainValidationError
from statut.portal.charts import Series, bar_chart, line_chart
from statut.portal.i18n import LOCALES, format_date
from statut.portal.letters.labels import labeller
from statut.portal.rendering import N_, add_navigation, page_language, portal_router, render, set_home, translator
from statut.portal.session import SignedInActor
from statut.services.quality_dashboard import DIMENSIONS, QualityDashboard, quality_dashboard
from statut.services.runtime import Runtime

router = portal_router(prefix="/institution")

add_navigation("/institution/quality", N_("Data quality"), Role.INSTITUTION_AGENT, Role.ANALYST, order=10)
set_home(Role.INSTITUTION_AGENT, "/institution/quality")
set_home(Role.ANALYST, "/institution/quality")


Formatter = Callable[[float | None], str]


def _formatters(lang: str) -> tuple[Formatter, Formatter]:
    locale = LOCALES.get(lang, "en_GB")

    def share(value: float | None) -> str:
        return "–" if value is None else str(format_percent(value, "#,##0.0 %", locale=locale))

    def whole(value: float | None) -> str:
        return "–" if value is None else str(format_percent(value, "#,##0 %", locale=locale))

    return share, whole


def _charts(dashboard: QualityDashboard, dimension: str, lang: str) -> dict[str, Any]:
    gettext = translator(lang)
    label = labeller(gettext)
    share, whole = _formatters(lang)
    dates = [format_date(s.as_of, lang, fmt="short") for s in dashboard.snapshots]
    scope = dashboard.fund_code or gettext("all funds")
    trend = line_chart(
        "quality-trend",
        title=gettext("Share of records passing, per dimension and scan (%(scope)s)", scope=scope),
        desc=gettext(
            "One line per dimension, one point per quality scan from %(first)s to %(last)s. "
            "The table below gives the same figures.",
            first=dates[0] if dates else "",
            last=dates[-1] if dates else "",
        ),
        x_labels=dates,
        series=[
            Series(label("dimension", t.dimension), [s.passing if s else None for s in t.scores])
            for t in dashboard.trend
        ],
        axis_label=whole,
    )
    funds = bar_chart(
        "quality-funds",
        title=gettext("%(dimension)s per fund in the latest scan", dimension=label("dimension", dimension)),
        desc=gettext("One bar per fund: the share of its records passing. The table below gives the same figures."),
        bars=[
            (f.fund_code, f.dimensions[dimension].passing if dimension in f.dimensions else None)
            for f in dashboard.funds
        ],
        value_label=share,
        axis_label=whole,
    )
    return {"trend_chart": trend, "funds_chart": funds, "dates": dates, "share": share}


@router.get("/quality")
def quality(
    request: Request,
    actor: SignedInActor,
    fund: Annotated[str | None, Query(max_length=16)] = None,
    dimension: Annotated[str, Query(max_length=20)] = "validity",
) -> Response:
    if dimension not in DIMENSIONS:
        raise DomainValidationError("dimension", dimension, f"one of {', '.join(DIMENSIONS)}")
    lang = page_language(request)
    runtime: Runtime = request.app.state.runtime
    with runtime.unit_of_work(read_only=True) as uow:
        dashboard = quality_dashboard(uow, actor, fund_code=fund or None)
    return render(
        request,
        "institution/quality.html",
        label=labeller(translator(lang)),
        dashboard=dashboard,
        dimension=dimension,
        dimensions=DIMENSIONS,
        **_charts(dashboard, dimension, lang),
    )
