"""Leverage efficiency as a statistic of a case: mean pressure over mean leverage lost.

Each replication is paired with its counterfactual (the same replication without China's
measure), so `pressure_*_yen` and `leverage_lost_*` are already differences against it.
A per-replication ratio explodes where leverage lost is near 0; the ratio of means, with a
percentile bootstrap band over replications (pressure and leverage resampled together, so
the pairing is kept), is divided only when leverage lost is clear of 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.catalogue.outcomes import ALL, LEVERAGE_WEIGHTINGS, OUTCOMES
from model.catalogue.units import PER_TRILLION
from model.results.summary import markdown_table

WEIGHTINGS = tuple(LEVERAGE_WEIGHTINGS)
PRESSURE = "pressure_52w_yen"
YEAR = 10
BAND = (5, 95)
RESAMPLES = 2000
MIN_REPLICATIONS = 2  # a bootstrap of one replication has no spread: no band, no verdict
OK, WITHIN_NOISE, GAINS, UNPAIRED, TOO_FEW = (
    "ok",
    "within noise",
    "gains leverage",
    "unpaired",
    "too few replications",
)
STATS = ("pressure", "leverage", "efficiency")
COLUMNS = (
    "weighting",
    "replications",
    *(f"{s}_{part}" for s in STATS for part in ("mean", "lo", "hi")),
    "verdict",
)


def leverage_outcome(weighting: str, year: int = YEAR) -> str:
    """The outcome name of leverage lost by `weighting` (tonnes, value, world) at `year`."""
    name = f"leverage_lost_{weighting}_y{year}"
    if name not in OUTCOMES:
        raise KeyError(f"{name}: no such outcome (model.catalogue.outcomes)")
    return name


def paired_points(
    outcomes: pd.DataFrame,
    by: Sequence[str],
    pressure: str = PRESSURE,
    year: int = YEAR,
    weightings: Sequence[str] = WEIGHTINGS,
) -> pd.DataFrame:
    """One row per replication and weighting: the `by` keys, replication, weighting,
    pressure (trillion yen), leverage_lost (points) and paired (1/0; 1 when not recorded).

    Pressure is read at sector "all", leverage lost at material "all"; a replication missing
    either is left out.
    """
    if pressure not in OUTCOMES:
        raise KeyError(f"{pressure}: no such outcome (model.catalogue.outcomes)")
    by = list(by)
    keys = [*by, *(k for k in ("job",) if k in outcomes and k not in by), "replication"]
    value = _column(outcomes, pressure, "sector", keys, "pressure")
    value["pressure"] *= PER_TRILLION
    paired = outcomes[
        (outcomes["outcome"] == "paired") & outcomes["material"].isna() & outcomes["sector"].isna()
    ]
    if len(paired):
        flags = paired[keys].assign(paired=paired["value"].to_numpy(dtype=float))
        value = value.merge(flags.drop_duplicates(keys), on=keys, how="left")
    else:
        value["paired"] = np.nan
    value["paired"] = value["paired"].fillna(1.0)
    parts = []
    for weighting in weightings:
        lost = _column(outcomes, leverage_outcome(weighting, year), "material", keys, "leverage_lost")
        merged = value.merge(lost, on=keys, how="inner", sort=False)
        merged.insert(len(keys), "weighting", weighting)
        parts.append(merged)
    columns = [*keys, "weighting", "pressure", "paired", "leverage_lost"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def _column(outcomes: pd.DataFrame, outcome: str, where: str, keys: list[str], name: str) -> pd.DataFrame:
    rows = outcomes[(outcomes["outcome"] == outcome) & (outcomes[where] == ALL)]
    return rows[keys].assign(**{name: rows["value"].to_numpy(dtype=float)}).drop_duplicates(keys)


def bootstrap_means(
    pressure: np.ndarray, leverage: np.ndarray, resamples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Means of pressure and leverage over `resamples` resamples of the replications with
    replacement, the same indices for both (vectorised: resamples x replications)."""
    index = rng.integers(0, len(pressure), size=(resamples, len(pressure)))
    return pressure[index].mean(axis=1), leverage[index].mean(axis=1)


def case_efficiency(
    pressure: np.ndarray,
    leverage: np.ndarray,
    resamples: int = RESAMPLES,
    seed: int = 0,
    band: tuple[float, float] = BAND,
) -> dict[str, float | str]:
    """Means, bootstrap bands and efficiency (mean pressure / mean leverage lost) of one case.

    Efficiency and its band are NaN unless leverage lost's band excludes 0.
    """
    pressure = np.asarray(pressure, dtype=float)
    leverage = np.asarray(leverage, dtype=float)
    row: dict[str, float | str] = {"replications": len(pressure)}
    row.update({f"{s}_{part}": np.nan for s in STATS for part in ("mean", "lo", "hi")})
    if len(pressure) == 0:
        return {**row, "verdict": UNPAIRED}
    row.update(pressure_mean=float(pressure.mean()), leverage_mean=float(leverage.mean()))
    if len(pressure) < MIN_REPLICATIONS:
        return {**row, "verdict": TOO_FEW}
    means_p, means_l = bootstrap_means(pressure, leverage, resamples, np.random.default_rng(seed))
    row.update(zip(("pressure_lo", "pressure_hi"), np.percentile(means_p, band), strict=True))
    low, high = np.percentile(means_l, band)
    row.update(leverage_lo=float(low), leverage_hi=float(high))
    if low <= 0.0 <= high:
        return {**row, "verdict": WITHIN_NOISE}
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = means_p / means_l
    row["efficiency_mean"] = row["pressure_mean"] / row["leverage_mean"]
    row.update(zip(("efficiency_lo", "efficiency_hi"), np.percentile(ratios, band), strict=True))
    return {**row, "verdict": GAINS if high < 0.0 else OK}


def efficiency_table(
    outcomes: pd.DataFrame,
    by: list[str],
    pressure: str = PRESSURE,
    year: int = YEAR,
    weightings: Sequence[str] = WEIGHTINGS,
    resamples: int = RESAMPLES,
    seed: int = 0,
    band: tuple[float, float] = BAND,
) -> pd.DataFrame:
    """One row per group of `by` and weighting: replications, pressure (trillion yen), leverage
    lost (points) and efficiency (trillion yen per point), each as mean, lo, hi (the `band`
    percentiles of a bootstrap over replications), and a verdict.

    Verdicts: "ok"; "gains leverage" (leverage lost's whole band < 0: China's share rises);
    "within noise" (its band includes 0: efficiency NaN, never divided); "unpaired" (no
    replication paired with a counterfactual: all NaN); "too few replications" (one: no band).
    Every group's bootstrap starts from `seed`, so a group's row does not depend on the others.
    """
    by = list(by)
    points = paired_points(outcomes, by, pressure, year, weightings)
    groups = _groups(outcomes, by)
    records = []
    for key in groups:
        frame = points[_matches(points, by, key)]
        for weighting in weightings:
            rows = frame[frame["weighting"] == weighting]
            usable = rows[(rows["paired"] == 1) & rows["pressure"].notna() & rows["leverage_lost"].notna()]
            stats = case_efficiency(
                usable["pressure"].to_numpy(), usable["leverage_lost"].to_numpy(), resamples, seed, band
            )
            records.append({**dict(zip(by, key, strict=True)), "weighting": weighting, **stats})
    return pd.DataFrame.from_records(records, columns=[*by, *COLUMNS])


def _groups(outcomes: pd.DataFrame, by: list[str]) -> list[tuple]:
    """The groups of `by` in order of first appearance (one empty group without `by`)."""
    if not by:
        return [()]
    return list(dict.fromkeys(outcomes[by].itertuples(index=False, name=None)))


def _matches(frame: pd.DataFrame, by: list[str], key: tuple) -> np.ndarray:
    """Rows of `frame` in the group `key` of `by` (a missing key value matches missing values)."""
    mask = np.ones(len(frame), dtype=bool)
    for name, value in zip(by, key, strict=True):
        column = frame[name]
        mask &= (column.isna() if pd.isna(value) else column == value).to_numpy()
    return mask


def format_efficiency(table: pd.DataFrame, label: str = "label") -> list[str]:
    """The efficiency table as markdown lines: one row per case (`label`) and weighting."""
    header = [
        "case",
        "weighting",
        "n",
        "pressure, mean (trillion yen)",
        "leverage lost, mean (points)",
        "efficiency (trillion yen per point)",
        "verdict",
    ]
    rows = [
        [
            str(getattr(r, label)) if label in table else "all",
            r.weighting,
            str(r.replications),
            _band(r.pressure_mean, r.pressure_lo, r.pressure_hi, "{:.3f}"),
            _band(r.leverage_mean, r.leverage_lo, r.leverage_hi, "{:.2f}"),
            _band(r.efficiency_mean, r.efficiency_lo, r.efficiency_hi, "{:.3g}"),
            r.verdict,
        ]
        for r in table.itertuples(index=False)
    ]
    return markdown_table(header, rows)


def _band(mean: float, lo: float, hi: float, fmt: str) -> str:
    if np.isnan(mean):
        return "-"
    if np.isnan(lo):
        return fmt.format(mean)
    return f"{fmt.format(mean)} [{fmt.format(lo)}, {fmt.format(hi)}]"


__all__ = [
    "BAND",
    "GAINS",
    "OK",
    "RESAMPLES",
    "TOO_FEW",
    "UNPAIRED",
    "WEIGHTINGS",
    "WITHIN_NOISE",
    "bootstrap_means",
    "case_efficiency",
    "efficiency_table",
    "format_efficiency",
    "leverage_outcome",
    "paired_points",
]
