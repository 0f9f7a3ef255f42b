"""Figures of the exploration studies (matplotlib, PNG) from tidy tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from model.explore.evaluate import SCALARS
from model.explore.targets import Episode
from model.results.plots import save, subplots


def _label(outcome: str) -> str:
    return SCALARS[outcome][1] if outcome in SCALARS else outcome.replace("_", " ")


def _grid(n: int) -> tuple[Figure, np.ndarray]:
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig, axes = subplots(rows, cols, figsize=(7.2 * cols, 4.2 * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def morris_bars(indices: pd.DataFrame, path: Path, top: int = 12) -> Path:
    """mu* with its confidence interval, the `top` parameters per outcome."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    fig, axes = _grid(len(outcomes))
    for ax, outcome in zip(axes, outcomes, strict=False):
        frame = indices[indices["outcome"] == outcome].nlargest(top, "mu_star").iloc[::-1]
        ax.barh(frame["parameter"], frame["mu_star"], xerr=frame["mu_star_conf"], color="#4477aa", capsize=2)
        ax.set_title(_label(outcome), fontsize=9)
        ax.set_xlabel("Morris mu* (outcome units per full range)")
        ax.tick_params(axis="y", labelsize=7)
    fig.suptitle("Morris screening: most influential seeded parameters")
    fig.tight_layout()
    return save(fig, path)


def sobol_bars(indices: pd.DataFrame, path: Path) -> Path:
    """First-order and total Sobol indices with confidence intervals, per outcome."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    fig, axes = _grid(len(outcomes))
    for ax, outcome in zip(axes, outcomes, strict=False):
        frame = indices[indices["outcome"] == outcome].sort_values("ST").reset_index(drop=True)
        y = np.arange(len(frame))
        ax.barh(
            y - 0.2,
            frame["S1"],
            0.4,
            xerr=frame["S1_conf"],
            label="first order S1",
            color="#66ccee",
            capsize=2,
        )
        ax.barh(
            y + 0.2, frame["ST"], 0.4, xerr=frame["ST_conf"], label="total ST", color="#aa3377", capsize=2
        )
        ax.set_yticks(y, frame["parameter"], fontsize=7)
        ax.set_xlabel("share of output variance")
        ax.set_title(_label(outcome), fontsize=9)
        ax.axvline(0, color="black", linewidth=0.6)
    axes[0].legend(fontsize=8, loc="lower right")
    fig.suptitle("Sobol indices (bars: 95% bootstrap intervals)")
    fig.tight_layout()
    return save(fig, path)


def prim_tradeoffs(trajectories: dict[str, tuple[pd.DataFrame, int]], path: Path) -> Path:
    """Coverage against density along each question's peeling trajectory; chosen box marked."""
    fig, axes = _grid(len(trajectories))
    for ax, (question, (trajectory, chosen)) in zip(axes, trajectories.items(), strict=False):
        points = ax.scatter(
            trajectory["coverage"], trajectory["density"], c=trajectory["res_dim"], cmap="viridis", s=18
        )
        ax.scatter(
            [trajectory["coverage"][chosen]],
            [trajectory["density"][chosen]],
            s=120,
            facecolors="none",
            edgecolors="red",
            label="chosen box",
        )
        ax.set_xlabel("coverage")
        ax.set_ylabel("density")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_title(question, fontsize=9)
        ax.legend(fontsize=8, loc="lower left")
        fig.colorbar(points, ax=ax, label="restricted dimensions")
    fig.suptitle("PRIM peeling trajectories")
    fig.tight_layout()
    return save(fig, path)


def calibration_figure(
    comparison: pd.DataFrame, imports: pd.DataFrame, prices: pd.DataFrame, records: pd.DataFrame, path: Path
) -> Path:
    """The replay against the record: imports by month, price paths, every target's log ratio.

    imports: month, origin, observed, model_mean, model_p5, model_p95;
    prices: date, material, q05, q50, q95; records: date, material, observed (price multiples).
    """
    fig, axes = subplots(1, 3, figsize=(18, 4.6))
    ax = axes[0]
    x = np.arange(len(imports))
    ax.bar(x - 0.2, imports["observed"], 0.4, label="record (METI)", color="#bbbbbb")
    err = [imports["model_mean"] - imports["model_p5"], imports["model_p95"] - imports["model_mean"]]
    ax.bar(
        x + 0.2, imports["model_mean"], 0.4, yerr=err, label="model (mean, 5-95%)", color="#4477aa", capsize=3
    )
    ax.set_xticks(
        x, [f"{m}\n{o}" for m, o in zip(imports["month"], imports["origin"], strict=True)], fontsize=8
    )
    ax.set_ylabel("Japan's imports, t per month")
    ax.set_title("Imports during and after the 2010 halt")
    ax.legend(fontsize=8)

    ax = axes[1]
    colours = {"Dy": "#aa3377", "NdPr": "#228833", "Tb": "#ee6677"}
    for material, frame in prices.groupby("material", sort=False):
        colour = colours.get(material, "#4477aa")
        ax.fill_between(frame["date"], frame["q05"], frame["q95"], color=colour, alpha=0.2, linewidth=0)
        ax.plot(frame["date"], frame["q50"], color=colour, label=f"{material} model (median, 5-95%)")
    for _, row in records.iterrows():
        ax.scatter(
            [row["date"]],
            [row["observed"]],
            color=colours.get(row["material"], "black"),
            marker="D",
            zorder=5,
        )
        ax.annotate(
            f"{row['material']} record",
            (row["date"], row["observed"]),
            fontsize=7,
            xytext=(4, 4),
            textcoords="offset points",
        )
    ax.set_ylabel("ex-China price, x mid-2010 level")
    ax.set_title("Oxide prices into 2011")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.legend(fontsize=7)

    frame = comparison.iloc[::-1]
    _log_ratio_bars(axes[2], frame, frame["log_ratio"], frame["role"] == "fit")
    axes[2].set_xlabel("log(model / record); dashed: tolerance; blue fit, orange held out")
    fig.tight_layout()
    return save(fig, path)


def validation_figure(episode: Episode, card: pd.DataFrame, paths: pd.DataFrame, path: Path) -> Path:
    """One episode against the record: Japan's monthly imports, price paths, every target's log ratio.

    card: the episode's scorecard rows; paths: series, month, q05, q50, q95 (monthly, from the runs).
    """
    targets = {t.name: t for t in episode.targets}
    fig, axes = subplots(1, 3, figsize=(18, 4.6))
    colours = {"imports_china": "#4477aa", "imports_total": "#228833"}
    ax = axes[0]
    if not (card["kind"] == "monthly_imports").any() and (paths["series"] == "exports_vs_normal").any():
        _exports_panel(ax, episode, card, paths, targets)
    exports = ax.has_data()
    for series, label in (("imports_china", "from China"), ("imports_total", "in total")):
        if exports:
            break
        frame = paths[paths["series"] == series]
        if frame.empty:
            continue
        ax.fill_between(
            frame["month"], frame["q05"], frame["q95"], color=colours[series], alpha=0.2, linewidth=0
        )
        ax.plot(frame["month"], frame["q50"], color=colours[series], label=f"model {label} (median, 5-95%)")
    for row in card[card["kind"] == "monthly_imports"].itertuples():
        t = targets[row.target]
        when = dt_month(t.month)
        ax.scatter(
            [when],
            [row.record],
            color=colours["imports_total" if t.origin.startswith("total") else "imports_china"],
            marker="D",
            edgecolor="black",
            zorder=5,
        )
    if not exports and ax.has_data():
        ax.set_ylabel("Japan's imports, t per month")
        ax.set_title(f"{episode.name}: Japan's imports (diamonds: record in t)")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)

    ax = axes[1]
    palette = ["#aa3377", "#228833", "#ee6677", "#4477aa"]
    prices = sorted({s for s in paths["series"] if s.startswith("price_")})
    for k, series in enumerate(prices):
        frame = paths[paths["series"] == series]
        colour = palette[k % len(palette)]
        material = series.removeprefix("price_")
        ax.fill_between(frame["month"], frame["q05"], frame["q95"], color=colour, alpha=0.2, linewidth=0)
        ax.plot(frame["month"], frame["q50"], color=colour, label=f"{material} model (median, 5-95%)")
        for row in card[card["kind"] == "price_multiple"].itertuples():
            t = targets[row.target]
            if t.material == material:
                ax.plot([dt_day(t.start), dt_day(t.end)], [row.record, row.record], color=colour, linewidth=3)
    ax.set_ylabel("ex-China price, x start of the replay")
    ax.set_title("Prices (bars: record over its window)")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    if prices:
        ax.legend(fontsize=7)
    else:
        ax.set_visible(False)

    frame = card.iloc[::-1]
    ratio = frame["log_ratio"].clip(-3, 3).fillna(0.0)
    _log_ratio_bars(axes[2], frame, ratio, frame["role"] == "in_sample")
    axes[2].set_xlabel("log(model median / record), within ±3; dashed: tolerance")
    for ax in axes[:2]:
        if not ax.has_data():
            ax.set_visible(False)
    fig.tight_layout()
    return save(fig, path)


def _log_ratio_bars(ax: Axes, frame: pd.DataFrame, ratio: pd.Series, fitted: pd.Series) -> None:
    """Each target's log ratio (blue: fitted, orange: held out) inside its dashed tolerance."""
    ax.barh(frame["target"], ratio, color=["#4477aa" if f else "#ee7733" for f in fitted])
    for sign in (1, -1):
        ax.barh(frame["target"], sign * frame["tolerance"], color="none", edgecolor="grey", linestyle="--")
    ax.axvline(0, color="black", linewidth=0.6)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title("Every target (blue: in-sample, orange: held out)")


def _exports_panel(
    ax: Axes, episode: Episode, card: pd.DataFrame, paths: pd.DataFrame, targets: dict
) -> None:
    """China's exports of the targets' materials, each month over its normal month."""
    frame = paths[paths["series"] == "exports_vs_normal"]
    ax.fill_between(frame["month"], frame["q05"], frame["q95"], color="#4477aa", alpha=0.2, linewidth=0)
    materials = next(t.materials for t in episode.targets if t.kind == "exports_vs_normal")
    ax.plot(
        frame["month"], frame["q50"], color="#4477aa", label=f"model, {'+'.join(materials)} (median, 5-95%)"
    )
    for row in card[card["kind"] == "exports_vs_normal"].itertuples():
        ax.scatter(
            [dt_month(targets[row.target].month)],
            [row.record],
            color="#4477aa",
            marker="D",
            edgecolor="black",
            zorder=5,
        )
    ax.axhline(1.0, color="grey", linewidth=0.6)
    ax.set_ylabel("China's exports, x normal month")
    ax.set_title(f"{episode.name}: China's exports (diamonds: record)")


def dt_month(month: str) -> dt.date:
    """The middle of a YYYY-MM month, where a monthly record is drawn."""
    return dt.date.fromisoformat(f"{month}-15")


def dt_day(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


def posterior_figure(table: pd.DataFrame, parameters: list, generations: pd.DataFrame, path: Path) -> Path:
    """Weighted marginals of the posterior over each prior range (the seeded value marked), and
    epsilon per generation."""
    fig, axes = _grid(len(parameters) + 1)
    weights = table["weight"].to_numpy(dtype=float)
    for ax, p in zip(axes, parameters, strict=False):
        ax.hist(table[p.name], bins=20, range=(p.low, p.high), weights=weights, color="#4477aa")
        ax.axvline(p.base, color="#cc6677", linestyle="--", linewidth=1, label="seeded value")
        ax.set_xlim(p.low, p.high)
        ax.set_title(p.name, fontsize=9)
        ax.set_yticks([])
    axes[0].legend(fontsize=7)
    ax = axes[len(parameters)]
    ax.plot(generations["t"], generations["epsilon"], marker="o", color="#222222")
    ax.set_xlabel("generation")
    ax.set_title("epsilon (distance, tolerance units)", fontsize=9)
    for extra in axes[len(parameters) + 1 :]:
        extra.set_visible(False)
    fig.suptitle("Posterior (ABC-SMC) over the prior ranges")
    fig.tight_layout()
    return save(fig, path)
