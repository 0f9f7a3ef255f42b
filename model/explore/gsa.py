"""Global sensitivity analysis with SALib: Morris screening, then Sobol indices.

Designs are drawn in the unit cube and mapped onto each parameter's seeded range, so
Morris effects are in outcome units per whole range of a parameter and comparable across
parameters. Analysis functions take the tidy evaluation table, not model objects.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from model.explore.evaluate import as_matrix
from model.explore.space import Parameter, scale_unit


def _unit_problem(parameters: Sequence[Parameter]) -> dict:
    return {
        "num_vars": len(parameters),
        "names": [p.name for p in parameters],
        "bounds": [[0.0, 1.0]] * len(parameters),
    }


def morris_design(
    parameters: Sequence[Parameter], trajectories: int, levels: int, seed: int
) -> tuple[np.ndarray, pd.DataFrame]:
    """Morris trajectories: the unit design and its parameter values ((k+1) x trajectories rows)."""
    unit = morris_sample.sample(_unit_problem(parameters), trajectories, num_levels=levels, seed=seed)
    return unit, scale_unit(unit, parameters)


def morris_indices(
    parameters: Sequence[Parameter],
    unit: np.ndarray,
    table: pd.DataFrame,
    outcomes: Sequence[str],
    levels: int,
    seed: int,
) -> pd.DataFrame:
    """Morris mu, mu*, sigma and mu* confidence per outcome and parameter (tidy)."""
    frames = []
    for outcome in outcomes:
        y = _complete(as_matrix(table, outcome, len(unit)), outcome)
        result = morris_analyze.analyze(_unit_problem(parameters), unit, y, num_levels=levels, seed=seed)
        frame = pd.DataFrame(
            {
                "parameter": result["names"],
                "mu": result["mu"],
                "mu_star": result["mu_star"],
                "sigma": result["sigma"],
                "mu_star_conf": result["mu_star_conf"],
            }
        )
        top = frame["mu_star"].max()
        frame["mu_star_relative"] = frame["mu_star"] / top if top > 0 else 0.0
        frame.insert(0, "outcome", outcome)
        frames.append(frame.sort_values("mu_star", ascending=False, kind="stable"))
    return pd.concat(frames, ignore_index=True)


def top_parameters(indices: pd.DataFrame, per_outcome: int, relative: float) -> list[str]:
    """Union over outcomes of the `per_outcome` highest-mu* parameters with mu* >= `relative` of the top."""
    chosen: list[str] = []
    for _, frame in indices.groupby("outcome", sort=False):
        ranked = frame.sort_values("mu_star", ascending=False, kind="stable")
        ranked = ranked[ranked["mu_star_relative"] >= relative].head(per_outcome)
        chosen.extend(name for name in ranked["parameter"] if name not in chosen)
    return chosen


def sobol_design(
    parameters: Sequence[Parameter], base_samples: int, seed: int
) -> tuple[np.ndarray, pd.DataFrame]:
    """Saltelli/Sobol design (first and total order): base_samples x (k + 2) rows."""
    unit = sobol_sample.sample(_unit_problem(parameters), base_samples, calc_second_order=False, seed=seed)
    return unit, scale_unit(unit, parameters)


def sobol_indices(
    parameters: Sequence[Parameter],
    unit: np.ndarray,
    table: pd.DataFrame,
    outcomes: Sequence[str],
    resamples: int,
    confidence: float,
    seed: int,
) -> pd.DataFrame:
    """First-order (S1) and total (ST) indices with bootstrap confidence half-widths (tidy)."""
    frames = []
    for outcome in outcomes:
        y = _complete(as_matrix(table, outcome, len(unit)), outcome)
        if np.ptp(y) == 0:
            zeros = np.zeros(len(parameters))
            result = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
        else:
            result = sobol_analyze.analyze(
                _unit_problem(parameters),
                y,
                calc_second_order=False,
                num_resamples=resamples,
                conf_level=confidence,
                seed=seed,
            )
        frames.append(
            pd.DataFrame(
                {
                    "outcome": outcome,
                    "parameter": [p.name for p in parameters],
                    "S1": result["S1"],
                    "S1_conf": result["S1_conf"],
                    "ST": result["ST"],
                    "ST_conf": result["ST_conf"],
                }
            ).sort_values("ST", ascending=False, kind="stable")
        )
    return pd.concat(frames, ignore_index=True)


def _complete(y: np.ndarray, outcome: str) -> np.ndarray:
    """Outcomes with no value (NaN) cannot enter SALib's estimators: refuse them by name."""
    missing = int(np.isnan(y).sum())
    if missing:
        raise ValueError(
            f"outcome '{outcome}' is missing at {missing} design points; "
            "pick an outcome defined at every point"
        )
    return y
