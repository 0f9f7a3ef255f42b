"""Figures of the exploration studies (matplotlib, PNG) from tidy tables."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from model.explore.evaluate import SCALARS
from model.results.plots import save


def _label(outcome: str) -> str:
    return SCALARS[outcome][1] if outcome in SCALARS else outcome.replace("_", " ")


def _grid(n: int) -> tuple[plt.Figure, np.ndarray]:
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(7.2 * cols, 4.2 * rows), squeeze=False)
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
    fig, axes = plt.subplots(1, 3, figsize=(18, 4.6))
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

    ax = axes[2]
    frame = comparison.iloc[::-1]
    colour = ["#4477aa" if role == "fit" else "#ee7733" for role in frame["role"]]
    ax.barh(frame["target"], frame["log_ratio"], color=colour)
    ax.barh(frame["target"], frame["tolerance"], color="none", edgecolor="grey", linestyle="--")
    ax.barh(frame["target"], -frame["tolerance"], color="none", edgecolor="grey", linestyle="--")
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("log(model / record); dashed: tolerance; blue fit, orange held out")
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title("Every target")
    fig.tight_layout()
    return save(fig, path)
