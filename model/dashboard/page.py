"""greyzone's dashboard: a Mesa SolaraViz page (`make app`, or `solara run model/dashboard/page.py`).

Controls (scenario, curb intensity, baseline approval rate, stockpile, coalition threshold,
concession) re-create the model on Reset; Play, Step and Reset drive it week by week. Charts:
Japan's shortfall by material, prices, China's share of Japan's supply and of supply outside
China (Japan and the rest-of-world buyers), the policy events, and
every firm's inventory cover against its perceived risk, coloured by sector, marked by list.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from model.dashboard.controls import DashboardModel, controls, firm_view, material_series, policy_events

MARKERS = {"none": "o", "watch": "^", "entity": "X"}


def _line_chart(model: DashboardModel, metric: str, title: str, ylabel: str) -> Figure:
    frame = material_series(model, metric)
    fig = Figure(figsize=(6.2, 3.2))
    ax = fig.subplots()
    for material in frame.columns:
        ax.plot(frame.index, frame[material], label=material, linewidth=1.2)
    ax.set_title(f"{title} (week {model.week})", fontsize=10)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=3, loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def series_chart(metric: str, title: str, ylabel: str):
    """A live chart of one recorded metric, one line per material."""

    @solara.component
    def Chart(model: DashboardModel):
        update_counter.get()
        solara.FigureMatplotlib(_line_chart(model, metric, title, ylabel))

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
    firms = firm_view(model)
    fig = Figure(figsize=(6.2, 3.6))
    ax = fig.subplots()
    colours = dict(zip(sorted(firms["sector"].unique()), plt.get_cmap("tab10").colors, strict=False))
    for (sector, status), group in firms.groupby(["sector", "list_status"]):
        ax.scatter(
            group["perceived_risk"],
            group["cover_weeks"],
            s=14,
            alpha=0.7,
            color=colours[sector],
            marker=MARKERS[status],
            label=f"{sector}" if status == "none" else None,
        )
    for status, marker in MARKERS.items():
        ax.scatter([], [], color="grey", marker=marker, label=f"list: {status}")
    ax.set_xlabel("perceived risk (licensed materials)")
    ax.set_ylabel("inventory cover (weeks of need)")
    ax.set_title(f"Firms: cover against perceived risk (week {model.week})", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="upper right")
    fig.tight_layout()
    solara.FigureMatplotlib(fig)


model = DashboardModel()
page = SolaraViz(
    model,
    components=[ShortfallChart, PriceChart, ChinaShareChart, WorldShareChart, PolicyEvents, FirmView],
    model_params=controls(),
    name="greyzone: China's rare-earth leverage over Japan",
)
page  # noqa: B018
