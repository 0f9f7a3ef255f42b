"""`FigureVega`: an Altair chart on the page, rendered by vega-embed in the browser.

Solara's own VegaLite widget asks its CDN for `vega@5`, `vega-lite@5` and `vega-embed@6`,
which an offline server (solara-assets) only holds at exact versions; this widget names them
(model/dashboard/vegalite.vue), so the charts render without a network.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import solara
from solara.widgets import VegaLite

from model.dashboard.export import page_spec

TEMPLATE = Path(__file__).with_name("vegalite.vue")


class OfflineVegaLite(VegaLite):
    template_file = str(TEMPLATE)


@solara.component
def FigureVega(chart: alt.TopLevelMixin):
    """The chart as an interactive Vega-Lite view (hover, zoom, legend toggles, and
    vega-embed's own menu to save it as PNG or SVG)."""
    return FigureSpec(page_spec(chart))


@solara.component
def FigureSpec(spec: dict):
    """A Vega-Lite spec (a dict, e.g. `page_spec(chart)` with new data) as an interactive view."""
    return OfflineVegaLite.element(spec=spec)
