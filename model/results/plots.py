"""Figures (matplotlib, PNG) from tidy tables: fans, distributions, heatmaps, tornado,
the (leverage lost, pressure) frontier."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model.catalogue.units import PER_BILLION, PERCENT

BANDS = (("q05", "q95", 0.18), ("q25", "q75", 0.35))
PANELS = (
    ("shortfall", "Shortfall (% of need)", PERCENT),
    ("price_multiple", "Ex-China spot price (x start)", 1.0),
    ("china_share_of_supply", "China's share of supply (%)", PERCENT),
)
COLOURS = matplotlib.colormaps["tab10"]


def draw_bands(ax, q: pd.DataFrame, colour, label: str, scale: float) -> None:
    for lo, hi, alpha in BANDS:
        ax.fill_between(q["date"], q[lo] * scale, q[hi] * scale, color=colour, alpha=alpha, linewidth=0)
    ax.plot(q["date"], q["q50"] * scale, color=colour, label=label, linewidth=1.4)


def _dates(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)


def fan_chart(quantiles: pd.DataFrame, materials: Sequence[str], path: Path, title: str) -> Path:
    """One run: median, 50% and 90% bands across replications, per material.

    `quantiles`: metric, material, date, q05..q95 (see model.results.fans.FanPaths.quantiles).
    """
    fig, axes = subplots(2, 2, figsize=(12, 8), sharex=True)
    for ax, (metric, label, scale) in zip(axes.flat, PANELS, strict=False):
        for i, material in enumerate(materials):
            rows = quantiles[(quantiles["metric"] == metric) & (quantiles["material"] == material)]
            draw_bands(ax, rows, COLOURS(i), material, scale)
        ax.set_ylabel(label)
        ax.legend(loc="best", fontsize=8)
        _dates(ax)
    ax = axes.flat[3]
    rows = quantiles[quantiles["metric"] == "value_added_lost_yen_all"]
    draw_bands(ax, rows, COLOURS(len(materials)), "all sectors", PER_BILLION)
    ax.set_ylabel("Value added lost (billion yen/week)")
    ax.legend(loc="best", fontsize=8)
    _dates(ax)
    fig.suptitle(f"{title}\nmedian, 50% and 90% bands across replications", fontsize=11)
    fig.tight_layout()
    return save(fig, path)


def fan_overlay(quantiles: pd.DataFrame, material: str, path: Path, title: str) -> Path:
    """Cases overlaid: shortfall and price of one material, China's share, value added lost."""
    panels = (
        ("shortfall", material, f"Shortfall, {material} (% of need)", PERCENT),
        ("price_multiple", material, f"Ex-China spot price, {material} (x start)", 1.0),
        ("china_share_of_supply_all", "all", "China's share of Japan's supply, all materials (%)", PERCENT),
        ("value_added_lost_yen_all", "all", "Japan's value added lost (billion yen/week)", PER_BILLION),
    )
    labels = list(dict.fromkeys(quantiles["label"]))
    fig, axes = subplots(2, 2, figsize=(12, 8), sharex=True)
    for ax, (metric, mat, ylabel, scale) in zip(axes.flat, panels, strict=True):
        rows = quantiles[(quantiles["metric"] == metric) & (quantiles["material"] == mat)]
        for i, label in enumerate(labels):
            draw_bands(ax, rows[rows["label"] == label], COLOURS(i % 10), label, scale)
        ax.set_ylabel(ylabel)
        ax.legend(loc="best", fontsize=7)
        _dates(ax)
    fig.suptitle(f"{title}\nmedian, 50% and 90% bands across replications", fontsize=11)
    fig.tight_layout()
    return save(fig, path)


def distributions(values: dict[str, pd.DataFrame], path: Path, title: str) -> Path:
    """Box plots of outcomes across cases; `values` maps a panel title to (label, value) rows."""
    n = len(values)
    cols = 2 if n > 1 else 1
    rows = int(np.ceil(n / cols))
    fig, axes = subplots(rows, cols, figsize=(12, 3.2 * rows + 0.8), squeeze=False)
    for ax, (panel, frame) in zip(axes.flat, values.items(), strict=False):
        labels = list(dict.fromkeys(frame["label"]))
        data = [frame.loc[frame["label"] == label, "value"].dropna().to_numpy() for label in labels]
        ax.boxplot(
            data,
            whis=(5, 95),
            showfliers=False,
            patch_artist=True,
            boxprops={"facecolor": "#cfe2f3"},
            medianprops={"color": "black"},
        )
        ax.set_xticks(range(1, len(labels) + 1), labels, rotation=30, ha="right", fontsize=8)
        ax.set_title(panel, fontsize=10)
        ax.grid(alpha=0.3, axis="y")
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    fig.suptitle(f"{title}\nboxes: 25-75%, whiskers: 5-95% across replications", fontsize=11)
    fig.tight_layout()
    return save(fig, path)


def heatmap(grid: pd.DataFrame, x: str, y: str, path: Path, title: str, unit: str) -> Path:
    """A 2-D sweep: `grid` has columns x, y and value (the median of an outcome)."""
    table = grid.pivot_table(index=y, columns=x, values="value", aggfunc="first").sort_index(ascending=False)
    fig, ax = subplots(figsize=(7.5, 5.5))
    image = ax.imshow(table.to_numpy(dtype=float), aspect="auto", cmap="viridis")
    ax.set_xticks(
        range(len(table.columns)), [f"{c:g}" if isinstance(c, float) else str(c) for c in table.columns]
    )
    ax.set_yticks(
        range(len(table.index)), [f"{c:g}" if isinstance(c, float) else str(c) for c in table.index]
    )
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    for (i, j), value in np.ndenumerate(table.to_numpy(dtype=float)):
        ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=8, color="white")
    fig.colorbar(image, ax=ax, label=unit)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return save(fig, path)


def tornado(bars: pd.DataFrame, base: float, path: Path, title: str, unit: str) -> Path:
    """One-at-a-time sensitivity: bars with columns parameter, low, high (a case's value);
    a NaN side draws no bar."""
    span = (bars["high"].fillna(base) - bars["low"].fillna(base)).abs()
    bars = bars.assign(span=span).sort_values("span", kind="stable")
    fig, ax = subplots(figsize=(8, 0.45 * len(bars) + 1.8))
    ypos = np.arange(len(bars))
    low, high = (bars[side].fillna(base) - base for side in ("low", "high"))
    ax.barh(ypos, low, left=base, color="#4c72b0", label="parameter at its low value")
    ax.barh(ypos, high, left=base, color="#dd8452", label="parameter at its high value")
    ax.axvline(base, color="black", linewidth=1)
    ax.set_yticks(ypos, bars["parameter"])
    ax.set_xlabel(unit)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return save(fig, path)


def frontier(points: pd.DataFrame, means: pd.DataFrame, path: Path, title: str) -> Path:
    """The (leverage lost, pressure) frontier: one panel per weighting, one point per
    replication per case, case means with their bootstrap bands as error bars, 0 marked.

    `points`: label, weighting, leverage_lost (points), pressure (trillion yen), as
    model.results.efficiency.paired_points gives; `means`: label, weighting, pressure_mean,
    pressure_lo, pressure_hi, leverage_mean, leverage_lo, leverage_hi (efficiency_table).
    """
    weightings = list(dict.fromkeys(points["weighting"]))
    labels = list(dict.fromkeys(points["label"]))
    fig, axes = subplots(
        1, len(weightings), figsize=(5.2 * len(weightings) + 1, 5.2), squeeze=False, sharey=True
    )
    for ax, weighting in zip(axes.flat, weightings, strict=True):
        rows = points[points["weighting"] == weighting]
        cases = means[means["weighting"] == weighting]
        for i, label in enumerate(labels):
            colour = COLOURS(i % 10)
            mine = rows[rows["label"] == label]
            ax.scatter(mine["leverage_lost"], mine["pressure"], s=10, alpha=0.35, color=colour, label=label)
            for r in cases[cases["label"] == label].itertuples(index=False):
                if np.isnan(r.pressure_mean) or np.isnan(r.leverage_mean):
                    continue
                ax.errorbar(
                    [r.leverage_mean],
                    [r.pressure_mean],
                    xerr=_spread(r.leverage_mean, r.leverage_lo, r.leverage_hi),
                    yerr=_spread(r.pressure_mean, r.pressure_lo, r.pressure_hi),
                    fmt="D",
                    markersize=6,
                    color=colour,
                    markeredgecolor="black",
                    capsize=3,
                    zorder=5,
                )
        ax.axvline(0, color="grey", linewidth=0.9)
        ax.axhline(0, color="grey", linewidth=0.5, linestyle=":")
        ax.set_xlabel(f"Leverage lost by year 10, {weighting} (points vs counterfactual)")
        ax.set_title(weighting, fontsize=10)
        ax.grid(alpha=0.3)
    axes.flat[0].set_ylabel("Pressure, first 52 weeks (trillion yen vs counterfactual)")
    axes.flat[0].legend(loc="best", fontsize=7)
    fig.suptitle(f"{title}\ndots: replications; diamonds: case means with 90% bootstrap bands", fontsize=11)
    fig.tight_layout()
    return save(fig, path)


def _spread(mean: float, lo: float, hi: float) -> list[list[float]] | None:
    """Error-bar lengths below and above `mean` (None without a band)."""
    if np.isnan(lo) or np.isnan(hi):
        return None
    return [[max(mean - lo, 0.0)], [max(hi - mean, 0.0)]]


def subplots(*grid, figsize: tuple[float, float] | None = None, **options):
    """A figure and its axes outside pyplot's global state, so threads can draw at once."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(*grid, **options)


def save(fig, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial.png")
    fig.savefig(tmp, dpi=110, metadata={"Software": None})
    tmp.replace(path)
    return path
