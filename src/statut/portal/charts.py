"""Charts drawn on the server as SVG: they work without JavaScript, print, and read out.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``
(WCAG 2.1, 1.1.1), drawn in colours of at least 3:1 contrast against white (1.4.11) and told apart
by marker shape and dash too, never by colour alone (1.4.1). The page shows the same figures in a
data table next to the chart: the chart is the picture, the table the record.

Values are shares from 0 to 1 (shown as percentages). ``None`` is a missing value: a gap in a line,
no bar. Every text that reaches the SVG is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Dark colours (contrast against white >= 4.5:1) with a marker and a dash each.
PALETTE: tuple[tuple[str, str, str], ...] = (
    ("#1f4e79", "circle", ""),
    ("#a3321f", "square", "6 3"),
    ("#1e6b34", "triangle", "2 3"),
    ("#6a3d8f", "diamond", "8 3 2 3"),
    ("#7a4a00", "circle", "4 4"),
    ("#0b6168", "square", "1 2"),
)
TEXT = "#222222"
GRID = "#8a8a8a"
FONT = "font-family='DejaVu Sans, Verdana, sans-serif'"


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float | None]


@dataclass(frozen=True, slots=True)
class Frame:
    """The plot area inside the SVG, and the value range of the y axis."""

    left: float
    top: float
    width: float
    height: float
    low: float
    high: float

    def y(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return self.top + self.height * (1 - share)


def percent(value: float | None, decimals: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{decimals}f} %"


def value_floor(values: Sequence[float | None]) -> float:
    """The bottom of the y axis: 0, or a lower multiple of 10 % when every value is high, so that
    a change between 96 % and 98 % stays visible (the axis says where it starts)."""
    present = [v for v in values if v is not None and math.isfinite(v)]
    if not present:
        return 0.0
    lowest = max(0.0, min(present))
    return min(0.9, math.floor(lowest * 10) / 10)


def _check(value: float | None) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value):
        return None
    return min(1.0, max(0.0, float(value)))


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    size = 4.0
    if shape == "square":
        side = 2 * size
        return f"<rect x='{x - size:.1f}' y='{y - size:.1f}' width='{side:.1f}' height='{side:.1f}' fill='{colour}'/>"
    big = size + 1
    if shape == "triangle":
        points = f"{x:.1f},{y - big:.1f} {x - big:.1f},{y + size:.1f} {x + big:.1f},{y + size:.1f}"
        return f"<polygon points='{points}' fill='{colour}'/>"
    if shape == "diamond":
        points = f"{x:.1f},{y - big:.1f} {x + big:.1f},{y:.1f} {x:.1f},{y + big:.1f} {x - big:.1f},{y:.1f}"
        return f"<polygon points='{points}' fill='{colour}'/>"
    return f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{size:.1f}' fill='{colour}'/>"


def _open(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    ident = escape(chart_id)
    return [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart' role='img' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' style='max-width:100%;height:auto' "
        f"aria-labelledby='{ident}-title {ident}-desc' {FONT} font-size='12'>",
        f"<title id='{ident}-title'>{escape(title)}</title>",
        f"<desc id='{ident}-desc'>{escape(desc)}</desc>",
        f"<rect x='0' y='0' width='{width}' height='{height}' fill='#ffffff'/>",
    ]


Formatter = Callable[[float | None], str]


def _y_axis(frame: Frame, parts: list[str], axis_label: Formatter, steps: int = 5) -> None:
    for index in range(steps + 1):
        value = frame.low + (frame.high - frame.low) * index / steps
        y = frame.y(value)
        parts.append(
            f"<line x1='{frame.left:.1f}' y1='{y:.1f}' x2='{frame.left + frame.width:.1f}' y2='{y:.1f}' "
            f"stroke='{GRID}' stroke-width='{1 if index == 0 else 0.5}'/>"
        )
        parts.append(
            f"<text x='{frame.left - 6:.1f}' y='{y + 4:.1f}' text-anchor='end' fill='{TEXT}'>"
            f"{escape(axis_label(value))}</text>"
        )


def whole_percent(value: float | None) -> str:
    return percent(value, 0)


def line_chart(
    chart_id: str,
    *,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    width: int = 720,
    height: int = 340,
    axis_label: Formatter = whole_percent,
) -> Markup:
    """One line per series over the ``x_labels`` (oldest first); a legend under the plot."""
    legend_rows = math.ceil(len(series) / 3)
    frame_bottom = height - 46 - 18 * legend_rows
    low = value_floor([v for s in series for v in s.values])
    frame = Frame(left=56, top=16, width=width - 56 - 20, height=frame_bottom - 16, low=low, high=1.0)
    parts = _open(chart_id, width, height, title, desc)
    _y_axis(frame, parts, axis_label)
    count = len(x_labels)
    step = frame.width / (count - 1) if count > 1 else 0.0

    def x(index: int) -> float:
        return frame.left + (index * step if count > 1 else frame.width / 2)

    every = max(1, math.ceil(count / 8))  # at most about eight labels under the axis
    for index, text in enumerate(x_labels):
        if index % every == 0 or index == count - 1:
            # The first and last labels hang inwards, so that they stay inside the picture.
            anchor = "middle" if count == 1 else "start" if index == 0 else "end" if index == count - 1 else "middle"
            parts.append(
                f"<text x='{x(index):.1f}' y='{frame_bottom + 18:.1f}' text-anchor='{anchor}' fill='{TEXT}'>"
                f"{escape(text)}</text>"
            )
    for number, line in enumerate(series):
        colour, shape, dash = PALETTE[number % len(PALETTE)]
        values = [_check(v) for v in line.values[:count]]
        parts.append(f"<g class='series'><title>{escape(line.name)}</title>")
        run: list[str] = []
        runs: list[list[str]] = [run]
        for index, value in enumerate(values):
            if value is None:
                run = []
                runs.append(run)
                continue
            run.append(f"{x(index):.1f},{frame.y(max(value, low)):.1f}")
        dashing = f" stroke-dasharray='{dash}'" if dash else ""
        for points in runs:
            if len(points) > 1:
                parts.append(
                    f"<polyline points='{' '.join(points)}' fill='none' stroke='{colour}' stroke-width='2.5'{dashing}/>"
                )
        for index, value in enumerate(values):
            if value is not None:
                parts.append(_marker(shape, x(index), frame.y(max(value, low)), colour))
        parts.append("</g>")
    for number, line in enumerate(series):
        colour, shape, dash = PALETTE[number % len(PALETTE)]
        row, column = divmod(number, 3)
        lx = frame.left + column * (frame.width / 3)
        ly = frame_bottom + 40 + row * 18
        dashing = f" stroke-dasharray='{dash}'" if dash else ""
        parts.append(
            f"<line x1='{lx:.1f}' y1='{ly - 4:.1f}' x2='{lx + 24:.1f}' y2='{ly - 4:.1f}' stroke='{colour}' "
            f"stroke-width='2.5'{dashing}/>"
        )
        parts.append(_marker(shape, lx + 12, ly - 4, colour))
        parts.append(f"<text x='{lx + 30:.1f}' y='{ly:.1f}' fill='{TEXT}'>{escape(line.name)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - built here, every text escaped


def bar_chart(
    chart_id: str,
    *,
    title: str,
    desc: str,
    bars: Sequence[tuple[str, float | None]],
    width: int = 720,
    bar_height: int = 22,
    value_label: Formatter = percent,
    axis_label: Formatter = whole_percent,
) -> Markup:
    """Horizontal bars, one per label, with the value written at the end of each bar."""
    label_width = 150
    frame_top = 10
    height = frame_top + len(bars) * (bar_height + 8) + 34
    low = value_floor([value for _, value in bars])
    plot_width = width - label_width - 90
    parts = _open(chart_id, width, height, title, desc)
    axis_y = frame_top + len(bars) * (bar_height + 8)
    for index in range(6):
        value = low + (1 - low) * index / 5
        gx = label_width + plot_width * index / 5
        parts.append(
            f"<line x1='{gx:.1f}' y1='{frame_top}' x2='{gx:.1f}' y2='{axis_y}' stroke='{GRID}' stroke-width='0.5'/>"
        )
        parts.append(
            f"<text x='{gx:.1f}' y='{axis_y + 16}' text-anchor='middle' fill='{TEXT}'>"
            f"{escape(axis_label(value))}</text>"
        )
    colour = PALETTE[0][0]
    for index, (name, raw) in enumerate(bars):
        shown = _check(raw)
        top = frame_top + index * (bar_height + 8)
        middle = top + bar_height / 2 + 4
        parts.append(
            f"<text x='{label_width - 8}' y='{middle:.1f}' text-anchor='end' fill='{TEXT}'>{escape(name)}</text>"
        )
        if shown is None:
            parts.append(f"<text x='{label_width + 4}' y='{middle:.1f}' fill='{TEXT}'>–</text>")
            continue
        length = plot_width * (max(shown, low) - low) / (1 - low) if low < 1 else 0.0
        parts.append(
            f"<rect x='{label_width}' y='{top}' width='{length:.1f}' height='{bar_height}' fill='{colour}'>"
            f"<title>{escape(name)}: {escape(value_label(shown))}</title></rect>"
        )
        parts.append(
            f"<text x='{label_width + length + 6:.1f}' y='{middle:.1f}' fill='{TEXT}'>"
            f"{escape(value_label(shown))}</text>"
        )
    parts.append(f"<line x1='{label_width}' y1='{frame_top}' x2='{label_width}' y2='{axis_y}' stroke='{TEXT}'/>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - built here, every text escaped
