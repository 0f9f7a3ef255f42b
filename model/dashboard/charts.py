"""Interactive charts (Altair, Vega-Lite) of the tidy tables in model/api/views.py.

Every builder takes a tidy table and returns an `alt.Chart`: hover shows values, the wheel
zooms and drag pans, and clicking a case in the legend toggles it. The data travel inline
(`alt.Data(values=...)`), so a chart is one self-contained spec that the page renders and
model/dashboard/export.py turns into PNG or SVG.
"""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd

from model.api.views import QUANTILE_COLUMNS
from model.results.report import Tornado

WIDTH, HEIGHT = 640, 300
LIVE_WIDTH = 400  # a live chart fits a cell of the live page's grid, legend included
CASE_TITLE = "case (click to toggle)"
LABEL_LIMIT = 420  # legend label width, pixels: a what-if's label names its overrides
FADED = 0.06  # opacity of a case toggled off in the legend


def data(frame: pd.DataFrame) -> alt.Data:
    """A table as inline Vega-Lite data: dates as ISO text, NaN as null."""
    return alt.Data(values=records(frame))


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows of a table as JSON-ready dicts (dates as ISO text, NaN as null), fast: the
    live page redraws every chart each week."""
    out = frame.copy(deep=False)
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return json.loads(out.to_json(orient="records", date_format="iso"))


def _cases(frame: pd.DataFrame) -> tuple[alt.Parameter, alt.Color]:
    """The legend-bound case toggle and the case colour."""
    toggle = alt.selection_point(fields=["label"], bind="legend")
    colour = alt.Color(
        "label:N",
        title=CASE_TITLE,
        sort=list(dict.fromkeys(frame["label"])),
        legend=alt.Legend(labelLimit=LABEL_LIMIT),
    )
    return toggle, colour


def _opacity(toggle: alt.Parameter, on: float) -> alt.OpacityValue:
    return alt.condition(toggle, alt.value(on), alt.value(FADED * on))


def fan(bands: pd.DataFrame, title: str, unit: str) -> alt.LayerChart:
    """Median line, 50% and 90% bands per case, overlaid (views.bands)."""
    toggle, colour = _cases(bands)
    base = alt.Chart(data(bands)).encode(x=alt.X("date:T", title=None), color=colour)
    q05, q25, q50, q75, q95 = QUANTILE_COLUMNS
    outer = base.mark_area().encode(
        y=alt.Y(f"{q05}:Q", title=unit), y2=f"{q95}:Q", opacity=_opacity(toggle, 0.15)
    )
    inner = base.mark_area().encode(y=f"{q25}:Q", y2=f"{q75}:Q", opacity=_opacity(toggle, 0.3))
    median = base.mark_line(strokeWidth=1.6).encode(y=f"{q50}:Q", opacity=_opacity(toggle, 1.0))
    tooltip = [
        alt.Tooltip("label:N", title="case"),
        alt.Tooltip("date:T", title="week of"),
        alt.Tooltip(f"{q50}:Q", title="median", format=".4~g"),
        alt.Tooltip(f"{q25}:Q", title="25%", format=".4~g"),
        alt.Tooltip(f"{q75}:Q", title="75%", format=".4~g"),
        alt.Tooltip(f"{q05}:Q", title="5%", format=".4~g"),
        alt.Tooltip(f"{q95}:Q", title="95%", format=".4~g"),
        alt.Tooltip("replications:Q"),
    ]
    hover = base.mark_point(size=40, filled=True, opacity=0.001).encode(y=f"{q50}:Q", tooltip=tooltip)
    layers = alt.layer(outer, inner, median, hover).add_params(toggle)
    return layers.properties(title=title, width=WIDTH, height=HEIGHT).interactive(bind_y=False)


def frontier(points: pd.DataFrame, title: str, weighting: str) -> alt.Chart:
    """One point per replication: leverage lost against pressure (views.frontier)."""
    toggle, colour = _cases(points)
    chart = (
        alt.Chart(data(points))
        .mark_circle(size=46)
        .encode(
            x=alt.X("leverage_lost:Q", title=f"leverage lost, points ({weighting}, vs counterfactual)"),
            y=alt.Y("pressure:Q", title="pressure, first 52 weeks (trillion yen vs counterfactual)"),
            color=colour,
            opacity=_opacity(toggle, 0.75),
            tooltip=[
                alt.Tooltip("label:N", title="case"),
                alt.Tooltip("replication:Q"),
                alt.Tooltip("pressure:Q", format=".3f", title="pressure (tn yen)"),
                alt.Tooltip("leverage_lost:Q", format=".3f", title="leverage lost (points)"),
            ],
        )
        .add_params(toggle)
    )
    zero = (
        alt.Chart(data(pd.DataFrame({"x": [0.0]}))).mark_rule(strokeDash=[4, 3], color="grey").encode(x="x:Q")
    )
    return (zero + chart).properties(title=title, width=WIDTH, height=HEIGHT).interactive()


def distribution(values: pd.DataFrame, title: str, unit: str) -> alt.Chart:
    """Histograms of one outcome per case, overlaid (views.outcome_values)."""
    toggle, colour = _cases(values)
    finite = values[np.isfinite(values["value"].to_numpy(dtype=float))]
    return (
        alt.Chart(data(finite))
        .mark_bar(binSpacing=0)
        .encode(
            x=alt.X("value:Q", bin=alt.Bin(maxbins=40), title=unit or "value"),
            y=alt.Y("count():Q", stack=None, title="replications"),
            color=colour,
            opacity=_opacity(toggle, 0.5),
            tooltip=[
                alt.Tooltip("label:N", title="case"),
                alt.Tooltip("value:Q", bin=alt.Bin(maxbins=40), title="bin"),
                alt.Tooltip("count():Q", title="replications"),
            ],
        )
        .add_params(toggle)
        .properties(title=title, width=WIDTH, height=HEIGHT)
        .interactive(bind_y=False)
    )


def heatmap(grid: pd.DataFrame, x: str, y: str, title: str, unit: str) -> alt.LayerChart:
    """Median of an outcome over a 2-D sweep (views.grid), one cell per point. The swept keys
    are dotted config keys, which Vega-Lite would read as nested fields: the data name them
    x and y, the axes show the keys."""
    cells_data = grid.rename(columns={x: "x", y: "y"})
    base = alt.Chart(data(cells_data)).encode(
        x=alt.X("x:O", title=x), y=alt.Y("y:O", title=y, sort="descending")
    )
    cells = base.mark_rect().encode(
        color=alt.Color("value:Q", title=unit or "median", scale=alt.Scale(scheme="viridis")),
        tooltip=[
            alt.Tooltip("x:O", title=x),
            alt.Tooltip("y:O", title=y),
            alt.Tooltip("value:Q", format=".4~g", title="median"),
            alt.Tooltip("replications:Q"),
        ],
    )
    labels = base.mark_text(fontSize=10, color="white").encode(text=alt.Text("value:Q", format=".3~g"))
    return alt.layer(cells, labels).properties(title=title, width=WIDTH, height=HEIGHT)


def tornado(bars: Tornado, title: str) -> alt.LayerChart:
    """One-at-a-time bars around the base case's value (views.tornado)."""
    rows = bars.bars.melt(
        id_vars="parameter", value_vars=["low", "high"], var_name="side", value_name="value"
    )
    rows["base"] = bars.base
    order = list(
        bars.bars.assign(span=(bars.bars["high"] - bars.bars["low"]).abs()).sort_values(
            "span", ascending=False
        )["parameter"]
    )
    base = alt.Chart(data(rows)).encode(y=alt.Y("parameter:N", sort=order, title=None))
    drawn = base.mark_bar(opacity=0.8).encode(
        x=alt.X("value:Q", title=bars.unit),
        x2="base:Q",
        color=alt.Color("side:N", title="parameter at", scale=alt.Scale(domain=["low", "high"])),
        tooltip=[
            "parameter:N",
            "side:N",
            alt.Tooltip("value:Q", format=".4~g"),
            alt.Tooltip("base:Q", format=".4~g"),
        ],
    )
    rule = alt.Chart(data(pd.DataFrame({"base": [bars.base]}))).mark_rule(color="black").encode(x="base:Q")
    subtitle = [bars.note] if bars.note else []
    return alt.layer(drawn, rule).properties(
        title=alt.Title(title, subtitle=subtitle), width=WIDTH, height=max(120, 28 * len(order))
    )


def timeline(events: pd.DataFrame, title: str) -> alt.LayerChart:
    """China's instrument intensity over time per case (one replication), with each event's cause."""
    toggle, colour = _cases(events)
    base = alt.Chart(data(events)).encode(
        x=alt.X("date:T", title=None),
        y=alt.Y("intensity:Q", title="intensity of China's instrument"),
        color=colour,
    )
    path = base.mark_line(interpolate="step-after").encode(opacity=_opacity(toggle, 1.0))
    marks = base.mark_point(filled=True, size=60).encode(
        shape=alt.Shape("kind:N", title="event"),
        opacity=_opacity(toggle, 1.0),
        tooltip=[
            alt.Tooltip("label:N", title="case"),
            alt.Tooltip("date:T", title="week of"),
            "instrument:N",
            alt.Tooltip("intensity:Q", format=".2f"),
            "cause:N",
            "kind:N",
        ],
    )
    return (
        alt.layer(path, marks)
        .add_params(toggle)
        .properties(title=title, width=WIDTH, height=HEIGHT)
        .interactive(bind_y=False)
    )


def lines(frame: pd.DataFrame, title: str, unit: str) -> alt.Chart:
    """One line per material of a live model's weekly metric (frame: date, material, value)."""
    return (
        alt.Chart(data(frame))
        .mark_line(strokeWidth=1.3)
        .encode(
            x=alt.X("date:T", title=None),
            y=alt.Y("value:Q", title=unit),
            color=alt.Color("material:N", title="material"),
            tooltip=[
                "material:N",
                alt.Tooltip("date:T", title="week of"),
                alt.Tooltip("value:Q", format=".4~g"),
            ],
        )
        .properties(title=title, width=LIVE_WIDTH, height=220)
    )


def firms(frame: pd.DataFrame, title: str) -> alt.Chart:
    """Every firm's inventory cover against its perceived risk, by sector and list status."""
    return (
        alt.Chart(data(frame))
        .mark_point(filled=True, size=26, opacity=0.7)
        .encode(
            x=alt.X("perceived_risk:Q", title="perceived risk (licensed materials)"),
            y=alt.Y("cover_weeks:Q", title="inventory cover (weeks of need)"),
            color=alt.Color("sector:N", title="sector"),
            shape=alt.Shape("list_status:N", title="list"),
            tooltip=[
                "sector:N",
                "list_status:N",
                alt.Tooltip("perceived_risk:Q", format=".3f"),
                alt.Tooltip("cover_weeks:Q", format=".1f"),
            ],
        )
        .properties(title=title, width=LIVE_WIDTH, height=240)
    )
