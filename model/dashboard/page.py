"""greyzone's dashboard: a Mesa SolaraViz page (`make app`, or `solara run model/dashboard/page.py`).

Controls (scenario, curb intensity, baseline approval rate, stockpile, coalition threshold,
concession) re-create the model on Reset; Play, Step and Reset drive it week by week. Charts:
Japan's shortfall by material, prices, China's share of Japan's supply and of supply outside
China (Japan and the rest-of-world buyers), the policy events, and
every firm's inventory cover against its perceived risk, coloured by sector, marked by list.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from model.dashboard import charts
from model.dashboard.controls import DashboardModel, controls, firm_view, material_series, policy_events
from model.dashboard.export import page_spec
from model.dashboard.vega import FigureSpec

TITLE = "greyzone: China's rare-earth leverage over Japan"


def line_chart(model: DashboardModel, metric: str, title: str, unit: str) -> dict:
    """The page spec of one recorded metric so far, one line per material: the chart's
    layout is drawn once (charts.lines), its rows replaced each week."""
    frame = material_series(model, metric)
    long = frame.rename_axis("date").reset_index()
    long = long.melt(id_vars="date", var_name="material", value_name="value")
    return _streamed(_layout(charts.lines, title, unit), long)


def firms_chart(model: DashboardModel) -> dict:
    """The page spec of every firm's inventory cover against its perceived risk, this week."""
    return _streamed(_layout(charts.firms, "Firms: cover against perceived risk"), firm_view(model))


STREAM = "table"  # the dataset a live chart's rows are sent in; the page redraws only its data


def _streamed(layout: dict, frame: pd.DataFrame) -> dict:
    """A live chart's spec: its fixed layout, this week's rows as the named dataset."""
    return {**layout, "datasets": {STREAM: charts.records(frame)}}


@cache
def _layout(builder, *args) -> dict:
    """A chart's page spec without its data (the same every week, so the page keeps the view
    it drew and replaces only the rows: model/dashboard/vegalite.vue)."""
    spec = page_spec(builder(pd.DataFrame(), *args))  # rows come as the STREAM dataset
    spec["data"] = {"name": STREAM}
    spec["usermeta"] = {"stream": STREAM}
    return spec


def series_chart(metric: str, title: str, unit: str):
    """A live chart of one recorded metric, one line per material."""

    @solara.component
    def Chart(model: DashboardModel):
        update_counter.get()
        FigureSpec(line_chart(model, metric, title, unit))  # the week is in the page's "Time"

    return Chart


ShortfallChart = series_chart("shortfall", "Japan's shortfall by material", "share of need unmet")
PriceChart = series_chart("price_multiple", "Prices outside China", "x pre-shock level")
ChinaShareChart = series_chart("china_share_of_supply", "China's share of Japan's supply", "share")
WorldShareChart = series_chart(
    "china_share_of_world_supply", "China's share of supply outside China (Japan and other buyers)", "share"
)


@solara.component
def PolicyEvents(model: DashboardModel):
    update_counter.get()
    events = policy_events(model)
    solara.Text(f"Policy events (week {model.week})", style={"font-weight": "bold"})
    if events.empty:
        solara.Text("none yet")
    else:
        solara.DataFrame(events, items_per_page=12)


@solara.component
def FirmView(model: DashboardModel):
    update_counter.get()
    FigureSpec(firms_chart(model))


# Play steps the model in one thread and redraws in another, so the model keeps the Play
# interval and the charts show the latest week as often as they can be drawn (benchmarks/explorer.md)
USE_THREADS = True
COMPONENTS = [ShortfallChart, PriceChart, ChinaShareChart, WorldShareChart, PolicyEvents, FirmView]


@solara.component
def LivePage():
    """The live model: controls, Play/Step/Reset, and the charts above (one model per visitor)."""
    model = solara.use_memo(DashboardModel, [])
    SolaraViz(model, components=COMPONENTS, model_params=controls(), name=TITLE, use_threads=USE_THREADS)


page = LivePage()
