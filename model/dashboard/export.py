"""A chart as PNG or SVG (vl-convert renders the Vega-Lite spec, no browser) and its data as CSV."""

from __future__ import annotations

import altair as alt
import pandas as pd
import vl_convert

PNG_SCALE = 2.0  # pixels per chart unit: sharp in a printed report
PAGE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.2.0.json"  # the Vega-Lite the page loads


def png(chart: alt.TopLevelMixin) -> bytes:
    """The chart as a PNG image."""
    return vl_convert.vegalite_to_png(chart.to_dict(), scale=PNG_SCALE)


def svg(chart: alt.TopLevelMixin) -> bytes:
    """The chart as an SVG image (UTF-8)."""
    return vl_convert.vegalite_to_svg(chart.to_dict()).encode()


def csv(frame: pd.DataFrame) -> bytes:
    """A chart's data as CSV (UTF-8)."""
    return frame.to_csv(index=False).encode()


def page_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's spec for the page, which serves Vega-Lite 5 offline (solara-assets).

    Not validated against the schema here (it costs more than drawing the chart, and the
    live page draws every week); the tests validate every chart's spec."""
    spec = chart.to_dict(validate=False)
    spec["$schema"] = PAGE_SCHEMA
    return spec
