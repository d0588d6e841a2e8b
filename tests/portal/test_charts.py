"""Server-side SVG charts: well-formed, named and described, the values where they belong, escaped."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statut.portal.charts import PALETTE, Series, bar_chart, line_chart, percent, value_floor

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def relative_luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_line_chart_is_named_described_and_draws_each_series() -> None:
    svg = parse(
        line_chart(
            "trend",
            title="Quality per dimension",
            desc="Share of records passing, per scan",
            x_labels=["2025-01-01", "2025-02-01", "2025-03-01"],
            series=[Series("validity", [0.5, 0.75, 1.0]), Series("accuracy", [0.9, 0.8, 0.95])],
        )
    )
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "trend-title trend-desc"
    assert svg.find("svg:title", NS).text == "Quality per dimension"  # type: ignore[union-attr]
    assert svg.find("svg:desc", NS).text == "Share of records passing, per scan"  # type: ignore[union-attr]
    lines = svg.findall(".//svg:polyline", NS)
    assert len(lines) == 2
    # validity rises: its y coordinates fall (SVG y grows downwards), and 100 % sits on the top edge.
    ys = [float(point.split(",")[1]) for point in lines[0].get("points", "").split()]
    assert ys[0] > ys[1] > ys[2]
    assert ys[2] == pytest.approx(16.0)
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "validity" in texts
    assert "accuracy" in texts
    assert "2025-03-01" in texts


def test_missing_values_leave_a_gap() -> None:
    svg = parse(
        line_chart(
            "gap",
            title="t",
            desc="d",
            x_labels=["a", "b", "c", "d", "e"],
            series=[Series("s", [0.5, 0.6, None, 0.7, 0.8])],
        )
    )
    runs = svg.findall(".//svg:polyline", NS)
    assert [len(run.get("points", "").split()) for run in runs] == [2, 2]


def test_single_snapshot_and_no_data_still_draw() -> None:
    one = parse(line_chart("one", title="t", desc="d", x_labels=["2025-01-01"], series=[Series("s", [0.97])]))
    assert one.findall(".//svg:polyline", NS) == []
    assert len(one.findall(".//svg:circle", NS)) >= 1  # the point is drawn as a marker
    empty = parse(bar_chart("none", title="t", desc="d", bars=[]))
    assert empty.find("svg:title", NS) is not None


def test_bars_are_proportional_and_labelled() -> None:
    svg = parse(
        bar_chart("funds", title="t", desc="d", bars=[("F101", 0.0), ("F102", 0.5), ("F103", 1.0), ("F104", None)])
    )
    widths = [float(rect.get("width", "0")) for rect in svg.findall("svg:rect", NS)[1:]]
    assert widths[0] == 0.0
    assert widths[1] == pytest.approx(widths[2] / 2)
    assert len(widths) == 3  # no bar for the missing value
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "F104" in texts
    assert "50.0 %" in texts


def test_axis_starts_higher_when_every_value_is_high() -> None:
    assert value_floor([0.97, 0.99]) == 0.9
    assert value_floor([0.42, 0.99]) == 0.4
    assert value_floor([None, None]) == 0.0
    assert value_floor([0.05]) == 0.0


def test_hostile_text_is_escaped() -> None:
    hostile = "<script>alert('x')</script> & \"quotes\""
    markup = str(
        line_chart("x'><script>", title=hostile, desc=hostile, x_labels=[hostile], series=[Series(hostile, [0.5])])
    )
    assert "<script>" not in markup
    svg = parse(markup)  # still well-formed XML
    assert svg.find("svg:title", NS).text == hostile  # type: ignore[union-attr]
    bars = str(bar_chart("b", title=hostile, desc=hostile, bars=[(hostile, 0.5)]))
    assert "<script>" not in bars
    parse(bars)


def test_colours_have_contrast_and_are_not_the_only_cue() -> None:
    white = 1.0
    for colour, _shape, _dash in PALETTE:
        ratio = (white + 0.05) / (relative_luminance(colour) + 0.05)
        assert ratio >= 4.5, colour
    assert len({(shape, dash) for _, shape, dash in PALETTE}) == len(PALETTE)


def test_locale_formatter_is_used() -> None:
    svg = str(
        bar_chart("b", title="t", desc="d", bars=[("F101", 0.5)], value_label=lambda v: f"{v:.2f}".replace(".", ","))
    )
    assert ">0,50<" in svg


@given(
    st.lists(
        st.one_of(st.none(), st.floats(min_value=-1, max_value=2), st.sampled_from([math.nan, math.inf, -math.inf])),
        min_size=1,
        max_size=30,
    )
)
def test_any_values_give_wellformed_svg_inside_the_plot(values: list[float | None]) -> None:
    svg = parse(
        line_chart(
            "p", title="t", desc="d", x_labels=[str(i) for i in range(len(values))], series=[Series("s", values)]
        )
    )
    for line in svg.findall(".//svg:polyline", NS):
        for point in line.get("points", "").split():
            x, y = (float(v) for v in point.split(","))
            assert math.isfinite(x)
            assert 16.0 - 1e-6 <= y <= 340
    assert percent(None) == "–"
