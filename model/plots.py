"""Figures from tidy weekly tables (matplotlib, PNG)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

BANDS = ((0.05, 0.95, 0.18), (0.25, 0.75, 0.35))
PANELS = (
    ("shortfall", "Shortfall (% of need)", 100.0),
    ("price_multiple", "Ex-China spot price (x start)", 1.0),
    ("china_share_of_supply", "China's share of supply (%)", 100.0),
)


def quantiles(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Median and band quantiles of `value` across replications, per `by` and date."""
    levels = sorted({0.5, *(q for lo, hi, _ in BANDS for q in (lo, hi))})
    grouped = frame.groupby([*by, "date"], observed=True)["value"].quantile(levels)
    return grouped.unstack(-1).reset_index()


def _band(ax, q: pd.DataFrame, colour, label: str, scale: float) -> None:
    for lo, hi, alpha in BANDS:
        ax.fill_between(q["date"], q[lo] * scale, q[hi] * scale, color=colour, alpha=alpha, linewidth=0)
    ax.plot(q["date"], q[0.5] * scale, color=colour, label=label, linewidth=1.4)


def _dates(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)


def fan_chart(weekly: pd.DataFrame, materials: Sequence[str], path: Path, title: str) -> Path:
    """Fan chart of one scenario: median, 50% and 90% bands across replications."""
    colours = plt.get_cmap("tab10")
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), sharex=True)
    for ax, (metric, label, scale) in zip(axes.flat, PANELS, strict=False):
        rows = weekly[(weekly["metric"] == metric) & weekly["material"].isin(materials)]
        q = quantiles(rows, ["material"])
        for i, material in enumerate(materials):
            _band(ax, q[q["material"] == material], colours(i), material, scale)
        ax.set_ylabel(label)
        ax.legend(loc="best", fontsize=8)
        _dates(ax)
    ax = axes.flat[3]
    rows = weekly[weekly["metric"] == "value_added_lost_yen_all"]
    _band(ax, quantiles(rows, []), colours(len(materials)), "all sectors", 1e-9)
    ax.set_ylabel("Value added lost (billion yen/week)")
    ax.legend(loc="best", fontsize=8)
    _dates(ax)
    fig.suptitle(f"{title}\nmedian, 50% and 90% bands across replications", fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def comparison_chart(
    weekly: pd.DataFrame, material: str, path: Path, title: str, group: str = "scenario"
) -> Path:
    """Scenarios overlaid: shortfall and price of one material, China's share, value added lost."""
    colours = plt.get_cmap("tab10")
    panels = (
        (
            weekly[(weekly["metric"] == "shortfall") & (weekly["material"] == material)],
            f"Shortfall, {material} (% of need)",
            100.0,
        ),
        (
            weekly[(weekly["metric"] == "price_multiple") & (weekly["material"] == material)],
            f"Ex-China spot price, {material} (x start)",
            1.0,
        ),
        (
            weekly[weekly["metric"] == "china_share_of_supply_all"],
            "China's share of supply, all (%)",
            100.0,
        ),
        (
            weekly[weekly["metric"] == "value_added_lost_yen_all"],
            "Value added lost (billion yen/week)",
            1e-9,
        ),
    )
    groups = list(dict.fromkeys(weekly[group]))
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), sharex=True)
    for ax, (rows, label, scale) in zip(axes.flat, panels, strict=True):
        q = quantiles(rows, [group])
        for i, name in enumerate(groups):
            _band(ax, q[q[group] == name], colours(i), str(name), scale)
        ax.set_ylabel(label)
        ax.legend(loc="best", fontsize=8)
        _dates(ax)
    fig.suptitle(f"{title}\nmedian, 50% and 90% bands across replications", fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    path = Path(path)
    tmp = path.with_name(path.name + ".partial.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    return path
